/**
 * Strict per-thread replay of a trace, for the exception and thread tests: every rule a
 * correct trace obeys is checked, and the first violation throws with the event's position.
 *   - the thread's first event is THREAD_START and its last THREAD_END (exactly one of each);
 *   - timestamps never decrease;
 *   - EXIT and UNWIND close the frame on top of the replay stack (same function);
 *   - UNCLOSED events come only at the end (between the last other event and THREAD_END),
 *     each closing the top frame, so the stack is empty at THREAD_END.
 */
import { EventKind, openTraceBytes, type ThreadRecord, type TraceEvent } from "../../tracefile/index.js";
import { listImageFunctions } from "../../bin/commands/functions.js";

export interface FrameEvent {
  readonly fn: number;
  readonly ts: number;
  /** EXIT: EAX; UNWIND: the exception code. */
  readonly value: number;
}

export interface ThreadReplay {
  readonly key: number;
  readonly startTs: number;
  readonly endTs: number;
  readonly exitCode: number;
  readonly entries: Map<number, number>;
  readonly exits: Map<number, number>;
  readonly unwinds: Map<number, number>;
  /** UNWIND events in trace order. */
  readonly unwound: FrameEvent[];
  /** UNCLOSED events in trace order (top frame first). */
  readonly unclosed: FrameEvent[];
  /** EXIT events in trace order. */
  readonly returned: FrameEvent[];
  /** Function-level events (entry/exit/unwind/unclosed) in order, as "kind:fn". */
  readonly sequence: string[];
}

const bump = (m: Map<number, number>, fn: number): void => {
  m.set(fn, (m.get(fn) ?? 0) + 1);
};

export function strictReplay(key: number, events: readonly TraceEvent[]): ThreadReplay {
  const fail = (i: number, why: string): never => {
    throw new Error(`thread 0x${key.toString(16)} event #${i} (kind ${events[i]?.kind}, fn ${events[i]?.fn}, ts ${events[i]?.ts}): ${why}`);
  };
  if (events.length < 2) throw new Error(`thread 0x${key.toString(16)}: ${events.length} events, no start/end pair`);
  if (events[0]!.kind !== EventKind.ThreadStart) fail(0, "first event is not THREAD_START");
  const last = events.length - 1;
  if (events[last]!.kind !== EventKind.ThreadEnd) fail(last, "last event is not THREAD_END");
  const r: ThreadReplay = {
    key,
    startTs: events[0]!.ts,
    endTs: events[last]!.ts,
    exitCode: events[last]!.value,
    entries: new Map(),
    exits: new Map(),
    unwinds: new Map(),
    unwound: [],
    unclosed: [],
    returned: [],
    sequence: [],
  };
  const stack: number[] = [];
  let closing = false; // inside the trailing run of UNCLOSED events
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.thread !== key) fail(i, `belongs to thread 0x${e.thread.toString(16)}`);
    if (i > 0 && e.ts < events[i - 1]!.ts) fail(i, `timestamp goes back from ${events[i - 1]!.ts}`);
    if (closing && e.kind !== EventKind.Unclosed && e.kind !== EventKind.ThreadEnd) fail(i, "event after UNCLOSED");
    const pop = (what: string): void => {
      const top = stack.pop();
      if (top !== e.fn) fail(i, `${what} of fn ${e.fn} but the open frame is ${top ?? "none"}`);
    };
    switch (e.kind) {
      case EventKind.ThreadStart:
        if (i !== 0) fail(i, "second THREAD_START");
        break;
      case EventKind.ThreadEnd:
        if (i !== last) fail(i, "THREAD_END before the end");
        if (stack.length !== 0) fail(i, `THREAD_END with ${stack.length} frames open (${stack.join(",")})`);
        break;
      case EventKind.Entry:
        stack.push(e.fn);
        bump(r.entries, e.fn);
        r.sequence.push(`entry:${e.fn}`);
        break;
      case EventKind.Exit:
        pop("EXIT");
        bump(r.exits, e.fn);
        r.returned.push({ fn: e.fn, ts: e.ts, value: e.value });
        r.sequence.push(`exit:${e.fn}`);
        break;
      case EventKind.Unwind:
        pop("UNWIND");
        bump(r.unwinds, e.fn);
        r.unwound.push({ fn: e.fn, ts: e.ts, value: e.value });
        r.sequence.push(`unwind:${e.fn}`);
        break;
      case EventKind.Unclosed:
        closing = true;
        pop("UNCLOSED");
        r.unclosed.push({ fn: e.fn, ts: e.ts, value: e.value });
        r.sequence.push(`unclosed:${e.fn}`);
        break;
      default:
        fail(i, "unexpected event kind");
    }
  }
  return r;
}

/** A trace read back with names: thread records, per-thread events, function id ⇄ name. */
export interface NamedTrace {
  readonly threads: readonly ThreadRecord[];
  readonly keys: readonly number[];
  readonly eventsOf: (key: number) => TraceEvent[];
  readonly eventCount: number;
  readonly nameOf: (fn: number) => string;
  readonly idOf: (name: string) => number;
}

/**
 * Opens trace bytes and names the functions of `module` (the instrumenter's listing of the
 * image file, matched by RVA against the module record's function table).
 */
export function namedTrace(bytes: Uint8Array, imagePath: string, module: string): NamedTrace {
  const trace = openTraceBytes(bytes);
  const m = trace.modules.find((x) => x.name === module);
  if (m === undefined) throw new Error(`no module ${module} in the trace`);
  const byRva = new Map<number, string>();
  for (const f of listImageFunctions(imagePath, []).functions) byRva.set(f.rva, f.name);
  const names = new Map<number, string>();
  const ids = new Map<string, number>();
  m.functionRvas.forEach((rva, i) => {
    const name = byRva.get(rva) ?? `rva_${rva.toString(16)}`;
    names.set(m.firstFunctionId + i, name);
    ids.set(name, m.firstFunctionId + i);
  });
  const keys = trace.threadKeys();
  const perThread = new Map<number, TraceEvent[]>(keys.map((k) => [k, [...trace.events(k)]]));
  return {
    threads: trace.threads,
    keys,
    eventsOf: (k) => perThread.get(k) ?? [],
    eventCount: trace.eventCount,
    nameOf: (fn) => names.get(fn) ?? `#${fn}`,
    idOf: (name) => {
      const id = ids.get(name);
      if (id === undefined) throw new Error(`${name} is not instrumented in ${module}`);
      return id;
    },
  };
}
