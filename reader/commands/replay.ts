/**
 * `ntrace replay`: the call trees of all threads interleaved in time, uftrace-replay style,
 * with a thread column (the KTHREAD key):
 *
 *   # thread 0x81001000: CID 4:8
 *   #     DURATION  THREAD        FUNCTION
 *                  [0x81001000] | Run(4) {
 *     1.234 K insn [0x81001000] |   fib(3) = 2;
 *     2.000 K insn [0x81001000] | } = 3; /* Run *\/
 *
 * A leaf (no shown children) is one line with its duration; a frame with children opens with
 * `{` and closes with `}` carrying the duration. Frames that did not return say how they
 * ended (unwound, unclosed, repaired). Arguments are shown when the trace recorded them
 * (`ntrace run --args N`), and then return values (EAX at exit) too; `retval` forces those.
 *
 * Lines of different threads are ordered by their timestamp (an open's line by the time of
 * the entry, a close's by the time of the exit). Each thread's events pass through the usual
 * pipeline one chunk at a time; a thread's lines are final once the next frame event of that
 * thread is known (a frame is a leaf or not), so each thread keeps one frame of look-ahead and
 * at most one chunk's lines, and a k-way merge by timestamp interleaves them.
 */
import { hex, cidText, type ThreadKey } from "../../base/index.js";
import type { ReaderContext } from "../context.js";
import type { TextOutput } from "../output.js";
import { FrameEnd, FRAME_END_NAMES, MarkerKind, type FrameSink, type ThreadInfo } from "../calltree/frames.js";
import { FrameFilter, isNoFilter } from "../calltree/filter.js";
import { RepairingCallTreeBuilder } from "../calltree/repair.js";
import { selectedThreads } from "../calltree/walk.js";
import type { ChunkIterationOptions } from "../../tracefile/reader.js";
import type { EventChunk } from "../../tracefile/types.js";
import { formatDuration } from "../units.js";

/** "999.999 K insn" / "999.999 ms": the widest duration, so the bars line up. */
const DURATION_WIDTH = 14;

export interface ReplayOptions {
  /** Show return values even when the trace recorded no arguments. */
  readonly retval?: boolean;
}

/** One output line and the time it belongs to. */
interface Line {
  readonly ts: number;
  readonly text: string;
}

/** A value for people: small numbers in decimal, anything larger in hex (pointers, codes). */
export function formatValue(v: number): string {
  return v < 0x10000 ? String(v) : hex(v >>> 0).replace(/^0x0*(?=.)/, "0x");
}

/** Turns one thread's frames into lines, holding the last open until it is known to be a leaf. */
class ThreadLines {
  readonly lines: Line[] = [];
  private head = 0;
  private heldDepth = -1;
  private heldFn = 0;
  private heldTs = 0;
  private heldArgs: ArrayLike<number> | undefined;
  private readonly prefix: string;

  constructor(
    key: ThreadKey,
    private readonly ctx: ReaderContext,
    private readonly showArgs: boolean,
    private readonly showRet: boolean,
  ) {
    this.prefix = ` [${hex(key)}] | `;
  }

  get pending(): number {
    return this.lines.length - this.head;
  }

  peek(): Line {
    return this.lines[this.head]!;
  }

  take(): Line {
    const l = this.lines[this.head++]!;
    if (this.head === this.lines.length) {
      this.lines.length = 0;
      this.head = 0;
    }
    return l;
  }

  private push(ts: number, duration: string, depth: number, text: string): void {
    this.lines.push({ ts, text: `${duration.padStart(DURATION_WIDTH)}${this.prefix}${"  ".repeat(depth)}${text}\n` });
  }

  private call(fn: number, args: ArrayLike<number> | undefined): string {
    const name = this.ctx.symbols.name(fn);
    if (!this.showArgs || args === undefined) return `${name}()`;
    return `${name}(${Array.from(args, formatValue).join(", ")})`;
  }

  private releaseHeld(): void {
    if (this.heldDepth < 0) return;
    this.push(this.heldTs, "", this.heldDepth, `${this.call(this.heldFn, this.heldArgs)} {`);
    this.heldDepth = -1;
    this.heldArgs = undefined;
  }

  open(depth: number, fn: number, ts: number, args: ArrayLike<number> | undefined): void {
    this.releaseHeld();
    this.heldDepth = depth;
    this.heldFn = fn;
    this.heldTs = ts;
    this.heldArgs = args;
  }

  close(depth: number, fn: number, start: number, end: number, how: FrameEnd, value: number | undefined): void {
    const duration = formatDuration(end - start, this.ctx.trace.header.clock);
    const ret = this.showRet && how === FrameEnd.Returned && value !== undefined ? ` = ${formatValue(value)}` : "";
    const ended = how === FrameEnd.Returned ? "" : how === FrameEnd.Unwound && value !== undefined ? `${FRAME_END_NAMES[how]}: exception ${hex(value)}` : FRAME_END_NAMES[how];
    if (this.heldDepth === depth) {
      const call = this.call(fn, this.heldArgs);
      this.heldDepth = -1;
      this.heldArgs = undefined;
      this.push(start, duration, depth, `${call}${ret};${ended === "" ? "" : ` /* ${ended} */`}`);
    } else {
      this.releaseHeld();
      this.push(end, duration, depth, `}${ret === "" ? "" : `${ret};`} /* ${this.ctx.symbols.name(fn)}${ended === "" ? "" : `: ${ended}`} */`);
    }
  }

  lost(ts: number, count: number): void {
    this.releaseHeld();
    this.push(ts, "", 0, `/* ${count} event(s) lost at ${ts} */`);
  }

  end(): void {
    this.releaseHeld();
  }
}

/** The frame sink in front of every thread's ThreadLines. */
class LineSink implements FrameSink {
  constructor(private readonly byIndex: (t: ThreadInfo) => ThreadLines) {}
  open(t: ThreadInfo, depth: number, fn: number, ts: number, _esp: number, args?: ArrayLike<number>): void {
    this.byIndex(t).open(depth, fn, ts, args);
  }
  close(t: ThreadInfo, depth: number, fn: number, start: number, end: number, _self: number, how: FrameEnd, value?: number): void {
    this.byIndex(t).close(depth, fn, start, end, how, value);
  }
  marker(t: ThreadInfo, ts: number, kind: MarkerKind, value: number): void {
    if (kind === MarkerKind.Lost) this.byIndex(t).lost(ts, value);
  }
  endThread(t: ThreadInfo): void {
    this.byIndex(t).end();
  }
}

/** One thread's place in the merge: its chunk stream and its final lines. */
interface ThreadCursor {
  readonly key: ThreadKey;
  readonly order: number;
  readonly lines: ThreadLines;
  readonly chunks: Iterator<EventChunk>;
  done: boolean;
}

export function runReplay(ctx: ReaderContext, out: TextOutput, options: ReplayOptions = {}): void {
  const trace = ctx.trace;
  const showArgs = trace.header.argCount > 0;
  const showRet = showArgs || options.retval === true;
  const values = showArgs || showRet;
  const decode: ChunkIterationOptions = values ? { reuse: true, esp: false } : { reuse: true, esp: false, exitValues: false, args: false };

  const keys = selectedThreads(trace, ctx.threads);
  const cursors = new Map<number, ThreadCursor>();
  const linesOf = (t: ThreadInfo): ThreadLines => {
    let c = cursors.get(t.key);
    if (c === undefined) {
      // A thread seen only inside another's chunks (never selected): give it a sink that is never printed.
      c = { key: t.key, order: cursors.size, lines: new ThreadLines(t.key, ctx, showArgs, showRet), chunks: [][Symbol.iterator](), done: true };
      cursors.set(t.key, c);
    }
    return c.lines;
  };
  const sink = new LineSink(linesOf);
  const builder = new RepairingCallTreeBuilder(trace.threads, isNoFilter(ctx.filter) ? sink : new FrameFilter(ctx.filter, sink), {
    warn: ctx.warnCallTree,
    describe: (fn) => ctx.symbols.qualified(fn),
    ...(values ? { values: true, argCount: trace.header.argCount } : {}),
  });

  writeHeader(ctx, keys, out);
  keys.forEach((key, order) => {
    cursors.set(key, { key, order, lines: new ThreadLines(key, ctx, showArgs, showRet), chunks: trace.chunks(key, decode)[Symbol.iterator](), done: false });
  });
  /** Feeds a thread's chunks until it has a final line or no events left. */
  const refill = (c: ThreadCursor): void => {
    while (c.lines.pending === 0 && !c.done) {
      const next = c.chunks.next();
      if (next.done === true) {
        c.done = true;
        builder.finishThread(c.key);
      } else builder.feed(next.value);
    }
  };
  const active = keys.map((k) => cursors.get(k)!);
  for (const c of active) refill(c);
  const heap = active.filter((c) => c.lines.pending > 0);
  // Few threads: a linear scan for the earliest head is simpler than a heap and fast enough.
  while (heap.length > 0) {
    let best = 0;
    for (let i = 1; i < heap.length; i++) {
      const a = heap[i]!.lines.peek().ts;
      const b = heap[best]!.lines.peek().ts;
      if (a < b || (a === b && heap[i]!.order < heap[best]!.order)) best = i;
    }
    const c = heap[best]!;
    out.write(c.lines.take().text);
    refill(c);
    if (c.lines.pending === 0) heap.splice(best, 1);
  }
}

function writeHeader(ctx: ReaderContext, keys: readonly ThreadKey[], out: TextOutput): void {
  const records = new Map(ctx.trace.threads.map((t) => [t.key as number, t]));
  for (const key of keys) {
    const r = records.get(key);
    const about = r !== undefined ? `CID ${cidText(r.process, r.thread)}${r.idle === true ? ", idle" : ""}${r.name !== undefined ? `, ${r.name}` : ""}` : "no thread record";
    out.write(`# thread ${hex(key)}: ${about}\n`);
  }
  // Headings over their columns: the duration, "[0x81001000]", and the tree after "| ".
  out.write(`#${"DURATION".padStart(DURATION_WIDTH - 1)}  ${"THREAD".padEnd(12)}  FUNCTION\n`);
}
