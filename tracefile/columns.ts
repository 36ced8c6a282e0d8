/**
 * The column codec of event chunks, by hand because it is the hot path: the writer encodes
 * its typed-array buffers straight into a serialized `EventColumns` message, and the reader
 * decodes one back into typed arrays without per-event objects. The bytes are exactly what
 * the generated protobuf encoder produces for the same message (tested), so any protobuf
 * implementation can read them.
 */
import type { ThreadKey } from "../base/index.js";
import { UsageError } from "../base/index.js";
import { EventKind, type EventChunk } from "./types.js";
import { VarintWriter, zigzag, zigzag32 } from "./varint.js";

/** EventColumns field numbers (trace.proto). */
const F_KIND = 1;
const F_TS_DELTA = 2;
const F_FN = 3;
const F_ESP_DELTA = 4;
const F_VALUE = 5;
const F_ARGS = 6;

/** Highest EventKind value this version writes and reads. */
export const MAX_EVENT_KIND = EventKind.ThreadEnd;

/** Which kinds carry which column (FORMAT.md). Bit k set = kind k carries it. */
const HAS_FN = (1 << EventKind.Entry) | (1 << EventKind.Exit) | (1 << EventKind.Unwind) | (1 << EventKind.Unclosed);
const HAS_VALUE = (1 << EventKind.Exit) | (1 << EventKind.Unwind) | (1 << EventKind.Lost) | (1 << EventKind.ThreadEnd);

/** The per-event arrays both the writer's buffers and decoded chunks have. */
export interface ColumnArrays {
  readonly kind: Uint8Array;
  readonly ts: Float64Array;
  readonly fn: Int32Array;
  readonly esp: Uint32Array;
  readonly value: Uint32Array;
  readonly args: Uint32Array;
}

/** Reusable scratch space for encoding (one per writer). */
export class ColumnEncoder {
  private readonly out = new VarintWriter(1 << 16);
  private readonly col = new VarintWriter(1 << 16);

  /**
   * Serializes events [0, count) as an EventColumns message. The result is a view into
   * scratch space, valid until the next call.
   */
  encode(c: ColumnArrays, count: number, argCount: number, firstTs: number): Uint8Array {
    const out = this.out;
    const col = this.col;
    out.reset();
    const { kind, ts, fn, esp, value, args } = c;

    // kind: every event, one byte each (kinds are < 128).
    col.reset();
    col.reserve(count);
    col.buf.set(kind.subarray(0, count), 0);
    col.pos = count;
    this.emit(F_KIND);

    // ts_delta: every event, zigzag of the difference to the previous timestamp.
    col.reset();
    col.reserve(count * 10);
    {
      const buf = col.buf;
      let p = 0;
      let prev = firstTs;
      for (let i = 0; i < count; i++) {
        const t = ts[i]!;
        const d = t - prev;
        prev = t;
        if (d >= 0 && d < 0x40000000 && (d | 0) === d) {
          // Fast path: small non-negative integer delta (the usual case).
          let v = d << 1;
          while (v > 127) {
            buf[p++] = (v & 127) | 128;
            v >>>= 7;
          }
          buf[p++] = v;
          continue;
        }
        if (!(t >= 0 && t <= Number.MAX_SAFE_INTEGER && Math.floor(t) === t)) {
          throw new UsageError(`trace writer: timestamp ${t} is not a non-negative safe integer`);
        }
        col.pos = p;
        col.uint(zigzag(d));
        p = col.pos;
      }
      col.pos = p;
    }
    this.emit(F_TS_DELTA);

    // fn: events with a function.
    col.reset();
    col.reserve(count * 5);
    {
      const buf = col.buf;
      let p = 0;
      for (let i = 0; i < count; i++) {
        if ((HAS_FN >> kind[i]!) & 1) {
          let v = fn[i]! >>> 0;
          while (v > 127) {
            buf[p++] = (v & 127) | 128;
            v >>>= 7;
          }
          buf[p++] = v;
        }
      }
      col.pos = p;
    }
    this.emit(F_FN);

    // esp_delta: entries, sint32 difference to the previous entry's ESP (wrapping).
    col.reset();
    col.reserve(count * 5);
    {
      const buf = col.buf;
      let p = 0;
      let prevEsp = 0;
      for (let i = 0; i < count; i++) {
        if (kind[i] === EventKind.Entry) {
          const e = esp[i]!;
          let v = zigzag32((e - prevEsp) | 0);
          prevEsp = e;
          while (v > 127) {
            buf[p++] = (v & 127) | 128;
            v >>>= 7;
          }
          buf[p++] = v;
        }
      }
      col.pos = p;
    }
    this.emit(F_ESP_DELTA);

    // value: exit, unwind, lost, thread-end.
    col.reset();
    col.reserve(count * 5);
    {
      const buf = col.buf;
      let p = 0;
      for (let i = 0; i < count; i++) {
        if ((HAS_VALUE >> kind[i]!) & 1) {
          let v = value[i]!;
          while (v > 127) {
            buf[p++] = (v & 127) | 128;
            v >>>= 7;
          }
          buf[p++] = v;
        }
      }
      col.pos = p;
    }
    this.emit(F_VALUE);

    // args: argCount dwords per entry.
    if (argCount > 0) {
      col.reset();
      col.reserve(count * argCount * 5);
      const buf = col.buf;
      let p = 0;
      for (let i = 0; i < count; i++) {
        if (kind[i] !== EventKind.Entry) continue;
        const base = i * argCount;
        for (let a = 0; a < argCount; a++) {
          let v = args[base + a]!;
          while (v > 127) {
            buf[p++] = (v & 127) | 128;
            v >>>= 7;
          }
          buf[p++] = v;
        }
      }
      col.pos = p;
      this.emit(F_ARGS);
    }
    return out.result();
  }

  /** Appends the scratch column as a packed field (omitted when empty, as protobuf does). */
  private emit(field: number): void {
    if (this.col.pos === 0) return;
    this.out.lengthDelimited(field, this.col.result());
  }
}

/** A chunk's columns did not decode; the reader turns this into a damage entry. */
export class ColumnError extends Error {}

/**
 * Decodes a serialized EventColumns message into a chunk of `count` events. Throws
 * ColumnError when the columns do not hold exactly what `count` events of their kinds need.
 * Plain loops over the bytes with inline varint decoding: this is the reader's hot path.
 */
export function decodeColumns(
  b: Uint8Array,
  thread: ThreadKey,
  count: number,
  argCount: number,
  firstTs: number,
): EventChunk {
  const cols = findColumns(b);
  const kind = new Uint8Array(count);
  const ts = new Float64Array(count);
  const fn = new Int32Array(count);
  const esp = new Uint32Array(count);
  const value = new Uint32Array(count);
  const args = new Uint32Array(count * argCount);

  // kind: one byte per event.
  const k = cols[F_KIND];
  if (k === undefined || k.length !== count) {
    throw new ColumnError(`kind column holds ${k === undefined ? 0 : k.length} events, the chunk says ${count}`);
  }
  for (let i = 0; i < count; i++) {
    const x = k[i]!;
    if (x > MAX_EVENT_KIND) throw new ColumnError(`event kind ${x} is unknown`);
    kind[i] = x;
  }

  // ts_delta: every event.
  {
    const c = cols[F_TS_DELTA] ?? EMPTY;
    const end = c.length;
    let p = 0;
    let t = firstTs;
    for (let i = 0; i < count; i++) {
      if (p >= end) throw new ColumnError(`ts_delta column holds fewer than the ${count} values the events need`);
      let x = c[p++]!;
      let z: number;
      if (x < 128) z = x;
      else {
        z = x & 127;
        let scale = 128;
        for (let n = 1; ; n++) {
          if (p >= end || n >= 10) throw new ColumnError("ts_delta column: malformed varint");
          x = c[p++]!;
          z += (x & 127) * scale;
          if (x < 128) break;
          scale *= 128;
        }
      }
      t += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      ts[i] = t;
    }
    if (p !== end) throw new ColumnError(`ts_delta column holds more than the ${count} values the events need`);
  }

  // fn: entry, exit, unwind, unclosed.
  {
    const c = cols[F_FN] ?? EMPTY;
    const end = c.length;
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (((HAS_FN >> kind[i]!) & 1) === 0) {
        fn[i] = -1;
        continue;
      }
      let x = c[p++]!;
      let v = x & 127;
      if (x >= 128) {
        x = c[p++]!;
        v |= (x & 127) << 7;
        if (x >= 128) {
          const r = varintTail(c, p, v, x);
          v = r.v;
          p = r.p;
        }
      }
      fn[i] = v;
    }
    if (p !== end) throw new ColumnError(`fn column size does not match the events (${p} of ${end} bytes)`);
  }

  // esp_delta: entries.
  {
    const c = cols[F_ESP_DELTA] ?? EMPTY;
    const end = c.length;
    let p = 0;
    let e = 0;
    for (let i = 0; i < count; i++) {
      if (kind[i] !== EventKind.Entry) continue;
      let x = c[p++]!;
      let v = x & 127;
      if (x >= 128) {
        x = c[p++]!;
        v |= (x & 127) << 7;
        if (x >= 128) {
          const r = varintTail(c, p, v, x);
          v = r.v;
          p = r.p;
        }
      }
      e = (e + ((v >>> 1) ^ -(v & 1))) >>> 0;
      esp[i] = e;
    }
    if (p !== end) throw new ColumnError(`esp_delta column size does not match the events (${p} of ${end} bytes)`);
  }

  // value: exit, unwind, lost, thread-end.
  {
    const c = cols[F_VALUE] ?? EMPTY;
    const end = c.length;
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (((HAS_VALUE >> kind[i]!) & 1) === 0) continue;
      let x = c[p++]!;
      let v = x & 127;
      if (x >= 128) {
        x = c[p++]!;
        v |= (x & 127) << 7;
        if (x >= 128) {
          const r = varintTail(c, p, v, x);
          v = r.v;
          p = r.p;
        }
      }
      value[i] = v;
    }
    if (p !== end) throw new ColumnError(`value column size does not match the events (${p} of ${end} bytes)`);
  }

  // args: argCount dwords per entry.
  if (argCount > 0) {
    const c = cols[F_ARGS] ?? EMPTY;
    const end = c.length;
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (kind[i] !== EventKind.Entry) continue;
      for (let a = 0; a < argCount; a++) {
        let x = c[p++]!;
        let v = x & 127;
        if (x >= 128) {
          x = c[p++]!;
          v |= (x & 127) << 7;
          if (x >= 128) {
            const r = varintTail(c, p, v, x);
            v = r.v;
            p = r.p;
          }
        }
        args[i * argCount + a] = v;
      }
    }
    if (p !== end) throw new ColumnError(`args column size does not match the events (${p} of ${end} bytes)`);
  }
  return { thread, count, kind, ts, fn, esp, value, args };
}

const EMPTY = new Uint8Array(0);

/**
 * Bytes 3..10 of a uint32 varint whose first two bytes gave `v` and whose second byte `x`
 * had its continuation bit set. int64-style sign extension (10 bytes) is accepted; bits
 * above 31 are dropped. Reading past the column yields undefined bytes, which end the
 * varint; the caller's final size check then rejects the column.
 */
function varintTail(c: Uint8Array, p: number, v: number, x: number): { v: number; p: number } {
  let shift = 14;
  for (let n = 2; x >= 128; n++) {
    if (n >= 10 || p >= c.length) throw new ColumnError("malformed varint in a column");
    x = c[p++]!;
    if (shift < 32) v |= (x & 127) << shift;
    shift += 7;
  }
  return { v: v >>> 0, p };
}

/**
 * Locates every field of the message. A packed field (wire type 2) is its bytes; a field
 * that appears several times, or unpacked (wire type 0, which protobuf parsers must also
 * accept), is concatenated into one buffer of varints. Unknown fields are skipped.
 */
function findColumns(b: Uint8Array): (Uint8Array | undefined)[] {
  const parts: Uint8Array[][] = [];
  const cur = { pos: 0 };
  const end = b.length;
  while (cur.pos < end) {
    const key = readVarintOrThrow(b, cur, end, "field key");
    const field = Math.floor(key / 8);
    const wire = key & 7;
    let start: number;
    if (wire === 2) {
      const len = readVarintOrThrow(b, cur, end, "field length");
      if (len > end - cur.pos) throw new ColumnError(`field ${field} runs past the end of the columns`);
      start = cur.pos;
      cur.pos += len;
    } else if (wire === 0) {
      start = cur.pos;
      readVarintOrThrow(b, cur, end, `field ${field}`);
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      if (size > end - cur.pos) throw new ColumnError(`field ${field} runs past the end of the columns`);
      cur.pos += size;
      continue;
    } else {
      throw new ColumnError(`field ${field} has wire type ${wire}, which ntrace does not read`);
    }
    if (field >= F_KIND && field <= F_ARGS) (parts[field] ??= []).push(b.subarray(start, cur.pos));
  }
  return parts.map((p) => (p === undefined ? undefined : p.length === 1 ? p[0] : Buffer.concat(p)));
}

function readVarintOrThrow(b: Uint8Array, cur: { pos: number }, end: number, what: string): number {
  let p = cur.pos;
  let v = 0;
  let scale = 1;
  for (let i = 0; i < 10 && p < end; i++) {
    const x = b[p++]!;
    v += (x & 127) * scale;
    if (x < 128) {
      cur.pos = p;
      return v;
    }
    scale *= 128;
  }
  throw new ColumnError(`${what}: malformed varint at column byte ${cur.pos}`);
}
