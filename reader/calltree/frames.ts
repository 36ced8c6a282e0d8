/**
 * The frame stream every reader command consumes: properly nested opens and closes per thread,
 * produced by the call-tree builder (strict.ts) behind the repair layer (repair.ts) and usually
 * thinned by the filters (filter.ts). Consumers never see per-event objects.
 */
import type { ThreadKey } from "../../base/index.js";
import type { ThreadRecord } from "../../tracefile/types.js";

/** How a frame ended. */
export const enum FrameEnd {
  /** Its exit was recorded. */
  Returned = 0,
  /** Removed by SEH unwinding (UNWIND event). */
  Unwound = 1,
  /** Still open when the thread ended or the trace stopped (UNCLOSED event, or none). */
  Unclosed = 2,
  /** Closed by the repair layer: an exit of an outer frame arrived while it was open. */
  Repaired = 3,
}

export const FRAME_END_NAMES = ["returned", "unwound", "unclosed", "repaired"] as const;

export const enum MarkerKind {
  Lost = 0,
  ThreadStart = 1,
  ThreadEnd = 2,
}

/** One thread as the frame stream knows it. `index` is dense (0, 1, …) for per-thread arrays. */
export interface ThreadInfo {
  readonly key: ThreadKey;
  readonly index: number;
  /** The thread record, when the trace has one for this key. */
  readonly record: ThreadRecord | undefined;
}

export interface FrameSink {
  /**
   * A frame opened; `depth` 0 is the outermost frame of the thread. `args`: the argument
   * dwords recorded at entry, only when the walk was asked for values (and the trace has them).
   */
  open(thread: ThreadInfo, depth: number, fn: number, ts: number, esp: number, args?: ArrayLike<number>): void;
  /**
   * The frame at `depth` closed. `self` = duration minus the durations of the child frames
   * the sink was shown (hidden children's time stays in their parent's self time).
   * `value`: EAX at the exit (FrameEnd.Returned) or the exception code (Unwound), only when
   * the walk was asked for values.
   */
  close(thread: ThreadInfo, depth: number, fn: number, start: number, end: number, self: number, how: FrameEnd, value?: number): void;
  /** Lost events, thread start and end (value: count / 0 / exit code). Optional. */
  marker?(thread: ThreadInfo, ts: number, kind: MarkerKind, value: number): void;
  /** The thread's events are all consumed (its frames are all closed). Optional. */
  endThread?(thread: ThreadInfo): void;
}
