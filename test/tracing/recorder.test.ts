/**
 * The two recorders (runtime/tracing/README.md "Recorders") must write the same events: the
 * native C hooks (default) and the JS hooks. Reference: the JS hooks' trace of the same run;
 * only timestamps may differ. Every comparison checks that the two runs really used different
 * recorders (a silent fallback would compare the JS hooks with themselves).
 *
 * The helper (runtime/tracing/native/libntrace_hooks.so) is built by scripts/install-deps.sh,
 * which the README's quick start and .ci/run run: under CI=true a missing helper FAILS here;
 * elsewhere the native tests are skipped (vitest lists them as skipped) and the fallback is
 * checked instead.
 */
import { describe, expect, it } from "vitest";
import { runImage } from "../support/runs.js";
import { runTraced } from "../support/runs.js";
import { nativeLibraryPath, nativeSupported } from "../../runtime/engine/index.js";
import { openTraceBytes, type TraceEvent } from "../../tracefile/index.js";
import { sample } from "./helpers.js";
import { strictReplay } from "./strict.js";

const built = nativeLibraryPath() !== undefined;
const inCi = process.env["CI"] === "true";
const native = nativeSupported() && process.env["NTRACE_NO_NATIVE"] === undefined && (built || inCi);

/** Per thread (in key order), the events without timestamps. */
function eventsWithoutTime(bytes: Uint8Array): string[][] {
  const trace = openTraceBytes(bytes);
  return trace.threadKeys().map((k) => [...trace.events(k)].map((e: TraceEvent) => JSON.stringify({ ...e, ts: undefined })));
}

describe("the default recorder", () => {
  it.runIf(native)("is native on linux x64 (the helper is built by scripts/install-deps.sh)", () => {
    expect(nativeLibraryPath(), "runtime/tracing/native/libntrace_hooks.so is missing: run scripts/install-deps.sh (or sh runtime/tracing/native/build.sh)").toBeDefined();
    const r = runTraced({ image: sample("fib/fib.dll"), call: { name: "Run", args: [5] } });
    expect(r.recorder).toBe("native");
    expect(r.fallbackNote).toBeUndefined();
  });

  it.runIf(!native)("falls back to the JS hooks with a note when the helper is not there", () => {
    const r = runTraced({ image: sample("fib/fib.dll"), call: { name: "Run", args: [5] } });
    expect(r.recorder).toBe("hooks");
    expect(r.run.result).toBe(5);
    if (nativeSupported() && process.env["NTRACE_NO_NATIVE"] === undefined) expect(r.fallbackNote).toMatch(/^native hook helper not built \(build it: sh \/\S+\/runtime\/tracing\/native\/build\.sh\); using JS hooks, about 3× slower$/);
  });
});

describe.runIf(native)("native hooks write the same events as the JS hooks", () => {
  for (const [image, call, args] of [
    ["fib/fib.dll", "Run", [20]],
    ["fib/fib_msvc.dll", "Run", [20]],
    ["fib/fib.dll", "Deep", [10000]],
    ["seh/seh.dll", "RunAll", []],
    ["compress/compress_msvc.dll", "Run", [1]],
  ] as const) {
    it(`${image} ${call}(${args.join(",")}) with --args 2`, () => {
      const options = { image: sample(image), call: { name: call, args: [...args] }, args: 2 };
      const n = runTraced({ ...options, recorder: "native" });
      const h = runTraced({ ...options, recorder: "hooks" });
      expect([n.recorder, h.recorder]).toEqual(["native", "hooks"]);
      expect(n.run.result).toBe(h.run.result);
      expect(n.stats.entries).toBeGreaterThan(0);
      // Timestamps differ by the thunk instructions (the JS-hook continuation stores the exit
      // thunk address itself; the native hook writes it from C), everything else is equal.
      expect(eventsWithoutTime(n.bytes!)).toEqual(eventsWithoutTime(h.bytes!));
      const trace = openTraceBytes(n.bytes!);
      for (const k of trace.threadKeys()) strictReplay(k, [...trace.events(k)]);
    });
  }

  it("threads.exe --cpus 2 --quantum 37 (slices end between entry and exit hooks): same result as untraced, same events as the JS hooks", () => {
    const image = sample("threads/threads.exe");
    const untraced = runImage({ image, cpus: 2, quantum: 37 });
    const n = runTraced({ image, cpus: 2, quantum: 37, recorder: "native" });
    const h = runTraced({ image, cpus: 2, quantum: 37, recorder: "hooks" });
    expect([n.recorder, h.recorder]).toEqual(["native", "hooks"]);
    expect(n.run.failure).toBeUndefined();
    expect(n.run.threads).toEqual(untraced.threads);
    expect(eventsWithoutTime(n.bytes!)).toEqual(eventsWithoutTime(h.bytes!));
    const trace = openTraceBytes(n.bytes!);
    for (const k of trace.threadKeys()) strictReplay(k, [...trace.events(k)]);
    expect(n.stats.entries).toBe(n.stats.exits + n.stats.unwinds + n.stats.unclosed);
  });

  it("guest clock stays deterministic with the native recorder: two identical runs give identical bytes", () => {
    const a = runTraced({ image: sample("fib/fib_msvc.dll"), call: { name: "Run", args: [10] }, recorder: "native" });
    const b = runTraced({ image: sample("fib/fib_msvc.dll"), call: { name: "Run", args: [10] }, recorder: "native" });
    expect(a.recorder).toBe("native");
    expect(Buffer.from(a.bytes!).equals(Buffer.from(b.bytes!))).toBe(true);
  });
});
