/**
 * Reader speed and memory (issue 8 targets 3 and 5): `ntrace report` and
 * `ntrace flamegraph --format folded` as child processes, as a user runs them.
 *  - vs uftrace: on the fib(30) trace against `uftrace report` / `uftrace dump --flame-graph`
 *    of the native fib(30) recording (the same number of events), all four interleaved.
 *  - peak RSS (GNU time's maximum resident set) on a 55 M-event fib(34) trace.
 */
import { join } from "node:path";
import type { Benchmark } from "../harness.js";
import { GNU_TIME, SkipBenchmark, commandLine, fmt, interleave, runChecked, which } from "../harness.js";
import { ntraceCli } from "../project.js";
import { uftraceFlameArgs, uftraceRecording, uftraceReportArgs } from "../native-fib.js";
import { fibTrace, syntheticFibTrace } from "../traces.js";
import { existsSync } from "node:fs";

export function ntraceReportArgs(root: string, trace: string): string[] {
  return [ntraceCli(root), "report", "--symbol-path", join(root, "samples", "fib"), trace];
}
export function ntraceFoldedArgs(root: string, trace: string): string[] {
  return [ntraceCli(root), "flamegraph", "--format", "folded", "--symbol-path", join(root, "samples", "fib"), trace];
}

export const readerVsUftrace: Benchmark = {
  name: "reader-vs-uftrace",
  title: "ntrace report / flamegraph vs uftrace report / dump --flame-graph (fib(30))",
  async run(ctx) {
    const n = 30;
    const trace = await fibTrace(ctx, n);
    const rec = await uftraceRecording(ctx, n);
    const report = ntraceReportArgs(ctx.root, trace.path);
    const folded = ntraceFoldedArgs(ctx.root, trace.path);
    // Check the output once: fib's call count must be in the report.
    const check = await runChecked("node", report, { keepStdout: true });
    const fibCalls = rec.calls["fib"];
    if (fibCalls === undefined || !(check.stdout ?? "").includes(String(fibCalls))) {
      throw new Error(`ntrace report on ${trace.path} does not show fib's ${fibCalls} calls:\n${(check.stdout ?? "").slice(0, 800)}`);
    }
    for (const a of [report, folded]) ctx.command(`${commandLine("node", a)} > /dev/null`);
    ctx.command(`${commandLine("uftrace", uftraceReportArgs(rec.dir))} > /dev/null`);
    ctx.command(`${commandLine("uftrace", uftraceFlameArgs(rec.dir))} > /dev/null`);
    const t = await interleave(
      [
        { name: "ntraceReport", run: async () => (await runChecked("node", report)).seconds },
        { name: "uftraceReport", run: async () => (await runChecked("uftrace", uftraceReportArgs(rec.dir))).seconds },
        { name: "ntraceFolded", run: async () => (await runChecked("node", folded)).seconds },
        { name: "uftraceFlame", run: async () => (await runChecked("uftrace", uftraceFlameArgs(rec.dir))).seconds },
      ],
      ctx.repeats,
    );
    const m = t.median;
    if (trace.origin !== "synthetic") ctx.note(`Recording the fib(${n}) trace (${trace.origin}) took ${fmt(trace.seconds)} s wall time, ${fmt(trace.bytes / 1e6)} MB.`);
    const events = `${trace.origin} trace of ${fmt(trace.events)} events vs uftrace's ${fmt(rec.events)}`;
    ctx.measure({
      id: "reader.reportRatio",
      label: "ntrace report / uftrace report (fib(30), same events)",
      value: m.ntraceReport! / m.uftraceReport!,
      unit: "×",
      target: { op: "<=", limit: 1, item: "3" },
      detail: `${fmt(m.ntraceReport!)} s vs ${fmt(m.uftraceReport!)} s; ${events}`,
    });
    ctx.measure({
      id: "reader.flameRatio",
      label: "ntrace flamegraph --format folded / uftrace dump --flame-graph",
      value: m.ntraceFolded! / m.uftraceFlame!,
      unit: "×",
      target: { op: "<=", limit: 1, item: "3" },
      detail: `${fmt(m.ntraceFolded!)} s vs ${fmt(m.uftraceFlame!)} s; ${events}`,
    });
    const startup = await interleave([{ name: "help", run: async () => (await runChecked("node", [ntraceCli(ctx.root), "--version"])).seconds }], 3);
    ctx.note(`\`node dist/bin/ntrace.js --version\` alone takes ${fmt(startup.median.help!)} s (node start-up and module loading), included in both ntrace times.`);
  },
};

export const readerMemory: Benchmark = {
  name: "reader-memory",
  title: "Peak memory of reader commands on a 55 M-event trace",
  async run(ctx) {
    if (!existsSync(GNU_TIME) && (await which("time")) === null) throw new SkipBenchmark("GNU time (/usr/bin/time) is not installed: apt-get install time");
    const trace = await syntheticFibTrace(ctx, 34);
    if (trace.events < 50_000_000) throw new Error(`the fib(34) trace has ${trace.events} events, expected ≥ 50 M`);
    ctx.note(`Input: synthetic fib(34) trace, ${fmt(trace.events)} events, ${fmt(trace.bytes / 1e6)} MB, written in ${fmt(trace.seconds)} s.`);
    for (const [label, id, args] of [
      ["ntrace report", "report", ntraceReportArgs(ctx.root, trace.path)],
      ["ntrace flamegraph --format folded", "folded", ntraceFoldedArgs(ctx.root, trace.path)],
    ] as const) {
      ctx.command(`${commandLine(GNU_TIME, ["-f", "%M", "node", ...args])} > /dev/null`);
      const r = await runChecked("node", args, { measureRss: true });
      if (r.maxRssBytes === undefined) throw new Error("GNU time printed no maximum resident set size");
      ctx.measure({
        id: `memory.${id}`,
        label: `${label}: peak RSS on ${fmt(trace.events / 1e6)} M events`,
        value: r.maxRssBytes / 1e6,
        unit: "MB",
        target: { op: "<", limit: 500, item: "5" },
        detail: `${fmt(r.seconds)} s, ${fmt(trace.events / r.seconds / 1e6)} M events/s`,
      });
    }
  },
};
