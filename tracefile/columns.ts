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
    let prev = firstTs;
    for (let i = 0; i < count; i++) {
      const t = ts[i]!;
      if (!(t >= 0 && t <= Number.MAX_SAFE_INTEGER && Math.floor(t) === t)) {
        throw new UsageError(`trace writer: timestamp ${t} is not a non-negative safe integer`);
      }
      col.uint(zigzag(t - prev));
      prev = t;
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

/** Where each packed column lies in the serialized message. */
interface Spans {
  start: number[];
  end: number[];
}

/**
 * Decodes a serialized EventColumns message into a chunk of `count` events. Throws
 * ColumnError when the columns do not hold exactly what `count` events of their kinds need.
 */
export function decodeColumns(
  b: Uint8Array,
  thread: ThreadKey,
  count: number,
  argCount: number,
  firstTs: number,
): EventChunk {
  const spans = findColumns(b);
  const kind = new Uint8Array(count);
  const ts = new Float64Array(count);
  const fn = new Int32Array(count);
  const esp = new Uint32Array(count);
  const value = new Uint32Array(count);
  const args = new Uint32Array(count * argCount);

  // kind
  {
    let i = 0;
    forEachSpan(spans[F_KIND], (s, e) => {
      let p = s;
      while (p < e) {
        const k = b[p++]!;
        if (k > MAX_EVENT_KIND) throw new ColumnError(`event kind ${k} is unknown`);
        if (i >= count) throw new ColumnError(`kind column holds more than ${count} events`);
        kind[i++] = k;
      }
    });
    if (i !== count) throw new ColumnError(`kind column holds ${i} events, the chunk says ${count}`);
  }
  let needFn = 0;
  let needEntries = 0;
  let needValue = 0;
  for (let i = 0; i < count; i++) {
    const k = kind[i]!;
    if ((HAS_FN >> k) & 1) needFn++;
    else fn[i] = -1;
    if (k === EventKind.Entry) needEntries++;
    if ((HAS_VALUE >> k) & 1) needValue++;
  }

  // ts_delta: zigzag varints up to 2^54.
  {
    const vals = readUints(b, spans[F_TS_DELTA], count, "ts_delta");
    let t = firstTs;
    for (let i = 0; i < count; i++) {
      const z = vals[i]!;
      t += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      ts[i] = t;
    }
  }
  // fn
  {
    const vals = readU32s(b, spans[F_FN], needFn, "fn");
    let j = 0;
    for (let i = 0; i < count; i++) if ((HAS_FN >> kind[i]!) & 1) fn[i] = vals[j++]! | 0;
  }
  // esp_delta
  {
    const vals = readU32s(b, spans[F_ESP_DELTA], needEntries, "esp_delta");
    let j = 0;
    let e = 0;
    for (let i = 0; i < count; i++) {
      if (kind[i] !== EventKind.Entry) continue;
      const z = vals[j++]!;
      e = (e + ((z >>> 1) ^ -(z & 1))) >>> 0;
      esp[i] = e;
    }
  }
  // value
  {
    const vals = readU32s(b, spans[F_VALUE], needValue, "value");
    let j = 0;
    for (let i = 0; i < count; i++) if ((HAS_VALUE >> kind[i]!) & 1) value[i] = vals[j++]!;
  }
  // args
  if (argCount > 0) {
    const vals = readU32s(b, spans[F_ARGS], needEntries * argCount, "args");
    let j = 0;
    for (let i = 0; i < count; i++) {
      if (kind[i] !== EventKind.Entry) continue;
      const base = i * argCount;
      for (let a = 0; a < argCount; a++) args[base + a] = vals[j++]!;
    }
  }
  return { thread, count, kind, ts, fn, esp, value, args };
}

function forEachSpan(s: Spans | undefined, f: (start: number, end: number) => void): void {
  if (s === undefined) return;
  for (let i = 0; i < s.start.length; i++) f(s.start[i]!, s.end[i]!);
}

/**
 * Locates every field of the message: packed fields (wire type 2) as spans of varints;
 * unpacked varints (wire type 0, which protobuf parsers must also accept) as one-value spans.
 * Unknown fields are skipped.
 */
function findColumns(b: Uint8Array): (Spans | undefined)[] {
  const spans: (Spans | undefined)[] = [];
  const cur = { pos: 0 };
  const end = b.length;
  while (cur.pos < end) {
    const key = readVarintOrThrow(b, cur, end, "field key");
    const field = Math.floor(key / 8);
    const wire = key & 7;
    let start: number;
    let stop: number;
    if (wire === 2) {
      const len = readVarintOrThrow(b, cur, end, "field length");
      if (len > end - cur.pos) throw new ColumnError(`field ${field} runs past the end of the columns`);
      start = cur.pos;
      stop = cur.pos + len;
      cur.pos = stop;
    } else if (wire === 0) {
      start = cur.pos;
      readVarintOrThrow(b, cur, end, `field ${field}`);
      stop = cur.pos;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      if (size > end - cur.pos) throw new ColumnError(`field ${field} runs past the end of the columns`);
      cur.pos += size;
      continue;
    } else {
      throw new ColumnError(`field ${field} has wire type ${wire}, which ntrace does not read`);
    }
    if (field >= F_KIND && field <= F_ARGS) {
      const s = (spans[field] ??= { start: [], end: [] });
      s.start.push(start);
      s.end.push(stop);
    }
  }
  return spans;
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

/** Exactly `n` uint32 varints from the spans (the fast path: most are 1–2 bytes). */
function readU32s(b: Uint8Array, s: Spans | undefined, n: number, name: string): Uint32Array {
  const out = new Uint32Array(n);
  let j = 0;
  forEachSpan(s, (start, end) => {
    let p = start;
    while (p < end) {
      if (j >= n) throw new ColumnError(`${name} column holds more than the ${n} values the events need`);
      let x = b[p++]!;
      let v = x & 127;
      if (x >= 128) {
        x = b[p++]!;
        v |= (x & 127) << 7;
        if (x >= 128) {
          x = b[p++]!;
          v |= (x & 127) << 14;
          if (x >= 128) {
            x = b[p++]!;
            v |= (x & 127) << 21;
            if (x >= 128) {
              x = b[p++]!;
              // Fifth byte: 4 more bits; int64-style sign extension of negative int32 writes
              // up to 10 bytes, all dropped above bit 31.
              v = (v | ((x & 0x0f) << 28)) >>> 0;
              while (x >= 128 && p < end) x = b[p++]!;
              if (x >= 128) throw new ColumnError(`${name} column: malformed varint`);
            }
          }
        }
      }
      if (p > end) throw new ColumnError(`${name} column: varint runs past its field`);
      out[j++] = v >>> 0;
    }
  });
  if (j !== n) throw new ColumnError(`${name} column holds ${j} values, the events need ${n}`);
  return out;
}

/** Exactly `n` varints up to 2^53 (timestamps deltas). */
function readUints(b: Uint8Array, s: Spans | undefined, n: number, name: string): Float64Array {
  const out = new Float64Array(n);
  let j = 0;
  forEachSpan(s, (start, end) => {
    let p = start;
    while (p < end) {
      if (j >= n) throw new ColumnError(`${name} column holds more than the ${n} values the events need`);
      let x = b[p++]!;
      if (x < 128) {
        out[j++] = x;
        continue;
      }
      let v = x & 127;
      let scale = 128;
      for (let i = 1; ; i++) {
        if (p >= end || i >= 10) throw new ColumnError(`${name} column: malformed varint`);
        x = b[p++]!;
        v += (x & 127) * scale;
        if (x < 128) break;
        scale *= 128;
      }
      out[j++] = v;
    }
  });
  if (j !== n) throw new ColumnError(`${name} column holds ${j} values, the events need ${n}`);
  return out;
}
