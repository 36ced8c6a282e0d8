/**
 * What an operating-system personality gives the mode-neutral machine core. User mode
 * (runtime/user/: Wine's DLLs over NT system calls) and kernel mode (runtime/kernel/: a driver
 * environment) both implement it; the core calls nothing else of theirs.
 *
 * Threads: a personality makes its threads (stack, TEB or not, initial context) and adds them
 * with Machine.addThread, which gives each a KTHREAD object and key.
 */
import type { Cpu, FaultInfo } from "./machine.js";
import type { GuestThread } from "./thread.js";

export interface Personality {
  readonly name: "user" | "kernel";
  /**
   * Delivers a CPU fault or a raised exception to the guest: `t` is stopped, its context saved
   * (EIP = the faulting instruction). User mode builds EXCEPTION_RECORD + CONTEXT on the stack
   * and continues at KiUserExceptionDispatcher; kernel mode walks the SEH chain itself.
   */
  deliverException(t: GuestThread, fault: FaultInfo): void;
  /** Before a slice of `t` on `cpu`, after its CPU state is in the engine: point fs at its TEB or the CPU's KPCR. */
  beforeSlice?(cpu: Cpu, t: GuestThread): void;
  /** After a slice, once the registers are saved. */
  afterSlice?(cpu: Cpu, t: GuestThread): void;
  /** Affinity (kernel idle threads are bound to their CPU). */
  canRunOn?(t: GuestThread, cpu: Cpu): boolean;
  /** Whether a running thread may be preempted now (not at IRQL >= DISPATCH_LEVEL). */
  preemptable?(t: GuestThread): boolean;
  /** A thread ended (its objects become signalled, its TEB and stack can go). */
  onThreadTerminated?(t: GuestThread): void;
}
