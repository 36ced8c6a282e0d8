/**
 * Running a program on the user-mode personality: a machine, the process, its first thread,
 * until the process exits (or every thread ended, a limit hit, a deadlock found).
 */
import { hex } from "../../base/index.js";
import { GuestError } from "../core/errors.js";
import { Machine, withInterruption } from "../core/machine.js";
import type { MachineOptions, RunResult, ThreadSummary } from "../core/types.js";
import { DEFAULT_DEBUG_OUTPUT_CAP } from "../core/machine.js";
import { MAX_DEBUG_STRING, UserProcess, type UserProcessOptions } from "./process.js";

export interface ProgramOptions extends MachineOptions, UserProcessOptions {}

export interface ProgramRun {
  readonly machine: Machine;
  readonly process: UserProcess;
}

/** Builds the machine and the process (the first thread is ready; nothing ran yet). */
export function createProgram(options: ProgramOptions): ProgramRun {
  const machine = new Machine(options, "user");
  let process: UserProcess | undefined;
  try {
    process = new UserProcess(machine, options);
    machine.observer.onMachineReady?.(machine);
    process.start();
    return { machine, process };
  } catch (err) {
    process?.close();
    machine.close();
    throw err;
  }
}

/** Runs until the process ended; guest failures (deadlock) end up in the machine's failure. */
export function runToExit(run: ProgramRun): void {
  const { machine, process } = run;
  try {
    machine.run(() => process.exitStatus !== undefined || [...process.threads.keys()].every((t) => t.state === "terminated"));
  } catch (err) {
    if (!(err instanceof GuestError)) throw err;
    machine.failure ??= err.message;
  }
}

export function programSummary(run: ProgramRun): RunResult {
  const { machine, process } = run;
  const threads: ThreadSummary[] = machine.threads.map((t) => ({
    key: hex(t.key),
    cid: { process: t.cid.process, thread: t.cid.thread },
    ...(t.state === "terminated" ? { exit: t.exitCode ?? 0 } : {}),
    ...(t.error !== undefined ? { error: t.error } : {}),
  }));
  const exitCode = process.exitStatus ?? machine.processExit;
  const dropped = process.debugDropped;
  return {
    ...(exitCode !== undefined ? { exitCode } : {}),
    instructions: machine.clock(),
    threads,
    output: [...machine.output],
    ...(machine.failure !== undefined ? { failure: machine.failure } : {}),
    ...withInterruption(machine.interruptionOf(machine.failure)),
    ...(dropped.strings > 0 || dropped.cut > 0 ? { notes: [debugOutputNote(process)] } : {}),
  };
}

/** What the debug-output caps dropped, in one line. */
function debugOutputNote(process: UserProcess): string {
  const { strings, cut, characters } = process.debugDropped;
  const cap = process.options.maxDebugOutput ?? DEFAULT_DEBUG_OUTPUT_CAP;
  const parts = [...(strings > 0 ? [`${strings} string${strings === 1 ? "" : "s"} dropped`] : []), ...(cut > 0 ? [`${cut} cut short`] : [])];
  return `${characters} characters of debug output not kept (${parts.join(", ")}): past the cap of ${cap} characters (--max-debug-output) or ${MAX_DEBUG_STRING} a string`;
}

export function closeProgram(run: ProgramRun): void {
  run.process.close();
  run.machine.close();
}

/** Runs a program untraced (or with `options.observer`) and returns its summary. */
export function runProgram(options: ProgramOptions): RunResult {
  const run = createProgram(options);
  try {
    runToExit(run);
    return programSummary(run);
  } finally {
    closeProgram(run);
  }
}
