/**
 * Synchronisation: events, semaphores, mutants, keyed events and timers; waiting on one or
 * several objects with timeouts; sleeping and yielding; and the thread-id alerts Wine 8 builds
 * its critical sections, SRW locks and condition variables on (NtWaitForAlertByThreadId /
 * NtAlertThreadByThreadId: an alert before the wait is kept, and a woken wait returns
 * STATUS_ALERTED for the caller to re-check its condition).
 */
import { INSTRUCTIONS_PER_MS, type ApiOutcome } from "../../core/machine.js";
import type { WaitState } from "../../core/thread.js";
import { EventObject, KeyedEventObject, MutantObject, SemaphoreObject, TimerObject, WaitableObject, DirectoryObject, type KernelObject } from "../objects.js";
import { createObject, deadlineOf, objectOf, openObject, putHandle } from "./common.js";
import { Status, type SyscallCall, type SyscallTable } from "./types.js";

const MAXIMUM_WAIT_OBJECTS = 64;

/**
 * Waits on `objects`: at once when satisfied or polled, else blocks the thread. An alertable
 * wait (WaitForSingleObjectEx(…, TRUE), SleepEx) ends only as a plain one does: user APCs are
 * not implemented, and thread-id alerts wake NtWaitForAlertByThreadId alone, as on Windows.
 */
export function waitFor(c: SyscallCall, objects: readonly WaitableObject[], all: boolean, deadline: number | undefined, reason: string): ApiOutcome {
  const t = c.thread;
  const abandonedBase = (o: WaitableObject, i: number) => (o instanceof MutantObject && o.abandoned ? Status.ABANDONED_WAIT_0 + i : Status.WAIT_0 + i);
  // Satisfied now?
  if (all ? objects.every((o) => o.isSignaled(t)) : objects.some((o) => o.isSignaled(t))) {
    if (all) {
      for (const o of objects) o.acquire(t);
      return Status.WAIT_0;
    }
    const i = objects.findIndex((o) => o.isSignaled(t));
    const status = abandonedBase(objects[i]!, i);
    objects[i]!.acquire(t);
    return status;
  }
  if (deadline !== undefined && deadline <= c.process.machine.clock()) return Status.TIMEOUT;
  const wait: WaitState = {
    objects,
    all,
    deadline,
    alertable: false,
    onSatisfied: (i) => (all ? Status.WAIT_0 : abandonedBase(objects[i]!, i)),
    timeoutValue: Status.TIMEOUT,
    reason,
  };
  return { kind: "block", wait };
}

function waitables(c: SyscallCall, handles: readonly number[]): WaitableObject[] | number {
  const out: WaitableObject[] = [];
  for (const h of handles) {
    const o = c.process.object(h, c.thread);
    if (o === undefined) return Status.INVALID_HANDLE;
    if (!(o instanceof WaitableObject)) return Status.OBJECT_TYPE_MISMATCH;
    out.push(o);
  }
  return out;
}

function describeWait(objects: readonly KernelObject[], all: boolean): string {
  return objects.length === 1 ? objects[0]!.describe() : `${all ? "all" : "any"} of ${objects.map((o) => o.describe()).join(", ")}`;
}

function waitSingle(c: SyscallCall): ApiOutcome {
  const [handle, , pTimeout] = c.args as [number, number, number];
  const objects = waitables(c, [handle]);
  if (typeof objects === "number") return objects;
  return waitFor(c, objects, false, deadlineOf(c, pTimeout), describeWait(objects, false));
}

function waitMultiple(c: SyscallCall): ApiOutcome {
  const [count, pHandles, type, , pTimeout] = c.args as [number, number, number, number, number];
  if (count === 0 || count > MAXIMUM_WAIT_OBJECTS) return Status.INVALID_PARAMETER;
  const g = c.process.guest;
  const raw = g.read(pHandles, 4 * count);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const handles = Array.from({ length: count }, (_, i) => v.getUint32(4 * i, true));
  const objects = waitables(c, handles);
  if (typeof objects === "number") return objects;
  const all = type === 0; // WaitAll = 0, WaitAny = 1
  return waitFor(c, objects, all, deadlineOf(c, pTimeout), describeWait(objects, all));
}

/** Signals `o` as NtSetEvent / NtReleaseSemaphore / NtReleaseMutant do; a status or undefined on success. */
function signal(c: SyscallCall, o: KernelObject): number | undefined {
  if (o instanceof EventObject) o.signaled = true;
  else if (o instanceof SemaphoreObject) {
    if (o.count >= o.maximum) return 0xc0000047;
    o.count++;
  } else if (o instanceof MutantObject) {
    if (o.owner !== c.thread) return Status.MUTANT_NOT_OWNED;
    if (--o.recursion === 0) o.owner = undefined;
  } else return Status.OBJECT_TYPE_MISMATCH;
  c.process.machine.wakeWaiters();
  return undefined;
}

function signalAndWait(c: SyscallCall): ApiOutcome {
  const [hSignal, hWait, , pTimeout] = c.args as [number, number, number, number];
  const s = c.process.object(hSignal, c.thread);
  if (s === undefined) return Status.INVALID_HANDLE;
  const objects = waitables(c, [hWait]);
  if (typeof objects === "number") return objects;
  const failed = signal(c, s);
  if (failed !== undefined) return failed;
  return waitFor(c, objects, false, deadlineOf(c, pTimeout), describeWait(objects, false));
}

// ---------------------------------------------------------------- events

function setEvent(c: SyscallCall, state: "set" | "reset" | "pulse"): number {
  const [handle, pPrevious] = c.args as [number, number];
  const e = objectOf(c, handle, EventObject);
  if (typeof e === "number") return e;
  const previous = e.signaled ? 1 : 0;
  if (state === "set") {
    e.signaled = true;
    c.process.machine.wakeWaiters();
  } else if (state === "pulse") {
    e.signaled = true;
    c.process.machine.wakeWaiters();
    e.signaled = false;
  } else e.signaled = false;
  if (pPrevious !== 0) c.process.guest.setU32(pPrevious, previous);
  return Status.SUCCESS;
}

function queryObjectState(c: SyscallCall, make: (o: KernelObject) => Uint8Array | undefined): number {
  const [handle, cls, buffer, length, pReturn] = c.args as [number, number, number, number, number];
  const o = c.process.object(handle, c.thread);
  if (o === undefined) return Status.INVALID_HANDLE;
  if (cls !== 0) return Status.INVALID_INFO_CLASS;
  const out = make(o);
  if (out === undefined) return Status.OBJECT_TYPE_MISMATCH;
  if (length < out.length) return Status.INFO_LENGTH_MISMATCH;
  c.process.guest.write(buffer, out);
  c.process.guest.optU32(pReturn, out.length);
  return Status.SUCCESS;
}

const u32s = (...values: number[]): Uint8Array => new Uint8Array(new Uint32Array(values.map((v) => v >>> 0)).buffer);

// ---------------------------------------------------------------- keyed events

/** One thread parked on a keyed event until a partner with the same key comes. */
class KeyedWaiter extends WaitableObject {
  readonly type = "KeyedEventWait";
  released = false;
  constructor(readonly key: number) {
    super();
  }
  isSignaled(): boolean {
    return this.released;
  }
}

/** Parked waits and releases of a keyed event, by key, in arrival order. */
interface KeyedState {
  readonly waiting: Map<number, KeyedWaiter[]>;
  readonly releasing: Map<number, KeyedWaiter[]>;
}
const keyed = new WeakMap<KeyedEventObject, KeyedState>();
function keyedState(o: KeyedEventObject): KeyedState {
  let s = keyed.get(o);
  if (s === undefined) keyed.set(o, (s = { waiting: new Map(), releasing: new Map() }));
  return s;
}

/** NtWaitForKeyedEvent / NtReleaseKeyedEvent: each pairs with the oldest parked call of the other kind. */
function keyedEvent(c: SyscallCall, release: boolean): ApiOutcome {
  const [handle, key, , pTimeout] = c.args as [number, number, number, number];
  const o = handle === 0 ? c.process.defaultKeyedEvent : objectOf(c, handle, KeyedEventObject);
  if (typeof o === "number") return o;
  const s = keyedState(o);
  const [mine, theirs] = release ? [s.releasing, s.waiting] : [s.waiting, s.releasing];
  const queue = theirs.get(key);
  const partner = queue?.shift();
  if (partner !== undefined) {
    partner.released = true;
    c.process.machine.wakeWaiters();
    return Status.SUCCESS;
  }
  const me = new KeyedWaiter(key);
  mine.set(key, [...(mine.get(key) ?? []), me]);
  return waitFor(c, [me], false, deadlineOf(c, pTimeout), `keyed event ${release ? "release" : "wait"} (key 0x${key.toString(16)})`);
}

// ---------------------------------------------------------------- timers

function setTimer(c: SyscallCall): number {
  const [handle, pDue, , , , period, pPrevious] = c.args as [number, number, number, number, number, number, number];
  const timer = objectOf(c, handle, TimerObject);
  if (typeof timer === "number") return timer;
  const m = c.process.machine;
  if (pPrevious !== 0) c.process.guest.setU32(pPrevious, timer.signaled ? 1 : 0);
  const due = deadlineOf(c, pDue) ?? m.clock();
  timer.signaled = false;
  timer.due = due;
  const generation = ++timerGeneration;
  timerGenerations.set(timer, generation);
  const fire = (at: number) =>
    m.at(at, () => {
      if (timerGenerations.get(timer) !== generation) return; // cancelled or set again
      timer.signaled = true;
      m.wakeWaiters();
      if (period > 0) fire(m.clock() + period * INSTRUCTIONS_PER_MS);
    });
  fire(due);
  return Status.SUCCESS;
}
let timerGeneration = 0;
const timerGenerations = new WeakMap<TimerObject, number>();

function cancelTimer(c: SyscallCall): number {
  const [handle, pState] = c.args as [number, number];
  const timer = objectOf(c, handle, TimerObject);
  if (typeof timer === "number") return timer;
  timerGenerations.set(timer, -1);
  if (pState !== 0) c.process.guest.setU32(pState, timer.signaled ? 1 : 0);
  return Status.SUCCESS;
}

// ---------------------------------------------------------------- the table

export const syncSyscalls: SyscallTable = {
  NtWaitForSingleObject: { args: ["handle", "bool", "plarge"], handler: waitSingle },
  NtWaitForMultipleObjects: { args: ["ulong", "ptr", "ulong", "bool", "plarge"], handler: waitMultiple },
  NtSignalAndWaitForSingleObject: { args: ["handle", "handle", "bool", "plarge"], handler: signalAndWait },
  NtDelayExecution: {
    args: ["bool", "plarge"],
    handler: (c) => {
      const [, pTimeout] = c.args as [number, number];
      const deadline = deadlineOf(c, pTimeout);
      if (deadline !== undefined && deadline <= c.process.machine.clock()) return { kind: "yield", value: Status.SUCCESS };
      return { kind: "block", wait: { objects: [], all: false, deadline, alertable: false, timeoutValue: Status.SUCCESS, reason: "sleep" } };
    },
  },
  NtYieldExecution: { args: [], handler: () => ({ kind: "yield", value: Status.SUCCESS }) },
  NtWaitForAlertByThreadId: {
    args: ["ptr", "plarge"],
    handler: (c) => {
      const [address, pTimeout] = c.args as [number, number];
      const t = c.thread;
      if (t.alerted) {
        t.alerted = false;
        return Status.ALERTED;
      }
      const deadline = deadlineOf(c, pTimeout);
      if (deadline !== undefined && deadline <= c.process.machine.clock()) return Status.TIMEOUT;
      return { kind: "block", wait: { objects: [], all: false, deadline, alertable: true, timeoutValue: Status.TIMEOUT, reason: `an alert (address 0x${address.toString(16)})` } };
    },
  },
  NtAlertThreadByThreadId: {
    args: ["handle"],
    handler: (c) => {
      const t = c.process.threadById(c.args[0]!);
      if (t === undefined) return Status.INVALID_CID;
      c.process.machine.alert(t);
      return Status.SUCCESS;
    },
  },
  NtCreateEvent: {
    args: ["ptr", "access", "objattr", "ulong", "bool"],
    handler: (c) => createObject(c, c.args[0]!, c.args[1]!, c.args[2]!, EventObject, () => new EventObject(c.args[3] === 0, c.args[4] !== 0)),
  },
  NtOpenEvent: { args: ["ptr", "access", "objattr"], handler: (c) => openObject(c, c.args[0]!, c.args[1]!, c.args[2]!, EventObject) },
  NtSetEvent: { args: ["handle", "ptr"], handler: (c) => setEvent(c, "set") },
  NtResetEvent: { args: ["handle", "ptr"], handler: (c) => setEvent(c, "reset") },
  NtClearEvent: { args: ["handle"], handler: (c) => setEvent({ ...c, args: [c.args[0]!, 0] }, "reset") },
  NtPulseEvent: { args: ["handle", "ptr"], handler: (c) => setEvent(c, "pulse") },
  NtQueryEvent: { args: ["handle", "class", "ptr", "ulong", "ptr"], handler: (c) => queryObjectState(c, (o) => (o instanceof EventObject ? u32s(o.manualReset ? 0 : 1, o.signaled ? 1 : 0) : undefined)) },
  NtCreateSemaphore: {
    args: ["ptr", "access", "objattr", "long", "long"],
    handler: (c) => {
      const [, , , initial, maximum] = c.args as [number, number, number, number, number];
      if ((maximum | 0) <= 0 || (initial | 0) < 0 || (initial | 0) > (maximum | 0)) return Status.INVALID_PARAMETER;
      return createObject(c, c.args[0]!, c.args[1]!, c.args[2]!, SemaphoreObject, () => new SemaphoreObject(initial, maximum));
    },
  },
  NtOpenSemaphore: { args: ["ptr", "access", "objattr"], handler: (c) => openObject(c, c.args[0]!, c.args[1]!, c.args[2]!, SemaphoreObject) },
  NtReleaseSemaphore: {
    args: ["handle", "ulong", "ptr"],
    handler: (c) => {
      const [handle, count, pPrevious] = c.args as [number, number, number];
      const s = objectOf(c, handle, SemaphoreObject);
      if (typeof s === "number") return s;
      if (count === 0 || s.count + count > s.maximum) return 0xc0000047; // STATUS_SEMAPHORE_LIMIT_EXCEEDED
      if (pPrevious !== 0) c.process.guest.setU32(pPrevious, s.count);
      s.count += count;
      c.process.machine.wakeWaiters();
      return Status.SUCCESS;
    },
  },
  NtQuerySemaphore: { args: ["handle", "class", "ptr", "ulong", "ptr"], handler: (c) => queryObjectState(c, (o) => (o instanceof SemaphoreObject ? u32s(o.count, o.maximum) : undefined)) },
  NtCreateMutant: {
    args: ["ptr", "access", "objattr", "bool"],
    handler: (c) =>
      createObject(c, c.args[0]!, c.args[1]!, c.args[2]!, MutantObject, () => {
        const m = new MutantObject();
        if (c.args[3] !== 0) m.acquire(c.thread);
        return m;
      }),
  },
  NtOpenMutant: { args: ["ptr", "access", "objattr"], handler: (c) => openObject(c, c.args[0]!, c.args[1]!, c.args[2]!, MutantObject) },
  NtReleaseMutant: {
    args: ["handle", "ptr"],
    handler: (c) => {
      const [handle, pPrevious] = c.args as [number, number];
      const m = objectOf(c, handle, MutantObject);
      if (typeof m === "number") return m;
      if (m.owner !== c.thread) return Status.MUTANT_NOT_OWNED;
      if (pPrevious !== 0) c.process.guest.setU32(pPrevious, 1 - m.recursion);
      if (--m.recursion === 0) m.owner = undefined;
      c.process.machine.wakeWaiters();
      return Status.SUCCESS;
    },
  },
  NtQueryMutant: { args: ["handle", "class", "ptr", "ulong", "ptr"], handler: (c) => queryObjectState(c, (o) => (o instanceof MutantObject ? u32s(o.owner === undefined ? 1 : 1 - o.recursion, o.owner === c.thread ? 1 : 0, o.abandoned ? 1 : 0) : undefined)) },
  NtCreateKeyedEvent: { args: ["ptr", "access", "objattr", "ulong"], handler: (c) => createObject(c, c.args[0]!, c.args[1]!, c.args[2]!, KeyedEventObject, () => new KeyedEventObject()) },
  NtOpenKeyedEvent: { args: ["ptr", "access", "objattr"], handler: (c) => openObject(c, c.args[0]!, c.args[1]!, c.args[2]!, KeyedEventObject) },
  NtWaitForKeyedEvent: { args: ["handle", "ptr", "bool", "plarge"], handler: (c) => keyedEvent(c, false) },
  NtReleaseKeyedEvent: { args: ["handle", "ptr", "bool", "plarge"], handler: (c) => keyedEvent(c, true) },
  NtCreateTimer: { args: ["ptr", "access", "objattr", "ulong"], handler: (c) => createObject(c, c.args[0]!, c.args[1]!, c.args[2]!, TimerObject, () => new TimerObject(c.args[3] === 0)) },
  NtOpenTimer: { args: ["ptr", "access", "objattr"], handler: (c) => openObject(c, c.args[0]!, c.args[1]!, c.args[2]!, TimerObject) },
  NtSetTimer: { args: ["handle", "plarge", "ptr", "ptr", "bool", "long", "ptr"], handler: setTimer },
  NtCancelTimer: { args: ["handle", "ptr"], handler: cancelTimer },
  NtCreateDirectoryObject: {
    args: ["ptr", "access", "objattr"],
    handler: (c) => {
      const attr = c.process.guest.objectAttributes(c.args[2]!);
      const name = attr?.name;
      return createObject(c, c.args[0]!, c.args[1]!, c.args[2]!, DirectoryObject, () => new DirectoryObject(name ?? ""));
    },
  },
  NtOpenDirectoryObject: {
    args: ["ptr", "access", "objattr"],
    handler: (c) => {
      const attr = c.process.guest.objectAttributes(c.args[2]!);
      if (attr?.name === undefined) return Status.OBJECT_PATH_SYNTAX_BAD;
      const existing = c.process.namespace.lookup(attr.name);
      if (existing !== undefined && !(existing instanceof DirectoryObject)) return Status.OBJECT_TYPE_MISMATCH;
      // The object directories Windows always has (BaseNamedObjects, per-session ones) exist on demand.
      if (existing === undefined && !/^\\(BaseNamedObjects|Sessions\\\d+\\BaseNamedObjects|Sessions\\\d+\\Windows\\WindowStations|KernelObjects|Windows\\WindowStations|Sessions\\\d+\\DosDevices|Sessions\\BNOLINKS)$/i.test(attr.name)) return Status.OBJECT_NAME_NOT_FOUND;
      const dir = existing ?? new DirectoryObject(attr.name);
      if (existing === undefined) c.process.namespace.insert(attr.name, dir);
      return putHandle(c, c.args[0]!, dir, c.args[1]!) ?? Status.SUCCESS;
    },
  },
};
