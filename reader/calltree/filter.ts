/**
 * Frame filters, uftrace-style, applied to the frame stream:
 *
 * - include globs (`-F` in uftrace): only frames of a matching function and their subtrees
 *   are shown; with none given, everything is included;
 * - exclude globs (`-N`): a matching function and its whole subtree are hidden;
 * - depth N (`-D`): only frames with fewer than N shown ancestors are shown (depth counts from
 *   the outermost shown frame, so with --include it starts at the included function);
 * - threshold T (`-t`): frames shorter than T are hidden (their children are shorter still);
 * - time range (`-r`): only frames that start inside [from, to] are shown (a frame that
 *   started earlier is hidden, its children that start inside are not);
 * - caller filter (`-C`): only frames of the given functions and of their callers — every
 *   frame on the way from the thread's root to a call of one of them — are shown; the
 *   functions' own callees are hidden.
 *
 * A hidden frame's time stays in its nearest shown ancestor's self time (as if the hidden
 * function had not been traced). Opens of frames that may still turn out shorter than the
 * threshold, or may never call a caller-filter function, are held back until they have lasted
 * T and seen such a call, so the filtered stream stays properly nested and time-ordered with
 * memory bounded by the stack depth.
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
  /** Only frames starting at or after this time (clock units; default 0). */
  readonly timeFrom?: number;
  /** Only frames starting at or before this time (default Infinity). */
  readonly timeTo?: number;
  /** Per function id: 1 for the functions whose call paths are shown (`-C`); null = no caller filter. */
  readonly caller?: Uint8Array | null;
}

export const NO_FILTER: FrameFilterOptions = { include: null, exclude: null, maxDepth: Infinity, threshold: 0 };

export function isNoFilter(o: FrameFilterOptions): boolean {
  return (
    o.include === null &&
    o.exclude === null &&
    o.maxDepth === Infinity &&
    o.threshold <= 0 &&
    (o.timeFrom ?? 0) <= 0 &&
    (o.timeTo ?? Infinity) === Infinity &&
    (o.caller ?? null) === null
  );
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
  /** Caller filter: 1 when a caller-filter function has opened at or below this frame. */
  callerSeen = new Uint8Array(64);
  /** Entry arguments of held-back frames (only when the walk carries values). */
  args: (ArrayLike<number> | undefined)[] = [];

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
    this.callerSeen = grow(this.callerSeen, (k) => new Uint8Array(k));
  }
}

export class FrameFilter implements FrameSink {
  private readonly states: FilterState[] = [];
  private readonly next: FrameSink;
  private readonly include: Uint8Array | null;
  private readonly exclude: Uint8Array | null;
  private readonly maxDepth: number;
  private readonly threshold: number;
  private readonly timeFrom: number;
  private readonly timeTo: number;
  private readonly caller: Uint8Array | null;
  /** Whether opens are held back at all (threshold or caller filter). */
  private readonly holds: boolean;

  constructor(options: FrameFilterOptions, next: FrameSink) {
    this.next = next;
    this.include = options.include;
    this.exclude = options.exclude;
    this.maxDepth = options.maxDepth;
    this.threshold = Math.max(0, options.threshold);
    this.timeFrom = options.timeFrom ?? 0;
    this.timeTo = options.timeTo ?? Infinity;
    this.caller = options.caller ?? null;
    this.holds = this.threshold > 0 || this.caller !== null;
  }

  private state(t: ThreadInfo): FilterState {
    let s = this.states[t.index];
    if (s === undefined) {
      s = new FilterState();
      this.states[t.index] = s;
    }
    return s;
  }

  /**
   * Emits held-back opens that have lasted the threshold by `now` and (caller filter) have
   * seen a call of a caller-filter function. An outer frame started earlier and its callers
   * are marked first, so the first frame that cannot be emitted yet stops the scan.
   */
  private flush(s: FilterState, t: ThreadInfo, now: number): void {
    let d = s.pendingFrom;
    if (d < 0) return;
    const top = s.depth;
    for (; d < top; d++) {
      if (s.candidate[d] === 0 || s.emitted[d] === 1) continue;
      if (s.start[d]! + this.threshold > now || (this.caller !== null && s.callerSeen[d] === 0)) {
        s.pendingFrom = d;
        return;
      }
      s.emitted[d] = 1;
      this.next.open(t, s.shownDepth[d]!, s.fn[d]!, s.start[d]!, s.esp[d]!, s.args[d]);
      s.args[d] = undefined;
    }
    s.pendingFrom = -1;
  }

  open(t: ThreadInfo, d: number, fn: number, ts: number, esp: number, args?: ArrayLike<number>): void {
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
    const inRange = ts >= this.timeFrom && ts <= this.timeTo;
    const candidate = included === 1 && blocked === 0 && inRange ? 1 : 0;
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
    s.callerSeen[d] = 0;
    if (this.caller !== null && this.caller[fn] === 1) {
      // This frame and every caller on the way to the root are now worth showing.
      for (let a = d; a >= 0 && s.callerSeen[a] === 0; a--) s.callerSeen[a] = 1;
    }
    if (candidate === 1) {
      if (!this.holds) {
        s.emitted[d] = 1;
        this.next.open(t, shownDepth, fn, ts, esp, args);
        return;
      }
      s.args[d] = args;
      if (s.pendingFrom < 0) s.pendingFrom = d;
    }
    // A caller-filter call may release held callers right away (with no threshold).
    if (this.caller !== null && s.pendingFrom >= 0 && s.callerSeen[d] === 1) this.flush(s, t, ts);
  }

  close(t: ThreadInfo, d: number, fn: number, start: number, end: number, _self: number, how: FrameEnd, value?: number): void {
    const s = this.state(t);
    if (s.pendingFrom >= 0) this.flush(s, t, end);
    s.depth = d;
    if (s.pendingFrom >= d) s.pendingFrom = -1;
    s.args[d] = undefined;
    if (s.emitted[d] !== 1) return;
    const duration = end - start;
    const ancestor = s.ancestor[d]!;
    if (ancestor >= 0) s.shownChildTime[ancestor]! += duration;
    this.next.close(t, s.shownDepth[d]!, fn, start, end, duration - s.shownChildTime[d]!, how, value);
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
