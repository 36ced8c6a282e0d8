import { describe, expect, it } from "vitest";
import { threadKey } from "../../base/index.js";
import {
  CallTreeError,
  RepairingCallTreeBuilder,
  StrictThreadBuilder,
  runDump,
  runFlamegraph,
  runReplay,
  runReport,
  runStack,
  traceInfo,
  StringOutput,
  type FrameSink,
  type ThreadInfo,
} from "../../reader/index.js";
import { EventKind, type EventChunk } from "../../tracefile/types.js";
import { openTraceBytes } from "../../tracefile/index.js";
import { ROOT, fibProcedures, sampleModule, newTrace, capture } from "./helpers.js";
import { checkTraceEvents } from "./trace-event-check.js";

const T: ThreadInfo = { key: threadKey(0x81001000), index: 0, record: undefined };

function recorder(): FrameSink & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    open: (_t, d, fn, ts) => void log.push(`open ${d} ${fn} @${ts}`),
    close: (_t, d, fn, start, end, self, how) => void log.push(`close ${d} ${fn} ${start}-${end} self=${self} ${["returned", "unwound", "unclosed", "repaired"][how]}`),
  };
}

describe("strict call-tree builder", () => {
  it("builds nested frames with self time", () => {
    const r = recorder();
    const b = new StrictThreadBuilder(T, r);
    b.enter(1, 0, 0x100);
    b.enter(2, 5, 0xf0);
    b.exit(2, 8);
    b.exit(1, 10);
    expect(r.log).toEqual(["open 0 1 @0", "open 1 2 @5", "close 1 2 5-8 self=3 returned", "close 0 1 0-10 self=7 returned"]);
  });

  it("throws on impossible sequences", () => {
    const b = new StrictThreadBuilder(T, recorder());
    expect(() => b.exit(1, 0)).toThrow(CallTreeError);
    expect(() => b.exit(1, 0)).toThrow(/thread 0x81001000 at 0: exit of function 1 with no open frame/);
    b.enter(1, 1, 0);
    b.enter(2, 2, 0);
    expect(() => b.exit(1, 3)).toThrow(/exit of function 1 while function 2 is the innermost open frame/);
    expect(() => b.enter(3, 1, 0)).toThrow(/time runs backwards/);
  });
});

function chunk(events: [EventKind, number, number, number?][]): EventChunk {
  const n = events.length;
  return {
    thread: threadKey(0x81001000),
    count: n,
    kind: Uint8Array.from(events, (e) => e[0]),
    ts: Float64Array.from(events, (e) => e[1]),
    fn: Int32Array.from(events, (e) => e[2]),
    esp: new Uint32Array(n),
    value: Uint32Array.from(events, (e) => e[3] ?? 0),
    args: new Uint32Array(0),
  };
}

describe("repair layer", () => {
  const run = (events: [EventKind, number, number, number?][]) => {
    const r = recorder();
    const warnings: string[] = [];
    const b = new RepairingCallTreeBuilder([], r, { warn: (w) => warnings.push(`${w.ts}: ${w.message}`) });
    b.feed(chunk(events));
    b.finish();
    return { log: r.log, warnings };
  };

  it("drops an exit with no open frame, with a warning", () => {
    const { log, warnings } = run([[EventKind.Exit, 5, 1]]);
    expect(log).toEqual([]);
    expect(warnings).toEqual(["5: exit of function 1 with no open frame: dropped"]);
  });

  it("closes inner frames when an outer frame exits (their exits were lost)", () => {
    const { log, warnings } = run([
      [EventKind.Entry, 1, 1],
      [EventKind.Entry, 2, 2],
      [EventKind.Exit, 4, 1],
    ]);
    expect(log.slice(2)).toEqual(["close 1 2 2-4 self=2 repaired", "close 0 1 1-4 self=1 returned"]);
    expect(warnings[0]).toMatch(/^4: exit of function 1 while 1 frame\(s\) inside it are open/);
  });

  it("closes frames open at the end at the last timestamp, marked unclosed", () => {
    const { log, warnings } = run([
      [EventKind.Entry, 1, 1],
      [EventKind.Entry, 3, 2],
      [EventKind.Exit, 6, 2],
    ]);
    expect(log.at(-1)).toBe("close 0 1 1-6 self=2 unclosed");
    expect(warnings).toEqual(["6: 1 frame(s) still open when the trace ended (innermost: function 1): closed as unclosed at 6"]);
  });

  it("handles UNWIND, UNCLOSED, LOST and clock steps", () => {
    const { log, warnings } = run([
      [EventKind.Entry, 1, 1],
      [EventKind.Entry, 2, 2],
      [EventKind.Unwind, 3, 2, 0xc0000005],
      [EventKind.Lost, 4, -1, 7],
      [EventKind.Entry, 3, 3],
      [EventKind.Unclosed, 9, 3],
      [EventKind.Unclosed, 9, 1],
    ]);
    expect(log).toContain("close 1 2 2-3 self=1 unwound");
    expect(log).toContain("close 1 3 4-9 self=5 unclosed");
    expect(log).toContain("close 0 1 1-9 self=2 unclosed");
    expect(warnings).toContain("4: 7 event(s) lost here; the call tree around this point may be wrong");
    expect(warnings).toContain("3: timestamp 3 is before the previous event's 4; using 4");
    expect(warnings.some((w) => w.includes("left without returning, by exception unwinding"))).toBe(true);
  });

  it("caps repeated warnings and sums them up", () => {
    const { warnings } = run(Array.from({ length: 25 }, (_, i) => [EventKind.Exit, i, 1] as [EventKind, number, number]));
    expect(warnings).toHaveLength(11);
    expect(warnings[10]).toContain('and 15 more "unmatched-exit" warning(s)');
  });
});

/** Traces with each kind of damage, written with the real trace writer. */
function damagedTrace(kind: "unmatched-exit" | "open-at-end" | "unwind" | "lost" | "all") {
  const procs = fibProcedures();
  const names = ["leaf", "fib", "Run"];
  const t = newTrace();
  const mod = t.module(sampleModule("samples/fib/fib.dll", names.map((n) => procs.get(n)!)));
  const [leaf, fib, Run] = names.map((_, i) => mod.firstFunctionId + i) as [number, number, number];
  const w = t.thread(0x81001000);
  const esp = 0x12ff00;
  const k = (x: string) => kind === x || kind === "all";
  w.threadStart(1);
  if (k("unmatched-exit")) w.exit(2, leaf, 0);
  w.entry(3, Run, esp);
  w.entry(4, fib, esp - 8);
  if (k("unwind")) {
    w.entry(5, leaf, esp - 20);
    w.unwind(6, leaf, 0xc0000005);
  }
  if (k("lost")) w.lost(7, 100);
  if (k("unmatched-exit")) w.exit(8, leaf, 0);
  w.entry(9, leaf, esp - 20);
  w.exit(10, leaf, 1);
  if (!k("open-at-end")) {
    w.exit(11, fib, 1);
    w.exit(12, Run, 1);
  }
  return t.finish();
}

describe("damaged traces produce output and warnings, never a crash (must show 5)", () => {
  const kinds = ["unmatched-exit", "open-at-end", "unwind", "lost", "all"] as const;
  const commands: [string, (ctx: ReturnType<typeof capture>["ctx"], out: StringOutput) => void][] = [
    ["dump", (c, o) => void runDump(c, o)],
    ["replay", (c, o) => runReplay(c, o)],
    ["report", (c, o) => void runReport(c, o)],
    ["report --json", (c, o) => void runReport(c, o, { json: true })],
    ["stack", (c, o) => void runStack(c, o)],
    ["flamegraph folded", (c, o) => runFlamegraph(c, o, { format: "folded" })],
    ["flamegraph svg", (c, o) => runFlamegraph(c, o, { format: "svg" })],
    ["flamegraph speedscope", (c, o) => runFlamegraph(c, o, { format: "speedscope" })],
    ["flamegraph chrome", (c, o) => runFlamegraph(c, o, { format: "chrome" })],
  ];
  for (const kind of kinds) {
    for (const [name, cmd] of commands) {
      it(`${name} on a trace with ${kind}`, () => {
        const { ctx, out, warnings } = capture(damagedTrace(kind), { symbolPath: `${ROOT}samples/fib` });
        cmd(ctx, out);
        const text = out.text();
        expect(text.length).toBeGreaterThan(0);
        if (name !== "dump") expect(warnings.length, warnings.join("\n")).toBeGreaterThan(0);
        if (name.includes("json") || name.includes("speedscope")) JSON.parse(text);
        if (name.includes("chrome")) expect(checkTraceEvents(JSON.parse(text))).toEqual([]);
        if (name === "replay") expect(text).toContain("Run() {");
      });
    }
  }

  it("replay marks how frames ended", () => {
    const { ctx, out } = capture(damagedTrace("all"), { symbolPath: `${ROOT}samples/fib` });
    runReplay(ctx, out);
    const text = out.text();
    expect(text).toContain("leaf(); /* unwound: exception 0xc0000005 */");
    expect(text).toContain("/* 100 event(s) lost at 7 */");
    expect(text).toContain("} /* Run: unclosed */");
  });

  it("a truncated trace file still reads (tracefile recovery) with a warning", () => {
    const procs = fibProcedures();
    const t = newTrace({ chunkEvents: 4 });
    const mod = t.module(sampleModule("samples/fib/fib.dll", [procs.get("Run")!]));
    const w = t.thread(0x81001000);
    for (let i = 0; i < 20; i++) {
      w.entry(i * 2, mod.firstFunctionId, 0x1000);
      w.exit(i * 2 + 1, mod.firstFunctionId, 0);
    }
    t.writer.close();
    const bytes = t.sink.bytes();
    {
      const trace = openTraceBytes(bytes.subarray(0, Math.floor(bytes.length * 0.6)));
      const { ctx, out, warnings } = capture(trace, { symbolPath: `${ROOT}samples/fib` });
      const rows = runReport(ctx, out, { json: true });
      expect(rows[0]!.calls).toBeGreaterThan(0);
      expect(rows[0]!.calls).toBeLessThan(20);
      expect(warnings.length).toBeGreaterThan(0);
      expect(traceInfo(trace).complete).toBe(false);
    }
  });
});

describe("traceInfo", () => {
  it("describes modules (with CodeView), threads and event counts", () => {
    const info = traceInfo(damagedTrace("unwind"));
    expect(info.kind).toBe("trace");
    expect(info.modules[0]!.codeview!.path).toMatch(/fib\.pdb$/);
    expect(info.threads).toEqual([{ key: 0x81001000, cid: { process: 4, thread: 8 }, events: 9 }]);
    expect(info.events).toBe(9);
    expect(info.complete).toBe(true);
    expect(info.damage).toBeUndefined();
  });
});

