/** Public types of the machine (the tracer and the CLI code against these). */
import type { ThreadKey } from "../../base/index.js";
import type { ExportTable, PeImage } from "../../pe/index.js";
import type { Engine } from "../engine/index.js";
import type { Machine } from "./machine.js";

/** A loaded image: a PE file mapped from disk, or a built-in DLL (synthetic, no file). */
export interface LoadedModule {
  /** File name as loaded, e.g. "fib.dll" (built-ins: "kernel32.dll"). */
  readonly name: string;
  /** Host path it was loaded from ("" for built-ins). */
  readonly path: string;
  /** The path the guest knows it by (user mode: "C:\\windows\\system32\\kernel32.dll"); "" when none. */
  readonly guestPath: string;
  /** A system library (Wine's DLL set, the kernel's built-ins) rather than the program's own. */
  readonly system: boolean;
  readonly base: number;
  readonly size: number;
  /** Parsed image (null for built-in DLLs). */
  readonly image: PeImage | null;
  /** The export table alone, parsed on first use: far cheaper than `image` for a large DLL (null: none, or a built-in). */
  readonly exports: ExportTable | null;
  /**
   * The RVAs of these named code exports (forwarders and names not exported left out), found
   * without parsing the whole export table unless it is parsed already.
   */
  exportRvas(names: readonly string[]): ReadonlyMap<string, number>;
  /** The file's bytes (empty for built-ins). */
  readonly bytes: Uint8Array;
  readonly builtin: boolean;
  /** Entry point address (0 when none). */
  readonly entry: number;
}

export interface ClientId {
  readonly process: number;
  readonly thread: number;
}

export type ThreadState = "ready" | "running" | "blocked" | "terminated";

/** What the tracer sees of a thread. */
export interface ThreadView {
  /** Address of the thread's KTHREAD object: its identity everywhere. */
  readonly key: ThreadKey;
  readonly cid: ClientId;
  readonly teb: number;
  readonly stackBase: number;
  readonly stackLimit: number;
  readonly state: ThreadState;
  /** Kernel mode: the CPU's idle thread (CID 0:0), bound to `cpu`. */
  readonly idle?: boolean;
  /** The CPU the thread is bound to (idle threads), if fixed. */
  readonly cpu?: number;
}

/** An EXCEPTION_RECORD as dispatched. */
export interface ExceptionInfo {
  readonly code: number;
  readonly flags: number;
  readonly address: number;
  readonly parameters: readonly number[];
  /** Guest address of the EXCEPTION_RECORD built on the stack. */
  readonly recordAddress: number;
}

export interface UnwindStep {
  /** The registration record being unlinked (the frame it protects). */
  readonly establisherFrame: number;
  /** RtlUnwind's TargetFrame (0 = exit unwind). */
  readonly targetFrame: number;
  readonly code: number;
}

/**
 * Callbacks the machine makes while running (the tracing runtime implements them).
 * All run synchronously with every guest thread stopped.
 */
export interface MachineObserver {
  /** Once, after the machine is built and before any image is loaded (set up hooks, thunk pages). */
  onMachineReady?(machine: Machine): void;
  /** After an image is mapped and bound, BEFORE its entry point (DllMain) runs. */
  onModuleLoaded?(module: LoadedModule): void;
  /** An image was unmapped (its memory is gone). */
  onModuleUnloaded?(module: LoadedModule): void;
  onThreadStart?(thread: ThreadView): void;
  onThreadExit?(thread: ThreadView, exitCode: number): void;
  /** An exception is about to be dispatched through the thread's SEH chain. */
  onException?(thread: ThreadView, record: ExceptionInfo): void;
  /** A registration record is unlinked by unwinding (one call per record). */
  onUnwind?(thread: ThreadView, step: UnwindStep): void;
  /**
   * Dispatch resumes a CONTEXT (ExceptionContinueExecution) or RtlUnwind continues at its
   * target: frames below `esp` are gone.
   */
  onContextResume?(thread: ThreadView, esp: number, eip: number, code: number): void;
  /**
   * A system call reached the dispatcher from the stub at `stub` (a function of a loaded
   * module); `entryEsp` is the stub's entry ESP: its return address, then the arguments.
   * Called before the call is carried out, with the guest stopped in the dispatcher.
   */
  onSyscall?(thread: ThreadView, stub: number, entryEsp: number): void;
  /** A slice of `thread` is about to run (its context is on the CPU, the guest has not run yet). */
  onSliceStart?(thread: ThreadView): void;
  /**
   * A slice of `thread` just ended (engine stopped, before the clock advances and before any
   * action the slice left is applied); clock() and engine.executedInstructions() still
   * describe the slice, as inside a hook.
   */
  onSliceEnd?(thread: ThreadView): void;
  /**
   * Wall time passed (about every ATTENTION_TICK_MS while the guest runs, with the block
   * clock), after onSliceEnd: e.g. the tracer writes what it has completed to its file, so a
   * killed run loses only a bounded tail.
   */
  onWallTick?(): void;
  /**
   * The observer's own code (e.g. the tracer's thunks) as the deterministic clock counts it:
   * how many of the program's instructions the code at [address, address+size) holds, or
   * undefined when that code is not the observer's.
   */
  chargeHostCode?(address: number, size: number): number | undefined;
}

/** Options of the machine core, whatever the personality. */
export interface MachineOptions {
  /** Virtual processors (default 1). */
  readonly cpus?: number;
  /** Guest instructions per time slice when more than one thread is runnable (default 20000). */
  readonly quantum?: number;
  /** Stop the run after this many guest instructions (all CPUs together). */
  readonly maxInstructions?: number;
  /** Stop the run after this much host time (checked at least every ATTENTION_TICK_MS with the block clock, and between the pieces of long host work). */
  readonly timeoutMs?: number;
  /**
   * Threads the run may create, the first included (default DEFAULT_MAX_THREADS, 1024; user
   * mode at most 64,512, kernel mode 1024). Each keeps its KTHREAD object and key for the whole
   * run; past the limit the user-mode personality refuses new threads (STATUS_TOO_MANY_THREADS).
   */
  readonly maxThreads?: number;
  /**
   * SIGINT and SIGTERM end the run at the next block boundary, recorded as an interruption,
   * instead of ending the process (needs the native block clock; a second signal acts as if
   * never caught). For commands, not for a library embedding the machine.
   */
  readonly catchSignals?: boolean;
  readonly observer?: MachineObserver;
  /** Use this engine instead of a new one (tests). */
  readonly engine?: Engine;
  /** The engine backend by name (runtime/engine/backends.ts; default NTRACE_BACKEND, else "unicorn"). */
  readonly backend?: string;
}

export interface ThreadSummary {
  /** KTHREAD address, hex "0x…". */
  readonly key: string;
  readonly cid: ClientId;
  /** Exit code (undefined while still running when the run stopped). */
  readonly exit?: number;
  readonly error?: string;
}

/** Why a run ended before the guest ended it: what a trace's footer records. */
export interface Interruption {
  readonly cause: InterruptionCause;
  /** One line: "SIGINT", "the guest reached the instruction limit (1000000) in thread …", … */
  readonly reason: string;
  /** The signal's number (cause "signal"). */
  readonly signal?: number;
}
export type InterruptionCause = "signal" | "timeout" | "instruction-limit" | "deadlock" | "stopped" | "guest-failure";

export interface RunResult {
  /** Return value (EAX) of the called export. */
  readonly result?: number;
  /** Process exit code (EXE runs, ExitProcess). */
  readonly exitCode?: number;
  readonly instructions: number;
  readonly threads: readonly ThreadSummary[];
  /** OutputDebugString / DbgPrint text, in order. */
  readonly output: readonly string[];
  /** Why the guest failed (unhandled exception, limit, missing import call, deadlock). */
  readonly failure?: string;
  /** Set when the run did not end by itself (a signal, a limit, a deadlock, a guest failure). */
  readonly interruption?: Interruption;
  /** What the user may not expect of the run (a DLL run without an export call: DllMain only). */
  readonly notes?: readonly string[];
}
