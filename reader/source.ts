/**
 * What the reader needs from an opened trace. `openTrace()` (tracefile/) returns a TraceFile
 * that satisfies this structurally; tests may pass anything of the same shape.
 */
import type { ThreadKey } from "../base/index.js";
import type { Damage, EventChunk, ModuleRecord, ThreadRecord, TraceHeader } from "../tracefile/types.js";
import type { ChunkIterationOptions } from "../tracefile/reader.js";

export interface TraceSource {
  readonly header: TraceHeader;
  readonly modules: readonly ModuleRecord[];
  readonly threads: readonly ThreadRecord[];
  /**
   * Columnar event chunks, in file order; one thread's chunks when `thread` is given. With
   * `{ reuse: true }` a source may decode every chunk into the same buffers (a chunk is then
   * valid only until the iteration moves on; the pipeline never keeps a chunk), and may skip
   * the columns the options turn off (tracefile's ChunkIterationOptions).
   */
  chunks(thread?: ThreadKey, options?: ChunkIterationOptions): Iterable<EventChunk>;
  readonly damage: readonly Damage[];
  /** False when the trace was cut short (no footer) or damaged. */
  readonly complete: boolean;
  /** The file it was read from, when it was (outputs must not overwrite it). */
  readonly path?: string | undefined;
  /** Thread keys in trace order, including keys seen only in chunks (optional). */
  threadKeys?(): ThreadKey[];
}

/** The thread keys to process, in the trace's thread order (plus keys seen only in chunks). */
export function threadKeysOf(trace: TraceSource): ThreadKey[] {
  return trace.threadKeys !== undefined ? trace.threadKeys() : trace.threads.map((t) => t.key);
}
