/**
 * One traced run in a fresh process, for profiling (`node --cpu-prof`):
 * `node dist/bench/workers/traced-run.js <root> <image> <n> <out.ntrace> [guest|host]`.
 * Prints one JSON line: {seconds, events, bytes, result}.
 */
import type { TracedRunOptions, TracedRunResult } from "../../runtime/tracing/index.js";
import { loadProjectModule } from "../project.js";
import { nowNs, secondsSince } from "../harness.js";

interface TracingApi {
  runTraced(options: TracedRunOptions): TracedRunResult;
}

const [root, image, nText, out, clock] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const tracing = await loadProjectModule<TracingApi>(root, "runtime/tracing/index.js", ["runTraced"], "tracer (runtime/tracing/)");
const start = nowNs();
const r = tracing.runTraced({ image, call: { name: "Run", args: [Number(nText)] }, output: out, clock: clock === "host" ? "host" : "guest" });
process.stdout.write(`${JSON.stringify({ seconds: secondsSince(start), events: r.events, bytes: r.traceBytes, result: r.run.result, failure: r.run.failure })}\n`);
