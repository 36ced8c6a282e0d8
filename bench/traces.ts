/**
 * The traces reader benchmarks run on: the real fib(n) trace recorded by `ntrace run` when the
 * tracer works, else a synthetic trace with the same event stream written by the project's
 * trace writer (bench/workers/gentrace.ts). Which one was used is noted in the report.
 */
import { existsSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { BenchContext } from "./harness.js";
import { SkipBenchmark, commandLine, runChecked, runChild } from "./harness.js";
import { ntraceCli } from "./project.js";

export interface TraceInput {
  readonly path: string;
  readonly events: number;
  readonly bytes: number;
  readonly origin: "ntrace run" | "runTraced" | "synthetic";
  /** Seconds the writer (synthetic) or the traced run took. */
  readonly seconds: number;
}

/** A synthetic fib(n) trace (n = 34 gives 55 M events). */
export function syntheticFibTrace(ctx: BenchContext, n: number): Promise<TraceInput> {
  return ctx.memo(`synthetic-fib-${n}`, async () => {
    const out = join(ctx.cacheDir, `synthetic-fib${n}.ntrace`);
    rmSync(out, { force: true });
    const args = [join(ctx.root, "dist", "bench", "workers", "gentrace.js"), ctx.root, out, String(n)];
    ctx.command(commandLine("node", args));
    const r = await runChild("node", args, { keepStdout: true });
    if (r.code !== 0) {
      const why = r.stderr.trim().split("\n").find((l) => /SkipBenchmark|Error/.test(l)) ?? r.stderr.trim().split("\n")[0];
      throw new SkipBenchmark(`cannot write a synthetic trace with the trace writer: ${why}`);
    }
    const info = JSON.parse((r.stdout ?? "").trim().split("\n").pop()!) as { events: number; bytes: number; seconds: number };
    return { path: out, events: info.events, bytes: statSync(out).size, origin: "synthetic", seconds: info.seconds };
  });
}

/** Arguments of `ntrace run` tracing fib.dll Run(n) (clang form unless `image` says otherwise). */
export function ntraceRunArgs(ctx: BenchContext, image: string, call: string, out: string | null): string[] {
  const base = [ntraceCli(ctx.root), "run", join(ctx.root, image), "--call", call];
  return out === null ? [...base, "--no-trace"] : [...base, "-o", out];
}

/** Event count of a trace, as `ntrace info --json` reports it. */
export async function traceEvents(ctx: BenchContext, path: string): Promise<number> {
  const r = await runChecked("node", [ntraceCli(ctx.root), "info", "--json", path], { keepStdout: true });
  const info = JSON.parse(r.stdout ?? "{}") as { events?: number };
  if (typeof info.events !== "number") throw new Error(`ntrace info --json ${path} gave no event count`);
  return info.events;
}

/**
 * The real fib(n) trace: `ntrace run … -o` when the CLI can trace, else the runtime's
 * runTraced() in a child process (bench/workers/traced-run.ts); null (reason noted) when
 * neither works yet.
 */
export function realFibTrace(ctx: BenchContext, n: number): Promise<TraceInput | null> {
  return ctx.memo(`real-fib-${n}`, async () => {
    const out = join(ctx.cacheDir, `fib${n}.ntrace`);
    rmSync(out, { force: true });
    const args = ntraceRunArgs(ctx, "samples/fib/fib.dll", `Run:${n}`, out);
    const r = await runChild("node", args);
    if (r.code === 0 && existsSync(out)) {
      ctx.command(commandLine("node", args));
      return { path: out, events: await traceEvents(ctx, out), bytes: statSync(out).size, origin: "ntrace run", seconds: r.seconds };
    }
    const why = firstError(r.stderr) ?? `exit ${r.code}`;
    const worker = [join(ctx.root, "dist", "bench", "workers", "traced-run.js"), ctx.root, join(ctx.root, "samples", "fib", "fib.dll"), String(n), out];
    const w = await runChild("node", worker, { keepStdout: true });
    if (w.code === 0 && existsSync(out)) {
      const info = JSON.parse((w.stdout ?? "").trim().split("\n").pop()!) as { events: number; bytes: number; failure?: string };
      if (info.failure === undefined) {
        ctx.note(`\`ntrace run -o\` cannot write a trace yet (${why}): the fib(${n}) trace was recorded with the runtime's runTraced() (bench/workers/traced-run.ts).`);
        ctx.command(commandLine("node", worker));
        return { path: out, events: info.events, bytes: statSync(out).size, origin: "runTraced", seconds: w.seconds };
      }
    }
    ctx.note(`neither \`ntrace run -o\` (${why}) nor runTraced (${firstError(w.stderr) ?? `exit ${w.code}`}) could trace fib(${n}): a synthetic trace with the same events was used.`);
    return null;
  });
}

function firstError(stderr: string): string | undefined {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  return lines.find((l) => /^(ntrace:|error|Error|SkipBenchmark)/i.test(l)) ?? lines[0];
}

/** The fib(n) trace: real when possible, else synthetic. */
export async function fibTrace(ctx: BenchContext, n: number): Promise<TraceInput> {
  return (await realFibTrace(ctx, n)) ?? (await syntheticFibTrace(ctx, n));
}
