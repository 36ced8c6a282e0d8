/**
 * Test shorthands over runtime/session.ts (the one entry point): run a sample DLL's export, a
 * program or drivers the way the CLI does, traced or not, with the option names the tests use.
 */
import { runSession, type MachineOptions, type RunResult, type TraceSummary } from "../../runtime/index.js";
import type { TracerOptions } from "../../runtime/tracing/index.js";
import type { IrpSpec, KernelRunResult } from "../../runtime/kernel/index.js";

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
  /** TraceSummary.finalImages wanted. */
  readonly keepFinalImages?: boolean;
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

export interface DriverRunOptions extends MachineOptions, TracerOptions {
  /** The function driver; `load` drivers follow, in order (filters attach above it). */
  readonly image: string;
  readonly load?: readonly string[];
  readonly irps: readonly IrpSpec[];
  readonly allowMissingImports?: boolean;
}

export interface TracedDriverRunResult extends TraceSummary {
  readonly run: KernelRunResult;
  /** Per CPU: DPC stack [limit, base) and the idle thread's key as a number (run.cpus has it in hex). */
  readonly cpus: readonly { readonly index: number; readonly idleThread: number; readonly dpcStackLimit: number; readonly dpcStackBase: number }[];
}

/** Drivers and requests, traced in memory (what `ntrace run x.sys --irp … -o` does). */
export function runDriverTraced(o: DriverRunOptions): TracedDriverRunResult {
  const { image, load, irps, allowMissingImports, cpus: _c, quantum: _q, maxInstructions: _m, timeoutMs: _t, observer: _o, engine: _g, ...tracer } = o;
  const r = runSession({
    ...machineOf(o),
    target: { mode: "kernel", image, irps, ...(load !== undefined ? { load } : {}), ...(allowMissingImports === true ? { allowMissingImports: true } : {}) },
    trace: tracer,
  });
  const run = r.run as KernelRunResult;
  return { ...r.trace!, run, cpus: run.cpus.map((c) => ({ ...c, idleThread: Number(c.idleThread) })) };
}
