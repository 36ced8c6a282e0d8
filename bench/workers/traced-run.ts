/**
 * One traced run in a fresh process, for profiling (`node --cpu-prof`), through runSession:
 * `node dist/bench/workers/traced-run.js <root> <image> <n> <out.ntrace> [guest|host]`.
 * Prints one JSON line: {seconds, events, bytes, result}.
 */
import type { SessionOptions, SessionResult } from "../../runtime/index.js";
import { loadProjectModule } from "../project.js";
import { nowNs, secondsSince } from "../harness.js";

interface RuntimeApi {
  runSession(options: SessionOptions): SessionResult;
}

const [root, image, nText, out, clock] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const runtime = await loadProjectModule<RuntimeApi>(root, "runtime/index.js", ["runSession"], "emulated machine (runtime/)");
const start = nowNs();
const r = runtime.runSession({ target: { mode: "user", image, call: { name: "Run", args: [Number(nText)] } }, trace: { output: out, clock: clock === "host" ? "host" : "guest" } });
process.stdout.write(`${JSON.stringify({ seconds: secondsSince(start), events: r.trace!.events, bytes: r.trace!.traceBytes, result: r.run.result, failure: r.run.failure })}\n`);
