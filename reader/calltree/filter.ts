/**
 * Frame filters, uftrace-style, applied to the frame stream:
 *
 * - include globs (`-F` in uftrace): only frames of a matching function and their subtrees
 *   are shown; with none given, everything is included;
 * - exclude globs (`-N`): a matching function and its whole subtree are hidden;
 * - depth N (`-D`): only frames with fewer than N shown ancestors are shown (depth counts from
 *   the outermost shown frame, so with --include it starts at the included function);
 * - threshold T (`-t`): frames shorter than T are hidden (their children are shorter still).
 *
 * A hidden frame's time stays in its nearest shown ancestor's self time (as if the hidden
 * function had not been traced). Opens of frames that may still turn out shorter than the
 * threshold are held back until they have lasted T, so the filtered stream stays properly
 * nested and time-ordered with memory bounded by the stack depth.
 */
import type { FrameEnd, FrameSink, MarkerKind, ThreadInfo } from "./frames.js";

export interface FrameFilterOptions {
  /** Per function id: 1 when an include glob matches; null = include everything. */
  readonly include: Uint8Array | null;
  /** Per function id: 1 when an exclude glob matches; null = exclude nothing. */
  readonly exclude: Uint8Array | null;
  /** Maximum shown depth (Infinity = unlimited). */
  readonly maxDepth: number;
  /** Minimum duration in clock units (0 = all). */
  readonly threshold: number;
}

export const NO_FILTER: FrameFilterOptions = { include: null, exclude: null, maxDepth: Infinity, threshold: 0 };

export function isNoFilter(o: FrameFilterOptions): boolean {
  return o.include === null && o.exclude === null && o.maxDepth === Infinity && o.threshold <= 0;
}

/** Per-thread filter state, parallel arrays indexed by raw depth. */
class FilterState {
  depth = 0;
  /** Lowest raw depth of a shown-candidate frame whose open is still held back; -1 none. */
  pendingFrom = -1;
  candidate = new Uint8Array(64);
  emitted = new Uint8Array(64);
  included = new Uint8Array(64);
  blocked = new Uint8Array(64);
  /** Raw depth of the nearest candidate ancestor; -1 none. */
  ancestor = new Int32Array(64);
  shownDepth = new Int32Array(64);
  shownChildTime = new Float64Array(64);
  start = new Float64Array(64);
  fn = new Int32Array(64);
  esp = new Uint32Array(64);

  ensure(d: number): void {
    if (d < this.candidate.length) return;
    const n = Math.max(d + 1, this.candidate.length * 2);
    const grow = <T extends Uint8Array | Int32Array | Float64Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.candidate = grow(this.candidate, (k) => new Uint8Array(k));
    this.emitted = grow(this.emitted, (k) => new Uint8Array(k));
    this.included = grow(this.included, (k) => new Uint8Array(k));
    this.blocked = grow(this.blocked, (k) => new Uint8Array(k));
    this.ancestor = grow(this.ancestor, (k) => new Int32Array(k));
    this.shownDepth = grow(this.shownDepth, (k) => new Int32Array(k));
    this.shownChildTime = grow(this.shownChildTime, (k) => new Float64Array(k));
    this.start = grow(this.start, (k) => new Float64Array(k));
    this.fn = grow(this.fn, (k) => new Int32Array(k));
    this.esp = grow(this.esp, (k) => new Uint32Array(k));
  }
}

export class FrameFilter implements FrameSink {
  private readonly states: FilterState[] = [];
  private readonly next: FrameSink;
  private readonly include: Uint8Array | null;
  private readonly exclude: Uint8Array | null;
  private readonly maxDepth: number;
  private readonly threshold: number;

  constructor(options: FrameFilterOptions, next: FrameSink) {
    this.next = next;
    this.include = options.include;
    this.exclude = options.exclude;
    this.maxDepth = options.maxDepth;
    this.threshold = Math.max(0, options.threshold);
  }

  private state(t: ThreadInfo): FilterState {
    let s = this.states[t.index];
    if (s === undefined) {
      s = new FilterState();
      this.states[t.index] = s;
    }
    return s;
  }

  /** Emits held-back opens that have lasted the threshold by `now`. */
  private flush(s: FilterState, t: ThreadInfo, now: number): void {
    let d = s.pendingFrom;
    if (d < 0) return;
    const top = s.depth;
    for (; d < top; d++) {
      if (s.candidate[d] === 0 || s.emitted[d] === 1) continue;
      if (s.start[d]! + this.threshold > now) {
        s.pendingFrom = d;
        return;
      }
      s.emitted[d] = 1;
      this.next.open(t, s.shownDepth[d]!, s.fn[d]!, s.start[d]!, s.esp[d]!);
    }
    s.pendingFrom = -1;
  }

  open(t: ThreadInfo, d: number, fn: number, ts: number, esp: number): void {
    const s = this.state(t);
    if (s.pendingFrom >= 0) this.flush(s, t, ts);
    s.ensure(d);
    s.depth = d + 1;
    const parentCandidate = d > 0 && s.candidate[d - 1] === 1;
    const ancestor = d === 0 ? -1 : parentCandidate ? d - 1 : s.ancestor[d - 1]!;
    const included = this.include === null ? 1 : (d > 0 && s.included[d - 1] === 1) || this.include[fn] === 1 ? 1 : 0;
    const shownDepth = ancestor < 0 ? 0 : s.shownDepth[ancestor]! + 1;
    const blocked =
      (d > 0 && s.blocked[d - 1] === 1) || (this.exclude !== null && this.exclude[fn] === 1) || (included === 1 && shownDepth >= this.maxDepth) ? 1 : 0;
    const candidate = included === 1 && blocked === 0 ? 1 : 0;
    s.included[d] = included;
    s.blocked[d] = blocked;
    s.ancestor[d] = ancestor;
    s.shownDepth[d] = shownDepth;
    s.candidate[d] = candidate;
    s.shownChildTime[d] = 0;
    s.start[d] = ts;
    s.fn[d] = fn;
    s.esp[d] = esp;
    s.emitted[d] = 0;
    if (candidate === 0) return;
    if (this.threshold === 0) {
      s.emitted[d] = 1;
      this.next.open(t, shownDepth, fn, ts, esp);
    } else if (s.pendingFrom < 0) {
      s.pendingFrom = d;
    }
  }

  close(t: ThreadInfo, d: number, fn: number, start: number, end: number, _self: number, how: FrameEnd): void {
    const s = this.state(t);
    if (s.pendingFrom >= 0) this.flush(s, t, end);
    s.depth = d;
    if (s.pendingFrom >= d) s.pendingFrom = -1;
    if (s.emitted[d] !== 1) return;
    const duration = end - start;
    const ancestor = s.ancestor[d]!;
    if (ancestor >= 0) s.shownChildTime[ancestor]! += duration;
    this.next.close(t, s.shownDepth[d]!, fn, start, end, duration - s.shownChildTime[d]!, how);
  }

  marker(t: ThreadInfo, ts: number, kind: MarkerKind, value: number): void {
    const s = this.state(t);
    if (s.pendingFrom >= 0) this.flush(s, t, ts);
    this.next.marker?.(t, ts, kind, value);
  }

  endThread(t: ThreadInfo): void {
    this.next.endThread?.(t);
  }
}
