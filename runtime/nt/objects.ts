/** Kernel objects behind handles (events, threads, mutexes, semaphores) and critical sections. */
import type { Machine } from "../machine.js";
import type { GuestThread, Waitable } from "../thread.js";
import { CRITICAL_SECTION } from "./layout.js";

export class EventObject implements Waitable {
  readonly kind = "event";
  constructor(
    public manualReset: boolean,
    public signaled: boolean,
    readonly name: string,
  ) {}
  isSignaled(): boolean {
    return this.signaled;
  }
  acquire(): void {
    if (!this.manualReset) this.signaled = false;
  }
  describe(): string {
    return `${this.manualReset ? "manual" : "auto"}-reset event${this.name ? ` "${this.name}"` : ""}`;
  }
}

export class ThreadObject implements Waitable {
  readonly kind = "thread";
  constructor(readonly thread: GuestThread) {}
  isSignaled(): boolean {
    return this.thread.state === "terminated";
  }
  acquire(): void {}
  describe(): string {
    return `thread 0x${this.thread.key.toString(16)} (CID ${this.thread.cid.thread.toString(16)})`;
  }
}

export class MutexObject implements Waitable {
  readonly kind = "mutex";
  owner: GuestThread | undefined;
  count = 0;
  constructor(readonly name: string) {}
  isSignaled(t: GuestThread): boolean {
    return this.owner === undefined || this.owner === t || this.owner.state === "terminated";
  }
  acquire(t: GuestThread): void {
    if (this.owner !== t) this.count = 0;
    this.owner = t;
    this.count++;
  }
  describe(): string {
    return `mutex${this.name ? ` "${this.name}"` : ""}`;
  }
}

export class SemaphoreObject implements Waitable {
  readonly kind = "semaphore";
  constructor(
    public count: number,
    readonly maximum: number,
    readonly name: string,
  ) {}
  isSignaled(): boolean {
    return this.count > 0;
  }
  acquire(): void {
    this.count--;
  }
  describe(): string {
    return `semaphore${this.name ? ` "${this.name}"` : ""} (count ${this.count})`;
  }
}

/**
 * A CRITICAL_SECTION in guest memory (real x86 layout: LockCount -1 when free, OwningThread =
 * owner's thread id, RecursionCount). Waiting threads get ownership handed over in the order
 * the scheduler wakes them (creation order), which keeps runs deterministic.
 */
export class CriticalSectionWait implements Waitable {
  readonly kind = "critical section";
  constructor(
    private readonly machine: Machine,
    readonly address: number,
  ) {}
  isSignaled(t: GuestThread): boolean {
    const owner = this.machine.memory.u32(this.address + CRITICAL_SECTION.OwningThread);
    return owner === 0 || owner === t.cid.thread;
  }
  acquire(t: GuestThread): void {
    enterOwned(this.machine, this.address, t);
  }
  describe(): string {
    return `critical section at 0x${this.address.toString(16)}`;
  }
}

/** Takes (or re-enters) the critical section for `t`; the caller checked it is free or owned by `t`. */
export function enterOwned(machine: Machine, cs: number, t: GuestThread): void {
  const m = machine.memory;
  const owner = m.u32(cs + CRITICAL_SECTION.OwningThread);
  if (owner === t.cid.thread) {
    m.setU32(cs + CRITICAL_SECTION.RecursionCount, m.u32(cs + CRITICAL_SECTION.RecursionCount) + 1);
  } else {
    m.setU32(cs + CRITICAL_SECTION.OwningThread, t.cid.thread);
    m.setU32(cs + CRITICAL_SECTION.RecursionCount, 1);
  }
  m.setU32(cs + CRITICAL_SECTION.LockCount, (m.u32(cs + CRITICAL_SECTION.LockCount) + 1) >>> 0);
}
