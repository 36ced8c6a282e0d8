/**
 * What uftrace users expect of the reader (issue 15): scaled units in columns that never
 * collide, --time-range, the caller filter, graph, report --diff, replay interleaved in time
 * with a thread column, arguments and return values. Traces are scripted with the real
 * TraceWriter (helpers.ts); expected numbers come from the scripts' own events, computed here
 * independently of the reader's pipeline.
 */
import { describe, expect, it } from "vitest";
import { EventKind } from "../../tracefile/index.js";
import type { TraceFile } from "../../tracefile/index.js";
import { computeGraphs, computeDiff, computeReport, formatDuration, runDump, runReplay, runReport, sortDiff, StringOutput } from "../../reader/index.js";
import { ROOT, fibProcedures, sampleModule, newTrace, Script, scriptFibRun, capture } from "./helpers.js";

const FIB_NAMES = ["leaf", "fib", "deep", "Run", "Deep", "DllMain"];
const SYMBOLS = `${ROOT}samples/fib`;
const NS = { kind: "host-monotonic" as const, unit: "ns", description: "" };
const INSN = { kind: "guest-instructions" as const, unit: "instructions", description: "" };

function fibTrace(build: (s: Script, id: (name: string) => number, t: ReturnType<typeof newTrace>) => void, options: { argCount?: number; clockUnit?: "ns" | "instructions" } = {}): TraceFile {
  const procs = fibProcedures();
  const t = newTrace(options);
  const mod = t.module(sampleModule("samples/fib/fib.dll", FIB_NAMES.map((x) => procs.get(x)!)));
  const id = (x: string) => mod.firstFunctionId + FIB_NAMES.indexOf(x);
  build(new Script(t.thread(0x81001000)), id, t);
  return t.finish();
}

const runN = (n: number) => fibTrace((s, id) => scriptFibRun(s, n, { Run: id("Run"), fib: id("fib"), leaf: id("leaf") }));

describe("units and columns", () => {
  it("scales instruction counts (K/M/G insn) and host time (ns/us/ms/s)", () => {
    expect(formatDuration(176228882, INSN)).toBe("176.229 M insn");
    expect(formatDuration(999, INSN)).toBe("999 insn");
    expect(formatDuration(12_345, INSN)).toBe("12.345 K insn");
    expect(formatDuration(2.5e9, INSN)).toBe("2.500 G insn");
    expect(formatDuration(11_654_000, NS)).toBe("11.654 ms");
    expect(formatDuration(1500, NS)).toBe("1.500 us");
  });

  it("report: one call of 176,228,882 instructions never runs into its neighbours", () => {
    const trace = fibTrace((s, id) => s.call(id("Run"), 8, undefined, 176228882 / 2));
    const { ctx, out } = capture(trace, { symbolPath: SYMBOLS });
    runReport(ctx, out);
    const [heading, rule, row] = out.text().split("\n");
    expect(row!.trim().split(/\s{2,}/)).toEqual(["176.229 M insn", "176.229 M insn", "1", "176.229 M insn", "176.229 M insn", "Run"]);
    // Right-aligned under their headings: each heading ends where its column ends.
    for (const h of ["Total", "Self", "Calls", "Avg", "Max"]) {
      const end = heading!.indexOf(h) + h.length;
      expect(rule![end - 1]).toBe("=");
      expect(rule![end]).toBe(" ");
    }
  });
});

describe("--time-range (-r)", () => {
  it("keeps the frames that start inside the range, counted from the raw events", () => {
    const trace = runN(6);
    const from = 1500;
    const to = 2600;
    const expected = new Map<number, number>();
    for (const e of trace.events()) if (e.kind === EventKind.Entry && e.ts >= from && e.ts <= to) expected.set(e.fn, (expected.get(e.fn) ?? 0) + 1);
    const { ctx } = capture(trace, { symbolPath: SYMBOLS, timeRange: `${from}~${to}` });
    const rows = computeReport(ctx);
    const byId = new Map(rows.map((r) => [FIB_NAMES.indexOf(r.function), r.calls]));
    expect(byId).toEqual(expected);
    expect(rows.find((r) => r.function === "Run")).toBeUndefined(); // Run started before the range
    // Open ends, K suffixes, and errors naming the option.
    expect(computeReport(capture(trace, { symbolPath: SYMBOLS, timeRange: "~1.01K" }).ctx).map((r) => r.function).sort()).toEqual(["Run", "fib"]);
    expect(() => capture(trace, { timeRange: "5~1" })).toThrow(/--time-range "5~1": STOP comes before START/);
    expect(() => capture(trace, { timeRange: "1ms~" })).toThrow(/--time-range "1ms": this trace's clock counts guest instructions/);
  });
});

/** Run → fib(3) recursion, then Deep → deep: only Deep's path leads to deep. */
const mixed = () =>
  fibTrace((s, id) =>
    s.call(id("Run"), 8, () => {
      const fib = (k: number): void => s.call(id("fib"), 12, () => (k < 2 ? s.call(id("leaf"), 4) : (fib(k - 1), fib(k - 2))));
      fib(3);
      s.call(id("Deep"), 8, () => s.call(id("deep"), 8, () => s.call(id("deep"), 8)));
    }),
  );

describe("caller filter (-C)", () => {
  it("shows only the calls of the function and their callers; hidden time stays in the callers' self", () => {
    const all = computeReport(capture(mixed(), { symbolPath: SYMBOLS }).ctx);
    const { ctx, out } = capture(mixed(), { symbolPath: SYMBOLS, caller: ["deep"] });
    runReplay(ctx, out);
    const tree = out
      .text()
      .split("\n")
      .filter((l) => l.includes(" | "))
      .map((l) => l.split(" | ")[1]);
    expect(tree).toEqual(["Run() {", "  Deep() {", "    deep() {", "      deep();", "    } /* deep */", "  } /* Deep */", "} /* Run */"]);
    const rows = computeReport(capture(mixed(), { symbolPath: SYMBOLS, caller: ["deep"] }).ctx);
    const get = (r: typeof rows, n: string) => r.find((x) => x.function === n)!;
    expect(get(rows, "Run").self).toBe(get(all, "Run").self + get(all, "fib").total);
    expect(rows.find((r) => r.function === "fib")).toBeUndefined();
    // With a threshold too: the paths to deep that last long enough.
    const slow = computeReport(capture(mixed(), { symbolPath: SYMBOLS, caller: ["deep"], threshold: String(get(all, "Deep").total) }).ctx);
    expect(slow.map((r) => r.function).sort()).toEqual(["Deep", "Run"]);
  });
});

describe("graph", () => {
  it("fib in Run(4): one outermost call of 280 insn, its backtrace and callees with calls, total and self", () => {
    const { ctx } = capture(runN(4), { symbolPath: SYMBOLS });
    const [g] = computeGraphs(ctx, "fib");
    expect(g!.function).toBe("fib!fib");
    expect(g!.backtraces).toEqual([{ path: ["Run", "fib"], hits: 1, time: 280 }]);
    // fib(4) 280 = fib(3) 160 + fib(2) 100 + 20 of its own (test/golden/reader/README.md).
    expect(g!.graph).toMatchObject({ function: "fib", calls: 1, total: 280, self: 20 });
    expect(g!.graph!.children.map((c) => [c.function, c.calls, c.total])).toEqual([["fib", 2, 260]]);
    const leaf = computeGraphs(ctx, "leaf")[0]!;
    expect(leaf.backtraces.reduce((a, b) => a + b.hits, 0)).toBe(5);
    expect(leaf.backtraces.every((b) => b.path[0] === "Run" && b.path.at(-1) === "leaf")).toBe(true);
    expect(() => computeGraphs(ctx, "fibb")).toThrow(/no function of this trace is named "fibb" \(did you mean fib!fib\?\)/);
  });
});

describe("report --diff", () => {
  it("Run(4) → Run(5): per-function deltas and ratios", () => {
    const base = capture(runN(4), { symbolPath: SYMBOLS }).ctx;
    const next = capture(runN(5), { symbolPath: SYMBOLS }).ctx;
    const rows = sortDiff(computeDiff(base, next), "total");
    const get = (n: string) => rows.find((r) => r.function === n)!;
    expect([get("fib").base!.calls, get("fib").new!.calls, get("fib").delta.calls]).toEqual([9, 15, 6]);
    expect(get("leaf").delta.calls).toBe(3);
    expect(get("Run").ratio).toBeCloseTo(480 / 300);
    expect(rows[0]!.function).toBe("Run"); // the biggest change of total first
    const ns = capture(fibTrace((s, id) => s.call(id("Run"), 8), { clockUnit: "ns" }), { symbolPath: SYMBOLS }).ctx;
    expect(() => computeDiff(base, ns)).toThrow(/different clocks/);
  });
});

describe("replay", () => {
  it("interleaves threads by time with a thread column", () => {
    const procs = fibProcedures();
    const t = newTrace();
    const mod = t.module(sampleModule("samples/fib/fib.dll", FIB_NAMES.map((x) => procs.get(x)!)));
    const Run = mod.firstFunctionId + FIB_NAMES.indexOf("Run");
    const leaf = mod.firstFunctionId + FIB_NAMES.indexOf("leaf");
    const a = t.thread(0x81001000, 4, 8);
    const b = t.thread(0x81002000, 4, 12);
    a.entry(10, Run, 0x1000);
    b.entry(20, Run, 0x2000);
    a.entry(30, leaf, 0xff0);
    a.exit(40, leaf, 1);
    b.exit(50, Run, 2);
    a.exit(60, Run, 3);
    const { ctx, out } = capture(t.finish(), { symbolPath: SYMBOLS });
    runReplay(ctx, out);
    const lines = out.text().split("\n").filter((l) => l.includes(" | "));
    expect(lines.map((l) => [/\[(0x[0-9a-f]+)\]/.exec(l)![1], l.split(" | ")[1]])).toEqual([
      ["0x81001000", "Run() {"],
      ["0x81002000", "Run();"],
      ["0x81001000", "  leaf();"],
      ["0x81001000", "} /* Run */"],
    ]);
  });

  it("shows recorded arguments and return values, uftrace style", () => {
    const trace = fibTrace(
      (s, id) => {
        const w = s.w;
        let ts = 0;
        const fib = (n: number): number => {
          w.entry(++ts, id("fib"), 0x1000, [n]);
          const r = n < 2 ? n : fib(n - 1) + fib(n - 2);
          w.exit(++ts, id("fib"), r);
          return r;
        };
        w.entry(++ts, id("Run"), 0x1100, [3]);
        fib(3);
        w.exit(++ts, id("Run"), 0x12345678);
      },
      { argCount: 1 },
    );
    const { ctx, out } = capture(trace, { symbolPath: SYMBOLS });
    runReplay(ctx, out);
    expect(out.text().split("\n").filter((l) => l.includes(" | ")).map((l) => l.split(" | ")[1])).toEqual([
      "Run(3) {",
      "  fib(3) {",
      "    fib(2) {",
      "      fib(1) = 1;",
      "      fib(0) = 0;",
      "    } = 1; /* fib */",
      "    fib(1) = 1;",
      "  } = 2; /* fib */",
      "} = 0x12345678; /* Run */",
    ]);
  });
});

describe("dump filters", () => {
  it("--depth keeps entries and exits less than N calls deep; --time-range keeps events inside it", () => {
    const trace = runN(3);
    const lines = (o: object) => {
      const out = new StringOutput();
      runDump(capture(trace, { symbolPath: SYMBOLS, ...o }).ctx, out);
      return out.text().trim().split("\n");
    };
    const all = lines({});
    expect(lines({ depth: 1 }).map((l) => l.trim().split(/\s+/)[3])).toEqual(["fib!Run", "fib!Run"]);
    expect(lines({ depth: 2 }).filter((l) => l.includes("fib!fib"))).toHaveLength(2);
    const ranged = lines({ timeRange: "1010~1030" });
    expect(ranged.map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual(all.map((l) => Number(l.trim().split(/\s+/)[0])).filter((ts) => ts >= 1010 && ts <= 1030));
  });
});
