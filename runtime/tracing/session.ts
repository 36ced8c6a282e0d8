/**
 * A traced run in one call: machine + tracer + trace writer. Used by `ntrace run` and tests.
 *
 * The trace file and failures: a run that fails before anything could be recorded (the engine
 * library is missing, the image is refused or cannot be loaded: bad image, missing imports)
 * leaves no trace file behind — nothing was recorded, and an empty or header-only file would
 * only mislead. Once tracing has started, every failure (guest fault, limit, an error of the
 * run itself) still ends with the complete, closed trace of what was recorded.
 */
import { rmSync } from "node:fs";
import { MemorySink, FileSink, TraceWriter, type TraceSink } from "../../tracefile/index.js";
import { TOOL_VERSION } from "../../version.js";
import { createMachine, loadAndRun, type UserMachine } from "../index.js";
import type { MachineOptions, RunResult } from "../types.js";
import { nativeFallbackNote } from "./native.js";
import { Tracer, traceClock, type Recorder, type TracerOptions, type TracerStats } from "./tracer.js";
import { traceEngine, traceRunSummary } from "./summary.js";

export interface TracedRunOptions extends MachineOptions, TracerOptions {
  readonly image: string;
  readonly call?: { readonly name: string; readonly args: readonly number[] };
  /** Output file; undefined = in memory (the bytes are returned). */
  readonly output?: string;
  readonly commandLine?: readonly string[];
}

export interface TracedRunResult {
  readonly run: RunResult;
  readonly stats: TracerStats;
  /** The recorder that ran (README "Recorders"): "native" unless it fell back. */
  readonly recorder: Recorder;
  /** Set when the native recorder was wanted but its helper is missing or does not load (one line for stderr). */
  readonly fallbackNote?: string;
  readonly events: number;
  readonly traceBytes: number;
  /** The trace when no output file was given. */
  readonly bytes?: Uint8Array;
  /** Image bytes of each traced module as mapped at the end of the run (tests: unpatch exactness). */
  readonly finalImages: ReadonlyMap<string, Uint8Array>;
}

export function runTraced(options: TracedRunOptions): TracedRunResult {
  const memory = options.output === undefined ? new MemorySink() : undefined;
  const sink: TraceSink = memory ?? new FileSink(options.output!);
  let writer: TraceWriter | undefined;
  let tracer: Tracer | undefined;
  let um: UserMachine | undefined;
  let loaded = false;
  const startedNs = process.hrtime.bigint();
  try {
    writer = TraceWriter.create(sink, {
      clock: traceClock(options.clock ?? "guest"),
      cpus: options.cpus ?? 1,
      toolVersion: TOOL_VERSION,
      commandLine: options.commandLine ?? [],
      argCount: options.args ?? 0,
      mode: "user",
      engine: traceEngine(),
    });
    tracer = new Tracer(writer, options);
    um = createMachine({ ...options, observer: tracer });
    const result = loadAndRun(um, options, () => {
      loaded = true;
    });
    tracer.finish();
    const finalImages = new Map<string, Uint8Array>();
    for (const m of um.machine.modules) if (m.image !== null && !m.builtin) finalImages.set(m.name, um.machine.engine.readMemory(m.base, m.size));
    const run = um.summary(result);
    const written = writer.close(traceRunSummary(run, options.clock ?? "guest", startedNs));
    const wanted = (options.recorder ?? "native") === "native";
    const note = wanted && tracer.recorder !== "native" ? nativeFallbackNote() : undefined;
    return {
      run,
      stats: tracer.stats,
      recorder: tracer.recorder,
      ...(note !== undefined ? { fallbackNote: note } : {}),
      events: written.events,
      traceBytes: written.bytes,
      ...(memory !== undefined ? { bytes: memory.bytes() } : {}),
      finalImages,
    };
  } catch (err) {
    abandon(sink, writer, tracer, loaded || (tracer?.stats.entries ?? 0) > 0, options.output);
    throw err;
  } finally {
    um?.close();
  }
}

/**
 * A run that threw: keep what was recorded as a complete, closed trace (`keep`: the image was
 * loaded, or something was recorded while loading), else close and remove the file. Best
 * effort: the caller rethrows the original error, which is the one the user must see.
 */
export function abandon(sink: TraceSink, writer: TraceWriter | undefined, tracer: Tracer | undefined, keep: boolean, output: string | undefined): void {
  if (keep && writer !== undefined) {
    try {
      tracer?.finish(); // open frames become UNCLOSED
    } catch {
      // the events recorded so far are still written below
    }
    try {
      writer.close();
      return;
    } catch {
      // fall through: at least release the file
    }
  }
  try {
    sink.close();
  } catch {
    // the original error matters more
  }
  if (!keep && output !== undefined) rmSync(output, { force: true });
}
