/**
 * Must show 5: threads.exe traced on 1, 2 and 4 CPUs (and with tiny quanta, so threads are
 * preempted inside instrumented functions and thunks). References: samples/expected.json
 * (exit code, calls per function, thread count; confirmed under real Wine), samples/threads/
 * README.md (who calls what on which thread) and the untraced run of the same configuration
 * (thread keys, CIDs, exit codes).
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runImage } from "../support/runs.js";
import { runTraced } from "../support/runs.js";
import { EventKind, openTraceBytes } from "../../tracefile/index.js";
import { ROOT, sample } from "./helpers.js";
import { namedTrace, strictReplay, type ThreadReplay } from "./strict.js";

interface ThreadsExpected {
  image: string;
  exitCode: number;
  calls: Record<string, number>;
  threads: number;
}
const expected = (JSON.parse(readFileSync(join(ROOT, "samples/expected.json"), "utf8")) as ThreadsExpected[]).find((e) => e.image === "samples/threads/threads.exe")!;
const IMAGE = sample("threads/threads.exe");

const configs: { cpus: number; quantum?: number; clock?: "host" }[] = [
  { cpus: 1 },
  { cpus: 2 },
  { cpus: 4 },
  { cpus: 4, clock: "host" },
  { cpus: 2, quantum: 37 },
  { cpus: 4, quantum: 101 },
];

describe("threads.exe traced (must show 5): events grouped by KTHREAD, each thread balanced", () => {
  it("expected.json has the threads.exe reference", () => {
    expect(expected.threads).toBe(6);
    expect(expected.exitCode).toBe(5371856);
  });

  for (const cfg of configs) {
    const label = `--cpus ${cfg.cpus}${cfg.quantum !== undefined ? ` --quantum ${cfg.quantum}` : ""}${cfg.clock !== undefined ? ` --clock ${cfg.clock}` : ""}`;
    it(`${label}: same result as untraced, one record per KTHREAD with its CID, strict per-thread replay`, () => {
      const machine = { cpus: cfg.cpus, ...(cfg.quantum !== undefined ? { quantum: cfg.quantum } : {}) };
      const untraced = runImage({ image: IMAGE, ...machine });
      const r = runTraced({ image: IMAGE, ...machine, ...(cfg.clock !== undefined ? { clock: cfg.clock } : {}) });

      // Transparency: the same process and thread exit codes as untraced (and as Windows).
      expect(r.run.failure).toBeUndefined();
      expect(r.run.exitCode).toBe(untraced.exitCode);
      expect(r.run.exitCode).toBe(expected.exitCode);
      expect(r.run.threads).toEqual(untraced.threads);

      const raw = openTraceBytes(r.bytes!);
      expect(raw.header.cpus).toBe(cfg.cpus);
      expect(raw.header.clock.kind).toBe(cfg.clock === "host" ? "host-monotonic" : "guest-instructions");
      const trace = namedTrace(r.bytes!, IMAGE, "threads.exe");

      // Thread records: one per thread the machine ran, keyed by its KTHREAD address, with
      // that thread's CID; keys and CIDs distinct.
      const machineThreads = untraced.threads.map((t) => ({ key: Number(t.key), process: t.cid.process, thread: t.cid.thread }));
      expect(machineThreads.length).toBe(expected.threads);
      expect(trace.threads.map((t) => ({ key: t.key, process: t.process, thread: t.thread })).sort((a, b) => a.key - b.key)).toEqual(
        machineThreads.sort((a, b) => a.key - b.key),
      );
      expect(new Set(trace.threads.map((t) => t.key)).size).toBe(trace.threads.length);
      expect(new Set(trace.threads.map((t) => t.thread)).size).toBe(trace.threads.length);
      expect([...trace.keys].sort()).toEqual(trace.threads.map((t) => t.key).sort());

      // Every event belongs to a recorded thread; the per-thread streams add up to the trace.
      const recorded = new Set<number>(trace.threads.map((t) => t.key));
      let merged = 0;
      for (const e of raw.mergedEvents()) {
        if (!recorded.has(e.thread)) throw new Error(`event of unrecorded thread 0x${e.thread.toString(16)}`);
        merged++;
      }
      expect(merged).toBe(trace.eventCount);
      expect(trace.keys.reduce((n, k) => n + trace.eventsOf(k).length, 0)).toBe(trace.eventCount);

      // Strict replay per thread: THREAD_START first, THREAD_END last (so one KTHREAD key is
      // one thread: a second start would fail), timestamps monotonic, every EXIT matches the
      // top frame, UNCLOSED only at the end.
      const replays = new Map<number, ThreadReplay>();
      for (const k of trace.keys) replays.set(k, strictReplay(k, trace.eventsOf(k)));
      const exitOf = new Map(untraced.threads.map((t) => [Number(t.key), t.exit]));
      for (const [k, t] of replays) {
        expect(t.exitCode).toBe(exitOf.get(k));
        expect(t.unwound).toEqual([]);
      }

      // Who ran what (README): main = start → run_threads (+ 1 tls_is); 4 workers; 1 late worker.
      const id = (n: string) => trace.idOf(n);
      const calls = (t: ThreadReplay, n: string) => t.entries.get(id(n)) ?? 0;
      const all = [...replays.values()];
      const main = all.find((t) => calls(t, "start") === 1)!;
      const workers = all.filter((t) => calls(t, "worker") === 1);
      const late = all.find((t) => calls(t, "late_worker") === 1)!;
      expect(main).toBeDefined();
      expect(late).toBeDefined();
      expect(workers.length).toBe(4);
      expect(new Set([main, late, ...workers]).size).toBe(6);
      for (const [fn, n] of Object.entries(expected.calls)) expect({ fn, n: all.reduce((s, t) => s + calls(t, fn), 0) }).toEqual({ fn, n });
      for (const w of workers) {
        expect(calls(w, "add_to_counter")).toBe(200);
        expect(calls(w, "tls_is")).toBe(200);
        // worker(i) returns i + 1, which is its thread's exit code.
        expect(w.returned.find((x) => x.fn === id("worker"))!.value).toBe(w.exitCode);
        expect(w.unclosed).toEqual([]);
      }
      expect(calls(main, "run_threads")).toBe(1);
      expect(calls(main, "tls_is")).toBe(1);
      expect(main.returned.find((x) => x.fn === id("run_threads"))!.value).toBe(expected.exitCode);
      // `start` never returns: it calls ExitProcess. That one frame is UNCLOSED, nothing else.
      expect(main.unclosed.map((u) => trace.nameOf(u.fn))).toEqual(["start"]);
      expect(late.unclosed).toEqual([]);
      expect(r.stats.unclosed).toBe(1);
      expect(r.stats.unwinds).toBe(0);
      for (const [fn, n] of main.entries) expect(n).toBe((main.exits.get(fn) ?? 0) + (fn === id("start") ? 1 : 0));
      for (const t of [...workers, late]) for (const [fn, n] of t.entries) expect(t.exits.get(fn) ?? 0).toBe(n);

      // Thread-start/end bracket each thread's life on the global clock: workers start inside
      // run_threads; the late worker starts after every worker ended; main ends last.
      const runThreadsEntry = trace.eventsOf(main.key).find((e) => e.kind === EventKind.Entry && e.fn === id("run_threads"))!.ts;
      for (const w of workers) {
        expect(w.startTs).toBeGreaterThanOrEqual(runThreadsEntry);
        expect(late.startTs).toBeGreaterThanOrEqual(w.endTs);
      }
      for (const t of [...workers, late]) expect(main.endTs).toBeGreaterThanOrEqual(t.endTs);

      // The threads really interleaved inside instrumented calls (add_to_counter yields while
      // holding the lock): some thread has events while another is inside add_to_counter —
      // so the balance above is per thread, not an accident of serial execution.
      const inside = new Map<number, number>(); // thread → open add_to_counter frames
      let interleaved = 0;
      for (const e of raw.mergedEvents()) {
        if (e.fn === id("add_to_counter") && e.kind === EventKind.Entry) inside.set(e.thread, (inside.get(e.thread) ?? 0) + 1);
        else if (e.fn === id("add_to_counter") && e.kind === EventKind.Exit) inside.set(e.thread, (inside.get(e.thread) ?? 0) - 1);
        else if (e.kind === EventKind.Entry && [...inside].some(([k, n]) => k !== e.thread && n > 0)) interleaved++;
      }
      expect(interleaved).toBeGreaterThan(0);
    });
  }
});
