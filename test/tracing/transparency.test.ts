import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runImage } from "../support/runs.js";
import { EventKind } from "../../tracefile/index.js";
import { ROOT, replay, sample, traceRun } from "./helpers.js";

interface Expected {
  image: string;
  call: string;
  args: number[];
  result?: number;
  expect?: string;
  load?: string[];
  allowMissingImports?: boolean;
}
const expected = (JSON.parse(readFileSync(join(ROOT, "samples/expected.json"), "utf8")) as Expected[]).filter(
  (e) => e.result !== undefined && e.expect === undefined && !(e.args[0] !== undefined && e.args[0] >= 25 && e.image.includes("fib")),
);

describe("transparency (must show 3): same result traced and untraced, all functions instrumented", () => {
  for (const e of expected) {
    it(`${e.image} ${e.call}(${e.args.join(",")}) = ${e.result}`, () => {
      const load = (e.load ?? []).map((l) => join(ROOT, l));
      const call = { name: e.call, args: e.args };
      const allowMissingImports = e.allowMissingImports ?? false;
      let loadError: string | undefined;
      let untraced: ReturnType<typeof runImage>;
      try {
        untraced = runImage({ image: join(ROOT, e.image), call, load, allowMissingImports });
      } catch (err) {
        // The machine cannot run it at all (test/runtime's business): tracing must fail the same way.
        loadError = err instanceof Error ? err.message : String(err);
        expect(() => traceRun({ image: join(ROOT, e.image), call, load, allowMissingImports })).toThrow(loadError);
        return;
      }
      const traced = traceRun({ image: join(ROOT, e.image), call, load, allowMissingImports });
      const signed = (v: number | undefined) => (v === undefined ? undefined : v | 0);
      // The property: tracing changes nothing. (Whether the untraced machine computes the
      // written-down result is test/runtime's business; where it does, so must the traced run.)
      expect({ traced: signed(traced.result.run.result), failure: traced.result.run.failure }).toEqual({ traced: signed(untraced.result), failure: untraced.failure });
      if (signed(untraced.result) === signed(e.result)) expect(signed(traced.result.run.result)).toBe(signed(e.result));
      if (!e.image.includes("nopad")) expect(traced.result.stats.patched).toBeGreaterThan(0);
      replay(traced.events);
    });
  }
});

describe("deep recursion (must show 7)", () => {
  it("Deep(10000) on fib.dll is traced completely: entries = exits, nothing lost", () => {
    const r = traceRun({ image: sample("fib/fib.dll"), call: { name: "Deep", args: [10000] } });
    expect(r.result.run.result).toBe(50005000);
    const counts = replay(r.events);
    const total = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    expect(total(counts.entries)).toBe(total(counts.exits));
    expect(counts.maxDepth).toBe(1 + 10001);
    expect(r.events.filter((ev) => ev.kind === EventKind.Lost)).toEqual([]);
  });
});

describe("attach/detach mid-run (must show 6)", () => {
  it("fib.dll Run(20) attached and detached inside the recursion: result unchanged, no spurious exits, bytes restored", () => {
    // Run(20) spans only the end of the process (Wine's DLLs start up first, the runner loads
    // fib.dll): attach and detach at 30 % and 60 % of Run's own span in a fully traced run (the
    // guest clock before the attach is the untraced one, so both points land inside the recursion).
    const plain = traceRun({ image: sample("fib/fib.dll"), call: { name: "Run", args: [20] } });
    const runId = plain.events.find((e) => e.kind === EventKind.Entry && plain.nameOf(e.fn) === "fib.dll!1090")!.fn; // Run (RVA 0x1090)
    const runEntry = plain.events.find((e) => e.kind === EventKind.Entry && e.fn === runId)!.ts;
    const runExit = plain.events.find((e) => e.kind === EventKind.Exit && e.fn === runId)!.ts;
    const span = runExit - runEntry;
    const attachAt = runEntry + Math.floor(span * 0.3);
    const detachAt = runEntry + Math.floor(span * 0.6);
    const r = traceRun({ image: sample("fib/fib.dll"), call: { name: "Run", args: [20] }, attachAt, detachAt, quantum: 997, keepFinalImages: true });
    expect(r.result.run.result).toBe(6765);
    // Attached inside the recursion: Run itself (entered before the attach) is never entered in
    // the trace, and every recorded event lies between the two points.
    expect(r.events.some((e) => e.kind === EventKind.Entry && e.fn === runId)).toBe(false);
    const recorded = r.events.filter((e) => e.kind === EventKind.Entry || e.kind === EventKind.Exit);
    expect(recorded[0]!.ts).toBeGreaterThanOrEqual(attachAt);
    expect(recorded.at(-1)!.ts).toBeLessThanOrEqual(detachAt);
    // Entries happened only while attached; every exit matches an entry (replay throws otherwise);
    // frames open at detach are closed as UNCLOSED, never as exits.
    const counts = replay(r.events);
    const entries = [...counts.entries.values()].reduce((a, b) => a + b, 0);
    expect(entries).toBeGreaterThan(100);
    expect(r.events.filter((e) => e.kind === EventKind.Unclosed).length).toBeGreaterThan(0);
    // The image bytes after detach are identical to an untraced load of the same image.
    const bytes = r.result.finalImages!.get("fib.dll")!;
    const original = noTraceImage("fib/fib.dll");
    expect(Buffer.from(bytes).equals(Buffer.from(original))).toBe(true);
  });
});

/** The mapped image bytes of an untraced run (tracing nothing: an exclude-all filter). */
function noTraceImage(image: string): Uint8Array {
  const r = traceRun({ image: sample(image), call: { name: "Run", args: [2] }, exclude: ["*"], keepFinalImages: true });
  return r.result.finalImages!.get(image.split("/")[1]!)!;
}

describe("guest clock", () => {
  it("two identical runs give identical trace bytes", () => {
    const a = traceRun({ image: sample("fib/fib_msvc.dll"), call: { name: "Run", args: [10] }, args: 1 });
    const b = traceRun({ image: sample("fib/fib_msvc.dll"), call: { name: "Run", args: [10] }, args: 1 });
    expect(a.result.bytes!.length).toBeGreaterThan(100);
    expect(Buffer.from(a.result.bytes!).equals(Buffer.from(b.result.bytes!))).toBe(true);
    const first = a.events.find((e) => e.kind === EventKind.Entry && e.args !== undefined && e.args[0] === 10);
    expect(first).toBeDefined();
  });
});
