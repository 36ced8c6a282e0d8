/**
 * The reader commands through the built CLI, on traces `ntrace run … -o` records (npm test
 * builds dist/ first): must show 2 as a user sees it.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ntrace } from "../cli/cli.js";
import { ROOT } from "./helpers.js";
import { checkTraceEvents } from "./trace-event-check.js";

const dir = mkdtempSync(join(tmpdir(), "ntrace-reader-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function record(sample: string, call: string): string {
  const out = join(dir, `${call.replace(":", "_")}.ntrace`);
  const r = ntrace(["run", sample, "--call", call, "-o", out]);
  expect(r.status, r.stderr).toBe(0);
  return out;
}

describe("reader commands on `ntrace run` traces", () => {
  it("report --json gives fib.dll Run(25)'s exact call counts", () => {
    const trace = record("samples/fib/fib.dll", "Run:25");
    const r = ntrace(["report", trace, "--json", "--symbol-path", join(ROOT, "samples/fib")]);
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { function: string; calls: number }[];
    const calls = (n: string) => rows.find((x) => x.function === n)?.calls;
    expect([calls("Run"), calls("fib"), calls("leaf")]).toEqual([1, 242785, 121393]);
  });

  it("replay shows Run(4)'s tree; flamegraph chrome/folded; dump; stack", () => {
    const trace = record("samples/fib/fib.dll", "Run:4");
    const sp = ["--symbol-path", join(ROOT, "samples/fib")];
    const replay = ntrace(["replay", trace, "--include", "Run", ...sp]);
    expect(replay.status, replay.stderr).toBe(0);
    const shape = (t: string) => t.split("\n").filter((l) => l.includes(" | ")).map((l) => l.split(" | ")[1]);
    expect(shape(replay.stdout)).toEqual(shape(readFileSync(join(ROOT, "test/golden/reader/replay-fib-run4.txt"), "utf8")));
    const chromeFile = join(dir, "t.json");
    const chrome = ntrace(["flamegraph", trace, "--format", "chrome", "-o", chromeFile, ...sp]);
    expect(chrome.status, chrome.stderr).toBe(0);
    expect(checkTraceEvents(JSON.parse(readFileSync(chromeFile, "utf8")))).toEqual([]);
    const folded = ntrace(["flamegraph", trace, ...sp]);
    expect(folded.stdout).toMatch(/^thread 0x[0-9a-f]{8};fib!Run;fib!fib;fib!fib;fib!fib;fib!fib;fib!leaf \d+$/m);
    const dump = ntrace(["dump", trace, ...sp]);
    expect(dump.stdout.split("\n").filter((l) => / entry +fib!leaf /.test(l))).toHaveLength(5);
    const stack = ntrace(["stack", trace, ...sp]);
    expect(stack.stdout).toContain("fib!Run");
  });

  it("usage errors are one line, no stack trace", () => {
    const r = ntrace(["report", join(dir, "missing.ntrace")]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    const trace = record("samples/fib/fib.dll", "Run:2");
    const bad = ntrace(["report", trace, "--thread", "zz"]);
    expect(bad.stderr).toMatch(/^ntrace: --thread "zz": expected a KTHREAD address in hex/);
  });
});
