/**
 * Drives the pipeline: trace chunks → repair layer → strict builder → (filters) → a sink.
 * Chunks are consumed one at a time; nothing per event is kept.
 */
import type { ThreadKey } from "../../base/index.js";
import { threadKeysOf, type TraceSource } from "../source.js";
import type { FrameSink } from "./frames.js";
import { FrameFilter, isNoFilter, type FrameFilterOptions } from "./filter.js";
import { RepairingCallTreeBuilder, type CallTreeWarning } from "./repair.js";

export interface WalkOptions {
  /** Only these threads (all when undefined). */
  readonly threads?: ReadonlySet<number>;
  readonly filter?: FrameFilterOptions;
  readonly warn: (w: CallTreeWarning) => void;
  readonly describe?: (fn: number) => string;
  /**
   * Thread after thread (each thread's chunks via `trace.chunks(key)`), so a sink sees one
   * thread's frames completely before the next; otherwise chunks are taken in file order.
   */
  readonly threadByThread?: boolean;
  /**
   * Whether the sink uses the ESP open() passes (default true). False lets the trace skip
   * decoding the ESP column (only `stack` needs it).
   */
  readonly esp?: boolean;
  /** Pass entry arguments and exit values to the sink (replay); decodes those columns. */
  readonly values?: boolean;
}

/** The thread keys a walk visits, in trace order. */
export function selectedThreads(trace: TraceSource, threads: ReadonlySet<number> | undefined): ThreadKey[] {
  const keys = threadKeysOf(trace);
  return threads === undefined ? keys : keys.filter((k) => threads.has(k));
}

/**
 * feed() consumes a chunk completely, so chunks may share decode buffers; frame sinks never
 * see exit values or arguments, so those columns need not be decoded.
 */
const DECODE_ALL_BUT_EXIT_VALUES = { reuse: true, exitValues: false, args: false } as const;
const DECODE_ALSO_NO_ESP = { ...DECODE_ALL_BUT_EXIT_VALUES, esp: false } as const;
const DECODE_VALUES_NO_ESP = { reuse: true, esp: false } as const;

export function walkFrames(trace: TraceSource, sink: FrameSink, options: WalkOptions): RepairingCallTreeBuilder {
  const filtered = options.filter === undefined || isNoFilter(options.filter) ? sink : new FrameFilter(options.filter, sink);
  const builder = new RepairingCallTreeBuilder(trace.threads, filtered, {
    warn: options.warn,
    ...(options.describe !== undefined ? { describe: options.describe } : {}),
    ...(options.values === true ? { values: true, argCount: trace.header.argCount } : {}),
  });
  const selected = options.threads;
  const decode = options.values === true ? (options.esp === false ? DECODE_VALUES_NO_ESP : { reuse: true }) : options.esp === false ? DECODE_ALSO_NO_ESP : DECODE_ALL_BUT_EXIT_VALUES;
  if (options.threadByThread === true) {
    for (const key of selectedThreads(trace, selected)) {
      for (const chunk of trace.chunks(key, decode)) builder.feed(chunk);
      builder.finishThread(key);
    }
    return builder;
  }
  const seen = new Set<number>();
  for (const chunk of trace.chunks(undefined, decode)) {
    if (selected !== undefined && !selected.has(chunk.thread)) continue;
    seen.add(chunk.thread);
    builder.feed(chunk);
  }
  for (const t of builder.threads) if (seen.has(t.key)) builder.finishThread(t.key);
  return builder;
}
