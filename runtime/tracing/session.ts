/**
 * A traced run in one call: machine + tracer + trace writer. Used by `ntrace run` and tests.
 */
import { basename } from "node:path";
import { UsageError } from "../../base/index.js";
import { MemorySink, FileSink, TraceWriter, type TraceSink } from "../../tracefile/index.js";
import { TOOL_VERSION } from "../../version.js";
import { GuestError } from "../errors.js";
import { createMachine } from "../index.js";
import type { MachineOptions, RunResult } from "../types.js";
import { Tracer, traceClock, type TracerOptions, type TracerStats } from "./tracer.js";

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
  readonly recorder: "native" | "hooks" | "guest";
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
  const writer = TraceWriter.create(sink, {
    clock: traceClock(options.clock ?? "guest"),
    cpus: options.cpus ?? 1,
    toolVersion: TOOL_VERSION,
    commandLine: options.commandLine ?? [],
    argCount: options.args ?? 0,
    mode: "user",
  });
  const tracer = new Tracer(writer, options);
  const um = createMachine({ ...options, observer: tracer });
  const finalImages = new Map<string, Uint8Array>();
  try {
    for (const extra of options.load ?? []) if (/\.(dll|exe|sys)$/i.test(extra)) um.process.load(extra, false);
    const module = um.loadImage(options.image);
    um.process.setCommandLine(basename(options.image));
    let result: number | undefined;
    try {
      if (module.image?.isDll ?? false) {
        if (options.call !== undefined) result = um.callExport(module, options.call.name, options.call.args);
        else um.initialize();
      } else {
        if (options.call !== undefined) throw new UsageError(`--call needs a DLL; ${basename(options.image)} is an EXE`);
        um.runEntry(module);
      }
    } catch (err) {
      if (!(err instanceof GuestError)) throw err;
    }
    tracer.finish();
    for (const m of um.machine.modules) if (m.image !== null && !m.builtin) finalImages.set(m.name, um.machine.engine.readMemory(m.base, m.size));
    const run = um.summary(result);
    const written = writer.close();
    return {
      run,
      stats: tracer.stats,
      recorder: tracer.recorder,
      events: written.events,
      traceBytes: written.bytes,
      ...(memory !== undefined ? { bytes: memory.bytes() } : {}),
      finalImages,
    };
  } finally {
    um.close();
  }
}
