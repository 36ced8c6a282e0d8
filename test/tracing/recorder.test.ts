/**
 * The two recorders (runtime/tracing/README.md) must write the same events: the default hook
 * path and the in-guest path (`recorder: "guest"`: thunks record into per-thread guest
 * buffers; shadow stack in guest memory, spilled to the host when deep). Reference: the hook
 * path's trace of the same run; only timestamps may differ (the guest clock counts the
 * in-guest thunks' own instructions).
 */
import { describe, expect, it } from "vitest";
import { runImage } from "../../runtime/index.js";
import { runTraced, type TracedRunOptions } from "../../runtime/tracing/index.js";
import { EventKind, openTraceBytes, type TraceEvent } from "../../tracefile/index.js";
import { replay, sample } from "./helpers.js";
import { strictReplay } from "./strict.js";

/** Per thread (in key order), the events without timestamps. */
function eventsWithoutTime(bytes: Uint8Array): string[][] {
  const trace = openTraceBytes(bytes);
  return trace.threadKeys().map((k) => [...trace.events(k)].map((e: TraceEvent) => JSON.stringify({ ...e, ts: undefined })));
}

function both(options: TracedRunOptions): { hooks: ReturnType<typeof runTraced>; guest: ReturnType<typeof runTraced> } {
  return { hooks: runTraced({ ...options, recorder: "hooks" }), guest: runTraced({ ...options, recorder: "guest" }) };
}

describe("native hooks (the default) write the same events as the JS hooks", () => {
  it("the C helper is built and loads here (linux x64): the default recorder is native", () => {
    const r = runTraced({ image: sample("fib/fib.dll"), call: { name: "Run", args: [5] } });
    expect(r.recorder).toBe(process.platform === "linux" && process.arch === "x64" ? "native" : "hooks");
  });
  for (const [image, call, args] of [
    ["fib/fib.dll", "Run", [20]],
    ["fib/fib_msvc.dll", "Run", [20]],
    ["fib/fib.dll", "Deep", [10000]],
    ["seh/seh.dll", "RunAll", []],
    ["compress/compress_msvc.dll", "Run", [1]],
  ] as const) {
    it(`${image} ${call}(${args.join(",")}) with --args 2`, () => {
      const options = { image: sample(image), call: { name: call, args: [...args] }, args: 2 };
      const native = runTraced({ ...options, recorder: "native" });
      const hooks = runTraced({ ...options, recorder: "hooks" });
      expect(native.run.result).toBe(hooks.run.result);
      expect(native.stats.entries).toBeGreaterThan(0);
      // Timestamps differ by the thunk instructions (the JS-hook continuation stores the exit
      // thunk address itself; the native hook writes it from C), everything else is equal.
      expect(eventsWithoutTime(native.bytes!)).toEqual(eventsWithoutTime(hooks.bytes!));
      const trace = openTraceBytes(native.bytes!);
      for (const k of trace.threadKeys()) strictReplay(k, [...trace.events(k)]);
    });
  }
});

describe("in-guest recorder writes the same events as the hook recorder", () => {
  for (const image of ["fib/fib.dll", "fib/fib_msvc.dll"]) {
    it(`${image} Run(20) with --args 1`, () => {
      const { hooks, guest } = both({ image: sample(image), call: { name: "Run", args: [20] }, args: 1 });
      expect(guest.run.result).toBe(6765);
      expect(guest.stats.entries).toBe(32839);
      expect(eventsWithoutTime(guest.bytes!)).toEqual(eventsWithoutTime(hooks.bytes!));
    });
  }

  it("Deep(10000) with a 16 KiB buffer: frames spill to the host and come back, nothing lost", () => {
    const options = { image: sample("fib/fib.dll"), call: { name: "Deep", args: [10000] }, bufferBytes: 0x4000 };
    const { hooks, guest } = both(options);
    expect(guest.run.result).toBe(50005000);
    const events = [...openTraceBytes(guest.bytes!).events()];
    expect(replay(events).maxDepth).toBe(1 + 10001);
    expect(events.filter((e) => e.kind === EventKind.Lost)).toEqual([]);
    expect(guest.stats.lost).toBe(0);
    expect(eventsWithoutTime(guest.bytes!)).toEqual(eventsWithoutTime(hooks.bytes!));
  });

  it("seh.dll RunAll: the same UNWIND events (dead frames cut on entry, at exits and when a CONTEXT resumes)", () => {
    const { hooks, guest } = both({ image: sample("seh/seh.dll"), call: { name: "RunAll", args: [] } });
    expect(guest.run.result).toBe(hooks.run.result);
    expect(guest.stats.unwinds).toBeGreaterThan(0);
    expect(eventsWithoutTime(guest.bytes!)).toEqual(eventsWithoutTime(hooks.bytes!));
  });

  it("threads.exe --cpus 2 --quantum 37 (slices end inside thunks): same result as untraced, each thread balanced", () => {
    const image = sample("threads/threads.exe");
    const untraced = runImage({ image, cpus: 2, quantum: 37 });
    const r = runTraced({ image, cpus: 2, quantum: 37, recorder: "guest" });
    expect(r.run.failure).toBeUndefined();
    expect(r.run.threads).toEqual(untraced.threads);
    const trace = openTraceBytes(r.bytes!);
    for (const k of trace.threadKeys()) strictReplay(k, [...trace.events(k)]);
    expect(r.stats.entries).toBe(r.stats.exits + r.stats.unwinds + r.stats.unclosed);
  });

  it("guest clock stays deterministic: two identical runs give identical bytes", () => {
    const a = runTraced({ image: sample("fib/fib_msvc.dll"), call: { name: "Run", args: [10] }, recorder: "guest" });
    const b = runTraced({ image: sample("fib/fib_msvc.dll"), call: { name: "Run", args: [10] }, recorder: "guest" });
    expect(Buffer.from(a.bytes!).equals(Buffer.from(b.bytes!))).toBe(true);
  });
});
