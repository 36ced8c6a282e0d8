/**
 * Taking an intact trace apart into its records and laying records out again as a new file,
 * ended with a footer indexing them as they now lie, the original footer (stale), or nothing:
 * for the reader strictness tests and the trace fuzz suite.
 */
import { decodeChunkMeta } from "../../tracefile/chunk.js";
import { FRAME_OVERHEAD, RecordKind, TRAILER_SIZE, frameRecord, parseFrameHeader, parseTrailer, trailer } from "../../tracefile/framing.js";
import { decodeFooter, encodeFooter, type ChunkInfo } from "../../tracefile/records.js";

/** One record of an intact trace: its kind and payload. */
export interface TraceRecord {
  readonly kind: number;
  readonly payload: Uint8Array;
}

/** An intact trace taken apart: magic and header record, the records, the footer payload. */
export interface ParsedTrace {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Magic + header record. */
  readonly prefix: Uint8Array;
  readonly records: readonly TraceRecord[];
  /** The footer's payload; undefined for a trace that was not closed. */
  readonly footer?: Uint8Array;
}

export function parseTrace(name: string, bytes: Uint8Array): ParsedTrace {
  const records: TraceRecord[] = [];
  let footer: Uint8Array | undefined;
  let prefix: Uint8Array | undefined;
  let p = 8;
  while (p < bytes.length) {
    if (bytes.length - p === TRAILER_SIZE && parseTrailer(bytes.subarray(p)) !== null) break;
    const fh = parseFrameHeader(bytes, p);
    if (fh === null) throw new Error(`${name}: no record at ${p} (the corpus must be intact)`);
    const end = p + FRAME_OVERHEAD + fh.length;
    const payload = bytes.slice(p + 16, p + 16 + fh.length);
    if (fh.kind === RecordKind.Header) prefix = bytes.slice(0, end);
    else if (fh.kind === RecordKind.Footer) footer = payload;
    else records.push({ kind: fh.kind, payload });
    p = end;
  }
  if (prefix === undefined) throw new Error(`${name}: no header record`);
  return { name, bytes, prefix, records, ...(footer !== undefined ? { footer } : {}) };
}

/** How a rewritten trace ends. */
export type Ending =
  /** A footer indexing the records as laid out now, and its trailer. */
  | { readonly kind: "reindex" }
  /** The original footer (offsets possibly stale) and a trailer pointing at it. */
  | { readonly kind: "stale"; readonly footer: Uint8Array }
  /** No footer, no trailer: a trace whose run died. */
  | { readonly kind: "none" };

/** Lays records out after the prefix and ends the file as asked. */
export function assemble(t: ParsedTrace, records: readonly TraceRecord[], ending: Ending): Uint8Array {
  const parts: Uint8Array[] = [t.prefix];
  let offset = t.prefix.length;
  const moduleOffsets: number[] = [];
  const threadOffsets: number[] = [];
  const chunks: ChunkInfo[] = [];
  let total = 0;
  for (const r of records) {
    if (r.kind === RecordKind.Module) moduleOffsets.push(offset);
    else if (r.kind === RecordKind.Thread) threadOffsets.push(offset);
    else if (r.kind === RecordKind.EventChunk) {
      try {
        const m = decodeChunkMeta(r.payload);
        chunks.push({ offset, thread: m.thread, seq: m.seq, count: m.count, firstTs: m.firstTs, lastTs: m.lastTs });
        total += m.count;
      } catch {
        // a chunk whose metadata does not decode is left out of the index
      }
    }
    const framed = frameRecord(r.kind, r.payload);
    parts.push(framed);
    offset += framed.length;
  }
  if (ending.kind !== "none") {
    const payload =
      ending.kind === "stale"
        ? ending.footer
        : encodeFooter({ moduleOffsets, threadOffsets, chunks, totalEvents: total, ...(runOf(t) !== undefined ? { run: runOf(t)! } : {}) });
    parts.push(frameRecord(RecordKind.Footer, payload), trailer(offset));
  }
  return Buffer.concat(parts);
}

function runOf(t: ParsedTrace) {
  return t.footer === undefined ? undefined : decodeFooter(t.footer).run;
}
