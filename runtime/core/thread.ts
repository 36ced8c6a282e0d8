/** A guest thread: identity (KTHREAD key, CID), stack, saved CPU context and scheduling state. */
import type { ThreadKey } from "../../base/index.js";
import { X86Reg, type EngineContext } from "../engine/index.js";
import type { ClientId, ThreadState, ThreadView } from "./types.js";

/** Registers the host reads and edits while a thread is off the CPU, in this order. */
export const CONTEXT_REGS = [
  X86Reg.EAX,
  X86Reg.ECX,
  X86Reg.EDX,
  X86Reg.EBX,
  X86Reg.ESP,
  X86Reg.EBP,
  X86Reg.ESI,
  X86Reg.EDI,
  X86Reg.EIP,
  X86Reg.EFLAGS,
] as const;
export type ContextReg = (typeof CONTEXT_REGS)[number];
const INDEX: Record<number, number> = Object.fromEntries(CONTEXT_REGS.map((r, i) => [r, i]));
export const ctxIndex = (reg: ContextReg): number => INDEX[reg]!;

/** Something a thread can wait on (events, threads, mutants, ...). */
export interface Waitable {
  readonly kind: string;
  /** True when a wait on it would be satisfied now by `thread`. */
  isSignaled(thread: GuestThread): boolean;
  /** Called when a wait by `thread` is satisfied (auto-reset, ownership, counts). */
  acquire(thread: GuestThread): void;
  describe(): string;
}

export interface WaitState {
  readonly objects: readonly Waitable[];
  readonly all: boolean;
  /** Clock value at which the wait times out (undefined = never). */
  readonly deadline: number | undefined;
  /** EAX on success given the index of the satisfying object (default WAIT_OBJECT_0 + i). */
  readonly onSatisfied?: (index: number) => number;
  /** EAX on timeout (default STATUS_TIMEOUT). */
  readonly timeoutValue?: number;
  /** Woken early by an alert (alertable waits, NtWaitForAlertByThreadId): EAX then. */
  readonly alertable?: boolean;
  readonly reason: string;
}

/** A pending return from a guest function the host called (see Machine.callGuest). */
export interface HostFrame {
  /** Stack slot holding the return address (the return trampoline). */
  readonly retSlot: number;
  /** ESP before the arguments were pushed: restored when the call returns. */
  readonly espBefore: number;
  readonly argc: number;
  readonly resume: (eax: number) => void;
}

export class GuestThread implements ThreadView {
  state: ThreadState = "ready";
  /** Saved registers (CONTEXT_REGS order) while not on a CPU; authoritative over `engineContext`'s. */
  readonly ctx: number[] = new Array<number>(CONTEXT_REGS.length).fill(0);
  /** The rest of the CPU state (segments, x87, SSE) saved when the thread left the CPU. */
  engineContext: EngineContext | undefined;
  wait: WaitState | undefined;
  exitCode: number | undefined;
  error: string | undefined;
  readonly hostFrames: HostFrame[] = [];
  /** Suspend count (NtSuspendThread / created suspended): runs only at 0. */
  suspendCount = 0;
  /** An alert is pending (NtAlertThreadByThreadId before the wait). */
  alerted = false;
  /** Kernel mode: the CPU's idle thread (CID 0:0). */
  idle?: boolean;
  /** The CPU this thread is bound to (kernel idle threads). */
  cpu?: number;

  constructor(
    readonly key: ThreadKey,
    readonly cid: ClientId,
    readonly teb: number,
    readonly stackBase: number,
    readonly stackLimit: number,
    /** Lowest address of the stack's allocation (guard page). */
    readonly stackRegion: number,
    /** Index of creation (deterministic ordering). */
    readonly ordinal: number,
  ) {}

  get(reg: ContextReg): number {
    return this.ctx[ctxIndex(reg)]!;
  }
  set(reg: ContextReg, value: number): void {
    this.ctx[ctxIndex(reg)] = value >>> 0;
  }
}
