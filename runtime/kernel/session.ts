/**
 * A traced kernel run: KernelRun + runtime/tracing's Tracer + a trace writer in "kernel" mode.
 * The tracer works unchanged: it sees module loads before DriverEntry, thread starts/exits
 * (the idle threads included, announced at boot), exceptions and unwinds through the same
 * MachineObserver callbacks as in user mode (idle threads get idle/cpu in their trace record).
 */
import { MemorySink, FileSink, TraceWriter, type TraceSink } from "../../tracefile/index.js";
import { TOOL_VERSION } from "../../version.js";
import { Tracer, traceClock, type TracerOptions, type TracerStats } from "../tracing/tracer.js";
import { abandon } from "../tracing/session.js";
import { traceEngine, traceRunSummary } from "../tracing/summary.js";
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
  const startedNs = process.hrtime.bigint();
  const writer = TraceWriter.create(sink, {
    clock: traceClock(options.clock ?? "guest"),
    cpus: options.cpus ?? 1,
    toolVersion: TOOL_VERSION,
    commandLine: options.commandLine ?? [],
    argCount: options.args ?? 0,
    mode: "kernel",
    engine: traceEngine(),
  });
  const tracer = new Tracer(writer, options);
  let run: KernelRun | undefined;
  let loaded = false;
  try {
    run = new KernelRun({ ...options, observer: tracer });
    run.loadDrivers([options.image, ...(options.load ?? [])]);
    loaded = true;
    for (const spec of options.irps) run.sendIrp(spec);
    run.unload();
    tracer.finish();
    const result = run.summary();
    const written = writer.close(traceRunSummary(result, options.clock ?? "guest", startedNs));
    return {
      run: result,
      stats: tracer.stats,
      events: written.events,
      traceBytes: written.bytes,
      ...(memory !== undefined ? { bytes: memory.bytes() } : {}),
      cpus: run.k.cpus.map((c) => ({ index: c.index, idleThread: c.idle.key, dpcStackLimit: c.dpcStackLimit, dpcStackBase: c.dpcStackBase })),
    };
  } catch (err) {
    // Nothing recorded (a driver failed to load): no trace file; else keep a closed trace.
    abandon(sink, writer, tracer, loaded || tracer.stats.entries > 0, options.output);
    throw err;
  } finally {
    run?.close();
  }
}
