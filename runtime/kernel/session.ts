/**
 * A traced kernel run: KernelRun + runtime/tracing's Tracer + a trace writer in "kernel" mode.
 * The tracer works unchanged: it sees module loads before DriverEntry, thread starts/exits
 * (the idle threads included, announced at boot), exceptions and unwinds through the same
 * MachineObserver callbacks as in user mode. Idle threads get idle/cpu in their trace record.
 */
import { MemorySink, FileSink, TraceWriter, type ThreadRecord, type TraceSink } from "../../tracefile/index.js";
import { TOOL_VERSION } from "../../version.js";
import { Tracer, traceClock, type TracerOptions, type TracerStats } from "../tracing/tracer.js";
import { KernelRun, type KernelRunOptions, type KernelRunResult } from "./run.js";

export interface TracedKernelRunOptions extends KernelRunOptions, TracerOptions {
  /** Trace file; undefined = in memory (bytes returned). */
  readonly output?: string;
  readonly commandLine?: readonly string[];
}

export interface TracedKernelRunResult {
  readonly run: KernelRunResult;
  readonly stats: TracerStats;
  readonly events: number;
  readonly traceBytes: number;
  readonly bytes?: Uint8Array;
  /** Per CPU: DPC stack [limit, base) and idle thread key (tests, reports). */
  readonly cpus: readonly { readonly index: number; readonly idleThread: number; readonly dpcStackLimit: number; readonly dpcStackBase: number }[];
}

export function runDriverTraced(options: TracedKernelRunOptions): TracedKernelRunResult {
  const memory = options.output === undefined ? new MemorySink() : undefined;
  const sink: TraceSink = memory ?? new FileSink(options.output!);
  const writer = TraceWriter.create(sink, {
    clock: traceClock(options.clock ?? "guest"),
    cpus: options.cpus ?? 1,
    toolVersion: TOOL_VERSION,
    commandLine: options.commandLine ?? [],
    argCount: options.args ?? 0,
    mode: "kernel",
  });
  // Thread records get the idle flag and CPU of idle threads (the tracer passes key and CID).
  const bound = new Map<number, { idle: boolean; cpu: number }>();
  const recordingWriter = new Proxy(writer, {
    get(target, prop, receiver) {
      if (prop === "addThread") return (rec: ThreadRecord) => target.addThread({ ...rec, ...(bound.get(rec.key) ?? {}) });
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const tracer = new Tracer(recordingWriter, options);
  const observer = {
    onMachineReady: tracer.onMachineReady.bind(tracer),
    onModuleLoaded: tracer.onModuleLoaded.bind(tracer),
    onThreadStart: (t: Parameters<Tracer["onThreadStart"]>[0]) => {
      if (t.idle === true) bound.set(t.key, { idle: true, cpu: t.cpu ?? 0 });
      tracer.onThreadStart(t);
    },
    onThreadExit: tracer.onThreadExit.bind(tracer),
    onContextResume: tracer.onContextResume.bind(tracer),
  };
  const run = new KernelRun({ ...options, observer });
  try {
    run.loadDrivers([options.image, ...(options.load ?? [])]);
    for (const spec of options.irps) run.sendIrp(spec);
    run.unload();
    tracer.finish();
    const result = run.summary();
    const written = writer.close();
    return {
      run: result,
      stats: tracer.stats,
      events: written.events,
      traceBytes: written.bytes,
      ...(memory !== undefined ? { bytes: memory.bytes() } : {}),
      cpus: run.k.cpus.map((c) => ({ index: c.index, idleThread: c.idle.key, dpcStackLimit: c.dpcStackLimit, dpcStackBase: c.dpcStackBase })),
    };
  } finally {
    run.close();
  }
}
