/**
 * One run-and-trace session for both modes: build the machine with its personality (a user
 * program on Wine's DLLs, an export of a DLL called through the runner, or drivers and their
 * requests), optionally with the tracer writing a trace, run it, and summarize.
 *
 * The trace file and failures: a run that fails before anything could be recorded (the engine
 * library is missing, the image is refused or cannot be loaded: bad image, missing imports)
 * leaves no trace file behind — nothing was recorded, and an empty or header-only file would
 * only mislead. Once tracing has started, every failure (guest fault, limit, an error of the
 * run itself) still ends with the complete, closed trace of what was recorded.
 */
import { existsSync, statSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { type ChunkEncodingStats, FileSink, MemorySink, TraceWriter, type TraceSink } from "../tracefile/index.js";
import { TOOL_VERSION } from "../version.js";
import { withInterruption, type Machine } from "./core/machine.js";
import { LoadError } from "./core/errors.js";
import { UsageError } from "../base/errors.js";
import { refuseOutputOverInput } from "../base/atomicfile.js";
import type { MachineObserver, MachineOptions, RunResult } from "./core/types.js";
import { KernelRun, type IrpSpec, type KernelRunResult } from "./kernel/run.js";
import { nativeFallbackNote } from "./engine/index.js";
import { Tracer, traceClock, type Recorder, type TracerOptions, type TracerStats } from "./tracing/tracer.js";
import { traceEngine, traceRunSummary } from "./tracing/summary.js";
import { resolveCallExportOf, runnerPath, watchRunner, type DllCallOutcome } from "./user/dllcall.js";
import type { UserProcessOptions } from "./user/process.js";
import { closeProgram, createProgram, programSummary, runToExit, type ProgramRun } from "./user/run.js";
import { hostToWineGuestPath } from "./user/vfs.js";

/** A user-mode run: a program (EXE) with arguments, or an export of a DLL. */
export interface UserTarget extends Omit<UserProcessOptions, "image" | "args" | "preflight"> {
  readonly mode: "user";
  /** The EXE to run, or the DLL whose export `call` names (or whose DllMain alone runs). */
  readonly image: string;
  readonly args?: readonly string[];
  readonly call?: { readonly name: string; readonly args: readonly number[] };
  /** DLLs loaded before the image (their directories are searched for DLLs too). */
  readonly load?: readonly string[];
}

/** A kernel-mode run: drivers loaded in order, requests sent to the top of the device stack. */
export interface KernelTarget {
  readonly mode: "kernel";
  readonly image: string;
  readonly load?: readonly string[];
  readonly irps: readonly IrpSpec[];
  readonly allowMissingImports?: boolean;
  /** Most characters of DbgPrint output kept (default 1 MiB); the rest is counted. */
  readonly maxDebugOutput?: number;
}

export interface TraceOutput extends TracerOptions {
  /** Output file; undefined = in memory (the bytes are returned). */
  readonly output?: string;
  /** The command line recorded in the trace. */
  readonly commandLine?: readonly string[];
  /**
   * Tests: keep the traced modules' image bytes as mapped at the end of the run
   * (TraceSummary.finalImages). Reading them makes every page of those images present, which
   * a run has no use for (~60 ms with Wine's kernel32 and kernelbase traced). @internal
   */
  readonly keepFinalImages?: boolean;
}

export interface SessionOptions extends MachineOptions {
  readonly target: UserTarget | KernelTarget;
  /** Trace the run (else it only runs; `observer` may watch it). */
  readonly trace?: TraceOutput;
}

export interface TraceSummary {
  readonly stats: TracerStats;
  /** The recorder that ran (tracing/README.md "Recorders"): "native" unless it fell back. */
  readonly recorder: Recorder;
  /** Set when the native recorder was wanted but its helper is missing or does not load (one line for stderr). */
  readonly fallbackNote?: string;
  /** Tracing options that selected nothing (a --module not loaded, a glob matching no function): one line each. */
  readonly warnings: readonly string[];
  readonly events: number;
  readonly traceBytes: number;
  /** Where the trace's chunks were encoded (the writer's worker thread, or inline, and why). */
  readonly chunkEncoding: ChunkEncodingStats;
  /** The trace when no output file was given. */
  readonly bytes?: Uint8Array;
  /** With `keepFinalImages`: image bytes of each traced module as mapped at the end of the run (tests: unpatch exactness). */
  readonly finalImages?: ReadonlyMap<string, Uint8Array>;
}

export interface SessionResult {
  readonly run: RunResult | KernelRunResult;
  readonly trace?: TraceSummary;
}

/** Runs the target (traced when `trace` is given) and returns what happened. */
export function runSession(options: SessionOptions): SessionResult {
  if (options.trace === undefined) {
    const live = start(options, options.observer);
    try {
      return { run: live.finish() };
    } finally {
      live.close();
    }
  }
  return runTracedSession(options, options.trace);
}

function runTracedSession(options: SessionOptions, trace: TraceOutput): SessionResult {
  if (trace.output !== undefined) refuseOutputOverInput(trace.output, [options.target.image, ...(options.target.load ?? [])]);
  const memory = trace.output === undefined ? new MemorySink() : undefined;
  const sink: TraceSink = memory ?? new FileSink(trace.output!);
  let writer: TraceWriter | undefined;
  let tracer: Tracer | undefined;
  let live: LiveRun | undefined;
  let loaded = false;
  const startedNs = process.hrtime.bigint();
  try {
    const header = {
      clock: traceClock(trace.clock ?? "guest"),
      cpus: options.cpus ?? 1,
      toolVersion: TOOL_VERSION,
      commandLine: trace.commandLine ?? [],
      argCount: trace.args ?? 0,
      mode: options.target.mode,
      engine: traceEngine(),
    };
    // Full chunks are encoded and deflated on a worker thread while the machine runs on, with
    // the same bytes (tracefile/README.md "Encoding on a worker thread").
    writer = TraceWriter.create(sink, header, { background: true });
    tracer = new Tracer(writer, trace);
    live = start(options, tracer);
    loaded = true;
    const run = live.finish();
    tracer.finish();
    let finalImages: Map<string, Uint8Array> | undefined;
    if (trace.keepFinalImages === true) {
      finalImages = new Map();
      for (const name of tracer.instrumented.keys()) {
        const m = live.machine.modules.find((x) => x.name === name);
        if (m !== undefined) finalImages.set(m.name, live.machine.memory.read(m.base, m.size));
      }
    }
    const written = writer.close(traceRunSummary(run, trace.clock ?? "guest", startedNs));
    const note = (trace.recorder ?? "native") === "native" && tracer.recorder !== "native" ? nativeFallbackNote() : undefined;
    return {
      run,
      trace: {
        stats: tracer.stats,
        recorder: tracer.recorder,
        ...(note !== undefined ? { fallbackNote: note } : {}),
        warnings: tracer.unmatchedOptions(),
        events: written.events,
        traceBytes: written.bytes,
        chunkEncoding: writer.chunkEncoding,
        ...(memory !== undefined ? { bytes: memory.bytes() } : {}),
        ...(finalImages !== undefined ? { finalImages } : {}),
      },
    };
  } catch (err) {
    abandon(sink, writer, tracer, loaded || (tracer?.stats.entries ?? 0) > 0);
    throw err;
  } finally {
    live?.close();
  }
}

/** A started run: the machine built and the target loaded; `finish` runs it to its end. */
interface LiveRun {
  readonly machine: Machine;
  finish(): RunResult | KernelRunResult;
  close(): void;
}

function start(options: SessionOptions, observer: MachineObserver | undefined): LiveRun {
  const machineOptions: MachineOptions = { ...options, ...(observer !== undefined ? { observer } : {}) };
  const target = options.target;
  return target.mode === "kernel" ? startKernel(machineOptions, target) : startUser(machineOptions, target);
}

function startKernel(machineOptions: MachineOptions, target: KernelTarget): LiveRun {
  const run = new KernelRun({ ...machineOptions, allowMissingImports: target.allowMissingImports ?? false, ...(target.maxDebugOutput !== undefined ? { maxDebugOutput: target.maxDebugOutput } : {}) });
  try {
    run.loadDrivers([target.image, ...(target.load ?? [])]);
  } catch (err) {
    run.close();
    throw err;
  }
  return {
    machine: run.k.machine,
    finish: () => {
      for (const spec of target.irps) run.sendIrp(spec);
      run.unload();
      return run.summary();
    },
    close: () => run.close(),
  };
}

function startUser(machineOptions: MachineOptions, target: UserTarget): LiveRun {
  const image = resolve(target.image);
  const loads = (target.load ?? []).map((l) => resolve(l));
  for (const [given, path] of [...(target.load ?? []).map((l, i) => [l, loads[i]!] as const), ...(/\.dll$/i.test(image) || target.call !== undefined ? [[target.image, image] as const] : [])]) {
    if (!existsSync(path)) throw new LoadError(`${given}: no such file`);
    if (!statSync(path).isFile()) throw new LoadError(`${given}: is a directory, not an image`);
  }
  // A DLL runs through the runner; an EXE's own imports decide what it loads, so --load only
  // adds the DLLs' directories to its search path.
  const isDll = /\.dll$/i.test(image) || target.call !== undefined;
  const dllDirs = [...new Set([...(target.dllDirs ?? []), ...loads.map((l) => dirname(l)), ...(isDll ? [dirname(image)] : [])])];
  const { commandLine, ...dllTarget } = target;
  if (isDll && commandLine !== undefined) throw new UsageError(`${target.image} is a DLL: a command line is for programs`);
  // `--call Compute` finds _Compute@4; a misspelt name is a usage error with close names.
  const call = target.call !== undefined ? { ...target.call, name: resolveCallExportOf(image, basename(image), target.call.name) } : undefined;
  const processOptions: UserProcessOptions = isDll
    ? {
        ...dllTarget,
        image: runnerPath(),
        args: [...loads.flatMap((l) => ["--load", hostToWineGuestPath(l)]), hostToWineGuestPath(image), ...(call !== undefined ? [call.name, ...call.args.map((a) => String(a >>> 0))] : [])],
        dllDirs,
        preflight: [...loads, image],
        programIsTool: true,
      }
    : { ...target, dllDirs }; // the process finds the program (a bare name may be a system program)
  const program: ProgramRun = createProgram({ ...machineOptions, ...processOptions });
  let outcome: DllCallOutcome | undefined;
  try {
    if (isDll) outcome = watchRunner(program.process, basename(image), call?.name ?? "");
  } catch (err) {
    closeProgram(program);
    throw err;
  }
  return {
    machine: program.machine,
    finish: () => {
      runToExit(program);
      const summary = programSummary(program);
      if (outcome === undefined) return summary;
      // A DLL call: the export's result; the runner's own exit code means nothing to the user.
      // The program's notes (debug output past the cap) stay.
      const notes = [...(call === undefined ? [`no export called (no --call): only ${basename(image)}'s DllMain ran, for process attach and detach`] : []), ...(summary.notes ?? [])];
      const failure =
        outcome.failure ?? summary.failure ?? (outcome.result === undefined && call !== undefined ? `${basename(image)}: ${call.name} did not return (the process ended with ${summary.exitCode ?? "no exit code"})` : undefined);
      return {
        ...(outcome.result !== undefined ? { result: outcome.result } : {}),
        // The process's exit code only when it ended because of the failure (an exception's code).
        ...(failure !== undefined && summary.exitCode !== undefined && summary.exitCode >= 0x80000000 ? { exitCode: summary.exitCode } : {}),
        instructions: summary.instructions,
        threads: summary.threads,
        output: summary.output,
        ...(failure !== undefined ? { failure } : {}),
        ...withInterruption(program.machine.interruptionOf(failure)),
        ...(notes.length > 0 ? { notes } : {}),
      };
    },
    close: () => closeProgram(program),
  };
}

/**
 * A run that threw: keep what was recorded as a complete, closed trace (`keep`: the image was
 * loaded, or something was recorded while loading), else discard it (an existing file of that
 * name stays as it was). Best effort: the caller rethrows the original error, which is the one
 * the user must see.
 */
function abandon(sink: TraceSink, writer: TraceWriter | undefined, tracer: Tracer | undefined, keep: boolean): void {
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
    // nothing recorded: an existing file of that name stays as it was
    if (!keep && sink.discard !== undefined) sink.discard();
    else sink.close();
  } catch {
    // the original error matters more
  }
}
