/**
 * Must show 4: seh.dll traced with every function instrumented. References: the `unwound`
 * lists and results of samples/expected.json (confirmed under real Wine; samples/seh/README.md
 * explains each path) and the untraced run of the same export.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runImage } from "../support/runs.js";
import { ROOT, sample } from "./helpers.js";
import { runTraced } from "../support/runs.js";
import { namedTrace, strictReplay, type NamedTrace, type ThreadReplay } from "./strict.js";

interface SehCase {
  image: string;
  call: string;
  result?: number;
  expect?: string;
  unwound?: string[];
  exceptionCode?: number;
}
const SEH = "samples/seh/seh.dll";
const cases = (JSON.parse(readFileSync(join(ROOT, "samples/expected.json"), "utf8")) as SehCase[]).filter((e) => e.image === SEH);
const byName = new Map(cases.map((c) => [c.call, c]));

/**
 * The code each case's skipped frames are unwound for. expected.json names it for the CPU
 * faults; for the raised ones it is the code of the exception whose handler unwinds
 * (README: (a) 0xE0000001 caught by a_outer_handler; (b) 0xE0000002, the nested one that
 * b_outer_handler takes).
 */
const unwindCode: Record<string, number> = {
  RaiseCaught: 0xe0000001,
  Nested: 0xe0000002,
  DivideByZero: byName.get("DivideByZero")?.exceptionCode ?? -1,
  AccessViolation: byName.get("AccessViolation")?.exceptionCode ?? -1,
  ContinueExecution: 0,
};

interface CaseRun {
  readonly result: number | undefined;
  readonly failure: string | undefined;
  readonly trace: NamedTrace;
  readonly thread: ThreadReplay;
  readonly stats: { unwinds: number; unclosed: number; entries: number; exits: number };
}

const runs = new Map<string, CaseRun>();
function traced(call: string): CaseRun {
  const done = runs.get(call);
  if (done !== undefined) return done;
  const r = runTraced({ image: sample("seh/seh.dll"), call: { name: call, args: [] } });
  const trace = namedTrace(r.bytes!, sample("seh/seh.dll"), "seh.dll");
  // The runner calls the export on the process's one thread: the trace has exactly that thread.
  expect(trace.keys.length).toBe(1);
  const key = trace.keys[0]!;
  const run: CaseRun = { result: r.run.result, failure: r.run.failure, trace, thread: strictReplay(key, trace.eventsOf(key)), stats: r.stats };
  runs.set(call, run);
  return run;
}

const count = (m: Map<number, number>, fn: number): number => m.get(fn) ?? 0;
const signed = (v: number | undefined): number | undefined => (v === undefined ? undefined : v | 0);

/** Shadow stack back at its base: nothing left open, and per function entries = exits + unwinds. */
function expectBalanced(run: CaseRun): void {
  const t = run.thread;
  expect(t.unclosed.map((f) => run.trace.nameOf(f.fn))).toEqual([]);
  for (const [fn, n] of t.entries) expect({ fn: run.trace.nameOf(fn), n }).toEqual({ fn: run.trace.nameOf(fn), n: count(t.exits, fn) + count(t.unwinds, fn) });
  expect(run.stats.unclosed).toBe(0);
}

/** DllMain's entry and exit ids (the runner loads the DLL: attach first, detach at ExitProcess). */
const attach = (run: CaseRun): string[] => [`entry:${run.trace.idOf("DllMain")}`, `exit:${run.trace.idOf("DllMain")}`];
const detach = attach;

/** Names of the UNWIND events and their codes, in trace order. */
const unwoundOf = (run: CaseRun): { fn: string; code: number }[] => run.thread.unwound.map((u) => ({ fn: run.trace.nameOf(u.fn), code: u.value >>> 0 }));

/** The EXIT event of the single call of `name` (its EAX), after asserting it was called once. */
function exitValueOf(run: CaseRun, name: string): number {
  const id = run.trace.idOf(name);
  expect(count(run.thread.entries, id)).toBe(1);
  const exits = run.thread.returned.filter((x) => x.fn === id);
  expect(exits.length).toBe(1);
  return exits[0]!.value | 0;
}

describe("seh.dll traced (must show 4): UNWIND exactly for the frames each exception skips", () => {
  const handled = cases.filter((c) => c.unwound !== undefined);
  it("expected.json documents the five handled cases", () => {
    expect(handled.map((c) => c.call).sort()).toEqual(["AccessViolation", "ContinueExecution", "DivideByZero", "Nested", "RaiseCaught"]);
  });

  for (const c of handled) {
    it(`${c.call}: result ${c.result}, UNWIND [${c.unwound!.join(", ")}] innermost first with the exception code, stack back at its base`, () => {
      const run = traced(c.call);
      const untraced = runImage({ image: join(ROOT, c.image), call: { name: c.call, args: [] } });
      // Transparency first: the traced run computes what the untraced one does, and what Windows does.
      expect({ result: signed(run.result), failure: run.failure }).toEqual({ result: signed(untraced.result), failure: untraced.failure });
      expect(signed(run.result)).toBe(c.result);
      // Exactly the skipped frames, innermost first, each with the exception code.
      expect(unwoundOf(run)).toEqual(c.unwound!.map((fn) => ({ fn, code: unwindCode[c.call] })));
      expect(run.stats.unwinds).toBe(c.unwound!.length);
      expectBalanced(run);
      // The case's own frame survives the exception: it returns normally, with its result.
      expect(exitValueOf(run, c.call)).toBe(c.result);
      // ... and it is the last frame of the call to close: its EXIT comes after every UNWIND,
      // followed only by DllMain(DLL_PROCESS_DETACH) when the runner's ExitProcess runs.
      const lastUnwind = run.thread.sequence.map((s) => s.startsWith("unwind:")).lastIndexOf(true);
      expect(run.thread.sequence.slice(-3)).toEqual([`exit:${run.trace.idOf(c.call)}`, ...detach(run)]);
      expect(lastUnwind).toBeLessThan(run.thread.sequence.length - 3);
      expect(run.thread.exitCode).toBe(0);
    });
  }

  it("DivideByZero: the filter handler returns normally, c_divide is cut when the CONTEXT resumes (before the case's own exit)", () => {
    const run = traced("DivideByZero");
    const id = (n: string) => run.trace.idOf(n);
    expect(count(run.thread.exits, id("c_filter_handler"))).toBe(1);
    expect(run.thread.sequence).toEqual([
      ...attach(run),
      `entry:${id("DivideByZero")}`,
      `entry:${id("c_divide")}`,
      `entry:${id("c_filter_handler")}`,
      `exit:${id("c_filter_handler")}`,
      `unwind:${id("c_divide")}`,
      `exit:${id("DivideByZero")}`,
      ...detach(run),
    ]);
  });

  it("ContinueExecution: nothing skipped, every frame returns (d_raise returns the fixed value 7)", () => {
    const run = traced("ContinueExecution");
    expect(run.thread.unwound).toEqual([]);
    expect(exitValueOf(run, "d_raise")).toBe(7);
    expect(exitValueOf(run, "d_fix_handler")).toBe(0); // ExceptionContinueExecution
  });

  it("RaiseCaught / Nested: the handlers called during search and unwind return normally (ContinueSearch = 1)", () => {
    const a = traced("RaiseCaught");
    const mid = a.trace.idOf("a_middle_handler");
    expect(count(a.thread.entries, mid)).toBe(2); // search + EXCEPTION_UNWINDING
    expect(a.thread.returned.filter((x) => x.fn === mid).map((x) => x.value)).toEqual([1, 1]);
    const b = traced("Nested");
    const inner = b.trace.idOf("b_inner_handler");
    // 1st call raised (unwound), 2nd (nested search) and 3rd (unwinding) return ContinueSearch.
    expect(count(b.thread.entries, inner)).toBe(3);
    expect(count(b.thread.unwinds, inner)).toBe(1);
    expect(b.thread.returned.filter((x) => x.fn === inner).map((x) => x.value)).toEqual([1, 1]);
  });

  it("BadRecord: unhandled, no handler runs, the thread ends with the exception code and the open frames are UNCLOSED (top first)", () => {
    const c = byName.get("BadRecord")!;
    expect(c.expect).toBe("unhandled");
    const untraced = runImage({ image: join(ROOT, SEH), call: { name: "BadRecord", args: [] } });
    const r = runTraced({ image: sample("seh/seh.dll"), call: { name: "BadRecord", args: [] } });
    expect(r.run.failure).toBeDefined();
    expect(r.run.failure).toBe(untraced.failure);
    expect(r.run.failure).toMatch(/unhandled exception 0xe0000005/i);
    const trace = namedTrace(r.bytes!, sample("seh/seh.dll"), "seh.dll");
    const key = trace.keys[0]!;
    const t = strictReplay(key, trace.eventsOf(key));
    expect(t.exitCode >>> 0).toBe(c.exceptionCode);
    expect(t.unwound).toEqual([]);
    expect(t.unclosed.map((u) => trace.nameOf(u.fn))).toEqual(["e_raise", "BadRecord"]);
    expect(count(t.entries, trace.idOf("e_bad_handler")) + count(t.entries, trace.idOf("e_good_handler"))).toBe(0);
    expect(r.stats.unclosed).toBe(2);
  });
});

describe("seh.dll traced: calls after an exception are traced", () => {
  const parts = ["RaiseCaught", "Nested", "DivideByZero", "ContinueExecution", "AccessViolation"];

  it("RunAll: every case after the first exception is entered and exits with its result; UNWINDs are the cases' lists in order", () => {
    const run = traced("RunAll");
    expect(signed(run.result)).toBe(byName.get("RunAll")!.result);
    expectBalanced(run);
    for (const p of parts) expect(exitValueOf(run, p)).toBe(byName.get(p)!.result);
    expect(unwoundOf(run)).toEqual(parts.flatMap((p) => byName.get(p)!.unwound!.map((fn) => ({ fn, code: unwindCode[p] }))));
    // The cases run one after the other inside RunAll: each one's whole sequence (entries,
    // exits, unwinds) is exactly the sequence of the case run alone (without the DllMain
    // attach and detach pairs around each single run; asserted above for every case).
    const alone = parts.flatMap((p) => {
      const single = traced(p);
      expect(single.thread.sequence.slice(0, 2)).toEqual(attach(single));
      expect(single.thread.sequence.slice(-2)).toEqual(detach(single));
      return single.thread.sequence.slice(2, -2).map((s) => {
        const [kind, fn] = s.split(":");
        return `${kind}:${single.trace.nameOf(Number(fn))}`;
      });
    });
    const named = run.thread.sequence.map((s) => {
      const [kind, fn] = s.split(":");
      return `${kind}:${run.trace.nameOf(Number(fn))}`;
    });
    expect(named).toEqual(["entry:DllMain", "exit:DllMain", "entry:RunAll", ...alone, "exit:RunAll", "entry:DllMain", "exit:DllMain"]);
  });

  it("ChainIntact: fs:[0] is restored after all the cases (returns 1), and the trace is balanced", () => {
    const run = traced("ChainIntact");
    expect(signed(run.result)).toBe(byName.get("ChainIntact")!.result);
    expectBalanced(run);
    expect(exitValueOf(run, "RunAll")).toBe(1665);
    expect(run.thread.unwound.length).toBe(parts.reduce((n, p) => n + byName.get(p)!.unwound!.length, 0));
  });
});
