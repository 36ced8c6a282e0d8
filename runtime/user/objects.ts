/**
 * Kernel objects of the emulated process and its handle table: events, semaphores, mutants,
 * keyed events, timers, threads, the process, directories, and the file, section and key
 * objects the I/O, section and registry families define. Named objects live in one
 * namespace keyed by their full path (case-insensitive).
 */
import type { GuestThread, Waitable } from "../core/thread.js";

/** Every object a handle can name. */
export abstract class KernelObject {
  abstract readonly type: string;
  /** Full object name (\Sessions\1\BaseNamedObjects\x), when named. */
  name: string | undefined;
  /** Open handles (named objects leave the namespace when the last one closes). */
  handleCount = 0;
  describe(): string {
    return this.name !== undefined ? `${this.type} ${this.name}` : this.type;
  }
}

export abstract class WaitableObject extends KernelObject implements Waitable {
  get kind(): string {
    return this.type;
  }
  abstract isSignaled(thread: GuestThread): boolean;
  acquire(_thread: GuestThread): void {}
}

export class EventObject extends WaitableObject {
  readonly type = "Event";
  constructor(
    /** NotificationEvent (manual reset) or SynchronizationEvent (auto reset). */
    readonly manualReset: boolean,
    public signaled: boolean,
  ) {
    super();
  }
  isSignaled(): boolean {
    return this.signaled;
  }
  override acquire(): void {
    if (!this.manualReset) this.signaled = false;
  }
}

export class SemaphoreObject extends WaitableObject {
  readonly type = "Semaphore";
  constructor(
    public count: number,
    readonly maximum: number,
  ) {
    super();
  }
  isSignaled(): boolean {
    return this.count > 0;
  }
  override acquire(): void {
    this.count--;
  }
}

export class MutantObject extends WaitableObject {
  readonly type = "Mutant";
  owner: GuestThread | undefined;
  recursion = 0;
  abandoned = false;
  isSignaled(thread: GuestThread): boolean {
    return this.owner === undefined || this.owner === thread;
  }
  override acquire(thread: GuestThread): void {
    this.owner = thread;
    this.recursion++;
  }
}

export class TimerObject extends WaitableObject {
  readonly type = "Timer";
  signaled = false;
  /** Guest clock at which it fires (undefined: not set). */
  due: number | undefined;
  periodInstructions = 0;
  constructor(readonly manualReset: boolean) {
    super();
  }
  isSignaled(): boolean {
    return this.signaled;
  }
  override acquire(): void {
    if (!this.manualReset) this.signaled = false;
  }
}

export class ThreadObject extends WaitableObject {
  readonly type = "Thread";
  constructor(readonly thread: GuestThread) {
    super();
  }
  isSignaled(): boolean {
    return this.thread.state === "terminated";
  }
}

export class ProcessObject extends WaitableObject {
  readonly type = "Process";
  exited = false;
  isSignaled(): boolean {
    return this.exited;
  }
}

export class DirectoryObject extends KernelObject {
  readonly type = "Directory";
  constructor(path: string) {
    super();
    this.name = path;
  }
}

export class KeyedEventObject extends KernelObject {
  readonly type = "KeyedEvent";
}

/** Any object without behaviour of its own (tokens, job objects, ...): handles that only have to exist. */
export class PlainObject extends KernelObject {
  constructor(readonly type: string) {
    super();
  }
}

interface HandleEntry {
  readonly object: KernelObject;
  readonly access: number;
  readonly attributes: number;
}

export const CURRENT_PROCESS = 0xffffffff;
export const CURRENT_THREAD = 0xfffffffe;
/** Most handles one process may hold (Windows' own per-process limit is about 16 M; this bounds host memory). */
export const MAX_HANDLES = 1 << 20;

export class HandleTable {
  private readonly entries = new Map<number, HandleEntry>();
  private next = 4;
  private readonly freed: number[] = [];

  /** A new handle for `object`, or undefined when the table is full. */
  add(object: KernelObject, access = 0x1f0fff, attributes = 0): number | undefined {
    if (this.entries.size >= MAX_HANDLES) return undefined;
    const h = this.freed.pop() ?? ((this.next += 4) - 4);
    this.entries.set(h, { object, access, attributes });
    object.handleCount++;
    return h;
  }

  get(handle: number): KernelObject | undefined {
    return this.entries.get(handle >>> 0)?.object;
  }

  entry(handle: number): HandleEntry | undefined {
    return this.entries.get(handle >>> 0);
  }

  /** Closes a handle; returns its object, or undefined when the handle is not open. */
  close(handle: number): KernelObject | undefined {
    const h = handle >>> 0;
    const e = this.entries.get(h);
    if (e === undefined) return undefined;
    this.entries.delete(h);
    this.freed.push(h);
    this.freed.sort((a, b) => b - a); // lowest first from pop(): deterministic reuse, as Windows
    e.object.handleCount--;
    return e.object;
  }

  count(): number {
    return this.entries.size;
  }
}

/** The namespace of named objects (case-insensitive full paths). */
export class Namespace {
  private readonly objects = new Map<string, KernelObject>();
  lookup(path: string): KernelObject | undefined {
    const o = this.objects.get(path.toLowerCase());
    if (o !== undefined && o.handleCount <= 0 && !(o instanceof DirectoryObject)) {
      this.objects.delete(path.toLowerCase());
      return undefined;
    }
    return o;
  }
  insert(path: string, o: KernelObject): void {
    o.name = path;
    this.objects.set(path.toLowerCase(), o);
  }
}
