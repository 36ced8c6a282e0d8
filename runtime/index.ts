/**
 * runtime/: the emulated x86 Windows machine. See runtime/README.md.
 *
 *   const run = runImage({ image: "samples/fib/fib.dll", call: { name: "Run", args: [20] } });
 *   run.result === 6765
 *
 * or step by step: createMachine(options) → machine.loadImage(path) → machine.callExport(...).
 */
import { basename } from "node:path";
import { hex, UsageError } from "../base/index.js";
import { GuestError, LoadError } from "./errors.js";
import { Machine } from "./machine.js";
import { UserProcess } from "./nt/process.js";
import type { GuestThread } from "./thread.js";
import type { LoadedModule, MachineOptions, RunResult, ThreadSummary } from "./types.js";

export * from "./types.js";
export * from "./errors.js";
export { Machine, DEFAULT_QUANTUM, INSTRUCTIONS_PER_MS, normalizeDllName, type ApiDef, type ApiCall, type ApiOutcome, type FaultInfo } from "./machine.js";
export { GuestThread, CONTEXT_REGS } from "./thread.js";
export { UserProcess, parseCallArg } from "./nt/process.js";
export * from "./engine/index.js";
export { GuestMemory, PAGE, type Region } from "./memory.js";
export { Selector } from "./gdt.js";
export * as layout from "./nt/layout.js";

/** A machine with the NT user-mode personality, ready to load images. */
export class UserMachine {
  readonly machine: Machine;
  readonly process: UserProcess;
  private started = false;

  constructor(readonly options: MachineOptions = {}) {
    this.machine = new Machine(options);
    this.process = new UserProcess(this.machine, { searchPaths: options.load ?? [], allowMissingImports: options.allowMissingImports ?? false });
    this.machine.observer.onMachineReady?.(this.machine);
  }

  /** Loads an image (and its imports); entry points run on the next callExport/run. */
  loadImage(path: string): LoadedModule {
    const m = this.process.load(path, true);
    return m;
  }

  /** The host-driven main thread (created on first use). */
  mainThread(): GuestThread {
    if (this.process.mainThread === undefined) this.process.mainThread = this.machine.createHostThread();
    return this.process.mainThread;
  }

  /** Runs pending DllMains (loaded images and --load DLLs) on the main thread. */
  initialize(): void {
    const t = this.mainThread();
    if (this.process.loader.pendingInit.length === 0 && this.started) return;
    this.started = true;
    let done = false;
    this.process.runPendingInit(t, () => {
      done = true;
      this.machine.parkHostThread(t);
    });
    // runPendingInit may have completed synchronously (no DllMain to run).
    this.machine.run(() => done);
  }

  /** Calls an export of a loaded module with integer arguments (stdcall or cdecl) and returns EAX. */
  callExport(module: LoadedModule, name: string, args: readonly number[]): number | undefined {
    this.initialize();
    if (this.machine.processExit !== undefined) return undefined;
    const byOrdinal = /^#\d+$/.test(name);
    const address = this.process.loader.resolveExport(module, byOrdinal ? undefined : name, byOrdinal ? Number(name.slice(1)) : undefined, undefined, 0);
    if (address === undefined) throw new UsageError(`${module.name} has no export named ${name}`);
    const t = this.mainThread();
    let result: number | undefined;
    let done = false;
    this.machine.callGuest(t, address, args, (eax) => {
      result = eax;
      done = true;
      this.machine.parkHostThread(t);
    });
    this.machine.run(() => done || t.state === "terminated");
    return result;
  }

  /** Runs an EXE from its entry point until the process exits or every thread ended. */
  runEntry(module: LoadedModule): void {
    if (module.entry === 0) throw new LoadError(`${module.name} has no entry point`);
    this.initialize();
    if (this.machine.processExit !== undefined) return;
    const t = this.mainThread();
    let returned = false;
    // An EXE entry that returns ends the process with its return value (as the CRT does).
    this.machine.callGuest(t, module.entry, [this.machine.peb], (eax) => {
      returned = true;
      this.machine.leaveSlice(t, () => this.machine.exitProcess(eax));
    });
    this.machine.run(() => returned || this.machine.threads.every((th) => th.state === "terminated" || (th === t && th.state === "blocked" && th.wait?.reason === "idle host thread")));
  }

  summary(result?: number): RunResult {
    const m = this.machine;
    // The host-driven main thread, idle after its last call, has returned to the host.
    const main = this.process.mainThread;
    if (main !== undefined && main.state === "blocked" && main.wait?.reason === "idle host thread") m.terminateThread(main, 0);
    const threads: ThreadSummary[] = m.threads.map((t) => ({
      key: hex(t.key),
      cid: { process: t.cid.process, thread: t.cid.thread },
      ...(t.state === "terminated" ? { exit: t.exitCode ?? 0 } : {}),
      ...(t.error !== undefined ? { error: t.error } : {}),
    }));
    const failure = m.failure ?? m.threads.find((t) => t.error !== undefined)?.error;
    return {
      ...(result !== undefined ? { result } : {}),
      ...(m.processExit !== undefined ? { exitCode: m.processExit } : {}),
      instructions: m.clock(),
      threads,
      output: [...m.output],
      ...(failure !== undefined ? { failure } : {}),
    };
  }

  close(): void {
    this.machine.close();
  }
}

export function createMachine(options: MachineOptions = {}): UserMachine {
  return new UserMachine(options);
}

export interface RunImageOptions extends MachineOptions {
  readonly image: string;
  /** For a DLL: the export to call after DllMain (default: none, only DllMain runs). */
  readonly call?: { readonly name: string; readonly args: readonly number[] };
}

/**
 * Loads the image into a machine and runs it: a DLL is loaded (DllMain) and `call` is called;
 * an EXE runs from its entry point until ExitProcess or until every thread ended. Guest
 * failures end up in the machine's summary; `onLoaded` runs once the image is mapped and bound
 * (before any of its code ran). Returns the export's result.
 */
export function loadAndRun(um: UserMachine, options: RunImageOptions, onLoaded?: () => void): number | undefined {
  for (const extra of options.load ?? []) if (/\.(dll|exe|sys)$/i.test(extra)) um.process.load(extra, false);
  const module = um.loadImage(options.image);
  onLoaded?.();
  um.process.setCommandLine(basename(options.image));
  let result: number | undefined;
  try {
    if (module.image?.isDll ?? false) {
      if (options.call !== undefined) result = um.callExport(module, options.call.name, options.call.args);
      else um.initialize();
    } else {
      if (options.call !== undefined) throw new UsageError(`--call needs a DLL; ${basename(options.image)} is an EXE (it runs from its entry point)`);
      um.runEntry(module);
    }
  } catch (err) {
    if (!(err instanceof GuestError)) throw err;
  }
  return result;
}

/** Runs an image untraced (see loadAndRun); guest failures are in `failure`. */
export function runImage(options: RunImageOptions): RunResult {
  const um = createMachine(options);
  try {
    return um.summary(loadAndRun(um, options));
  } finally {
    um.close();
  }
}
