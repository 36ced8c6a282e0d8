/**
 * The uftrace side of the comparison: the sample's fib/leaf C compiled natively for Linux
 * with `gcc -O2 -pg`, recorded with `uftrace record`. Built in bench/.cache/uftrace/ (never
 * committed) and shared by the benchmarks of one run through `ctx.memo`.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchContext } from "./harness.js";
import { SkipBenchmark, commandLine, runChecked, runChild, which } from "./harness.js";

/** The same recursion as samples/fib/fib.c, used only when that file does not exist yet. */
const FALLBACK_FIB_C = `/* Fallback: same recursion as samples/fib/fib.c (fib calls leaf at the bottom). */
static int leaf(int n) { return n; }
int fib(int n) { if (n < 2) return leaf(n); return fib(n - 1) + fib(n - 2); }
int Run(int n) { return fib(n); }
`;

/** Makes the Windows-flavoured sample source compile as plain Linux C. */
export const SHIM_H = `#define __declspec(x)
#define __stdcall
#define __cdecl
#define __fastcall
#define WINAPI
#define ms_hook_prologue
#define hotpatch
`;

export const MAIN_C = `#include <stdio.h>
#include <stdlib.h>
int Run(int);
int main(int argc, char **argv) { printf("%d\\n", Run(argc > 1 ? atoi(argv[1]) : 30)); return 0; }
`;

export interface UftraceRecording {
  readonly n: number;
  readonly dir: string;
  /** Entry + exit records: 2 × the calls `uftrace report` counts (main and Run included). */
  readonly events: number;
  readonly calls: Record<string, number>;
  /** Whole data directory (records + symbol files + maps). */
  readonly dirBytes: number;
  /** Only the per-thread record files (*.dat except perf-cpu*). */
  readonly recordBytes: number;
  readonly source: string;
}

/** Install Debian's uftrace if missing; skip (with the reason) when it cannot be had. */
export async function ensureUftrace(ctx: BenchContext): Promise<string> {
  return ctx.memo("uftrace-binary", async () => {
    let path = await which("uftrace");
    if (path !== null) return path;
    const args = ["-o", "DPkg::Lock::Timeout=300", "install", "-y", "uftrace"];
    ctx.command(commandLine("apt-get", args));
    ctx.log("uftrace missing: apt-get install -y uftrace");
    const r = await runChild("apt-get", args, { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    path = await which("uftrace");
    if (path === null) throw new SkipBenchmark(`uftrace is not installed and apt-get install -y uftrace failed (exit ${r.code}): ${r.stderr.trim().split("\n").pop() ?? ""}`);
    return path;
  });
}

function dirSize(dir: string, filter: (name: string) => boolean = () => true): number {
  let total = 0;
  for (const name of readdirSync(dir)) if (filter(name)) total += statSync(join(dir, name)).size;
  return total;
}

/** Parse `uftrace report` (Total, Self, Calls, Function columns) into calls per function. */
export function parseUftraceCalls(report: string): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const line of report.split("\n")) {
    const m = /^\s*[\d.]+\s+\S+\s+[\d.]+\s+\S+\s+(\d+)\s+(.+?)\s*$/.exec(line);
    if (m !== null && !m[2]!.startsWith("linux:")) calls[m[2]!] = Number(m[1]);
  }
  return calls;
}

/** Build the native fib and record `fib_native <n>` with uftrace (once per run per n). */
export function uftraceRecording(ctx: BenchContext, n: number): Promise<UftraceRecording> {
  return ctx.memo(`uftrace-recording-${n}`, async () => {
    await ensureUftrace(ctx);
    if ((await which("gcc")) === null) throw new SkipBenchmark("gcc not found (needed to build the native fib for uftrace)");
    const dir = join(ctx.cacheDir, "uftrace");
    mkdirSync(dir, { recursive: true });
    const sample = join(ctx.root, "samples", "fib", "fib.c");
    const useSample = existsSync(sample);
    if (!useSample) ctx.note("samples/fib/fib.c does not exist yet: the native build used the same fib/leaf recursion written in bench/native-fib.ts.");
    const fibC = join(dir, "fib.c");
    writeFileSync(fibC, useSample ? readFileSync(sample) : FALLBACK_FIB_C);
    writeFileSync(join(dir, "shim.h"), SHIM_H);
    writeFileSync(join(dir, "main.c"), MAIN_C);
    const exe = join(dir, "fib_native");
    // -fno-inline / no sibling calls: keep every call of the C source a real call, as in the DLL.
    const gccArgs = ["-O2", "-pg", "-fno-inline", "-fno-optimize-sibling-calls", "-fno-ipa-icf", "-w", "-include", join(dir, "shim.h"), fibC, join(dir, "main.c"), "-o", exe];
    ctx.command(commandLine("gcc", gccArgs));
    await runChecked("gcc", gccArgs);
    const data = join(dir, `data-${n}`);
    rmSync(data, { recursive: true, force: true });
    const recArgs = ["record", "--no-libcall", "-d", data, exe, String(n)];
    ctx.command(commandLine("uftrace", recArgs));
    await runChecked("uftrace", recArgs);
    const rep = await runChecked("uftrace", ["report", "-d", data], { keepStdout: true });
    const calls = parseUftraceCalls(rep.stdout ?? "");
    const totalCalls = Object.values(calls).reduce((a, b) => a + b, 0);
    if (totalCalls === 0) throw new Error(`uftrace report on ${data} listed no calls`);
    return {
      n,
      dir: data,
      events: 2 * totalCalls,
      calls,
      dirBytes: dirSize(data),
      recordBytes: dirSize(data, (f) => f.endsWith(".dat") && !f.startsWith("perf-")),
      source: useSample ? "samples/fib/fib.c" : "bench/native-fib.ts fallback",
    };
  });
}

/** The two uftrace reader commands the issue compares against, as [cmd, args]. */
export function uftraceReportArgs(dir: string): string[] {
  return ["report", "-d", dir];
}
export function uftraceFlameArgs(dir: string): string[] {
  return ["dump", "--flame-graph", "-d", dir];
}
