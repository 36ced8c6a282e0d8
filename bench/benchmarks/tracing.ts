/**
 * Tracing cost (issue 8 targets 1 and 2): traced / untraced wall time of the same call, in
 * one process through the runtime's own entry point (runSession untraced, and traced with the
 * trace written to a file as `ntrace run -o` does), repetitions interleaved. Each
 * repetition builds a fresh machine, so image load, patching and trace close are included.
 * Also: events per second, bytes per event, and the guest vs host clock.
 */
import { readFileSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Benchmark, BenchContext } from "../harness.js";
import { fmt, interleave, requireFiles } from "../harness.js";
import { loadProjectModule } from "../project.js";
import { nsPerEvent, profileN, profileTraced } from "./profile.js";
import { ENTRY_HOOK_NS } from "./naive.js";
import type { RunResult, SessionOptions, SessionResult, TraceSummary } from "../../runtime/index.js";

interface RuntimeApi {
  runSession(options: SessionOptions): SessionResult;
}

/** A traced run's result and trace summary. */
interface TracedRun {
  readonly run: RunResult;
  readonly trace: TraceSummary;
}

interface Expectation {
  image: string;
  call: string;
  args: number[];
  result: number;
}

interface Workload {
  readonly id: string;
  readonly label: string;
  readonly image: string;
  readonly call: string;
  readonly args: number[];
  /** Known result (samples/expected.json or the recursion). */
  readonly result: number | undefined;
  readonly target: number;
  readonly moonshot?: number;
}

function fibOf(n: number): number {
  let a = 0;
  let b = 1;
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

function expectations(root: string): Expectation[] {
  const p = join(root, "samples", "expected.json");
  return existsSync(p) ? (JSON.parse(readFileSync(p, "utf8")) as Expectation[]) : [];
}

/** The realistic workload: compress.dll Run(iterations), the largest call samples/expected.json lists. */
function compressWorkloads(ctx: BenchContext): { workloads: Workload[]; missing: string[] } {
  const all = expectations(ctx.root);
  const workloads: Workload[] = [];
  const missing: string[] = [];
  for (const [form, image] of [["clang", "samples/compress/compress.dll"], ["msvc", "samples/compress/compress_msvc.dll"]] as const) {
    const known = all.filter((e) => e.image === image && e.call === "Run").sort((a, b) => (b.args[0] ?? 0) - (a.args[0] ?? 0));
    if (!existsSync(join(ctx.root, image)) || known.length === 0) {
      missing.push(`${image}${existsSync(join(ctx.root, image)) ? " (no Run entry in samples/expected.json)" : ""}`);
      continue;
    }
    const e = known[0]!;
    workloads.push({ id: `compress-${form}`, label: `compress (${form} form) Run(${e.args.join(",")})`, image, call: "Run", args: e.args, result: e.result, target: 1.3 });
  }
  return { workloads, missing };
}

export const tracingCost: Benchmark = {
  name: "tracing",
  title: "Traced vs untraced: fib(30) and the realistic workload, clang and msvc forms",
  async run(ctx) {
    requireFiles([join(ctx.root, "samples/fib/fib.dll")], "samples/fib/fib.dll");
    const runtime = await loadProjectModule<RuntimeApi>(ctx.root, "runtime/index.js", ["runSession"], "emulated machine (runtime/)");
    const untracedRun = (image: string, call?: { name: string; args: number[] }): RunResult => runtime.runSession({ target: { mode: "user", image, ...(call !== undefined ? { call } : {}) } }).run;
    const tracedRun = (image: string, call: { name: string; args: number[] } | undefined, output: string, clock: "guest" | "host"): TracedRun => {
      const r = runtime.runSession({ target: { mode: "user", image, ...(call !== undefined ? { call } : {}) }, trace: { output, clock } });
      return { run: r.run, trace: r.trace! };
    };
    const n = profileN(ctx);
    // Traced runs can be an order of magnitude slower than untraced ones: cap repetitions.
    const repeats = Math.min(ctx.repeats, ctx.quick ? 2 : 3);
    if (ctx.quick) ctx.note(`Quick mode: fib(${n}) instead of fib(30); the ratios are of the smaller run.`);
    const workloads: Workload[] = [
      { id: "fib-clang", label: `fib(${n}) clang form`, image: "samples/fib/fib.dll", call: "Run", args: [n], result: fibOf(n), target: 2.0, moonshot: 1.5 },
      { id: "fib-msvc", label: `fib(${n}) msvc form`, image: "samples/fib/fib_msvc.dll", call: "Run", args: [n], result: fibOf(n), target: 2.0, moonshot: 1.5 },
    ];
    const compress = compressWorkloads(ctx);
    workloads.push(...compress.workloads);
    if (compress.missing.length > 0) ctx.note(`Realistic workload not measured: ${compress.missing.join(", ")} not built yet.`);

    for (const w of workloads) {
      const image = join(ctx.root, w.image);
      if (!existsSync(image)) {
        ctx.note(`${w.label}: ${w.image} not built yet.`);
        continue;
      }
      const out = join(ctx.cacheDir, `${w.id}.ntrace`);
      const call = { name: w.call, args: w.args };
      let traced: TracedRun | undefined;
      let untraced: RunResult | undefined;
      ctx.command(`node dist/bin/ntrace.js run ${w.image} --call ${w.call}:${w.args.join(",")} --no-trace   # untraced (in-process: runSession)`);
      ctx.command(`node dist/bin/ntrace.js run ${w.image} --call ${w.call}:${w.args.join(",")} -o ${out.split(`${ctx.root}/`).join("")}   # traced (in-process: runSession with a trace)`);
      // The same machine set-up without the call (load, DllMain, patching, trace open/close) is
      // measured alongside and subtracted, so the ratio is of the call itself.
      const t = await interleave(
        [
          { name: "untraced", run: () => void (untraced = untracedRun(image, call)) },
          { name: "traced", run: () => void (traced = tracedRun(image, call, out, "guest")) },
          { name: "untracedSetup", run: () => void untracedRun(image) },
          { name: "tracedSetup", run: () => void tracedRun(image, undefined, out, "guest") },
        ],
        repeats,
      );
      const untracedCall = t.median.untraced! - t.median.untracedSetup!;
      const tracedCall = t.median.traced! - t.median.tracedSetup!;
      const u = untraced as RunResult | undefined;
      const tr = traced as TracedRun | undefined;
      if (u === undefined || tr === undefined) throw new Error(`${w.label}: no run completed`);
      if (w.result !== undefined && u.result !== undefined && u.result >>> 0 !== w.result >>> 0) throw new Error(`${w.label} untraced returned ${u.result}, expected ${w.result}`);
      if (tr.run.result !== u.result) throw new Error(`${w.label} traced returned ${tr.run.result}, untraced ${u.result}: tracing changed the result${tr.run.failure !== undefined ? ` (guest failure: ${tr.run.failure})` : ""}`);
      // Since the block clock, an untraced call can take less time than the set-up's run-to-run
      // noise; the difference of two medians then says nothing (it even came out negative).
      // Such a call is compared as whole runs, and the detail says so.
      const separable = untracedCall > Math.max(0.02, 0.2 * t.median.untracedSetup!);
      const ratio = separable ? tracedCall / untracedCall : t.median.traced! / t.median.untraced!;
      const perEventNs = ((tracedCall - untracedCall) / tr.trace.events) * 1e9;
      const untracedNs = (untracedCall / tr.trace.events) * 1e9;
      let limits: string | undefined;
      if (ratio > w.target && w.call === "Run" && w.args.length === 1) {
        // Explain the miss with the profile of the same traced run in a fresh process.
        const p = await profileTraced(ctx, w.image, w.args[0]!);
        const hookNs = await ctx.memo<number | undefined>(ENTRY_HOOK_NS, async () => undefined);
        const part = (re: RegExp): string => fmt(nsPerEvent(p, re));
        limits =
          `tracing adds ${fmt(perEventNs)} ns per event to ${fmt(untracedNs)} ns of untraced emulation per event; ` +
          `profile of the traced run, per event: FFI calls into unicorn (memory, registers, start-up included) ${part(/^FFI/)} ns, native log → trace columns ${part(/^native log/)} ns, ` +
          `tracer hook callbacks ${part(/^tracer/)} ns, guest emulation incl. thunks and native↔JS hook transitions ${part(/^guest/)} ns, ` +
          `chunk encoding + compression ${part(/^chunk/)} ns, writer append ${part(/^trace writer/)} ns, GC ${part(/^garbage/)} ns` +
          (hookNs !== undefined ? `; for scale, one bare JS code hook per entry costs ${fmt(hookNs)} ns (naive-hooks)` : "") +
          ` (profile: bench/.cache/cpuprof/)`;
      }
      ctx.measure({
        id: `tracing.${w.id}.ratio`,
        label: `traced / untraced, ${w.label}`,
        value: ratio,
        unit: "×",
        target: { op: "<=", limit: w.target, ...(w.moonshot !== undefined ? { moonshot: w.moonshot } : {}), item: "1" },
        detail: `${separable ? "call alone" : "WHOLE RUNS compared: the untraced call is too short to separate from the set-up; call alone"} ${fmt(tracedCall)} s vs ${fmt(untracedCall)} s (whole run ${fmt(t.median.traced!)} s vs ${fmt(t.median.untraced!)} s, set-up ${fmt(t.median.tracedSetup!)} s vs ${fmt(t.median.untracedSetup!)} s), median of ${repeats}; ${fmt(tr.trace.events)} events, ${tr.trace.stats.patched}/${tr.trace.stats.functions} functions patched`,
        ...(limits !== undefined ? { limits } : {}),
      });
      ctx.measure({ id: `tracing.${w.id}.eventsPerSecond`, label: `events per second, ${w.label}`, value: tr.trace.events / tracedCall, unit: "events/s", detail: "events / traced call time" });
      ctx.measure({
        id: `tracing.${w.id}.bytesPerEvent`,
        label: `bytes per event, ${w.label}`,
        value: tr.trace.traceBytes / tr.trace.events,
        unit: "B/event",
        ...(w.id === "fib-clang" ? { target: { op: "<=" as const, limit: 2, item: "2" } } : {}),
        detail: `${fmt(tr.trace.traceBytes / 1e6)} MB for ${fmt(tr.trace.events)} events (uftrace: 16)`,
      });
      if (w.id === "fib-clang") {
        // Guest vs host clock, same run, interleaved.
        let host: TracedRun | undefined;
        let guest: TracedRun | undefined;
        const c = await interleave(
          [
            { name: "guest", run: () => void (guest = tracedRun(image, call, out, "guest")) },
            { name: "host", run: () => void (host = tracedRun(image, call, out, "host")) },
          ],
          Math.min(repeats, 2),
        );
        const h = host as TracedRun | undefined;
        const g = guest as TracedRun | undefined;
        if (h !== undefined && g !== undefined) {
          ctx.measure({ id: "tracing.clock.timeRatio", label: `host clock / guest clock traced time, ${w.label}`, value: c.median.host! / c.median.guest!, unit: "×", detail: `${fmt(c.median.host!)} s vs ${fmt(c.median.guest!)} s` });
          ctx.measure({ id: "tracing.clock.hostBytes", label: `bytes per event with the host clock, ${w.label}`, value: h.trace.traceBytes / h.trace.events, unit: "B/event", detail: `guest clock: ${fmt(g.trace.traceBytes / g.trace.events)} B/event` });
        }
      }
      rmSync(out, { force: true });
    }
  },
};
