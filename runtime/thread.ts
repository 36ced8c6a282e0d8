/** A guest thread: identity (KTHREAD key, CID), stack, saved CPU context and scheduling state. */
import type { ThreadKey } from "../base/index.js";
import { X86Reg } from "./engine/index.js";
import type { ClientId, ThreadState, ThreadView } from "./types.js";

/** Registers saved and restored on a context switch, in this order. */
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
export const ctxIndex = (reg: ContextReg): number => CONTEXT_REGS.indexOf(reg);

/** Something a thread can wait on (events, threads, critical sections, ...). */
export interface Waitable {
  readonly kind: string;
  /** True when a wait on it would be satisfied now by `thread`. */
  isSignaled(thread: GuestThread): boolean;
  /** Called when a wait by `thread` is satisfied (auto-reset, ownership). */
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
  /** EAX on timeout (default WAIT_TIMEOUT). */
  readonly timeoutValue?: number;
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
  /** Saved registers (CONTEXT_REGS order) while not on a CPU. */
  readonly ctx: number[] = new Array<number>(CONTEXT_REGS.length).fill(0);
  wait: WaitState | undefined;
  exitCode: number | undefined;
  error: string | undefined;
  readonly hostFrames: HostFrame[] = [];
  /** Nesting of exception dispatch on this thread (SEH). */
  dispatchDepth = 0;
  /** Kernel mode: the CPU's idle thread (CID 0:0). */
  idle?: boolean;
  /** Kernel mode: the CPU this thread is bound to (idle threads). */
  cpu?: number;

  constructor(
    readonly key: ThreadKey,
    readonly cid: ClientId,
    readonly teb: number,
    readonly stackBase: number,
    readonly stackLimit: number,
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
