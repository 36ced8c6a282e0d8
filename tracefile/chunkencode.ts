/**
 * A chunk's columns as they go into its record: encoded (columns.ts), then deflated unless
 * the level is 0. The writer and its worker thread (chunkworker.ts) both call this one
 * function, so a chunk's bytes do not depend on the thread that encoded it.
 */
import { deflateRawSync } from "node:zlib";
import { type ColumnArrays, ColumnEncoder } from "./columns.js";

export interface EncodedColumns {
  /** The `columns` field of the EventChunk record; at level 0 a view into the encoder's scratch (valid until its next use). */
  readonly columns: Uint8Array;
  /** Size of the encoded columns before deflate (the record's `rawSize`). */
  readonly rawSize: number;
}

/** Encodes events [0, count) of `c` (count ≥ 1); level 0 stores them uncompressed. */
export function encodeChunkColumns(encoder: ColumnEncoder, c: ColumnArrays, count: number, argCount: number, level: number): EncodedColumns {
  const raw = encoder.encode(c, count, argCount, c.ts[0]!);
  return { columns: level > 0 ? deflateRawSync(raw, { level }) : raw, rawSize: raw.length };
}
