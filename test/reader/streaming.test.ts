import { describe, expect, it } from "vitest";
import { threadKey, type ThreadKey } from "../../base/index.js";
import { prepareReader, computeReport, runFlamegraph, type TraceSource, type TextOutput } from "../../reader/index.js";
import { EventKind, type EventChunk, type ModuleRecord } from "../../tracefile/types.js";

/**
 * A trace source that generates Run(n)/fib/leaf events on the fly, chunk by chunk (reusing
 * one set of column buffers): what the reader keeps is all that can grow.
 */
function fibSource(n: number, repeat: number): TraceSource & { events: number; peakHeap: number } {
  const key = threadKey(0x81001000);
  const module: ModuleRecord = {
    index: 0, name: "fib.dll", path: "", base: 0x10000000, size: 0x5000, timeDateStamp: 0, checksum: 0,
    exportNames: [{ rva: 0x1090, name: "Run" }], debugBlock: new Uint8Array(0), functionRvas: [0x1010, 0x1020, 0x1090], firstFunctionId: 0,
  };
  const CH = 65536;
  const kind = new Uint8Array(CH);
  const ts = new Float64Array(CH);
  const fn = new Int32Array(CH);
  const esp = new Uint32Array(CH);
  const value = new Uint32Array(CH);
  const source = {
    header: { formatMajor: 1, formatMinor: 0, clock: { kind: "guest-instructions" as const, unit: "instructions", description: "" }, cpus: 1, toolVersion: "t", commandLine: [], argCount: 0, mode: "user" },
    modules: [module],
    threads: [{ key, process: 4, thread: 8, startAddress: 0 }],
    damage: [],
    complete: true,
    events: 0,
    peakHeap: 0,
    *chunks(thread?: ThreadKey): Generator<EventChunk> {
      if (thread !== undefined && thread !== key) return;
      let used = 0;
      let clock = 0;
      let sp = 0x12ff00;
      const chunk = (count: number): EventChunk => ({ thread: key, count, kind, ts, fn, esp, value, args: new Uint32Array(0) });
      const pending: EventChunk[] = [];
      const push = (k: EventKind, f: number) => {
        kind[used] = k;
        ts[used] = clock;
        fn[used] = f;
        esp[used] = sp;
        clock += 3;
        if (++used === CH) {
          pending.push(chunk(used));
          used = 0;
        }
      };
      // Recursion unrolled with an explicit stack, yielding whenever a chunk is full.
      for (let r = 0; r < repeat; r++) {
        const stack: [number, number][] = [];
        push(EventKind.Entry, 2);
        stack.push([n, 0]);
        push(EventKind.Entry, 1);
        sp -= 12;
        while (stack.length > 0) {
          const top = stack[stack.length - 1]!;
          const [k, state] = top;
          if (k < 2) {
            push(EventKind.Entry, 0);
            push(EventKind.Exit, 0);
            stack.pop();
            sp += 12;
            push(EventKind.Exit, 1);
          } else if (state < 2) {
            top[1] = state + 1;
            stack.push([k - 1 - state, 0]);
            sp -= 12;
            push(EventKind.Entry, 1);
          } else {
            stack.pop();
            sp += 12;
            push(EventKind.Exit, 1);
          }
          while (pending.length > 0) {
            source.events += pending[0]!.count;
            source.peakHeap = Math.max(source.peakHeap, process.memoryUsage().heapUsed);
            yield pending.shift()!;
          }
        }
        sp += 12;
        push(EventKind.Exit, 2);
      }
      if (used > 0) {
        source.events += used;
        yield chunk(used);
      }
    },
  };
  return source;
}

const sinkOutput = (): TextOutput & { bytes: number } => {
  const o = { bytes: 0, write: (s: string) => void (o.bytes += s.length), close: () => {} };
  return o;
};

describe("large traces stream", () => {
  it("report and folded flame graph over millions of events keep memory flat", () => {
    const measure = (repeat: number, run: (src: TraceSource) => void) => {
      globalThis.gc?.();
      const base = process.memoryUsage().heapUsed;
      const src = fibSource(20, repeat);
      run(src);
      return { events: src.events, growth: src.peakHeap - base };
    };
    const report = (src: TraceSource) => {
      const ctx = prepareReader(src, { env: {}, warn: () => {} });
      const rows = computeReport(ctx);
      expect(rows.find((r) => r.function === "Run")!.calls).toBeGreaterThan(0);
    };
    const folded = (src: TraceSource) => {
      const ctx = prepareReader(src, { env: {}, warn: () => {} });
      runFlamegraph(ctx, sinkOutput(), { format: "folded" });
    };
    // fib(20): 21891 fib + 10946 leaf + 1 Run = 32838 frames = 65676 events per repeat.
    const small = measure(8, report);
    const large = measure(48, report); // ~3.2 M events
    expect(large.events).toBe(48 * 65676);
    // No per-event state: 6× the events may not cost more than a few MB more heap.
    expect(large.growth - small.growth).toBeLessThan(24 * 1024 * 1024);
    const f = measure(48, folded);
    expect(f.growth).toBeLessThan(small.growth + 24 * 1024 * 1024);
  });
});
