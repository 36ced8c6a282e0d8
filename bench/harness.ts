/**
 * The benchmark harness: what a benchmark is, what it reports, and the timing helpers every
 * benchmark shares (interleaved A/B repetitions, medians, child processes with peak RSS).
 *
 * Machines here are shared, so results are ratios measured side by side in one run: the
 * variants of a comparison are interleaved (A B A B …, order rotated each round) and each
 * variant's median is taken, so a noisy neighbour hurts both sides alike.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";

/** A target of issue 8: `value <op> limit` is "met". */
export interface Target {
  readonly op: "<=" | "<";
  readonly limit: number;
  /** A stretch goal shown next to the target (e.g. moonshot ≤ 1.5). */
  readonly moonshot?: number;
  /** The issue-8 "must show" item it belongs to, e.g. "1". */
  readonly item?: string;
}

export interface Measure {
  /** Stable id, unique in the run: "<benchmark>.<what>". */
  readonly id: string;
  readonly label: string;
  readonly value: number;
  /** "×" for ratios, "s", "ms", "B/event", "MB", "events/s", … */
  readonly unit: string;
  readonly target?: Target;
  /** Filled in by the harness from `target`. */
  met?: boolean;
  /** Measured explanation of what limits it (shown when a target is missed, or always if set). */
  limits?: string;
  /** Extra detail: the raw numbers the ratio is made of. */
  readonly detail?: string;
}

export type Status = "ok" | "skipped" | "failed";

export interface BenchReport {
  readonly name: string;
  readonly title: string;
  status: Status;
  /** Why it was skipped or how it failed. */
  reason?: string;
  readonly measures: Measure[];
  /** Exact commands run (shell-quoted), in order, so anyone can repeat them. */
  readonly commands: string[];
  readonly notes: string[];
  /** Raw markdown blocks (tables of a profile, …) shown after the measures. */
  readonly markdown: string[];
  seconds: number;
}

export interface BenchContext {
  /** --quick: fewer repetitions and smaller inputs, for a < 2 min run. */
  readonly quick: boolean;
  /** Repetitions per variant (median of these). */
  readonly repeats: number;
  /** Repository root (where package.json is). */
  readonly root: string;
  /** bench/.cache: generated inputs and native builds, never committed. */
  readonly cacheDir: string;
  log(message: string): void;
  /** Record an exact command in the report (the harness runs or describes it). */
  command(text: string): void;
  note(text: string): void;
  /** A raw markdown block for BENCHMARKS.md (e.g. a profile table). */
  markdown(text: string): void;
  measure(m: Measure): void;
  /** Compute something once per run and share it between benchmarks (e.g. a uftrace recording). */
  memo<T>(key: string, make: () => Promise<T>): Promise<T>;
}

export interface Benchmark {
  readonly name: string;
  readonly title: string;
  run(ctx: BenchContext): Promise<void>;
}

/** Thrown by a benchmark that cannot run here (a tool is missing, a part is not built yet). */
export class SkipBenchmark extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "SkipBenchmark";
  }
}

/** Skip unless every path exists, naming what is missing. */
export function requireFiles(paths: readonly string[], what: string): void {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) throw new SkipBenchmark(`${what} not available: missing ${missing.join(", ")}`);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function nowNs(): bigint {
  return process.hrtime.bigint();
}

export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export interface Variant {
  readonly name: string;
  /** One repetition; returns its own measured seconds or undefined to have it timed whole. */
  run(): Promise<number | void> | number | void;
}

export interface InterleavedResult {
  /** Median seconds per variant name. */
  readonly median: Record<string, number>;
  /** Every repetition's seconds per variant name. */
  readonly samples: Record<string, number[]>;
}

/**
 * Run the variants `repeats` times each, interleaved and with the order rotated every round
 * (A B C, B C A, C A B, …), and return each variant's median.
 */
export async function interleave(variants: readonly Variant[], repeats: number): Promise<InterleavedResult> {
  const samples: Record<string, number[]> = {};
  for (const v of variants) samples[v.name] = [];
  for (let round = 0; round < repeats; round++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(i + round) % variants.length]!;
      const start = nowNs();
      const own = await v.run();
      const seconds = typeof own === "number" ? own : secondsSince(start);
      samples[v.name]!.push(seconds);
    }
  }
  const med: Record<string, number> = {};
  for (const v of variants) med[v.name] = median(samples[v.name]!);
  return { median: med, samples };
}

export interface ChildResult {
  readonly seconds: number;
  readonly code: number | null;
  /** Peak resident set (VmHWM) in bytes, when measured through /usr/bin/time. */
  readonly maxRssBytes?: number;
  readonly stdoutBytes: number;
  readonly stdout?: string;
  readonly stderr: string;
}

export interface ChildOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Keep stdout (else it is counted and dropped, like `> /dev/null`). */
  readonly keepStdout?: boolean;
  /** Measure peak RSS with `/usr/bin/time -f %M` (GNU time, "maximum resident set size"). */
  readonly measureRss?: boolean;
  readonly timeoutMs?: number;
}

export const GNU_TIME = "/usr/bin/time";

/** Run a command as a child process and time it with hrtime from spawn to exit. */
export function runChild(cmd: string, args: readonly string[], opts: ChildOptions = {}): Promise<ChildResult> {
  const useTime = opts.measureRss === true && existsSync(GNU_TIME);
  const marker = "@@ntrace-bench-maxrss-kb=";
  const file = useTime ? GNU_TIME : cmd;
  const argv = useTime ? ["-f", `${marker}%M`, cmd, ...args] : [...args];
  return new Promise((resolve, reject) => {
    const start = nowNs();
    const child = spawn(file, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdoutBytes = 0;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => {
      stdoutBytes += b.length;
      if (opts.keepStdout === true) out.push(b);
    });
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const timer = opts.timeoutMs !== undefined ? setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs) : undefined;
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = secondsSince(start);
      if (timer !== undefined) clearTimeout(timer);
      let stderr = Buffer.concat(err).toString("utf8");
      let maxRssBytes: number | undefined;
      if (useTime) {
        const at = stderr.lastIndexOf(marker);
        if (at >= 0) {
          maxRssBytes = Number.parseInt(stderr.slice(at + marker.length), 10) * 1024;
          stderr = stderr.slice(0, at);
        }
      }
      resolve({
        seconds,
        code,
        maxRssBytes,
        stdoutBytes,
        stdout: opts.keepStdout === true ? Buffer.concat(out).toString("utf8") : undefined,
        stderr,
      });
    });
  });
}

/** Run a child and throw (with its stderr) unless it exits 0. */
export async function runChecked(cmd: string, args: readonly string[], opts: ChildOptions = {}): Promise<ChildResult> {
  const r = await runChild(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${[cmd, ...args].map(shellQuote).join(" ")} exited with ${r.code}: ${r.stderr.trim().slice(-2000)}`);
  }
  return r;
}

export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map(shellQuote).join(" ");
}

/** Is an executable on PATH? */
export async function which(tool: string): Promise<string | null> {
  const r = await runChild("sh", ["-c", `command -v ${shellQuote(tool)}`], { keepStdout: true });
  const path = r.stdout?.trim() ?? "";
  return r.code === 0 && path !== "" ? path : null;
}

export function isMet(value: number, t: Target): boolean {
  return t.op === "<=" ? value <= t.limit : value < t.limit;
}

/** Format a number for tables: 3 significant digits, thousands kept readable. */
export function fmt(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  return Number(value.toPrecision(digits)).toString();
}
