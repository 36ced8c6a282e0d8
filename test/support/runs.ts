/**
 * Test shorthands over runtime/session.ts (the one entry point): run a sample DLL's export or
 * a program the way the CLI does, traced or not, with the option names the tests use.
 */
import { runSession, type MachineOptions, type RunResult, type TraceSummary } from "../../runtime/index.js";
import type { TracerOptions } from "../../runtime/tracing/index.js";

export interface RunOptions extends MachineOptions {
  /** A DLL (its export `call` is called, or its DllMain alone runs) or an EXE. */
  readonly image: string;
  readonly call?: { readonly name: string; readonly args: readonly number[] };
  /** Program arguments (EXE). */
  readonly programArgs?: readonly string[];
  readonly load?: readonly string[];
  readonly allowMissingImports?: boolean;
  readonly env?: Readonly<Record<string, string>>;
  readonly dllDirs?: readonly string[];
}

export interface TracedRunOptions extends RunOptions, TracerOptions {
  readonly output?: string;
  readonly commandLine?: readonly string[];
}

export interface TracedRunResult extends TraceSummary {
  readonly run: RunResult;
}

function target(o: RunOptions) {
  return {
    mode: "user" as const,
    image: o.image,
    ...(o.call !== undefined ? { call: o.call } : {}),
    ...(o.programArgs !== undefined ? { args: o.programArgs } : {}),
    ...(o.load !== undefined ? { load: o.load } : {}),
    ...(o.allowMissingImports === true ? { allowMissingImports: true } : {}),
    ...(o.env !== undefined ? { env: o.env } : {}),
    ...(o.dllDirs !== undefined ? { dllDirs: o.dllDirs } : {}),
  };
}

function machineOf(o: MachineOptions): MachineOptions {
  return {
    ...(o.cpus !== undefined ? { cpus: o.cpus } : {}),
    ...(o.quantum !== undefined ? { quantum: o.quantum } : {}),
    ...(o.maxInstructions !== undefined ? { maxInstructions: o.maxInstructions } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.observer !== undefined ? { observer: o.observer } : {}),
    ...(o.engine !== undefined ? { engine: o.engine } : {}),
  };
}

/** Runs untraced; the summary (result of the call, or the program's exit code). */
export function runImage(o: RunOptions): RunResult {
  return runSession({ ...machineOf(o), target: target(o) }).run;
}

/** Runs traced, the trace in memory unless `output` is given. */
export function runTraced(o: TracedRunOptions): TracedRunResult {
  const { image: _image, call: _call, programArgs: _p, load: _l, allowMissingImports: _a, env: _e, dllDirs: _d, cpus: _c, quantum: _q, maxInstructions: _m, timeoutMs: _t, observer: _o, engine: _g, ...tracer } = o;
  const r = runSession({ ...machineOf(o), target: target(o), trace: tracer });
  return { ...r.trace!, run: r.run };
}
