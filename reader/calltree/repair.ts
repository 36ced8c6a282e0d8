/**
 * The repair layer in front of the strict builder: turns whatever a real trace holds into a
 * well-formed frame stream, with a warning (thread key, timestamp) for each repair.
 *
 * - exit with no open frame, or of a function not open at all: dropped;
 * - exit/unwind/unclosed of a function open further out: the frames inside it are closed
 *   first (FrameEnd.Repaired) — their exits were lost or skipped;
 * - UNWIND event: the frame closes as unwound (an exception passed through it): no warning;
 * - UNCLOSED event: the frame closes as unclosed at that time (the tracer saw it open at the
 *   end);
 * - LOST event: a marker for the consumers and a warning (the tree around the gap may be wrong);
 * - time running backwards: clamped to the previous timestamp;
 * - frames still open when the events end: closed at the thread's last timestamp as unclosed.
 *
 * Warnings are capped per thread and kind; the overflow is summed up at `finish()`.
 */
import { hex, threadKey, type ThreadKey } from "../../base/index.js";
import { EventKind, type EventChunk, type ThreadRecord } from "../../tracefile/types.js";
import { FrameEnd, MarkerKind, type FrameSink, type ThreadInfo } from "./frames.js";
import { StrictThreadBuilder } from "./strict.js";

export interface CallTreeWarning {
  readonly thread: ThreadKey;
  readonly ts: number;
  readonly message: string;
}

export interface RepairOptions {
  /** Receives each warning. */
  readonly warn: (warning: CallTreeWarning) => void;
  /** Warnings of one kind per thread before they are only counted (default 10). */
  readonly maxWarningsPerKind?: number;
  /** Names functions in warnings (default "function <id>"). */
  readonly describe?: (fn: number) => string;
  /**
   * Pass entry arguments and exit values to the sink (open's `args`, close's `value`); the
   * chunks must then carry those columns. Slower: a copy of the arguments per entry.
   */
  readonly values?: boolean;
  /** Argument dwords per entry in the chunks (the trace header's argCount). */
  readonly argCount?: number;
}

type WarningKind = "unmatched-exit" | "repaired" | "lost" | "clock" | "unclosed-end";

interface ThreadSlot {
  readonly info: ThreadInfo;
  readonly builder: StrictThreadBuilder;
  readonly warned: Map<WarningKind, number>;
  /** UNWIND / UNCLOSED events seen: summed up in one note per thread at the end. */
  unwound: number;
  unclosed: number;
}

export class RepairingCallTreeBuilder {
  private readonly sink: FrameSink;
  private readonly options: RepairOptions;
  private readonly records = new Map<number, ThreadRecord>();
  private readonly slots = new Map<number, ThreadSlot>();
  private readonly order: ThreadSlot[] = [];
  private readonly maxWarnings: number;
  private readonly describe: (fn: number) => string;

  constructor(threads: readonly ThreadRecord[], sink: FrameSink, options: RepairOptions) {
    this.sink = sink;
    this.options = options;
    this.maxWarnings = options.maxWarningsPerKind ?? 10;
    this.describe = options.describe ?? ((fn) => `function ${fn}`);
    for (const t of threads) if (!this.records.has(t.key)) this.records.set(t.key, t);
    // Dense indices follow the trace's thread order, whatever order the chunks come in.
    for (const t of threads) this.slot(t.key);
  }

  /** Threads in index order. */
  get threads(): readonly ThreadInfo[] {
    return this.order.map((s) => s.info);
  }

  /** The ThreadInfo of a key (created on first sight). */
  thread(key: ThreadKey): ThreadInfo {
    return this.slot(key).info;
  }

  private slot(key: number): ThreadSlot {
    let s = this.slots.get(key);
    if (s === undefined) {
      const info: ThreadInfo = { key: threadKey(key), index: this.order.length, record: this.records.get(key) };
      s = { info, builder: new StrictThreadBuilder(info, this.sink), warned: new Map(), unwound: 0, unclosed: 0 };
      this.slots.set(key, s);
      this.order.push(s);
    }
    return s;
  }

  private warn(s: ThreadSlot, kind: WarningKind, ts: number, message: string): void {
    const n = (s.warned.get(kind) ?? 0) + 1;
    s.warned.set(kind, n);
    if (n <= this.maxWarnings) this.options.warn({ thread: s.info.key, ts, message });
  }

  /** Consumes one chunk of a thread's events. */
  feed(chunk: EventChunk): void {
    if (this.options.values === true) {
      this.feedWithValues(chunk);
      return;
    }
    const s = this.slot(chunk.thread);
    const b = s.builder;
    const { kind, ts, fn, esp, value } = chunk;
    const n = chunk.count;
    // The hot loop: well-formed entries and exits go straight to the builder's unchecked
    // push/pop with the clock kept here in a local; everything else takes the general path.
    let last = b.lastTs;
    for (let i = 0; i < n; i++) {
      let t = ts[i]!;
      const k = kind[i]!;
      if (t < last) {
        this.warn(s, "clock", t, `timestamp ${t} is before the previous event's ${last}; using ${last}`);
        t = last;
      }
      if (k === EventKind.Entry) {
        b.push(fn[i]!, t, esp[i]!);
        last = t;
        continue;
      }
      if (k === EventKind.Exit) {
        const f = fn[i]!;
        const d = b.depth - 1;
        if (d >= 0 && b.fn[d] === f) {
          b.pop(t, FrameEnd.Returned);
          last = t;
          continue;
        }
      }
      b.lastTs = last;
      this.slowEvent(s, k, t, fn[i]!, value[i]!);
      last = b.lastTs;
    }
    b.lastTs = last;
  }

  /**
   * feed() for sinks that show values: the same repairs, with each entry's arguments (copied:
   * chunk buffers may be reused) and each exit's value passed along.
   */
  private feedWithValues(chunk: EventChunk): void {
    const s = this.slot(chunk.thread);
    const b = s.builder;
    const { kind, ts, fn, esp, value, args } = chunk;
    const argCount = this.options.argCount ?? 0;
    for (let i = 0; i < chunk.count; i++) {
      let t = ts[i]!;
      if (t < b.lastTs) {
        this.warn(s, "clock", t, `timestamp ${t} is before the previous event's ${b.lastTs}; using ${b.lastTs}`);
        t = b.lastTs;
      }
      const k = kind[i]!;
      if (k === EventKind.Entry) {
        b.enter(fn[i]!, t, esp[i]!, argCount > 0 ? args.slice(i * argCount, (i + 1) * argCount) : undefined);
        continue;
      }
      this.slowEvent(s, k, t, fn[i]!, value[i]!);
    }
  }

  /** Every event but a plain entry and a matching exit: repairs, markers, warnings. */
  private slowEvent(s: ThreadSlot, k: number, t: number, f: number, value: number): void {
    const b = s.builder;
    if (k === EventKind.Exit) {
      this.closeOut(s, f, t, FrameEnd.Returned, "exit", value);
    } else if (k === EventKind.Unwind) {
      s.unwound++;
      this.closeOut(s, f, t, FrameEnd.Unwound, "unwind", value);
    } else if (k === EventKind.Unclosed) {
      s.unclosed++;
      this.closeOut(s, f, t, FrameEnd.Unclosed, "unclosed");
    } else if (k === EventKind.Lost) {
      this.warn(s, "lost", t, `${value} event(s) lost here; the call tree around this point may be wrong`);
      b.lastTs = t;
      this.sink.marker?.(s.info, t, MarkerKind.Lost, value);
    } else if (k === EventKind.ThreadStart) {
      b.lastTs = t;
      this.sink.marker?.(s.info, t, MarkerKind.ThreadStart, 0);
    } else if (k === EventKind.ThreadEnd) {
      this.closeAll(s, t, "the thread ended");
      b.lastTs = t;
      this.sink.marker?.(s.info, t, MarkerKind.ThreadEnd, value);
    } else {
      this.warn(s, "clock", t, `unknown event kind ${k} skipped`);
    }
  }

  /** Closes `f`'s innermost open frame, repairing what is inside it; drops the event if `f` is not open. */
  private closeOut(s: ThreadSlot, f: number, t: number, how: FrameEnd, what: string, value?: number): void {
    const b = s.builder;
    const at = b.find(f);
    if (at < 0) {
      this.warn(
        s,
        "unmatched-exit",
        t,
        b.depth === 0
          ? `${what} of ${this.describe(f)} with no open frame: dropped`
          : `${what} of ${this.describe(f)}, which is not open (innermost: ${this.describe(b.fn[b.depth - 1]!)}): dropped`,
      );
      b.lastTs = t;
      return;
    }
    if (at < b.depth - 1) {
      this.warn(s, "repaired", t, `${what} of ${this.describe(f)} while ${b.depth - 1 - at} frame(s) inside it are open (innermost: ${this.describe(b.fn[b.depth - 1]!)}): they are closed here`);
      while (b.depth - 1 > at) b.exit(b.fn[b.depth - 1]!, t, FrameEnd.Repaired);
    }
    b.exit(f, t, how, how === FrameEnd.Unclosed ? undefined : value);
  }

  private closeAll(s: ThreadSlot, t: number, why: string): void {
    const b = s.builder;
    if (b.depth === 0) return;
    this.warn(s, "unclosed-end", t, `${b.depth} frame(s) still open when ${why} (innermost: ${this.describe(b.fn[b.depth - 1]!)}): closed as unclosed at ${t}`);
    while (b.depth > 0) b.exit(b.fn[b.depth - 1]!, t, FrameEnd.Unclosed);
  }

  /** Ends one thread: closes its open frames at its last timestamp, tells the sink. */
  finishThread(key: ThreadKey): void {
    const s = this.slot(key);
    const last = s.builder.lastTs === -Infinity ? 0 : s.builder.lastTs;
    this.closeAll(s, last, "the trace ended");
    for (const [kind, n] of s.warned) {
      if (n > this.maxWarnings) this.options.warn({ thread: s.info.key, ts: last, message: `… and ${n - this.maxWarnings} more "${kind}" warning(s) on this thread` });
    }
    s.warned.clear();
    if (s.unwound > 0) this.options.warn({ thread: s.info.key, ts: last, message: `${s.unwound} frame(s) were left without returning, by exception unwinding, longjmp or NtContinue (UNWIND events)` });
    if (s.unclosed > 0) this.options.warn({ thread: s.info.key, ts: last, message: `${s.unclosed} frame(s) were still open when the tracer stopped (UNCLOSED events)` });
    s.unwound = 0;
    s.unclosed = 0;
    this.sink.endThread?.(s.info);
  }

  /** Ends every thread seen (in index order). */
  finish(): void {
    for (const s of this.order) this.finishThread(s.info.key);
  }
}

export function formatCallTreeWarning(w: CallTreeWarning): string {
  return `thread ${hex(w.thread)} at ${w.ts}: ${w.message}`;
}
