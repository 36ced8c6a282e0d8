/** Every object a handle can name. */
export class KernelObject {
    /** Full object name (\Sessions\1\BaseNamedObjects\x), when named. */
    name;
    /** Open handles (named objects leave the namespace when the last one closes). */
    handleCount = 0;
    describe() {
        return this.name !== undefined ? `${this.type} ${this.name}` : this.type;
    }
}
export class WaitableObject extends KernelObject {
    get kind() {
        return this.type;
    }
    acquire(_thread) { }
}
export class EventObject extends WaitableObject {
    manualReset;
    signaled;
    type = "Event";
    constructor(
    /** NotificationEvent (manual reset) or SynchronizationEvent (auto reset). */
    manualReset, signaled) {
        super();
        this.manualReset = manualReset;
        this.signaled = signaled;
    }
    isSignaled() {
        return this.signaled;
    }
    acquire() {
        if (!this.manualReset)
            this.signaled = false;
    }
}
export class SemaphoreObject extends WaitableObject {
    count;
    maximum;
    type = "Semaphore";
    constructor(count, maximum) {
        super();
        this.count = count;
        this.maximum = maximum;
    }
    isSignaled() {
        return this.count > 0;
    }
    acquire() {
        this.count--;
    }
}
export class MutantObject extends WaitableObject {
    type = "Mutant";
    owner;
    recursion = 0;
    abandoned = false;
    isSignaled(thread) {
        return this.owner === undefined || this.owner === thread;
    }
    acquire(thread) {
        this.owner = thread;
        this.recursion++;
    }
}
export class TimerObject extends WaitableObject {
    manualReset;
    type = "Timer";
    signaled = false;
    /** Guest clock at which it fires (undefined: not set). */
    due;
    periodInstructions = 0;
    constructor(manualReset) {
        super();
        this.manualReset = manualReset;
    }
    isSignaled() {
        return this.signaled;
    }
    acquire() {
        if (!this.manualReset)
            this.signaled = false;
    }
}
export class ThreadObject extends WaitableObject {
    thread;
    type = "Thread";
    constructor(thread) {
        super();
        this.thread = thread;
    }
    isSignaled() {
        return this.thread.state === "terminated";
    }
}
export class ProcessObject extends WaitableObject {
    type = "Process";
    exited = false;
    isSignaled() {
        return this.exited;
    }
}
export class DirectoryObject extends KernelObject {
    type = "Directory";
    constructor(path) {
        super();
        this.name = path;
    }
}
export class KeyedEventObject extends KernelObject {
    type = "KeyedEvent";
}
/** I/O completion port (thread pools): queued packets. */
export class CompletionObject extends WaitableObject {
    type = "IoCompletion";
    packets = [];
    isSignaled() {
        return this.packets.length > 0;
    }
}
/** Any object without behaviour of its own (tokens, job objects, ...): handles that only have to exist. */
export class PlainObject extends KernelObject {
    type;
    constructor(type) {
        super();
        this.type = type;
    }
}
export const CURRENT_PROCESS = 0xffffffff;
export const CURRENT_THREAD = 0xfffffffe;
/** Most handles one process may hold (Windows' own per-process limit is about 16 M; this bounds host memory). */
export const MAX_HANDLES = 1 << 20;
export class HandleTable {
    entries = new Map();
    next = 4;
    freed = [];
    /** A new handle for `object`, or undefined when the table is full. */
    add(object, access = 0x1f0fff, attributes = 0) {
        if (this.entries.size >= MAX_HANDLES)
            return undefined;
        const h = this.freed.pop() ?? ((this.next += 4) - 4);
        this.entries.set(h, { object, access, attributes });
        object.handleCount++;
        return h;
    }
    get(handle) {
        return this.entries.get(handle >>> 0)?.object;
    }
    entry(handle) {
        return this.entries.get(handle >>> 0);
    }
    /** Closes a handle; returns its object, or undefined when the handle is not open. */
    close(handle) {
        const h = handle >>> 0;
        const e = this.entries.get(h);
        if (e === undefined)
            return undefined;
        this.entries.delete(h);
        this.freed.push(h);
        this.freed.sort((a, b) => b - a); // lowest first from pop(): deterministic reuse, as Windows
        e.object.handleCount--;
        return e.object;
    }
    count() {
        return this.entries.size;
    }
}
/** The namespace of named objects (case-insensitive full paths). */
export class Namespace {
    objects = new Map();
    lookup(path) {
        const o = this.objects.get(path.toLowerCase());
        if (o !== undefined && o.handleCount <= 0 && !(o instanceof DirectoryObject)) {
            this.objects.delete(path.toLowerCase());
            return undefined;
        }
        return o;
    }
    insert(path, o) {
        o.name = path;
        this.objects.set(path.toLowerCase(), o);
    }
}
