/**
 * Where the time of a traced fib run goes: `node --cpu-prof` on one traced run in a fresh
 * process (bench/workers/traced-run.ts), summarized by category of the hot path (guest
 * emulation, FFI calls, tracer hooks, writer append, chunk encoding, GC) and by function.
 * A measurement service for optimizing the tracer; it has no target of its own. The tracing
 * benchmark uses the same (memoized) profile to say what limits a missed target.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Benchmark, BenchContext } from "../harness.js";
import { commandLine, fmt, requireFiles, runChecked } from "../harness.js";
import { loadProjectModule } from "../project.js";
import { summarizeProfile, type ProfileSummary } from "../cpuprofile.js";

export interface TracedProfile {
  readonly n: number;
  readonly seconds: number;
  readonly events: number;
  readonly summary: ProfileSummary;
  readonly command: string;
}

/** fib(n) for the profile and the tracing benchmark: 30, or 25 in quick mode. */
export function profileN(ctx: BenchContext): number {
  return ctx.quick ? 25 : 30;
}

/** Profile one traced `Run(n)` of an image (repository-relative path) in a fresh process. */
export function profileTraced(ctx: BenchContext, imageRel: string, n: number): Promise<TracedProfile> {
  return ctx.memo(`traced-profile-${imageRel}-${n}`, async () => {
    const image = join(ctx.root, imageRel);
    requireFiles([image], imageRel);
    await loadProjectModule(ctx.root, "runtime/index.js", ["runSession"], "emulated machine (runtime/)");
    const dir = join(ctx.cacheDir, "cpuprof", imageRel.replace(/[^\w.-]+/g, "_") + `-${n}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const out = join(dir, "trace.ntrace");
    const args = ["--cpu-prof", `--cpu-prof-dir=${dir}`, join(ctx.root, "dist", "bench", "workers", "traced-run.js"), ctx.root, image, String(n), out];
    const r = await runChecked("node", args, { keepStdout: true });
    const run = JSON.parse((r.stdout ?? "").trim().split("\n").pop()!) as { seconds: number; events: number; result?: number; failure?: string };
    if (run.failure !== undefined) throw new Error(`traced fib(${n}) failed in the guest: ${run.failure}`);
    const profile = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    if (profile === undefined) throw new Error(`node --cpu-prof wrote no profile in ${dir}`);
    rmSync(out, { force: true });
    return { n, seconds: run.seconds, events: run.events, summary: summarizeProfile(join(dir, profile)), command: commandLine("node", args) };
  });
}

/** ns per event of each profile category (for "what limits it"). */
export function nsPerEvent(p: TracedProfile, category: RegExp): number {
  const s = p.summary.byCategory.filter((c) => category.test(c.category)).reduce((a, c) => a + c.seconds, 0);
  return (s / p.events) * 1e9;
}

export function profileTracedFib(ctx: BenchContext): Promise<TracedProfile> {
  return profileTraced(ctx, "samples/fib/fib.dll", profileN(ctx));
}

export const tracingProfile: Benchmark = {
  name: "profile",
  title: "Profile of traced runs (fib, compress): where the time goes",
  async run(ctx) {
    const runs: [string, string, number][] = [["fib", "samples/fib/fib.dll", profileN(ctx)]];
    if (existsSync(join(ctx.root, "samples/compress/compress.dll"))) runs.push(["compress", "samples/compress/compress.dll", 10]);
    else ctx.note("samples/compress/compress.dll not built yet: only fib profiled.");
    for (const [name, image, n] of runs) {
      const p = await profileTraced(ctx, image, n);
      const s = p.summary;
      ctx.command(p.command);
      ctx.measure({ id: `profile.${name}.seconds`, label: `traced ${name} Run(${n}) under the profiler (runSession)`, value: p.seconds, unit: "s", detail: `${fmt(p.events)} events; profile covers ${fmt(s.totalSeconds)} s of the process` });
      const pct = (x: number): string => `${((100 * x) / s.totalSeconds).toFixed(1)} %`;
      const perEvent = (x: number): string => `${fmt((x / p.events) * 1e9)} ns`;
      const cat = ["| where | self time | share | per event |", "|---|---|---|---|", ...s.byCategory.map((c) => `| ${c.category} | ${fmt(c.seconds)} s | ${pct(c.seconds)} | ${perEvent(c.seconds)} |`)];
      const top = ["| function | file:line | category | self time | share |", "|---|---|---|---|---|", ...s.top.map((f) => `| \`${f.name}\` | ${f.where} | ${f.category} | ${fmt(f.seconds)} s | ${pct(f.seconds)} |`)];
      ctx.markdown(`**${name} Run(${n})**, self time by category (whole process, ${fmt(s.totalSeconds)} s sampled; ${fmt(p.events)} events):\n\n${cat.join("\n")}`);
      ctx.markdown(`**${name} Run(${n})**, top functions by self time:\n\n${top.join("\n")}`);
    }
    ctx.note("Native time spent inside a koffi call is charged to the JS wrapper that made it: the engine's start() self time is guest emulation (unicorn translating and running code, thunks included); hook callbacks called back from unicorn appear under their own functions, and the engine wrappers they call (readU32, writeU32, readRegister, …) are the FFI cost.");
  },
};
