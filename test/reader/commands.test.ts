import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { runDump, runReplay, runReport, runStack, computeReport, StringOutput, prepareReader } from "../../reader/index.js";
import { ROOT, fibProcedures, sampleModule, newTrace, Script, scriptFibRun, capture } from "./helpers.js";

const FIB_NAMES = ["leaf", "fib", "deep", "Run", "Deep", "DllMain"];
const SYMBOLS = `${ROOT}samples/fib`; // fib.pdb sits there: a plain symbol directory

function fibRunTrace(n: number, options: { clockUnit?: "ns" | "instructions" } = {}) {
  const procs = fibProcedures();
  const t = newTrace(options);
  const mod = t.module(sampleModule("samples/fib/fib.dll", FIB_NAMES.map((x) => procs.get(x)!)));
  const id = (x: string) => mod.firstFunctionId + FIB_NAMES.indexOf(x);
  const s = new Script(t.thread(0x81001000));
  scriptFibRun(s, n, { Run: id("Run"), fib: id("fib"), leaf: id("leaf") });
  return { trace: t.finish(), id };
}

/** fib calls = 2·F(n+1) − 1, leaf calls = F(n+1) (samples/fib/README.md). */
function F(n: number): number {
  let a = 0;
  let b = 1;
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

describe("report (must show 2)", () => {
  it("gives the exact call counts of fib and leaf for Run(25)", () => {
    const { trace } = fibRunTrace(25);
    const { ctx, out, warnings } = capture(trace, { symbolPath: SYMBOLS });
    const rows = runReport(ctx, out, { json: true });
    const byName = new Map(rows.map((r) => [r.function, r]));
    expect(byName.get("fib")!.calls).toBe(2 * F(26) - 1);
    expect(byName.get("fib")!.calls).toBe(242785);
    expect(byName.get("leaf")!.calls).toBe(121393);
    expect(byName.get("Run")!.calls).toBe(1);
    expect(warnings).toEqual([]);
    const json = JSON.parse(out.text()) as { function: string; module: string; calls: number; total: number; self: number; avg: number; max: number }[];
    expect(json.map((r) => Object.keys(r))).toEqual(json.map(() => ["function", "module", "calls", "total", "self", "avg", "max"]));
    expect(json.find((r) => r.function === "leaf")!.module).toBe("fib");
  });

  it("accounts time exactly: self sums to Run's total, recursion is not counted twice", () => {
    const { trace } = fibRunTrace(4);
    const { ctx } = capture(trace, { symbolPath: SYMBOLS });
    const rows = computeReport(ctx);
    const get = (n: string) => rows.find((r) => r.function === n)!;
    // Script: every call costs 10 before and 10 after its body.
    expect(get("leaf")).toMatchObject({ calls: 5, total: 100, self: 100, avg: 20, max: 20 });
    const run = get("Run");
    expect(run.total).toBe(rows.reduce((a, r) => a + r.self, 0));
    expect(get("fib").total).toBe(run.total - 20); // fib(4) is open the whole time except Run's own 20
    expect(get("fib").max).toBe(run.total - 20);
  });

  it("gives a hidden function's time to its shown parent's self time (--exclude, --depth)", () => {
    const { trace } = fibRunTrace(4);
    const rows = (o: object) => computeReport(capture(trace, { symbolPath: SYMBOLS, ...o }).ctx);
    const all = rows({});
    const get = (r: typeof all, n: string) => r.find((x) => x.function === n);
    const noLeaf = rows({ exclude: ["leaf"] });
    expect(get(noLeaf, "leaf")).toBeUndefined();
    expect(get(noLeaf, "fib")!.self).toBe(get(all, "fib")!.self + get(all, "leaf")!.total);
    const top = rows({ depth: 1 });
    expect(top.map((r) => [r.function, r.calls, r.self])).toEqual([["Run", 1, 300]]);
    const inc = rows({ include: ["fib"], exclude: ["leaf"] });
    expect(inc.map((r) => r.function)).toEqual(["fib"]);
  });

  it("sorts by each key and prints a table", () => {
    const { trace } = fibRunTrace(4);
    const { ctx, out } = capture(trace, { symbolPath: SYMBOLS });
    runReport(ctx, out, { sort: "calls" });
    const lines = out.text().trim().split("\n");
    expect(lines[0]).toMatch(/Total\s+Self\s+Calls\s+Avg\s+Max\s+Function/);
    expect(lines.slice(2).map((l) => l.trim().split(/\s+/).pop())).toEqual(["fib", "leaf", "Run"]);
    expect(() => runReport(ctx, new StringOutput(), { sort: "bogus" })).toThrow(/--sort bogus/);
  });
});

describe("replay (must show 2)", () => {
  it("shows the tree of Run(4) as in the golden file", () => {
    const { trace } = fibRunTrace(4);
    const { ctx, out, warnings } = capture(trace, { symbolPath: SYMBOLS });
    runReplay(ctx, out);
    expect(warnings).toEqual([]);
    expect(out.text()).toBe(readFileSync(`${ROOT}test/golden/reader/replay-fib-run4.txt`, "utf8"));
  });

  it("filters: --depth, --include, --exclude, --threshold", () => {
    const { trace } = fibRunTrace(4);
    const replay = (o: object) => {
      const { ctx, out } = capture(trace, { symbolPath: SYMBOLS, ...o });
      runReplay(ctx, out);
      return out.text().split("\n").filter((l) => l.includes("|") && !l.startsWith("#"));
    };
    expect(replay({ depth: 2 }).map((l) => l.split("|")[1]!.trimEnd())).toEqual([" Run() {", "   fib();", " } /* Run */"]);
    expect(replay({ exclude: ["fib"] })).toHaveLength(1); // Run(); a leaf now
    expect(replay({ include: ["leaf"] }).every((l) => l.includes("leaf();"))).toBe(true);
    expect(replay({ include: ["leaf"] })).toHaveLength(5);
    // Every fib(k) with k >= 2 lasts more than 40; fib(1)/fib(0) (leaf inside) last 40, leaf 20.
    const long = replay({ threshold: "41" });
    expect(long.some((l) => l.includes("leaf"))).toBe(false);
    expect(long[0]).toContain("Run() {");
    expect(() => capture(trace, { threshold: "10us" })).toThrow(/counts guest instructions, not time/);
  });
});

describe("dump", () => {
  it("prints every event symbolized, threads merged in time order", () => {
    const procs = fibProcedures();
    const t = newTrace({ argCount: 1 });
    const mod = t.module(sampleModule("samples/fib/fib.dll", FIB_NAMES.map((x) => procs.get(x)!)));
    const run = mod.firstFunctionId + FIB_NAMES.indexOf("Run");
    const a = t.thread(0x81001000, 4, 8);
    const b = t.thread(0x81002000, 4, 12);
    a.threadStart(1);
    a.entry(10, run, 0x12ff00, [25]);
    b.entry(15, run, 0x22ff00, [3]);
    b.exit(16, run, 2);
    a.lost(17, 3);
    a.exit(20, run, 75025);
    a.threadEnd(30, 0);
    const { ctx, out } = capture(t.finish(), { symbolPath: SYMBOLS });
    expect(runDump(ctx, out)).toBe(7);
    expect(out.text().split("\n").filter(Boolean).map((l) => l.trim().split(/\s+/).slice(0, 4).join(" "))).toEqual([
      "1 0x81001000 thread-start",
      "10 0x81001000 entry fib!Run",
      "15 0x81002000 entry fib!Run",
      "16 0x81002000 exit fib!Run",
      "17 0x81001000 lost count=3",
      "20 0x81001000 exit fib!Run",
      "30 0x81001000 thread-end exit-code=0x00000000",
    ]);
    expect(out.text()).toContain("esp=0x0012ff00 args=[0x19]");
    expect(out.text()).toContain("ret=0x00012511"); // 75025
  });
});

describe("thread selection", () => {
  it("--thread keeps one thread; an unknown key is a usage error naming the threads", () => {
    const { trace } = fibRunTrace(2);
    expect(() => prepareReader(trace, { threads: ["0x1234"], env: {}, warn: () => {} })).toThrow(/no such thread.*0x81001000/);
    const { ctx, out } = capture(trace, { threads: ["81001000"], symbolPath: SYMBOLS });
    runStack(ctx, out);
    expect(out.text()).toContain("Thread 0x81001000");
  });
});
