/**
 * The one engine interface the machine runs on. `UnicornEngine` implements it over the
 * native libunicorn.so.2 through koffi; a WebAssembly unicorn could implement it too.
 * Addresses and values are u32 numbers (the guest is 32-bit x86).
 */
import { NtraceError } from "../../base/index.js";

/** Register ids: unicorn's UC_X86_REG_* numbering (unicorn 2.0.1, include/unicorn/x86.h). */
export const X86Reg = {
  CS: 11,
  DS: 17,
  EAX: 19,
  EBP: 20,
  EBX: 21,
  ECX: 22,
  EDI: 23,
  EDX: 24,
  EFLAGS: 25,
  EIP: 26,
  ES: 28,
  ESI: 29,
  ESP: 30,
  FS: 32,
  GS: 33,
  SS: 49,
  CR0: 50,
  /** x87 registers as 80-bit values (10 bytes); FP0 = ST(0) of the physical stack slot 0. */
  FP0: 82,
  ST0: 114,
  XMM0: 122,
  IDTR: 242,
  GDTR: 243,
  FPCW: 246,
  FPTAG: 247,
  MXCSR: 249,
  FPSW: 31,
} as const;
export type X86Reg = (typeof X86Reg)[keyof typeof X86Reg];

/** Page protections (UC_PROT_*). */
export const Prot = { NONE: 0, READ: 1, WRITE: 2, EXEC: 4, RW: 3, RX: 5, RWX: 7 } as const;
export type Prot = number;

/** What an invalid-memory hook was called for (UC_MEM_* values). */
export const MemAccess = {
  READ_UNMAPPED: 19,
  WRITE_UNMAPPED: 20,
  FETCH_UNMAPPED: 21,
  WRITE_PROT: 22,
  READ_PROT: 23,
  FETCH_PROT: 24,
} as const;
export type MemAccess = number;

/** A registered hook; pass it to removeHook. */
export interface HookHandle {
  readonly id: number;
}

export type CodeHook = (address: number, size: number) => void;
export type InterruptHook = (intno: number) => void;
/** Return true when the access was fixed up and execution may retry it; false stops the engine with a fault. */
export type InvalidMemoryHook = (access: MemAccess, address: number, size: number, value: number) => boolean;
/** Return true when handled (execution continues where EIP now points). */
export type InvalidInstructionHook = () => boolean;

/** See Engine.takeAttention. */
export interface EngineAttention {
  readonly stopped: boolean;
  readonly signal: number;
  readonly tick: boolean;
}

/** Why a start() returned with an engine error (unicorn uc_err code and text). */
export class EngineFault extends NtraceError {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** The native engine library is not there: every command that needs it says what to install. */
export class EngineUnavailableError extends NtraceError {
  /** What was tried and why it failed, when known. */
  readonly detail: string | undefined;
  constructor(detail?: string) {
    super(
      "the unicorn engine library (libunicorn.so.2) is not installed: apt-get install libunicorn2" +
        (detail !== undefined ? ` (${detail})` : ""),
    );
    this.detail = detail;
  }
}

/** A saved CPU state (see Engine.saveContext). */
export interface EngineContext {
  readonly engineContext: true;
}

export interface Engine {
  mapMemory(address: number, size: number, prot: Prot): void;
  unmapMemory(address: number, size: number): void;
  protectMemory(address: number, size: number, prot: Prot): void;
  readMemory(address: number, size: number): Uint8Array;
  writeMemory(address: number, bytes: Uint8Array): void;
  readU32(address: number): number;
  writeU32(address: number, value: number): void;

  readRegister(reg: X86Reg): number;
  writeRegister(reg: X86Reg, value: number): void;
  readRegisters(regs: readonly X86Reg[]): number[];
  writeRegisters(regs: readonly X86Reg[], values: readonly number[]): void;
  /** GDTR / IDTR through uc_x86_mmr (base, limit). */
  writeDescriptorTableRegister(reg: typeof X86Reg.GDTR | typeof X86Reg.IDTR, base: number, limit: number): void;

  /** Calls `hook` before each instruction in [begin, end] (inclusive, as unicorn). */
  addCodeHook(begin: number, end: number, hook: CodeHook): HookHandle;
  /** Calls `hook` at the start of each translated block in [begin, end]. */
  addBlockHook(begin: number, end: number, hook: CodeHook): HookHandle;
  addInterruptHook(hook: InterruptHook): HookHandle;
  addInvalidMemoryHook(hook: InvalidMemoryHook): HookHandle;
  addInvalidInstructionHook(hook: InvalidInstructionHook): HookHandle;
  removeHook(handle: HookHandle): void;

  /**
   * Runs from `begin` until EIP == `until`, `timeoutUs` (0 = none) or `count` instructions
   * (0 = no limit) or stop(). Throws EngineFault on an engine error (unhandled fault), or
   * rethrows the first exception a hook threw.
   */
  start(begin: number, until: number, timeoutUs: number, count: number): void;
  /**
   * Instructions retired since the last start() began (exact: read from unicorn's own
   * instruction counter, see README). Inside a code hook the hooked instruction is not yet
   * counted. NaN when the engine cannot tell (then the machine counts whole slices).
   */
  executedInstructions(): number;
  /**
   * Optional: count executedInstructions() per translated block with a native block hook
   * instead of unicorn's per-instruction count (README, "Clock"); start()'s count becomes a
   * budget checked at block starts. `charge(address, size)` is how many instructions of the code
   * at [address, address+size) count: asked for blocks that start in host code ranges and for
   * the executed part of a block a slice left early. False when the native clock is missing.
   * Call before the first start().
   */
  useBlockClock?(charge: (address: number, size: number) => number): boolean;
  /**
   * With the block clock: the block that started last, [start, start+size). A memory fault
   * inside it is reported with EIP at its start (unicorn syncs EIP per instruction only while
   * it counts instructions), so the machine finds the faulting instruction in it.
   */
  lastBlock?(): { readonly start: number; readonly size: number } | undefined;
  /**
   * Optional, with the block clock: asks for attention while the guest runs. A slice ends at
   * the next block start (exactly like a budget stop: the count stays exact and the slice can go
   * on) when SIGINT or SIGTERM arrives (`signals`: each caught once; a second one acts as if
   * never caught) or every `tickMs` of wall time (0: no ticks). False when unsupported.
   */
  watchAttention?(options: { readonly signals: boolean; readonly tickMs: number }): boolean;
  /**
   * What asked for attention since the last call (cleared by it): `stopped` when the last
   * start() ended for it, the signal number (0: none) and whether a tick passed.
   */
  takeAttention?(): EngineAttention;
  /** Code whose blocks the block clock's `charge` counts, [begin, end) pairs (e.g. the tracer's thunks). */
  setHostCodeRanges?(ranges: readonly (readonly [number, number])[]): void;
  /**
   * True when a guest store costs about what a load does (unicorn 2.1.0 to 2.1.3), false when
   * every store takes a slow path (unicorn 2.0 ~130–380 ns, 2.1.4 ~35–100 ns): the tracer's
   * thunks then store the exit address themselves instead of an engine write from the hook.
   */
  readonly cheapGuestStores?: boolean;
  /**
   * Optional: maps `size` bytes (page multiple) of host memory at `address` (free, page
   * aligned) and returns it as a byte view the host can read and write without engine calls.
   * The memory is a new zero-filled buffer dedicated to this mapping (never other host
   * memory: isolation, runtime/README.md); map it read-only unless the guest must write it.
   */
  mapHostMemory?(address: number, size: number, prot: Prot): Uint8Array;
  /**
   * Optional: the tracer's entry/exit hooks run natively inside the engine (unicorn: the C
   * helper runtime/tracing/native/ntrace_hooks.c), logging events the tracer drains. undefined
   * when this engine has none or its helper is missing (the tracer then hooks in JS).
   */
  nativeRecorder?(options: NativeRecorderOptions): NativeRecorder | undefined;
  /**
   * The whole CPU state (general, segment, x87/SSE registers) of the thread on the CPU: the
   * machine saves it when a thread leaves the CPU and restores it when it comes back, so
   * floating-point state is per thread. Opaque to everyone but the engine.
   */
  newContext(): EngineContext;
  saveContext(into: EngineContext): void;
  restoreContext(from: EngineContext): void;
  freeContext(context: EngineContext): void;
  /** Reads `size` bytes of a wide register (x87: 10 bytes, XMM: 16 bytes). */
  readWideRegister(reg: X86Reg, size: number): Uint8Array;
  writeWideRegister(reg: X86Reg, bytes: Uint8Array): void;
  /**
   * Hooks added during emulation wait until start() returns (they are installed then); true
   * while some wait. The machine then leaves the slice without writing EIP inside the hook.
   */
  hooksPending?(): boolean;
  /** From inside a hook: stop before the next instruction. */
  stop(): void;
  /** Drops translated code for [begin, begin+size) so new hooks/patches take effect. */
  flushCode(begin: number, size: number): void;
  close(): void;
}

/** The tag of an exit record in a native recorder's log; entry records start with the function id. */
export const NATIVE_EXIT_TAG = 0xffffffff;
/** In an exit record's fn dword: the frame was closed by detach and records nothing. */
export const NATIVE_NOT_RECORDING = 0x80000000;
/** Why a native recorder calls the tracer back (`NativeRecorderOptions.slow`). */
export const NATIVE_SLOW = { CUT: 1, EXIT: 2, FLUSH: 3, DETACHED: 4, NO_THREAD: 5, BAD_STACK: 102 } as const;

export interface NativeRecorderOptions {
  /** The return-slot page (from mapHostMemory): the exit thunk jumps through its first dword. */
  readonly returnSlot: Uint8Array;
  /** Argument dwords captured per entry. */
  readonly argCount: number;
  /** The rare cases, handled by the tracer (why: NATIVE_SLOW). */
  readonly slow: (why: number, address: number, value: number) => void;
}

/** One guest thread's native recorder state (opaque). */
export interface NativeRecorderThread {
  readonly handle: unknown;
}

/**
 * Entry/exit hooks that run natively: per thread a shadow stack of {real return, entry ESP,
 * function id, recording} and a log of records, `[fn, raw clock, esp, args…]` for an entry and
 * `[NATIVE_EXIT_TAG, raw clock, eax, fn | NATIVE_NOT_RECORDING]` for an exit
 * (runtime/tracing/README.md "Recorders"). The log becomes trace events in native code
 * (`emit`), and the tracer's mirror of the shadow stack is brought up to date from the lowest
 * depth reached (`syncFrames`): nothing runs in JS per event.
 */
export interface NativeRecorder {
  /** How far the log's raw clock values run ahead of executedInstructions() (0 or 1). */
  readonly rawAhead: number;
  /**
   * Hooks a thunk area's slots (exit slot at `base`, entry slot i+1 = function firstId+i). Every
   * slot must start a translated block: only jumps and returns may lead to it, never the
   * instruction before it (the recorder may hook block starts instead of instructions).
   */
  hookArea(base: number, end: number, firstId: number): void;
  /** Probes the function `fn` at `address`: its entry is recorded, its return goes to `exitVa`. */
  hookProbe(address: number, exitVa: number, fn: number): void;
  newThread(): NativeRecorderThread;
  /** The thread the next hooks record for (undefined: the next hook asks, NATIVE_SLOW.NO_THREAD). */
  select(t: NativeRecorderThread | undefined): void;
  /** Whether the entry hook (true) or the traced continuation (false) writes the exit thunk address. */
  readonly writesExit: boolean;
  setWriteExit(on: boolean): void;
  /**
   * The mailbox layout (runtime/tracing/README.md "Thunks"): from now on the hooks take the
   * real return, ESP and EAX from this page (dwords 0, 1, 2; a host page the thunks write)
   * instead of reading them from the engine.
   */
  useMailbox(page: Uint8Array): void;
  setAttached(on: boolean): void;
  depth(t: NativeRecorderThread): number;
  /** Log dwords not yet emitted (an event takes at least 3). */
  pending(t: NativeRecorderThread): number;
  /**
   * Writes the log's records as trace events into `into` at [start, start + room) (the
   * fields a trace writer's entry() / exit() set) and returns how many; the rest stays for
   * the next call. `clock` (in/out): [live, base, now, host, anchor ns, anchor clock, ns per
   * count, last ts] — ts = live ? base + raw : now, mapped to ns when host, never below last
   * ts, which is written back. `counts` [entries, exits] is added to.
   */
  emit(t: NativeRecorderThread, into: NativeColumns, start: number, room: number, clock: Float64Array, counts: Uint32Array): number;
  /**
   * The shadow stack's changes since the last call: frames below `low` are as they were; the
   * frames from `low` to the top are `frames` (4 dwords each: ret, entry ESP, fn, recording);
   * `poppedEsp` is the highest entry ESP of a frame a fast-path exit popped (0: none).
   */
  syncFrames(t: NativeRecorderThread): { readonly low: number; readonly frames: Uint32Array; readonly poppedEsp: number };
  returnOf(t: NativeRecorderThread, fromTop: number): number;
  /** Drops the top `n` frames (the tracer's mirror dropped them already). */
  removeTop(t: NativeRecorderThread, n: number): void;
  /** Opens a frame the hooks did not see (a system call recorded by JS); it returns through the exit thunk. */
  push(t: NativeRecorderThread, ret: number, entryEsp: number, fn: number): void;
  /** Detach: the thread's open frames record nothing more (their returns still go through the thunk). */
  stopRecording(t: NativeRecorderThread): void;
}

/** The trace columns `NativeRecorder.emit` writes (a trace writer's bulk append area). */
export interface NativeColumns {
  readonly kind: Uint8Array;
  readonly ts: Float64Array;
  readonly fn: Int32Array;
  readonly esp: Uint32Array;
  readonly value: Uint32Array;
  readonly args: Uint32Array;
}
