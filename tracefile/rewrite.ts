/**
 * Copies a trace record by record through a new TraceWriter: the same records in the same
 * order (so an intact trace is reproduced byte for byte with the same compression level),
 * and for a damaged one a clean, closed trace of everything that survived.
 */
import { threadKey } from "../base/index.js";
import type { TraceFile } from "./reader.js";
import type { TraceSink } from "./sink.js";
import type { ThreadRecord } from "./types.js";
import { TraceWriter, type TraceWriterOptions, type TraceWriterResult } from "./writer.js";

export function rewriteTrace(tf: TraceFile, sink: TraceSink, options: TraceWriterOptions = {}): TraceWriterResult {
  const { formatMajor: _major, formatMinor: _minor, ...header } = tf.header;
  const w = TraceWriter.create(sink, header, options);
  const added = new Set<number>();
  const records = new Map<number, ThreadRecord>(tf.threads.map((t) => [t.key, t]));
  for (const item of tf.layout()) {
    if (item.kind === "module") w.addModuleRecord(item.module);
    else if (item.kind === "thread") {
      if (added.has(item.thread.key)) continue; // written already, before a chunk that came first
      w.addThread(item.thread);
      added.add(item.thread.key);
    } else {
      const chunk = tf.readChunkAt(item.chunk);
      if (chunk === undefined) continue;
      if (!added.has(chunk.thread)) {
        // The thread's record comes later in the file (the copy puts it first, as the format
        // wants), or it was lost: then its events are kept under a minimal record.
        w.addThread(records.get(chunk.thread) ?? { key: threadKey(chunk.thread), process: 0, thread: 0, startAddress: 0 });
        added.add(chunk.thread);
      }
      w.appendChunk(chunk);
    }
  }
  return w.close(tf.run);
}
