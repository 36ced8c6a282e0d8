import { describe, expect, it } from "vitest";
import { MemorySink, openTraceBytes, rewriteTrace } from "../../tracefile/index.js";
import { replay, sample, traceRun } from "./helpers.js";

/** Function id of a named function: the module table's RVAs matched against the tracer's listing. */
function idOf(r: ReturnType<typeof traceRun>, module: string, name: string): number {
  const trace = openTraceBytes(r.result.bytes!);
  const m = trace.modules.find((x) => x.name === module)!;
  const rva = fnRva.get(`${module}:${name}`)!;
  return m.firstFunctionId + m.functionRvas.indexOf(rva);
}
const fnRva = new Map<string, number>();

describe("fib traced (must show 2)", () => {
  for (const image of ["fib/fib.dll", "fib/fib_msvc.dll"]) {
    it(`${image} Run(20): exact, nested entries and exits of fib and leaf`, async () => {
      const { listImageFunctions } = await import("../../bin/commands/functions.js");
      const module = image.split("/")[1]!;
      for (const f of listImageFunctions(sample(image), []).functions) fnRva.set(`${module}:${f.name}`, f.rva);
      const r = traceRun({ image: sample(image), call: { name: "Run", args: [20] } });
      expect(r.result.run.result).toBe(6765);
      const counts = replay(r.events);
      const fib = idOf(r, module, "fib");
      const leaf = idOf(r, module, "leaf");
      const run = idOf(r, module, "Run");
      expect(counts.entries.get(fib)).toBe(21891);
      expect(counts.exits.get(fib)).toBe(21891);
      expect(counts.entries.get(leaf)).toBe(10946);
      expect(counts.exits.get(leaf)).toBe(10946);
      expect(counts.entries.get(run)).toBe(1);
      expect(counts.maxDepth).toBe(1 + 20 + 1); // Run → fib(20) … fib(1) → leaf
    });
  }
});

describe("a traced run's trace writer", () => {
  it("encodes full chunks on its worker thread once the trace passes 8 (fib(25): 11 full chunks of 65,536 events), and the trace reads back exact", () => {
    const r = traceRun({ image: sample("fib/fib.dll"), call: { name: "Run", args: [25] } });
    expect(r.result.run.result).toBe(75025);
    // The first 8 full chunks are encoded before the worker starts, the next 3 go to it, and
    // the partly filled last one is encoded at close.
    expect(r.result.chunkEncoding).toEqual({ inWorker: 3, inline: 9 });
    const counts = replay(r.events);
    // fib(25) calls fib 242,785 times and leaf 121,393 times, each call entered and exited.
    expect([...counts.entries.values()].sort((a, b) => b - a).slice(0, 2)).toEqual([242785, 121393]);
    expect(counts.exits).toEqual(counts.entries);
    expect(r.events.length).toBeGreaterThan(11 * 65536);
    // The synchronous writer, copying the trace record by record, writes the same bytes.
    const copy = new MemorySink();
    rewriteTrace(openTraceBytes(r.result.bytes!), copy);
    expect(Buffer.from(copy.bytes()).equals(Buffer.from(r.result.bytes!))).toBe(true);
  });
});
