/**
 * The machine core, mode-neutral: one engine, guest memory, the GDT, loaded modules, threads
 * scheduled over `cpus` virtual processors, host stubs and faults. What an operating system
 * adds — how threads start, how exceptions reach the guest, what fs points at — comes from a
 * Personality (runtime/user/: Wine's DLLs over NT system calls; runtime/kernel/: a driver
 * environment). The core knows no personality.
 *
 * Execution model: the scheduler gives each CPU in turn a slice (engine.start with an
 * instruction count); host stubs, trampolines and faults reach TypeScript through hooks.
 * Non-blocking stubs complete inside the hook (EAX/ESP/EIP written, the engine continues);
 * anything that must leave the slice (block, yield, exit, fault) stops the engine and leaves
 * a `stopAction` applied to the saved context once start() returned (unicorn ignores a stop
 * requested in the same hook that wrote EIP).
 */
import { UsageError, cidText, hex, threadKey, type ThreadKey } from "../../base/index.js";
import { EngineFault, MemAccess, Prot, X86Reg, createEngine, type Engine, type EngineAttention, type EngineContext } from "../engine/index.js";
import { countInstructions } from "../../instrumenter/x86/decode.js";
import { faultingInstruction } from "../../instrumenter/x86/operands.js";
import { GuestError } from "./errors.js";
import { Gdt } from "./gdt.js";
import { ETHREAD_SIZE, FIRST_DYNAMIC_STUB, GDT_BASE, HOST_STUBS, HOST_STUBS_END, HOST_STUBS_SIZE, KTHREAD, KTHREAD_REGION, KTHREAD_REGION_SIZE, STUB, SYSTEM_ARENA, SYSTEM_ARENA_CODE, SYSTEM_ARENA_END } from "./layout.js";
import { GuestMemory, PAGE, PageProt, type Region } from "./memory.js";
import type { Personality } from "./personality.js";
import { CONTEXT_REGS, GuestThread, type ContextReg, type WaitState } from "./thread.js";
import type { ClientId, Interruption, InterruptionCause, LoadedModule, MachineObserver, MachineOptions, ThreadView } from "./types.js";

/** An address the guest never reaches: engine.start's `until`. */
const NO_UNTIL = 0xfffffff0;
export const DEFAULT_QUANTUM = 20_000;
/** Virtual time: guest instructions per millisecond (tick count, sleeps, wait timeouts). */
export const INSTRUCTIONS_PER_MS = 100_000;
const UNLIMITED = Number.MAX_SAFE_INTEGER;
/** How often a running guest is interrupted to check wall time (timeout, periodic flushes). */
export const ATTENTION_TICK_MS = 50;
const SIGNAL_NAMES: Readonly<Record<number, string>> = { 2: "SIGINT", 15: "SIGTERM" };

export const STATUS = {
  WAIT_0: 0,
  ALERTED: 0x101,
  TIMEOUT: 0x102,
  USER_APC: 0xc0,
  WAIT_FAILED: 0xffffffff,
} as const;

/** A host stub: an address in the stub region whose code hook runs TypeScript. */
export interface ApiDef {
  readonly dll: string;
  readonly name: string;
  /** Argument dwords. */
  readonly args: number;
  /** stdcall: callee pops args; cdecl: caller does. */
  readonly conv: "stdcall" | "cdecl";
  readonly impl: (call: ApiCall) => ApiOutcome;
}

export interface ApiCall {
  readonly machine: Machine;
  readonly thread: GuestThread;
  readonly args: readonly number[];
  readonly returnAddress: number;
  readonly api: ApiDef;
}

/**
 * What a stub does: return a value (completes in the hook), or leave the slice:
 * block on objects, yield, exit the thread or process, fail the thread, raise an exception,
 * or "redirected" (the implementation already rewrote the thread's registers).
 */
export type ApiOutcome =
  | number
  | { readonly kind: "block"; readonly wait: WaitState }
  | { readonly kind: "yield"; readonly value: number }
  | { readonly kind: "exitThread"; readonly code: number }
  | { readonly kind: "exitProcess"; readonly code: number }
  | { readonly kind: "fail"; readonly message: string }
  | { readonly kind: "raise"; readonly fault: FaultInfo; readonly continuable: boolean }
  | { readonly kind: "redirected" };

export interface Cpu {
  readonly index: number;
  thread: GuestThread | undefined;
}

export interface FaultInfo {
  /** NTSTATUS exception code. */
  readonly code: number;
  /** Faulting instruction. */
  readonly address: number;
  readonly parameters: readonly number[];
  /** Set by software exceptions that must not be continued (EXCEPTION_NONCONTINUABLE). */
  readonly noncontinuable?: boolean;
}

/** How a new thread is made: its identity and stack, the context it starts with. */
export interface ThreadSpec {
  readonly cid: ClientId;
  readonly teb: number;
  readonly stackBase: number;
  readonly stackLimit: number;
  readonly stackRegion: number;
  /** Initial registers (CONTEXT_REGS order); EFLAGS defaults to 0x202. */
  readonly registers: Partial<Record<ContextReg, number>>;
  /** Created suspended (suspend count 1) or parked for host calls. */
  readonly start: "ready" | "suspended" | "parked";
  /** KTHREAD address to use (kernel personality); default: the next slot of the KTHREAD region. */
  readonly key?: number;
  readonly idle?: boolean;
  readonly cpu?: number;
  /** Tell the observer now (default true). */
  readonly announce?: boolean;
}

export class Machine {
  readonly engine: Engine;
  readonly memory: GuestMemory;
  readonly gdt: Gdt;
  readonly modules: LoadedModule[] = [];
  readonly threads: GuestThread[] = [];
  readonly cpus: Cpu[];
  /** Debug output of the guest (OutputDebugString, DbgPrint, Wine's debug channels), in order. */
  readonly output: string[] = [];
  readonly options: MachineOptions;
  /** Threads a run may create (MachineOptions.maxThreads): each keeps its KTHREAD object, and so its key, for good. */
  readonly maxThreads: number;
  readonly observer: MachineObserver;
  readonly quantum: number;
  private personalityImpl: Personality | undefined;

  /** Stub address → API. */
  private readonly stubs = new Map<number, ApiDef>();
  private nextStub = FIRST_DYNAMIC_STUB;
  private readonly readyQueue: GuestThread[] = [];
  /** The thread whose registers are in the engine right now (during a slice). */
  private live: GuestThread | undefined;
  private liveCpu: Cpu | undefined;
  /** Whose full CPU state the engine holds (restored at its last slice start). */
  private loadedInEngine: GuestThread | undefined;
  /** CPU state of a thread that never ran (segments and FPU set up, registers zero). */
  private readonly initialContext: EngineContext;
  private clockBase = 0;
  private stopAction: ((t: GuestThread) => void) | undefined;
  private pendingFault: FaultInfo | undefined;
  private readonly triggers: { at: number; callback: () => void }[] = [];
  private kthreadNext = KTHREAD_REGION;
  private startedAt = 0;
  /** Set when the process ended (exit, unhandled exception, bug check) or the run must stop. */
  processExit: number | undefined;
  failure: string | undefined;
  /** Why the run was ended by ntrace or the user (a signal, a limit, a deadlock, a policy stop). */
  interruption: Interruption | undefined;
  private stopRun = false;
  /** The engine's attention (signals, wall-time ticks) is on: see watchAttention in run(). */
  private attention: boolean | undefined;
  /** Observed context switches (cpu, thread key, clock): for determinism checks and reports. */
  readonly schedule: { cpu: number; thread: ThreadKey; clock: number }[] = [];

  constructor(options: MachineOptions, readonly privilege: "user" | "kernel") {
    this.options = options;
    this.observer = options.observer ?? {};
    this.quantum = options.quantum ?? DEFAULT_QUANTUM;
    this.engine = options.engine ?? createEngine(options.backend);
    // The deterministic clock counted per block (README "Clock"); NTRACE_CLOCK=count keeps
    // unicorn's per-instruction count (same numbers, slower: for comparison).
    if (process.env["NTRACE_CLOCK"] !== "count") this.engine.useBlockClock?.((address, size) => this.chargeCode(address, size));
    this.memory = new GuestMemory(this.engine);
    this.gdt = new Gdt(this.engine, this.memory);
    const cpuCount = Math.max(1, Math.min(64, options.cpus ?? 1));
    this.cpus = Array.from({ length: cpuCount }, (_, index) => ({ index, thread: undefined }));

    // Host stubs: trampolines and APIs the code hook intercepts before they execute (filled
    // with int3 so a stray jump without the hook would fault, not run).
    this.memory.mapAt(HOST_STUBS, HOST_STUBS_SIZE, Prot.RX, "host stubs");
    this.engine.writeMemory(HOST_STUBS, new Uint8Array(HOST_STUBS_SIZE).fill(0xcc));
    this.maxThreads = threadLimit(options.maxThreads, privilege);
    const kthreads = kthreadRegionSize(this.maxThreads, privilege);
    if (privilege === "kernel") this.memory.mapAt(KTHREAD_REGION, kthreads, Prot.RW, "KTHREAD objects");
    else {
      // No user-mode code needs the KTHREAD objects: their pages allow no access (paging is
      // off, so page permissions are all that keeps ring 3 out of the system range). The host
      // writes their fields all the same (GuestMemory keeps no-access pages' bytes), and only
      // the pages threads use cost host memory.
      this.memory.reserve(KTHREAD_REGION, kthreads, "system", "KTHREAD objects");
      this.memory.commit(KTHREAD_REGION, kthreads, PageProt.NOACCESS);
    }

    this.engine.addCodeHook(HOST_STUBS, HOST_STUBS_END, (address) => this.onHostCode(address));
    this.engine.addInterruptHook((intno) => this.onInterrupt(intno));
    this.engine.addInvalidMemoryHook((access, address) => this.onInvalidMemory(access, address));
    this.engine.addInvalidInstructionHook(() => this.onInvalidInstruction());
    if (privilege === "kernel") {
      // Code runs at CPL 0 with 0x08/0x10; the kernel personality points fs at the KPCR.
      this.gdt.enterKernelMode();
      if ((this.engine.readRegister(X86Reg.CS) & 3) !== 0) throw new GuestError("the engine did not stay in kernel mode (CPL 0)");
    } else {
      this.gdt.enterUserMode(STUB.IRET, STUB.USER_ENTRY, GDT_BASE + IRET_SCRATCH);
      if ((this.engine.readRegister(X86Reg.CS) & 3) !== 3 || this.engine.readRegister(X86Reg.EIP) !== STUB.USER_ENTRY) {
        throw new GuestError("the engine did not enter user mode (CPL 3)");
      }
      // Paging is off, so ring 3 is kept out of the machine's own structures by page
      // permissions alone: the GDT stays readable (the CPU reads it at CPL 3 when it loads a
      // segment) but not writable (the KTHREAD objects allow no access, above).
      this.engine.writeMemory(GDT_BASE + IRET_SCRATCH, new Uint8Array(0x20));
      this.gdt.makeReadOnly(this.memory);
    }
    this.initialContext = this.engine.newContext();
    this.engine.saveContext(this.initialContext);
  }

  /** The OS personality; set once, right after construction. */
  get personality(): Personality {
    if (this.personalityImpl === undefined) throw new Error("machine has no personality");
    return this.personalityImpl;
  }
  setPersonality(p: Personality): void {
    if (this.personalityImpl !== undefined) throw new Error("machine personality set twice");
    this.personalityImpl = p;
  }

  // ---------------------------------------------------------------- clock and triggers

  /**
   * Guest instructions retired so far on all CPUs together, plus idle time skipped while every
   * thread waited on a timeout. Deterministic; monotonic (and so per thread).
   */
  clock(): number {
    if (this.live === undefined) return this.clockBase;
    const n = this.engine.executedInstructions();
    return this.clockBase + (Number.isNaN(n) ? 0 : n);
  }

  /**
   * How many instructions of the program the code at [address, address+size) holds, for the
   * block clock: the observer's (tracer's) own code counts what it says, other code one per
   * instruction.
   */
  private chargeCode(address: number, size: number): number {
    const host = this.observer.chargeHostCode?.(address, size);
    if (host !== undefined) return host;
    return countInstructions(this.engine.readMemory(address, size));
  }

  /** Runs `callback` between slices once the clock reaches `instructionCount` (all threads stopped). */
  at(instructionCount: number, callback: () => void): void {
    this.triggers.push({ at: instructionCount, callback });
    this.triggers.sort((a, b) => a.at - b.at);
  }

  // ---------------------------------------------------------------- memory

  /**
   * Allocates host-owned guest memory (tracer thunks, personality structures) in the system
   * arena, out of the guest's own address space (page-granular). Code the guest runs (the
   * tracer's thunks) goes from SYSTEM_ARENA_CODE on, data from the arena's start.
   */
  allocate(size: number, prot: Prot, tag: string, holds: "data" | "code" = "data"): Region {
    return this.memory.allocate(size, prot, tag, holds === "code" ? SYSTEM_ARENA_CODE : SYSTEM_ARENA, SYSTEM_ARENA_END, PAGE);
  }

  // ---------------------------------------------------------------- registers of a thread

  isLive(t: GuestThread): boolean {
    return this.live === t;
  }
  reg(t: GuestThread, r: ContextReg): number {
    return this.live === t ? this.engine.readRegister(r) : t.get(r);
  }
  setReg(t: GuestThread, r: ContextReg, value: number): void {
    if (this.live === t) this.engine.writeRegister(r, value >>> 0);
    else t.set(r, value);
  }
  push(t: GuestThread, value: number): void {
    const esp = (this.reg(t, X86Reg.ESP) - 4) >>> 0;
    this.memory.setU32(esp, value);
    this.setReg(t, X86Reg.ESP, esp);
  }

  // ---------------------------------------------------------------- threads

  currentThread(): GuestThread | undefined {
    return this.live;
  }
  currentCpu(): Cpu | undefined {
    return this.liveCpu;
  }

  /** How many more threads addThread can make (keys are never reused: a trace names each thread once). */
  threadsLeft(): number {
    return this.maxThreads - (this.kthreadNext - KTHREAD_REGION) / ETHREAD_SIZE;
  }

  /** The next KTHREAD object address (the thread key) and its fields, written. */
  private newKthread(spec: ThreadSpec): number {
    const key = spec.key ?? this.kthreadNext;
    if (spec.key === undefined) {
      if (this.threadsLeft() <= 0) throw new GuestError(`too many threads (at most ${this.maxThreads} in a run)`);
      this.kthreadNext += ETHREAD_SIZE;
    }
    const m = this.memory;
    m.setU32(key + KTHREAD.InitialStack, spec.stackBase);
    m.setU32(key + KTHREAD.StackLimit, spec.stackLimit);
    m.setU32(key + KTHREAD.StackBase, spec.stackBase);
    m.setU32(key + KTHREAD.Teb, spec.teb);
    m.setU32(key + KTHREAD.CidProcess, spec.cid.process);
    m.setU32(key + KTHREAD.CidThread, spec.cid.thread);
    return key;
  }

  /** Adds a thread (its stack and TEB made by the personality) with a KTHREAD object as its key. */
  addThread(spec: ThreadSpec): GuestThread {
    const key = this.newKthread(spec);
    const t = new GuestThread(threadKey(key), spec.cid, spec.teb, spec.stackBase, spec.stackLimit, spec.stackRegion, this.threads.length);
    if (spec.idle === true) t.idle = true;
    if (spec.cpu !== undefined) t.cpu = spec.cpu;
    t.set(X86Reg.EFLAGS, 0x202);
    for (const r of CONTEXT_REGS) {
      const v = spec.registers[r];
      if (v !== undefined) t.set(r, v);
    }
    this.threads.push(t);
    if (spec.start === "ready") this.makeReady(t);
    else if (spec.start === "suspended") {
      t.suspendCount = 1;
      t.state = "blocked";
      t.wait = { objects: [], all: false, deadline: undefined, reason: "suspended" };
    } else {
      t.state = "blocked";
      t.wait = { objects: [], all: false, deadline: undefined, reason: "idle host thread" };
    }
    if (spec.announce !== false) this.observer.onThreadStart?.(t);
    return t;
  }

  makeReady(t: GuestThread): void {
    if (t.state === "terminated") return;
    if (t.suspendCount > 0) {
      t.state = "blocked";
      t.wait = { objects: [], all: false, deadline: undefined, reason: "suspended" };
      return;
    }
    t.state = "ready";
    t.wait = undefined;
    if (!this.readyQueue.includes(t)) this.readyQueue.push(t);
  }

  /** NtSuspendThread: the thread stops at its next scheduling point. Returns the previous count. */
  suspend(t: GuestThread): number {
    const previous = t.suspendCount++;
    if (t.state === "ready") {
      const qi = this.readyQueue.indexOf(t);
      if (qi >= 0) this.readyQueue.splice(qi, 1);
      this.makeReady(t);
    } else if (t.state === "running" && t !== this.live) {
      this.removeFromCpu(t);
      this.makeReady(t);
    } else if (t === this.live) {
      this.leaveSlice(t, (th) => {
        this.removeFromCpu(th);
        this.makeReady(th);
      });
    }
    return previous;
  }

  /** NtResumeThread: returns the previous suspend count. */
  resume(t: GuestThread): number {
    const previous = t.suspendCount;
    if (previous > 0) t.suspendCount--;
    if (t.suspendCount === 0 && t.state === "blocked" && t.wait?.reason === "suspended") this.makeReady(t);
    return previous;
  }

  /** An alert for `t` (NtAlertThreadByThreadId): wakes an alertable wait, else stays pending. */
  alert(t: GuestThread): void {
    if (t.state === "blocked" && t.wait?.alertable === true) {
      t.set(X86Reg.EAX, STATUS.ALERTED);
      this.makeReady(t);
    } else t.alerted = true;
  }

  /**
   * Calls a guest function on `t` (stdcall or cdecl: the stack is restored either way) and
   * calls `resume(eax)` when it returns through the return trampoline. Works for a running
   * thread (inside a hook) and for a stopped one.
   */
  callGuest(t: GuestThread, fn: number, args: readonly number[], resume: (eax: number) => void): void {
    const espBefore = this.reg(t, X86Reg.ESP);
    let esp = espBefore;
    for (let i = args.length - 1; i >= 0; i--) {
      esp -= 4;
      this.memory.setU32(esp, args[i]!);
    }
    esp -= 4;
    this.memory.setU32(esp, STUB.RETURN);
    t.hostFrames.push({ retSlot: esp, espBefore, argc: args.length, resume });
    this.setReg(t, X86Reg.ESP, esp);
    this.setReg(t, X86Reg.EIP, fn);
    if (t.state === "blocked" && t.wait?.reason === "idle host thread") this.makeReady(t);
  }

  /** Parks a host-driven thread once its work is done (it waits for the next callGuest). */
  parkHostThread(t: GuestThread): void {
    this.leaveSlice(t, (th) => {
      th.state = "blocked";
      th.wait = { objects: [], all: false, deadline: undefined, reason: "idle host thread" };
      this.removeFromCpu(th);
    });
  }

  terminateThread(t: GuestThread, code: number, error?: string): void {
    if (t.state === "terminated") return;
    t.state = "terminated";
    t.exitCode = code >>> 0;
    if (error !== undefined && t.error === undefined) t.error = error;
    t.wait = undefined;
    const qi = this.readyQueue.indexOf(t);
    if (qi >= 0) this.readyQueue.splice(qi, 1);
    this.removeFromCpu(t);
    this.observer.onThreadExit?.(t, t.exitCode);
    this.personalityImpl?.onThreadTerminated?.(t);
    if (t.engineContext !== undefined) {
      if (this.loadedInEngine === t) this.loadedInEngine = undefined;
      this.engine.freeContext(t.engineContext);
      t.engineContext = undefined;
    }
    this.wakeWaiters();
  }

  private removeFromCpu(t: GuestThread): void {
    for (const c of this.cpus) if (c.thread === t) c.thread = undefined;
  }

  /** Ends the process: every thread stops, the run ends. */
  exitProcess(code: number, failure?: string): void {
    if (this.processExit !== undefined) return;
    this.processExit = code >>> 0;
    if (failure !== undefined && this.failure === undefined) this.failure = failure;
    for (const t of this.threads) if (t.state !== "terminated") this.terminateThread(t, code);
    if (this.live !== undefined) this.engine.stop();
  }

  /**
   * From inside a hook on the live thread: stop the slice and run `action` on the saved
   * context afterwards.
   */
  leaveSlice(t: GuestThread, action: (t: GuestThread) => void): void {
    if (this.live === t) {
      if (this.inHostStub) this.stubRetired = true;
      const prev = this.stopAction;
      this.stopAction = prev === undefined ? action : (th) => (prev(th), action(th));
      this.engine.stop();
    } else action(t);
  }

  // ---------------------------------------------------------------- waits

  /** Re-checks every blocked thread (in creation order: deterministic) after a signal. */
  wakeWaiters(): void {
    for (const t of this.threads) {
      if (t.state !== "blocked" || t.wait === undefined || t.wait.objects.length === 0) continue;
      this.tryWake(t);
    }
  }

  private tryWake(t: GuestThread): boolean {
    const w = t.wait!;
    if (w.objects.length === 0) return false;
    let index = -1;
    if (w.all) {
      if (w.objects.every((o) => o.isSignaled(t))) index = 0;
    } else index = w.objects.findIndex((o) => o.isSignaled(t));
    if (index < 0) return false;
    if (w.all) for (const o of w.objects) o.acquire(t);
    else w.objects[index]!.acquire(t);
    t.set(X86Reg.EAX, w.onSatisfied !== undefined ? w.onSatisfied(index) : STATUS.WAIT_0 + index);
    this.makeReady(t);
    return true;
  }

  /**
   * Blocks `t` (after its slice left) until the wait is satisfied, times out or (alertable)
   * an alert arrives. A wait already satisfied, or an alert already pending, returns at once.
   */
  block(t: GuestThread, wait: WaitState): void {
    t.state = "blocked";
    t.wait = wait;
    this.removeFromCpu(t);
    if (wait.alertable === true && t.alerted) {
      t.alerted = false;
      t.set(X86Reg.EAX, STATUS.ALERTED);
      this.makeReady(t);
      return;
    }
    if (this.tryWake(t)) return;
    if (wait.deadline !== undefined && wait.deadline <= this.clockBase) {
      t.set(X86Reg.EAX, wait.timeoutValue ?? STATUS.TIMEOUT);
      this.makeReady(t);
    }
  }

  private wakeTimeouts(): void {
    const now = this.clockBase;
    for (const t of this.threads) {
      if (t.state === "blocked" && t.wait?.deadline !== undefined && t.wait.deadline <= now) {
        t.set(X86Reg.EAX, t.wait.timeoutValue ?? STATUS.TIMEOUT);
        this.makeReady(t);
      }
    }
  }

  // ---------------------------------------------------------------- stubs

  /** Gives an API a fresh stub address in the host stub region. */
  addStub(api: ApiDef): number {
    const address = this.nextStub;
    if (address + 4 > HOST_STUBS + HOST_STUBS_SIZE) throw new GuestError("host stub region is full");
    this.nextStub += 4;
    this.stubs.set(address, api);
    return address;
  }

  /** Binds a stub address (inside the stub region) to an API. */
  addStubAt(address: number, api: ApiDef): void {
    this.stubs.set(address, api);
  }

  private onHostCode(address: number): void {
    const t = this.live;
    if (t === undefined) return;
    this.inHostStub = true;
    try {
      this.runHostStub(t, address);
    } finally {
      this.inHostStub = false;
    }
  }
  /** True while a host stub's hook runs (see stubRetired). */
  private inHostStub = false;
  /**
   * The slice was left from inside a host stub's hook: the stub (one instruction) did its work,
   * though EIP still points at it, so the clock counts it (a slice ended there otherwise counts
   * the instructions before EIP only). Traced runs leave more slices this way (hooks added when
   * a DLL maps) and must count what untraced runs count.
   */
  private stubRetired = false;

  private runHostStub(t: GuestThread, address: number): void {
    if (address === STUB.RETURN) return this.onGuestReturn(t);
    if (address === STUB.THREAD_EXIT) {
      const code = this.engine.readRegister(X86Reg.EAX);
      return this.leaveSlice(t, (th) => this.terminateThread(th, code));
    }
    const api = this.stubs.get(address);
    if (api === undefined) {
      const code = 0xc0000005;
      return this.leaveSlice(t, (th) => this.dispatchFault(th, { code, address, parameters: [8, address] }));
    }
    this.callApi(t, api);
  }

  private onGuestReturn(t: GuestThread): void {
    const esp = this.engine.readRegister(X86Reg.ESP);
    // Frames abandoned by an unwind lie below the one returning now: drop them.
    while (t.hostFrames.length > 0 && t.hostFrames[t.hostFrames.length - 1]!.retSlot + 4 + 4 * t.hostFrames[t.hostFrames.length - 1]!.argc < esp) t.hostFrames.pop();
    const frame = t.hostFrames.pop();
    if (frame === undefined || esp < frame.retSlot + 4) {
      return this.leaveSlice(t, (th) => this.fail(th, `returned to the host trampoline without a pending call (esp ${hex(esp)})`));
    }
    this.engine.writeRegister(X86Reg.ESP, frame.espBefore);
    frame.resume(this.engine.readRegister(X86Reg.EAX));
  }

  private callApi(t: GuestThread, api: ApiDef): void {
    const esp = this.engine.readRegister(X86Reg.ESP);
    const raw = this.memory.read(esp, 4 + 4 * api.args);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const returnAddress = view.getUint32(0, true);
    const args: number[] = [];
    for (let i = 0; i < api.args; i++) args.push(view.getUint32(4 + 4 * i, true));
    const popped = esp + 4 + (api.conv === "stdcall" ? 4 * api.args : 0);
    let outcome = api.impl({ machine: this, thread: t, args, returnAddress, api });
    // Hooks added by the call (a DLL mapped: the tracer's hooks) exist only once the slice
    // ends: end it now, completing the call afterwards.
    // So does a stop the call requested (the engine ignores a stop from a hook that sets EIP).
    if (typeof outcome === "number" && (this.stopRun || this.engine.hooksPending?.() === true)) outcome = { kind: "yield", value: outcome };
    const returnTo = (th: GuestThread, eax: number | undefined) => {
      if (eax !== undefined) this.setReg(th, X86Reg.EAX, eax);
      this.setReg(th, X86Reg.ESP, popped);
      this.setReg(th, X86Reg.EIP, returnAddress);
    };
    if (typeof outcome === "number") return returnTo(t, outcome);
    switch (outcome.kind) {
      case "redirected":
        return;
      case "block":
        return this.leaveSlice(t, (th) => {
          returnTo(th, undefined);
          this.block(th, outcome.wait);
        });
      case "yield":
        return this.leaveSlice(t, (th) => {
          returnTo(th, outcome.value);
          this.removeFromCpu(th);
          this.makeReady(th);
        });
      case "exitThread":
        return this.leaveSlice(t, (th) => this.terminateThread(th, outcome.code));
      case "exitProcess":
        return this.leaveSlice(t, () => this.exitProcess(outcome.code));
      case "fail":
        return this.leaveSlice(t, (th) => this.fail(th, outcome.message));
      case "raise":
        return this.leaveSlice(t, (th) => {
          returnTo(th, undefined);
          this.dispatchFault(th, outcome.continuable ? outcome.fault : { ...outcome.fault, noncontinuable: true });
        });
    }
  }

  /** Stops one thread with an error (the others go on). */
  fail(t: GuestThread, message: string): void {
    this.terminateThread(t, 0xc0000001, message);
  }

  // ---------------------------------------------------------------- faults

  private onInterrupt(intno: number): void {
    const t = this.live;
    if (t === undefined) return;
    const eip = this.engine.readRegister(X86Reg.EIP);
    let fault: FaultInfo;
    switch (intno) {
      case 0:
        fault = { code: 0xc0000094, address: eip, parameters: [] };
        break;
      case 3: // trap: EIP is past the int3; Windows reports the int3 itself
        fault = { code: 0x80000003, address: eip - 1, parameters: [0] };
        break;
      case 6:
        fault = { code: 0xc000001d, address: eip, parameters: [] };
        break;
      case 13:
        fault = { code: 0xc0000096, address: eip, parameters: [] };
        break;
      default:
        // Software interrupts a user program may use (int 0x2c assertion, 0x2d debug service,
        // 0x29 fail fast) or anything else: an access violation at the instruction, as
        // Windows raises for an interrupt gate user mode may not call.
        fault = { code: 0xc0000005, address: eip - 2, parameters: [0, 0xffffffff] };
    }
    this.pendingFault = fault;
    const f = fault;
    this.leaveSlice(t, (th) => {
      th.set(X86Reg.EIP, f.address);
      this.dispatchFault(th, f);
    });
  }

  private onInvalidMemory(access: number, address: number): boolean {
    // A committed page touched for the first time (file-backed views are mapped on demand).
    if ((access === MemAccess.READ_UNMAPPED || access === MemAccess.WRITE_UNMAPPED || access === MemAccess.FETCH_UNMAPPED) && this.memory.fault(address)) return true;
    const t = this.live;
    if (t === undefined) return false;
    const kind = access === MemAccess.WRITE_UNMAPPED || access === MemAccess.WRITE_PROT ? 1 : access === MemAccess.FETCH_UNMAPPED || access === MemAccess.FETCH_PROT ? 8 : 0;
    // A guard page raises STATUS_GUARD_PAGE_VIOLATION once: its guard goes with this touch.
    const guard = this.memory.takeGuard(address);
    const eip = kind === 8 ? address : this.faultingEip(t, address);
    const inGuard = address >= t.stackRegion && address < t.stackRegion + PAGE;
    this.pendingFault = {
      code: guard ? 0x80000001 : inGuard ? 0xc00000fd : 0xc0000005,
      address: kind === 8 ? address : eip,
      parameters: [kind, address],
    };
    return false;
  }

  /**
   * EIP of the instruction whose data access faulted. With the block clock unicorn reports the
   * start of the block (it stores EIP per instruction only while it counts instructions); the
   * registers are those before the faulting instruction, so the first instruction of the block
   * whose memory operand covers the address is the one (instrumenter/x86/operands.ts).
   */
  private faultingEip(t: GuestThread, address: number): number {
    const eip = this.engine.readRegister(X86Reg.EIP);
    const block = this.engine.lastBlock?.();
    if (block === undefined || ((eip - block.start) >>> 0) >= block.size) return eip;
    const bytes = this.engine.readMemory(eip, block.start + block.size - eip);
    const gpr = this.engine.readRegisters([X86Reg.EAX, X86Reg.ECX, X86Reg.EDX, X86Reg.EBX, X86Reg.ESP, X86Reg.EBP, X86Reg.ESI, X86Reg.EDI]);
    return faultingInstruction(bytes, eip, address, { gpr, fsBase: this.privilege === "user" ? t.teb : 0, gsBase: 0 }) ?? eip;
  }

  private onInvalidInstruction(): boolean {
    const t = this.live;
    if (t === undefined) return false;
    this.pendingFault = { code: 0xc000001d, address: this.engine.readRegister(X86Reg.EIP), parameters: [] };
    return false;
  }

  /** Hands a CPU fault or a raised exception to the personality (the thread is stopped). */
  dispatchFault(t: GuestThread, fault: FaultInfo): void {
    this.personality.deliverException(t, fault);
  }

  /** "fib.dll+0x1234", a host stub's name (the thread is inside a system call), or the hex address. */
  describeAddress(address: number): string {
    const api = this.stubs.get(address);
    if (api !== undefined) return `${api.dll}!${api.name} (host code)`;
    const m = this.moduleAt(address);
    return m !== undefined ? `${m.name}+0x${(address - m.base).toString(16)}` : hex(address);
  }

  moduleAt(address: number): LoadedModule | undefined {
    return this.modules.find((m) => address >= m.base && address < m.base + m.size);
  }

  // ---------------------------------------------------------------- scheduler

  private pickReady(cpu: Cpu): GuestThread | undefined {
    const canRunOn = this.personalityImpl?.canRunOn;
    for (let i = 0; i < this.readyQueue.length; i++) {
      const t = this.readyQueue[i]!;
      if (t.state !== "ready") {
        this.readyQueue.splice(i--, 1);
        continue;
      }
      if (canRunOn !== undefined && !canRunOn.call(this.personalityImpl, t, cpu)) continue;
      this.readyQueue.splice(i, 1);
      return t;
    }
    return undefined;
  }

  private loadContext(cpu: Cpu, t: GuestThread): void {
    if (this.loadedInEngine !== t) {
      const previous = this.loadedInEngine;
      if (previous !== undefined && previous.state !== "terminated") this.engine.saveContext((previous.engineContext ??= this.engine.newContext()));
      this.engine.restoreContext(t.engineContext ?? this.initialContext);
      this.loadedInEngine = t;
    }
    this.personalityImpl?.beforeSlice?.(cpu, t);
    // The saved registers are authoritative: the host may have edited them.
    this.engine.writeRegisters(CONTEXT_REGS, t.ctx);
  }

  private saveContext(t: GuestThread): void {
    const values = this.engine.readRegisters(CONTEXT_REGS);
    for (let i = 0; i < values.length; i++) t.ctx[i] = values[i]! >>> 0;
  }

  /** Runs the scheduler until `done()` holds, the process ends, or a limit is hit. */
  run(done: () => boolean): void {
    if (this.startedAt === 0) this.startedAt = Date.now();
    // Wall-time ticks (timeout, the observer's periodic work) and caught signals end a slice
    // at a block boundary; the slice then goes on, so the clock and the schedule stay exact.
    this.attention ??= this.engine.watchAttention?.({ signals: this.options.catchSignals === true, tickMs: ATTENTION_TICK_MS }) ?? false;
    while (!done() && this.processExit === undefined && !this.stopRun) {
      this.fireTriggers();
      this.checkLimits();
      if (this.stopRun) break;
      this.wakeTimeouts();
      let ran = false;
      for (const cpu of this.cpus) {
        if (done() || this.processExit !== undefined || this.stopRun) break;
        if (cpu.thread === undefined || cpu.thread.state !== "running") {
          cpu.thread = this.pickReady(cpu);
          if (cpu.thread === undefined) continue;
          cpu.thread.state = "running";
        }
        this.runSlice(cpu, cpu.thread);
        ran = true;
      }
      if (!ran && !done() && this.processExit === undefined && !this.stopRun) this.idle();
    }
  }

  /** No CPU had work: skip ahead to the next timeout, or report a deadlock. */
  private idle(): void {
    let next: number | undefined;
    for (const t of this.threads) {
      const d = t.state === "blocked" ? t.wait?.deadline : undefined;
      if (d !== undefined && (next === undefined || d < next)) next = d;
    }
    const trigger = this.triggers[0]?.at;
    if (trigger !== undefined && (next === undefined || trigger < next)) next = trigger;
    if (next !== undefined) {
      this.clockBase = Math.max(this.clockBase, next);
      return;
    }
    const waiting = this.threads
      .filter((t) => t.state === "blocked" && t.wait?.reason !== "idle host thread")
      .map((t) => `thread ${hex(t.key)} (CID ${cidText(t.cid.process, t.cid.thread)}) waits on ${t.wait?.reason ?? "?"}`);
    if (waiting.length === 0) {
      this.stopRun = true;
      return;
    }
    const message = `deadlock: every thread is blocked with no timeout: ${waiting.join("; ")}`;
    this.failure ??= message;
    this.interruption ??= { cause: "deadlock", reason: message };
    throw new GuestError(message);
  }

  private checkLimits(): void {
    const max = this.options.maxInstructions;
    if (max !== undefined && this.clockBase >= max) this.limitReached("instruction-limit", `the guest reached the instruction limit (${max})`);
    this.checkTimeout();
  }

  private checkTimeout(): void {
    const timeout = this.options.timeoutMs;
    if (timeout !== undefined && Date.now() - this.startedAt >= timeout) this.limitReached("timeout", `the guest ran out of time (${timeout} ms)`);
  }

  /**
   * For host work inside one system call or stub that may take long (a large copy done in
   * pieces): true once the run must stop (--timeout passed, a signal, a stop), so the work
   * ends early and the run stops as soon as the call returns. The attention ticks cannot
   * interrupt host code; this is how long host work honours --timeout.
   */
  outOfTime(): boolean {
    // A caught signal ends the run here too; a tick only makes the timeout be checked (the
    // observer's periodic work waits for the next one, between slices).
    if (this.attention === true) {
      const a = this.engine.takeAttention!();
      if (a.signal !== 0) this.attend({ ...a, tick: false });
    }
    this.checkTimeout();
    return this.stopRun;
  }

  private lastRan: GuestThread | undefined;
  private limitReached(cause: InterruptionCause, reason: string): void {
    const t = this.lastRan;
    // Inside a slice (a wall-time tick) the engine has the thread's registers.
    const eip = t !== undefined && t === this.live ? this.engine.readRegister(X86Reg.EIP) : t?.get(X86Reg.EIP);
    const where = t !== undefined ? ` in thread ${hex(t.key)} (CID ${cidText(t.cid.process, t.cid.thread)}) at ${this.describeAddress(eip!)}` : "";
    this.failure ??= `${reason}${where}`;
    this.interruption ??= { cause, reason: `${reason}${where}` };
    if (t !== undefined && t.state !== "terminated") t.error ??= reason;
    this.stopRun = true;
  }

  /** How the run ended early, if it did: ntrace's reason, else the guest's failure. */
  interruptionOf(failure: string | undefined): Interruption | undefined {
    return this.interruption ?? (failure !== undefined ? { cause: "guest-failure", reason: failure } : undefined);
  }

  /** Handles what the engine asked attention for (after a slice, or a part of one, ended). */
  private attend(a: EngineAttention): void {
    if (a.signal !== 0) {
      const name = SIGNAL_NAMES[a.signal] ?? `signal ${a.signal}`;
      this.failure ??= `interrupted by ${name}`;
      this.interruption ??= { cause: "signal", reason: name, signal: a.signal };
      this.stopRun = true;
    }
    if (a.tick) {
      this.checkTimeout();
      this.observer.onWallTick?.();
    }
  }

  /** Stops the run at the next slice boundary (a personality's policy, e.g. a syscall it must not answer). */
  stop(reason: string): void {
    this.failure ??= reason;
    this.interruption ??= { cause: "stopped", reason };
    this.stopRun = true;
    if (this.live !== undefined) this.engine.stop();
  }

  private fireTriggers(): void {
    while (this.triggers.length > 0 && this.triggers[0]!.at <= this.clockBase) this.triggers.shift()!.callback();
  }

  private runSlice(cpu: Cpu, t: GuestThread): void {
    this.loadContext(cpu, t);
    this.observer.onSliceStart?.(t);
    const othersWaiting = this.readyQueue.length > 0 || this.cpus.some((c) => c !== cpu && c.thread !== undefined);
    let count = othersWaiting ? this.quantum : UNLIMITED;
    for (const th of this.threads) {
      const d = th.state === "blocked" ? th.wait?.deadline : undefined;
      if (d !== undefined) count = Math.min(count, Math.max(1, d - this.clockBase));
    }
    if (this.triggers.length > 0) count = Math.min(count, Math.max(1, this.triggers[0]!.at - this.clockBase));
    if (this.options.maxInstructions !== undefined) count = Math.min(count, Math.max(1, this.options.maxInstructions - this.clockBase));
    // Without attention ticks unicorn's own timeout ends a slice that runs past the deadline.
    const timeoutUs = this.options.timeoutMs !== undefined && this.attention !== true ? Math.max(1, (this.options.timeoutMs - (Date.now() - this.startedAt)) * 1000) : 0;

    const last = this.schedule[this.schedule.length - 1];
    if (last === undefined || last.thread !== t.key || last.cpu !== cpu.index) this.schedule.push({ cpu: cpu.index, thread: t.key, clock: this.clockBase });
    this.live = t;
    this.liveCpu = cpu;
    this.lastRan = t;
    this.stopAction = undefined;
    this.pendingFault = undefined;
    let engineError: EngineFault | undefined;
    for (;;) {
      try {
        this.engine.start(this.engine.readRegister(X86Reg.EIP), NO_UNTIL, timeoutUs, Math.min(count, 0xffffffff));
      } catch (err) {
        if (!(err instanceof EngineFault)) {
          this.live = undefined;
          this.liveCpu = undefined;
          throw err;
        }
        engineError = err;
      }
      if (engineError !== undefined || !this.attention) break;
      const attention = this.engine.takeAttention!();
      const onlyForAttention = attention.stopped && this.stopAction === undefined && this.processExit === undefined && !this.stopRun && this.engine.hooksPending?.() !== true;
      if (!onlyForAttention) {
        this.attend(attention);
        break;
      }
      // Stopped at a block start only for attention: close this part of the slice as a slice
      // (observers drain, the clock advances), attend, and go on with the rest of the budget.
      this.observer.onSliceEnd?.(t);
      const part = this.engine.executedInstructions();
      this.clockBase += part;
      count = count === UNLIMITED ? UNLIMITED : Math.max(1, count - part);
      this.attend(attention);
      if (this.stopRun) break;
    }
    // A CPU fault: EIP is the faulting instruction (found by onInvalidMemory; the engine may
    // report the start of its block), so the clock counts the instructions before it.
    if (engineError !== undefined && this.pendingFault !== undefined) this.engine.writeRegister(X86Reg.EIP, (this.pendingFault as FaultInfo).address);
    // Still "live" here: observers see clock() and the engine's counter of this slice.
    this.observer.onSliceEnd?.(t);
    const executed = this.engine.executedInstructions() + (this.stubRetired ? 1 : 0);
    this.stubRetired = false;
    this.clockBase += Number.isNaN(executed) ? count : executed;
    this.live = undefined;
    this.liveCpu = undefined;
    this.saveContext(t);
    this.personalityImpl?.afterSlice?.(cpu, t);
    const action = this.stopAction as ((th: GuestThread) => void) | undefined;
    this.stopAction = undefined;
    if (engineError !== undefined) {
      const fault = (this.pendingFault as FaultInfo | undefined) ?? { code: 0xc0000005, address: t.get(X86Reg.EIP), parameters: [0, 0] };
      this.pendingFault = undefined;
      t.set(X86Reg.EIP, fault.address);
      this.dispatchFault(t, fault);
    } else if (action !== undefined) action(t);
    // Preempt: another thread waits for a CPU.
    if (t.state === "running" && this.readyQueue.length > 0 && this.processExit === undefined && (this.personalityImpl?.preemptable?.(t) ?? true)) {
      this.removeFromCpu(t);
      this.makeReady(t);
    }
  }

  // ---------------------------------------------------------------- modules

  addModule(m: LoadedModule): void {
    this.modules.push(m);
  }

  removeModule(m: LoadedModule): void {
    const i = this.modules.indexOf(m);
    if (i >= 0) this.modules.splice(i, 1);
  }

  findModule(name: string): LoadedModule | undefined {
    const n = normalizeDllName(name);
    return this.modules.find((m) => normalizeDllName(m.name) === n);
  }

  threadView(t: GuestThread): ThreadView {
    return t;
  }

  close(): void {
    this.engine.close();
  }
}

/** `{ interruption }` when there is one, for spreading into a RunResult. */
export function withInterruption(interruption: Interruption | undefined): { readonly interruption?: Interruption } {
  return interruption !== undefined ? { interruption } : {};
}

/** Threads a run may create unless MachineOptions.maxThreads says otherwise. */
export const DEFAULT_MAX_THREADS = 1024;
/** The most threads a user-mode run may be allowed: KTHREAD objects from KTHREAD_REGION up to the system arena. */
export const MAX_USER_THREADS = (SYSTEM_ARENA - KTHREAD_REGION) / ETHREAD_SIZE;
/**
 * Characters of debug output (a program's OutputDebugString, a driver's DbgPrint) a run keeps
 * unless told otherwise (1 MiB, --max-debug-output); past it messages are counted, not kept.
 */
export const DEFAULT_DEBUG_OUTPUT_CAP = 0x100000;
/** Where the iret that drops to CPL 3 keeps its frame: the GDT page past the table, cleared afterwards. */
const IRET_SCRATCH = 0x800;

/**
 * The thread limit of a machine: user mode's KTHREAD objects may fill the system range up to
 * the system arena (64,512 threads), kernel mode keeps its 1 MiB region (its KPCRs follow it).
 */
export function threadLimit(requested: number | undefined, privilege: "user" | "kernel"): number {
  const most = privilege === "user" ? MAX_USER_THREADS : KTHREAD_REGION_SIZE / ETHREAD_SIZE;
  const n = requested ?? DEFAULT_MAX_THREADS;
  if (!Number.isSafeInteger(n) || n < 1 || n > most) throw new UsageError(`the thread limit must be between 1 and ${most}, got ${n}`);
  return n;
}

/** Bytes of the KTHREAD region for `maxThreads` threads (whole 64 KiB blocks; kernel mode: its fixed region). */
function kthreadRegionSize(maxThreads: number, privilege: "user" | "kernel"): number {
  if (privilege === "kernel") return KTHREAD_REGION_SIZE;
  return Math.ceil((maxThreads * ETHREAD_SIZE) / 0x10000) * 0x10000;
}

/** "KERNEL32" / "kernel32.DLL" → "kernel32.dll". */
export function normalizeDllName(name: string): string {
  const base = name.replace(/^.*[\\/]/, "").toLowerCase();
  return base.includes(".") ? base : `${base}.dll`;
}
