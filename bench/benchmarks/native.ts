/**
 * Issue 13: tracing at native-tracer speed. Whole processes, side by side in one run
 * (interleaved, median): ntrace traced fib(30) vs `uftrace record` of the same C built natively
 * with gcc -pg (same 8.08 M events); traced vs untraced on the same engine for fib(30), the
 * LZ-style compress.dll workload and zlib.exe; untraced emulation vs the same C built natively
 * with gcc -O2 on a compute workload long enough that start-up is under 10 % of it. Also checks
 * that the traced runs retire exactly the untraced instruction counts (the block clock).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Benchmark, BenchContext } from "../harness.js";
import { SkipBenchmark, commandLine, fmt, interleave, runChecked, which } from "../harness.js";
import { MAIN_C, SHIM_H, uftraceRecording } from "../native-fib.js";
import { mingwRuntimeDir } from "../../runtime/user/sysdlls.js";

const FIB_N = 30;
/** The compute workload for emulated vs native: fib(38), ~126 M calls (start-up under 10 %). */
const COMPUTE_N = 38;

const ntrace = (ctx: BenchContext) => join(ctx.root, "dist", "bin", "ntrace.js");

function instructionsOf(stderr: string): number {
  const m = /([\d,]+) instructions/.exec(stderr);
  if (m === null) throw new Error(`no instruction count in: ${stderr.slice(-300)}`);
  return Number(m[1]!.replace(/,/g, ""));
}

/** The sample's fib built natively without -pg (the untraced native reference), as native-fib.ts builds it for uftrace. */
async function nativeFib(ctx: BenchContext): Promise<string> {
  return ctx.memo("native-fib-O2", async () => {
    if ((await which("gcc")) === null) throw new SkipBenchmark("gcc not found (needed for the native fib)");
    const dir = join(ctx.cacheDir, "native");
    mkdirSync(dir, { recursive: true });
    const fibC = join(dir, "fib.c");
    writeFileSync(fibC, readFileSync(join(ctx.root, "samples", "fib", "fib.c")));
    writeFileSync(join(dir, "shim.h"), SHIM_H);
    writeFileSync(join(dir, "main.c"), MAIN_C);
    const exe = join(dir, "fib_O2");
    // the same flags as the uftrace build minus -pg: every call of the source stays a call
    const args = ["-O2", "-fno-inline", "-fno-optimize-sibling-calls", "-fno-ipa-icf", "-w", "-include", join(dir, "shim.h"), fibC, join(dir, "main.c"), "-o", exe];
    ctx.command(commandLine("gcc", args));
    await runChecked("gcc", args);
    return exe;
  });
}

export const nativeTracer: Benchmark = {
  name: "native-tracer",
  title: "ntrace vs a native tracer (uftrace) and native code, whole processes (issue 13)",
  async run(ctx) {
    const bin = ntrace(ctx);
    if (!existsSync(bin)) throw new SkipBenchmark("dist/bin/ntrace.js missing: npm run build");
    const rec = await uftraceRecording(ctx, FIB_N);
    const uftraceExe = join(ctx.cacheDir, "uftrace", "fib_native");
    const native = await nativeFib(ctx);
    const out = join(ctx.cacheDir, "native");
    const fibDll = join(ctx.root, "samples", "fib", "fib.dll");
    const node = process.execPath;
    const run = (args: readonly string[]) => runChecked(node, [bin, "run", ...args], { keepStdout: true });

    const fibTraced = ["-o", join(out, "fib30.ntrace"), fibDll, "--call", `Run:${FIB_N}`];
    const fibUntraced = ["--no-trace", fibDll, "--call", `Run:${FIB_N}`];
    const recordArgs = ["record", "--no-libcall", "-d", join(out, "uftrace-data"), uftraceExe, String(FIB_N)];
    for (const c of [commandLine("ntrace", ["run", ...fibTraced]), commandLine("ntrace", ["run", ...fibUntraced]), commandLine("uftrace", recordArgs)]) ctx.command(c);
    const counts: Record<string, number> = {};
    const fib = await interleave(
      [
        { name: "traced", run: async () => { const r = await run(fibTraced); counts.traced = instructionsOf(r.stderr); return r.seconds; } },
        { name: "untraced", run: async () => { const r = await run(fibUntraced); counts.untraced = instructionsOf(r.stderr); return r.seconds; } },
        { name: "uftrace", run: async () => (await runChecked("uftrace", recordArgs)).seconds },
      ],
      ctx.repeats,
    );
    const sameCount = counts.traced === counts.untraced;
    ctx.measure({
      id: "native.fibVsUftrace",
      label: `ntrace traced fib(${FIB_N}) / uftrace record of native gcc -pg fib(${FIB_N}), whole process`,
      value: fib.median.traced! / fib.median.uftrace!,
      unit: "×",
      target: { op: "<=", limit: 2, moonshot: 1 },
      detail: `${fmt(fib.median.traced!)} s vs ${fmt(fib.median.uftrace!)} s, median of ${ctx.repeats}; ${rec.events.toLocaleString("en-US")} uftrace events`,
    });
    ctx.measure({
      id: "native.fibTracedVsUntraced",
      label: `traced / untraced fib(${FIB_N}), whole process, same engine`,
      value: fib.median.traced! / fib.median.untraced!,
      unit: "×",
      target: { op: "<=", limit: 1.5 },
      detail: `${fmt(fib.median.traced!)} s vs ${fmt(fib.median.untraced!)} s; instructions traced ${counts.traced!.toLocaleString("en-US")}, untraced ${counts.untraced!.toLocaleString("en-US")}${sameCount ? " (equal)" : " (DIFFER)"}`,
    });
    if (!sameCount) ctx.note(`fib(${FIB_N}): the traced run retired ${counts.traced} instructions, the untraced ${counts.untraced}: the block clock should make them equal.`);

    // The LZ-style workload (compress.dll) and zlib.exe, traced vs untraced.
    const compress = join(ctx.root, "samples", "compress", "compress.dll");
    const zlib = join(ctx.root, "samples", "programs", "zlib.exe");
    const zlibDlls = ["--dll-dir", mingwRuntimeDir("win32")];
    const workloads = [
      { id: "compress", label: "compress.dll Run(10) (LZ-style)", traced: ["-o", join(out, "compress.ntrace"), compress, "--call", "Run:10"], untraced: ["--no-trace", compress, "--call", "Run:10"] },
      { id: "zlib", label: "zlib.exe (zlib1.dll compress/uncompress)", traced: ["-o", join(out, "zlib.ntrace"), ...zlibDlls, zlib], untraced: ["--no-trace", ...zlibDlls, zlib] },
    ];
    for (const w of workloads) {
      ctx.command(commandLine("ntrace", ["run", ...w.traced]));
      ctx.command(commandLine("ntrace", ["run", ...w.untraced]));
      const c: Record<string, number> = {};
      const t = await interleave(
        [
          { name: "traced", run: async () => { const r = await run(w.traced); c.traced = instructionsOf(r.stderr); return r.seconds; } },
          { name: "untraced", run: async () => { const r = await run(w.untraced); c.untraced = instructionsOf(r.stderr); return r.seconds; } },
        ],
        ctx.repeats,
      );
      ctx.measure({
        id: `native.${w.id}TracedVsUntraced`,
        label: `traced / untraced ${w.label}, whole process`,
        value: t.median.traced! / t.median.untraced!,
        unit: "×",
        target: { op: "<=", limit: 1.3 },
        detail: `${fmt(t.median.traced!)} s vs ${fmt(t.median.untraced!)} s; instructions traced ${c.traced!.toLocaleString("en-US")}, untraced ${c.untraced!.toLocaleString("en-US")}${c.traced === c.untraced ? " (equal)" : " (DIFFER)"}`,
      });
    }

    // Untraced emulation vs native, on a workload where start-up is under 10 %.
    const computeArgs = ["--no-trace", fibDll, "--call", `Run:${COMPUTE_N}`];
    const startArgs = ["--no-trace", fibDll, "--call", "Run:1"];
    ctx.command(commandLine("ntrace", ["run", ...computeArgs]));
    ctx.command(commandLine(native, [String(COMPUTE_N)]));
    const e = await interleave(
      [
        { name: "emulated", run: async () => (await run(computeArgs)).seconds },
        { name: "startup", run: async () => (await run(startArgs)).seconds },
        { name: "native", run: async () => (await runChecked(native, [String(COMPUTE_N)])).seconds },
      ],
      ctx.repeats,
    );
    ctx.measure({
      id: "native.emulatedVsNative",
      label: `untraced emulation / native gcc -O2, fib(${COMPUTE_N}), whole process`,
      value: e.median.emulated! / e.median.native!,
      unit: "×",
      target: { op: "<=", limit: 10 },
      detail: `${fmt(e.median.emulated!)} s vs ${fmt(e.median.native!)} s; start-up (Run(1)) ${fmt(e.median.startup!)} s = ${fmt((100 * e.median.startup!) / e.median.emulated!)} % of the emulated run`,
    });
  },
};
