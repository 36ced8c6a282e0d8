/**
 * `ntrace dump`: every event, one line each, symbolized, threads merged in timestamp order
 * (ties: trace thread order):
 *
 *   <ts> <thread key> <kind> <function> esp=… args=[…] | ret=… | code=… | count=…
 *
 * Raw events, no call-tree repair: this is the view for damaged traces. The filters that make
 * sense per event apply: --include/--exclude match each event's own function (no subtree);
 * --depth keeps entries and exits less than N calls deep (counted from the thread's events);
 * --time-range keeps events inside the range; --thread selects threads.
 */
import { hex, hexShort } from "../../base/index.js";
import { EventKind, type EventChunk } from "../../tracefile/types.js";
import type { ReaderContext } from "../context.js";
import type { TextOutput } from "../output.js";
import { selectedThreads } from "../calltree/walk.js";

const KIND_NAMES = ["entry", "exit", "unwind", "unclosed", "lost", "thread-start", "thread-end"];

/** One thread's events, a chunk at a time. */
class Cursor {
  chunk: EventChunk | null = null;
  i = 0;
  /** Open entries of this thread so far (raw nesting, for --depth). */
  depth = 0;
  readonly order: number;
  private readonly it: Iterator<EventChunk>;
  constructor(it: Iterator<EventChunk>, order: number) {
    this.it = it;
    this.order = order;
    this.advanceChunk();
  }
  /** Moves to the next non-empty chunk; false at the end. */
  advanceChunk(): boolean {
    for (;;) {
      const r = this.it.next();
      if (r.done === true) {
        this.chunk = null;
        return false;
      }
      if (r.value.count > 0) {
        this.chunk = r.value;
        this.i = 0;
        return true;
      }
    }
  }
  get ts(): number {
    return this.chunk!.ts[this.i]!;
  }
  next(): boolean {
    if (++this.i < this.chunk!.count) return true;
    return this.advanceChunk();
  }
}

/** Binary min-heap of cursors by (ts, order). */
class CursorHeap {
  private readonly a: Cursor[] = [];
  get size(): number {
    return this.a.length;
  }
  private less(x: Cursor, y: Cursor): boolean {
    return x.ts < y.ts || (x.ts === y.ts && x.order < y.order);
  }
  push(c: Cursor): void {
    const a = this.a;
    a.push(c);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  top(): Cursor {
    return this.a[0]!;
  }
  /** Restores the heap after the top's key grew, or removes the top when it is exhausted. */
  fixTop(exhausted: boolean): void {
    const a = this.a;
    if (exhausted) {
      const last = a.pop()!;
      if (a.length === 0) return;
      a[0] = last;
    }
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
      if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
  }
}

export function runDump(ctx: ReaderContext, out: TextOutput): number {
  const { trace, symbols } = ctx;
  const argCount = trace.header.argCount;
  const include = ctx.filter.include;
  const exclude = ctx.filter.exclude;
  const maxDepth = ctx.filter.maxDepth;
  const from = ctx.filter.timeFrom ?? 0;
  const to = ctx.filter.timeTo ?? Infinity;
  const heap = new CursorHeap();
  selectedThreads(trace, ctx.threads).forEach((key, order) => {
    const c = new Cursor(trace.chunks(key)[Symbol.iterator](), order);
    if (c.chunk !== null) heap.push(c);
  });
  const startAddress = new Map<number, number>(trace.threads.map((t) => [t.key, t.startAddress]));
  let printed = 0;
  while (heap.size > 0) {
    const c = heap.top();
    const ch = c.chunk!;
    const i = c.i;
    const kind = ch.kind[i]!;
    const fn = ch.fn[i]!;
    const hasFn = kind <= EventKind.Unclosed;
    // Raw nesting: an entry is at the depth before it, its exit at the depth after it.
    let depth = c.depth;
    if (kind === EventKind.Entry) c.depth++;
    else if (hasFn && c.depth > 0) depth = --c.depth;
    const ts = ch.ts[i]!;
    const shown =
      ts >= from &&
      ts <= to &&
      (!hasFn || (depth < maxDepth && (include === null || include[fn] === 1) && (exclude === null || exclude[fn] !== 1)));
    if (shown) {
      out.write(formatEvent(ch, i, argCount, (f) => symbols.qualified(f), (va) => symbols.address(va), startAddress.get(ch.thread)));
      printed++;
    }
    heap.fixTop(!c.next());
  }
  return printed;
}

function formatEvent(
  ch: EventChunk,
  i: number,
  argCount: number,
  name: (fn: number) => string,
  address: (va: number) => string,
  startAddress: number | undefined,
): string {
  const kind = ch.kind[i]!;
  const head = `${String(ch.ts[i]!).padStart(14)}  ${hex(ch.thread)}  ${(KIND_NAMES[kind] ?? `kind#${kind}`).padEnd(12)}`;
  const value = ch.value[i]!;
  switch (kind) {
    case EventKind.Entry: {
      let args = "";
      if (argCount > 0) {
        const a: string[] = [];
        for (let j = 0; j < argCount; j++) a.push(hexShort(ch.args[i * argCount + j]!));
        args = ` args=[${a.join(", ")}]`;
      }
      return `${head}  ${name(ch.fn[i]!)}  esp=${hex(ch.esp[i]!)}${args}\n`;
    }
    case EventKind.Exit:
      return `${head}  ${name(ch.fn[i]!)}  ret=${hex(value)}\n`;
    case EventKind.Unwind:
      return `${head}  ${name(ch.fn[i]!)}  code=${hex(value)}\n`;
    case EventKind.Unclosed:
      return `${head}  ${name(ch.fn[i]!)}\n`;
    case EventKind.Lost:
      return `${head}  count=${value}\n`;
    case EventKind.ThreadStart:
      return `${head}${startAddress !== undefined && startAddress !== 0 ? `  start=${address(startAddress)}` : ""}\n`;
    case EventKind.ThreadEnd:
      return `${head}  exit-code=${hex(value)}\n`;
    default:
      return `${head}  value=${hex(value)}\n`;
  }
}
