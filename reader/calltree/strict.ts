/**
 * The strict per-thread call-tree builder: entries push, exits pop, and anything impossible —
 * an exit with no open frame, an exit of a function other than the innermost open one, time
 * running backwards — throws a CallTreeError naming the thread, timestamp and functions. The
 * repair layer (repair.ts) sits in front and never lets such a sequence through; used alone
 * (tests, `--strict`), this builder is the specification of a well-formed trace.
 */
import { NtraceError, hex } from "../../base/index.js";
import { FrameEnd, type FrameSink, type ThreadInfo } from "./frames.js";

export class CallTreeError extends NtraceError {
  readonly thread: number;
  readonly ts: number;
  constructor(thread: ThreadInfo, ts: number, message: string) {
    super(`thread ${hex(thread.key)} at ${ts}: ${message}`);
    this.thread = thread.key;
    this.ts = ts;
  }
}

/** One thread's open frames as parallel typed arrays (no per-frame objects). */
export class StrictThreadBuilder {
  readonly thread: ThreadInfo;
  private readonly sink: FrameSink;
  depth = 0;
  lastTs = -Infinity;
  fn = new Int32Array(64);
  start = new Float64Array(64);
  esp = new Uint32Array(64);
  /** Summed durations of each open frame's closed children. */
  childTime = new Float64Array(64);

  constructor(thread: ThreadInfo, sink: FrameSink) {
    this.thread = thread;
    this.sink = sink;
  }

  private checkTime(ts: number): void {
    if (ts < this.lastTs) throw new CallTreeError(this.thread, ts, `time runs backwards (previous event at ${this.lastTs})`);
    this.lastTs = ts;
  }

  enter(fn: number, ts: number, esp: number, args?: ArrayLike<number>): void {
    this.checkTime(ts);
    const d = this.depth;
    if (d === this.fn.length) this.grow();
    this.fn[d] = fn;
    this.start[d] = ts;
    this.esp[d] = esp;
    this.childTime[d] = 0;
    this.depth = d + 1;
    this.sink.open(this.thread, d, fn, ts, esp, args);
  }

  /** Closes the innermost frame, which must be `fn`. */
  exit(fn: number, ts: number, how: FrameEnd = FrameEnd.Returned, value?: number): void {
    this.checkTime(ts);
    const d = this.depth - 1;
    if (d < 0) throw new CallTreeError(this.thread, ts, `exit of function ${fn} with no open frame`);
    if (this.fn[d] !== fn) {
      throw new CallTreeError(this.thread, ts, `exit of function ${fn} while function ${this.fn[d]} is the innermost open frame`);
    }
    const start = this.start[d]!;
    const duration = ts - start;
    this.depth = d;
    if (d > 0) this.childTime[d - 1]! += duration;
    this.sink.close(this.thread, d, fn, start, ts, duration - this.childTime[d]!, how, value);
  }

  /**
   * enter() without the time check, for a caller that keeps time monotonic itself (the
   * repair layer's hot loop); `lastTs` is the caller's to update.
   */
  push(fn: number, ts: number, esp: number): void {
    const d = this.depth;
    if (d === this.fn.length) this.grow();
    this.fn[d] = fn;
    this.start[d] = ts;
    this.esp[d] = esp;
    this.childTime[d] = 0;
    this.depth = d + 1;
    this.sink.open(this.thread, d, fn, ts, esp);
  }

  /**
   * exit() of the innermost frame without the checks, for a caller that has checked that a
   * frame is open and that time is monotonic (the repair layer's hot loop).
   */
  pop(ts: number, how: FrameEnd): void {
    const d = this.depth - 1;
    const start = this.start[d]!;
    const duration = ts - start;
    this.depth = d;
    if (d > 0) this.childTime[d - 1]! += duration;
    this.sink.close(this.thread, d, this.fn[d]!, start, ts, duration - this.childTime[d]!, how);
  }

  /** Position of the innermost open frame of `fn`, or -1. */
  find(fn: number): number {
    for (let d = this.depth - 1; d >= 0; d--) if (this.fn[d] === fn) return d;
    return -1;
  }

  private grow(): void {
    const n = this.fn.length * 2;
    const fnA = new Int32Array(n);
    fnA.set(this.fn);
    this.fn = fnA;
    const s = new Float64Array(n);
    s.set(this.start);
    this.start = s;
    const e = new Uint32Array(n);
    e.set(this.esp);
    this.esp = e;
    const c = new Float64Array(n);
    c.set(this.childTime);
    this.childTime = c;
  }
}
