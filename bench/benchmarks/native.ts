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
/** The compute workload for emulated vs native: fib(39), ~205 M calls (start-up under 10 %: fib(38) was 12 % once the block clock's hook got cheaper). */
const COMPUTE_N = 39;

const ntrace = (ctx: BenchContext) => join(ctx.root, "dist", "bin", "ntrace.js");

/** The trace's event count from `ntrace run`'s summary line. */
function eventsOf(stderr: string): number {
  const m = /: (\d+) events/.exec(stderr);
  if (m === null) throw new Error(`no event count in: ${stderr.slice(-300)}`);
  return Number(m[1]!);
}

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
        { name: "traced", run: async () => { const r = await run(fibTraced); counts.traced = instructionsOf(r.stderr); counts.events = eventsOf(r.stderr); return r.seconds; } },
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
    const calls = counts.events! / 2;
    const perCallNs = ((fib.median.traced! - fib.median.untraced!) * 1e9) / calls;
    ctx.measure({
      id: "native.fibTracedVsUntraced",
      label: `traced / untraced fib(${FIB_N}), whole process, same engine`,
      value: fib.median.traced! / fib.median.untraced!,
      unit: "×",
      // issue 13: must ≤ 2, goal ≤ 1.5
      target: { op: "<=", limit: 2, moonshot: 1.5 },
      limits:
        `tracing adds ${fmt(perCallNs)} ns per traced call (${calls.toLocaleString("en-US")} calls). Per call the thunks run 7 translated blocks ` +
        "more than the untraced call (the patched entry's 2, the entry thunk, the entry slot, the continuation, the exit thunk, the exit slot), each " +
        "with the block clock's hook; 3 of their jumps cross a page or go through memory, where unicorn looks the next block up instead of chaining; " +
        "the native entry and exit hooks run once each; the log becomes trace columns (ntr_emit); and the first 8 chunks are encoded and deflated on " +
        "the machine's thread (perf, 2026-12-04: blocks and lookups ~40 % of the added time, the hooks ~20 %, the columns ~10 %, those chunks ~10 %). " +
        "Fewer blocks per call needs thunks that record entries and exits themselves, in guest code.",
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
          { name: "traced", run: async () => { const r = await run(w.traced); c.traced = instructionsOf(r.stderr); c.events = eventsOf(r.stderr); return r.seconds; } },
          { name: "untraced", run: async () => { const r = await run(w.untraced); c.untraced = instructionsOf(r.stderr); return r.seconds; } },
        ],
        ctx.repeats,
      );
      ctx.measure({
        id: `native.${w.id}TracedVsUntraced`,
        label: `traced / untraced ${w.label}, whole process`,
        value: t.median.traced! / t.median.untraced!,
        unit: "×",
        // issue 13: must ≤ 1.5, goal ≤ 1.3
        target: { op: "<=", limit: 1.5, moonshot: 1.3 },
        limits:
          `whole runs of ${fmt(t.median.untraced!)} s untraced: tracing adds ${fmt(t.median.traced! - t.median.untraced!)} s for ${c.events!.toLocaleString("en-US")} events, ` +
          "mostly fixed costs — finding and parsing the PDB, classifying and patching the module, encoding and deflating the chunks on the machine's thread " +
          "(a trace under 8 full chunks does not start the worker) — rather than the events themselves",
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
      limits:
        "unicorn's translated code with the deterministic clock: every translated block calls the block clock's hook, and every return is an indirect jump, " +
        "which unicorn resolves by looking the next block up (perf of untraced fib(34), 2026-12-04: translated code ~45 % of the emulation, those lookups ~23 %, " +
        "the clock's hook ~22 %); fib's calls are ~4.5 blocks each, where native code takes ~2 ns a call",
      detail: `${fmt(e.median.emulated!)} s vs ${fmt(e.median.native!)} s; start-up (Run(1)) ${fmt(e.median.startup!)} s = ${fmt((100 * e.median.startup!) / e.median.emulated!)} % of the emulated run`,
    });
  },
};
