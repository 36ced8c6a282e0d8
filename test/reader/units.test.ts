import { describe, expect, it } from "vitest";
import { parseDuration, formatDuration } from "../../reader/index.js";
import { globToRegExp } from "../../base/glob.js";

const NS = { kind: "host-monotonic" as const, unit: "ns", description: "" };
const INSN = { kind: "guest-instructions" as const, unit: "instructions", description: "" };

describe("durations", () => {
  it("parses thresholds in clock units and, for ns clocks, with time units", () => {
    expect(parseDuration("100", INSN)).toBe(100);
    expect(parseDuration("100", NS)).toBe(100);
    expect(parseDuration("10us", NS)).toBe(10_000);
    expect(parseDuration("1.5ms", NS)).toBe(1_500_000);
    expect(parseDuration("2s", NS)).toBe(2e9);
    expect(() => parseDuration("10us", INSN)).toThrow(/counts guest instructions/);
    expect(() => parseDuration("ten", NS)).toThrow(/expected a number/);
    expect(() => parseDuration("5 parsecs", NS)).toThrow(/unknown unit/);
  });
  it("formats uftrace-style", () => {
    expect(formatDuration(1234, NS)).toBe("1.234 us");
    expect(formatDuration(999, NS)).toBe("999.000 ns");
    expect(formatDuration(42, INSN)).toBe("42 insn");
  });
});

describe("globs", () => {
  it("match whole names with *, ? and classes", () => {
    expect(globToRegExp("fib*").test("fibonacci")).toBe(true);
    expect(globToRegExp("fib*").test("xfib")).toBe(false);
    expect(globToRegExp("l?af").test("leaf")).toBe(true);
    expect(globToRegExp("[!a-k]eaf").test("leaf")).toBe(true);
    expect(globToRegExp("[!a-l]eaf").test("leaf")).toBe(false);
    expect(globToRegExp("a.b").test("axb")).toBe(false);
    expect(() => globToRegExp("[abc")).toThrow(/not closed/);
  });
});

describe("function matching", () => {
  it("matches plain names, or module!name when the glob has a '!'", async () => {
    const { matchFunctions } = await import("../../base/glob.js");
    const names = { functionCount: 3, name: (i: number) => ["leaf", "fib", "Run"][i]!, qualified: (i: number) => ["fib!leaf", "fib!fib", "other!Run"][i]! };
    expect(Array.from(matchFunctions(["fib!*"], names)!)).toEqual([1, 1, 0]);
    expect(Array.from(matchFunctions(["[!f]*"], names)!)).toEqual([1, 0, 1]);
    expect(Array.from(matchFunctions(["R*", "leaf"], names)!)).toEqual([1, 0, 1]);
    expect(matchFunctions([], names)).toBeNull();
  });
});
