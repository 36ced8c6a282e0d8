/** `traceInfo(trace)`: the JSON shape `ntrace info <trace> --json` prints (issue 5). */
import { NtraceError } from "../base/index.js";
import type { TraceSource } from "./source.js";
import { threadKeysOf } from "./source.js";
import { codeViewOfBlock } from "./symbols/parsers.js";
import type { RunSummary } from "../tracefile/types.js";

export interface TraceInfo {
  kind: "trace";
  version: string;
  /** The command that recorded the trace (argv after `ntrace`). */
  commandLine: string[];
  toolVersion: string;
  mode: string;
  /** The emulator engine (format 1.1), e.g. "unicorn 2.0.1". */
  engine?: string;
  /** How the run ended (format 1.1 footer): exit code / result / failure, instructions, host time; (1.2) why it was interrupted. */
  run?: { exitCode?: number; result?: number; failure?: string; instructions: number; elapsedNs?: number; interrupted?: { cause: string; reason: string } };
  clock: { kind: string; unit: string; description: string };
  cpus: number;
  modules: { name: string; path: string; base: number; size: number; functions: number; codeview?: { guid: string; age: number; path: string } }[];
  threads: { key: number; cid: { process: number; thread: number }; idle?: boolean; name?: string; events: number }[];
  events: number;
  complete: boolean;
  damage?: { offset: number; length?: number; what: string }[];
}

/**
 * The image the trace was made of, for titles: the module whose file name appears in the
 * recorded command line (`ntrace run samples/fib/fib.dll …`), else the first module.
 */
export function traceImageName(trace: TraceSource): string {
  const args = new Set(trace.header.commandLine.map((a) => a.split(/[\\/]/).pop()!.toLowerCase()));
  const named = trace.modules.find((m) => args.has(m.name.toLowerCase()));
  return (named ?? trace.modules[0])?.name ?? "trace";
}

/** The footer's run summary when the source is a TraceFile (format 1.1). */
function runOf(trace: TraceSource): RunSummary | undefined {
  return (trace as TraceSource & { run?: RunSummary }).run;
}

/** Counts events by reading chunk headers when the source can (TraceFile), else by decoding. */
function eventCounts(trace: TraceSource): Map<number, number> {
  const counts = new Map<number, number>();
  const indexed = trace as TraceSource & { threadEventCount?: (key: number) => number };
  if (typeof indexed.threadEventCount === "function") {
    for (const k of threadKeysOf(trace)) counts.set(k, indexed.threadEventCount(k));
    return counts;
  }
  for (const c of trace.chunks()) counts.set(c.thread, (counts.get(c.thread) ?? 0) + c.count);
  return counts;
}

export function traceInfo(trace: TraceSource): TraceInfo {
  const counts = eventCounts(trace);
  const h = trace.header;
  const info: TraceInfo = {
    kind: "trace",
    version: `${h.formatMajor}.${h.formatMinor}`,
    commandLine: [...h.commandLine],
    toolVersion: h.toolVersion,
    mode: h.mode,
    ...(h.engine !== undefined ? { engine: h.engine } : {}),
    ...(runOf(trace) !== undefined ? { run: { ...runOf(trace)! } } : {}),
    clock: { kind: h.clock.kind, unit: h.clock.unit, description: h.clock.description },
    cpus: h.cpus,
    modules: trace.modules.map((m) => {
      let cv = null;
      try {
        cv = codeViewOfBlock(m.debugBlock);
      } catch (err) {
        if (!(err instanceof NtraceError)) throw err;
      }
      return {
        name: m.name,
        path: m.path,
        base: m.base,
        size: m.size,
        functions: m.functionRvas.length,
        ...(cv !== null ? { codeview: { guid: cv.guid, age: cv.age, path: cv.path } } : {}),
      };
    }),
    threads: threadKeysOf(trace).map((key) => {
      const r = trace.threads.find((t) => t.key === key);
      return {
        key,
        cid: { process: r?.process ?? 0, thread: r?.thread ?? 0 },
        ...(r?.idle === true ? { idle: true } : {}),
        ...(r?.name !== undefined ? { name: r.name } : {}),
        events: counts.get(key) ?? 0,
      };
    }),
    events: [...counts.values()].reduce((a, b) => a + b, 0),
    complete: trace.complete,
  };
  if (trace.damage.length > 0) info.damage = trace.damage.map((d) => ({ offset: d.offset, ...(d.length !== undefined ? { length: d.length } : {}), what: d.what }));
  return info;
}
