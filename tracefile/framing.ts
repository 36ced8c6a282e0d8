/**
 * The record framing of a trace file (FORMAT.md): 8 magic bytes, then records
 *   sync "\xEENRC" | kind u32 | length u32 | frame CRC u32 | payload | payload CRC u32
 * (little-endian; frame CRC = CRC-32 of the 12 bytes before it), then a fixed 24-byte
 * trailer pointing at the footer record.
 */
import { crc32 } from "./crc32.js";

/** First 8 bytes of every trace file: "NTRACE", NUL, framing generation 1. */
export const TRACE_MAGIC: Uint8Array = Uint8Array.of(0x4e, 0x54, 0x52, 0x41, 0x43, 0x45, 0x00, 0x01);

/** Start of every record; lets a reader resynchronize after damage. */
export const RECORD_SYNC: Uint8Array = Uint8Array.of(0xee, 0x4e, 0x52, 0x43);
export const FRAME_HEADER_SIZE = 16;
export const FRAME_CRC_SIZE = 4;
export const FRAME_OVERHEAD = FRAME_HEADER_SIZE + FRAME_CRC_SIZE;
/** Largest payload a writer produces or a reader accepts. */
export const MAX_RECORD_PAYLOAD = 16 * 1024 * 1024;

/** "NTRCTAIL" | footer record offset u64 | reserved u32 (0) | CRC-32 of the first 20 bytes. */
export const TRAILER_MAGIC: Uint8Array = Uint8Array.of(0x4e, 0x54, 0x52, 0x43, 0x54, 0x41, 0x49, 0x4c);
export const TRAILER_SIZE = 24;

export const enum RecordKind {
  Header = 1,
  Module = 2,
  Thread = 3,
  EventChunk = 4,
  Footer = 5,
}

export function recordKindName(kind: number): string {
  switch (kind) {
    case RecordKind.Header:
      return "header";
    case RecordKind.Module:
      return "module";
    case RecordKind.Thread:
      return "thread";
    case RecordKind.EventChunk:
      return "event chunk";
    case RecordKind.Footer:
      return "footer";
    default:
      return `record of unknown kind ${kind}`;
  }
}

/** True when `bytes` start with the trace magic ("is this a trace file?" sniffing). */
export function isTraceFile(bytes: Uint8Array): boolean {
  if (bytes.length < TRACE_MAGIC.length) return false;
  for (let i = 0; i < TRACE_MAGIC.length; i++) if (bytes[i] !== TRACE_MAGIC[i]) return false;
  return true;
}

/** The complete bytes of one record: frame header, payload, payload CRC. */
export function frameRecord(kind: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_OVERHEAD + payload.length);
  const view = new DataView(out.buffer);
  out.set(RECORD_SYNC, 0);
  view.setUint32(4, kind, true);
  view.setUint32(8, payload.length, true);
  view.setUint32(12, crc32(out.subarray(0, 12)), true);
  out.set(payload, FRAME_HEADER_SIZE);
  view.setUint32(FRAME_HEADER_SIZE + payload.length, crc32(payload), true);
  return out;
}

export interface FrameHeader {
  readonly kind: number;
  readonly length: number;
}

/**
 * Parses a 16-byte frame header; null unless sync, frame CRC and the length cap all hold.
 * `b` must hold at least FRAME_HEADER_SIZE bytes from `at`.
 */
export function parseFrameHeader(b: Uint8Array, at: number): FrameHeader | null {
  if (b[at] !== 0xee || b[at + 1] !== 0x4e || b[at + 2] !== 0x52 || b[at + 3] !== 0x43) return null;
  const view = new DataView(b.buffer, b.byteOffset + at, FRAME_HEADER_SIZE);
  const crc = view.getUint32(12, true);
  if (crc32(b.subarray(at, at + 12)) !== crc) return null;
  const length = view.getUint32(8, true);
  if (length > MAX_RECORD_PAYLOAD) return null;
  return { kind: view.getUint32(4, true), length };
}

export function trailer(footerOffset: number): Uint8Array {
  const out = new Uint8Array(TRAILER_SIZE);
  const view = new DataView(out.buffer);
  out.set(TRAILER_MAGIC, 0);
  view.setUint32(8, footerOffset >>> 0, true);
  view.setUint32(12, Math.floor(footerOffset / 0x100000000), true);
  view.setUint32(20, crc32(out.subarray(0, 20)), true);
  return out;
}

/** Footer offset from a trailer, or null if these 24 bytes are not a valid trailer. */
export function parseTrailer(b: Uint8Array): number | null {
  if (b.length !== TRAILER_SIZE) return null;
  for (let i = 0; i < TRAILER_MAGIC.length; i++) if (b[i] !== TRAILER_MAGIC[i]) return null;
  const view = new DataView(b.buffer, b.byteOffset, TRAILER_SIZE);
  if (crc32(b.subarray(0, 20)) !== view.getUint32(20, true)) return null;
  if (view.getUint32(16, true) !== 0) return null;
  return view.getUint32(8, true) + view.getUint32(12, true) * 0x100000000;
}
