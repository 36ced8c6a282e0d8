/**
 * uftrace baseline: what a Linux user would pick instead. Native fib(n) recorded with uftrace;
 * bytes per event, and the time of `uftrace report` and `uftrace dump --flame-graph`.
 */
import type { Benchmark } from "../harness.js";
import { commandLine, fmt, interleave, runChecked } from "../harness.js";
import { uftraceFlameArgs, uftraceRecording, uftraceReportArgs } from "../native-fib.js";

export const FIB_N = 30;

export const uftraceBaseline: Benchmark = {
  name: "uftrace",
  title: "uftrace on the same fib compiled natively (baseline)",
  async run(ctx) {
    const rec = await uftraceRecording(ctx, FIB_N);
    const report = uftraceReportArgs(rec.dir);
    const flame = uftraceFlameArgs(rec.dir);
    ctx.command(`${commandLine("uftrace", report)} > /dev/null`);
    ctx.command(`${commandLine("uftrace", flame)} > /dev/null`);
    const t = await interleave(
      [
        { name: "report", run: async () => (await runChecked("uftrace", report)).seconds },
        { name: "flame", run: async () => (await runChecked("uftrace", flame)).seconds },
      ],
      ctx.repeats,
    );
    const calls = Object.entries(rec.calls).map(([f, c]) => `${f} ${c}`).join(", ");
    ctx.measure({ id: "uftrace.events", label: `uftrace fib(${rec.n}) events (entry+exit)`, value: rec.events, unit: "events", detail: `calls: ${calls}; source ${rec.source}` });
    ctx.measure({ id: "uftrace.bytesPerEvent", label: "uftrace bytes per event (record files)", value: rec.recordBytes / rec.events, unit: "B/event", detail: `${fmt(rec.recordBytes / 1e6)} MB of *.dat; whole data dir ${fmt(rec.dirBytes / 1e6)} MB` });
    ctx.measure({ id: "uftrace.report", label: "uftrace report", value: t.median.report!, unit: "s", detail: `median of ${ctx.repeats}` });
    ctx.measure({ id: "uftrace.flame", label: "uftrace dump --flame-graph", value: t.median.flame!, unit: "s", detail: `median of ${ctx.repeats}` });
  },
};
