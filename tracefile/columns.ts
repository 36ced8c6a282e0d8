/**
 * The column codec of event chunks, by hand because it is the hot path: the writer encodes
 * its typed-array buffers straight into a serialized `EventColumns` message, and the reader
 * decodes one back into typed arrays without per-event objects. The bytes are exactly what
 * the generated protobuf encoder produces for the same message (tested), so any protobuf
 * implementation can read them.
 */
import type { ThreadKey } from "../base/index.js";
import { UsageError } from "../base/index.js";
import { EventKind, MAX_FUNCTION_IDS, type ColumnArrays, type EventChunk } from "./types.js";
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

export type { ColumnArrays } from "./types.js";

/** Reusable scratch space for encoding (one per writer). */
export class ColumnEncoder {
  private readonly out = new VarintWriter(1 << 16);
  private readonly col = new VarintWriter(1 << 16);

  /**
   * Serializes events [0, count) as an EventColumns message. The result is a view into
   * scratch space, valid until the next call.
   *
   * Each column is written by a small function of its own: V8 optimizes a loop while it runs
   * (on-stack replacement), and in one function holding all five loops the optimized code
   * bailed out after each loop (the code after it had never run), so a process's first chunk
   * ran mostly in the interpreter: ~25 ms instead of ~2 ms, paid by every traced run.
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
    col.pos = putTsDeltas(col.buf, ts, count, firstTs);
    this.emit(F_TS_DELTA);

    // fn: events with a function.
    col.reset();
    col.reserve(count * 5);
    col.pos = putFunctions(col.buf, kind, fn, count);
    this.emit(F_FN);

    // esp_delta: entries, sint32 difference to the previous entry's ESP (wrapping).
    col.reset();
    col.reserve(count * 5);
    col.pos = putEspDeltas(col.buf, kind, esp, count);
    this.emit(F_ESP_DELTA);

    // value: exit, unwind, lost, thread-end.
    col.reset();
    col.reserve(count * 5);
    col.pos = putValues(col.buf, kind, value, count);
    this.emit(F_VALUE);

    // args: argCount dwords per entry.
    if (argCount > 0) {
      col.reset();
      col.reserve(count * argCount * 5);
      col.pos = putArgs(col.buf, kind, args, count, argCount);
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

/** Varints of the timestamp deltas into `buf` (room for 10 bytes each); the bytes written. */
function putTsDeltas(buf: Uint8Array, ts: Float64Array, count: number, firstTs: number): number {
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
    let v = zigzag(d);
    while (v > 127) {
      buf[p++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    buf[p++] = v;
  }
  return p;
}

/** Varints of the function ids of the events that carry one; the bytes written. */
function putFunctions(buf: Uint8Array, kind: Uint8Array, fn: Int32Array, count: number): number {
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
  return p;
}

/**
 * Varints of the values of the events that carry one; the bytes written. (A function of its
 * own, not putFunctions with another column: one typed-array type per loop keeps it fast.)
 */
function putValues(buf: Uint8Array, kind: Uint8Array, value: Uint32Array, count: number): number {
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
  return p;
}

/** Zigzag varints of each entry's ESP minus the previous entry's (int32 wrap-around); the bytes written. */
function putEspDeltas(buf: Uint8Array, kind: Uint8Array, esp: Uint32Array, count: number): number {
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
  return p;
}

/** Varints of each entry's argCount argument dwords; the bytes written. */
function putArgs(buf: Uint8Array, kind: Uint8Array, args: Uint32Array, count: number, argCount: number): number {
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
  return p;
}

/** A chunk's columns did not decode; the reader turns this into a damage entry. */
export class ColumnError extends Error {}

/**
 * A chunk's columns decode, but to what the format forbids (a timestamp outside [0, 2^53)).
 * Its CRC held, so this is no damage in transit: the reader reports it as a FormatError.
 */
export class ColumnContradiction extends ColumnError {}

/** Timestamps are integers in [0, 2^53) (FORMAT.md): a double holds them exactly. */
export const TIMESTAMP_LIMIT = 2 ** 53;

/**
 * Reusable decode buffers: one set per chunk stream, grown as needed, so iterating a trace
 * does not allocate (and zero) six fresh typed arrays per chunk. A chunk decoded into
 * scratch space is only valid until the next chunk is decoded into the same scratch.
 */
export class ColumnScratch {
  private kind = new Uint8Array(0);
  private ts = new Float64Array(0);
  private fn = new Int32Array(0);
  private esp = new Uint32Array(0);
  private value = new Uint32Array(0);
  private args = new Uint32Array(0);

  /** Views of `count` events (and `count * argCount` argument dwords) into the buffers. */
  take(count: number, argCount: number): ColumnArrays {
    if (this.kind.length < count) {
      this.kind = new Uint8Array(count);
      this.ts = new Float64Array(count);
      this.fn = new Int32Array(count);
      this.esp = new Uint32Array(count);
      this.value = new Uint32Array(count);
    }
    const argWords = count * argCount;
    if (this.args.length < argWords) this.args = new Uint32Array(argWords);
    const args = this.args.subarray(0, argWords);
    args.fill(0); // only entries' slots are written; the others must read 0 (FORMAT.md)
    return {
      kind: this.kind.subarray(0, count),
      ts: this.ts.subarray(0, count),
      fn: this.fn.subarray(0, count),
      esp: this.esp.subarray(0, count),
      value: this.value.subarray(0, count),
      args,
    };
  }
}

function freshArrays(count: number, argCount: number): ColumnArrays {
  return {
    kind: new Uint8Array(count),
    ts: new Float64Array(count),
    fn: new Int32Array(count),
    esp: new Uint32Array(count),
    value: new Uint32Array(count),
    args: new Uint32Array(count * argCount),
  };
}

/**
 * Columns a consumer can do without. Skipped columns are neither decoded nor checked; their
 * arrays read 0 (fresh arrays, or scratch buffers the same options never write).
 */
export interface ColumnSelection {
  /** Entry ESPs (default true). */
  readonly esp?: boolean;
  /**
   * Return values of exits (default true). When false, a chunk's value column is still
   * decoded if it holds an unwind, lost or thread-end event (their values are codes and
   * counts a call-tree consumer reports); otherwise it is skipped.
   */
  readonly exitValues?: boolean;
  /** Entry arguments (default true). */
  readonly args?: boolean;
}

const ALL_COLUMNS: ColumnSelection = {};
/** Kinds whose value matters even to a consumer that skips exit values. */
const MARKER_VALUES = (1 << EventKind.Unwind) | (1 << EventKind.Lost) | (1 << EventKind.ThreadEnd);

/**
 * Decodes a serialized EventColumns message into a chunk of `count` events. Throws
 * ColumnError when the columns do not hold exactly what `count` events of their kinds need.
 * With `scratch`, the chunk's arrays are views into reused buffers (valid until the next
 * decode into the same scratch); without, fresh arrays. `select` skips columns (keep it the
 * same for every chunk decoded into one scratch). A function id at or above `functionIdLimit`
 * (the end of the trace's function ids) is a ColumnContradiction.
 *
 * This is the reader's hot path: a tight pass per column (one-byte varints inline, longer
 * ones in a helper), with no per-event allocation or call on the common path. Every slot of
 * a decoded column is written (kinds that do not carry the field get its documented
 * default), which reused buffers need. Reads past a column's end yield `undefined` bytes
 * (which act as 0 and end a varint); the size checks after the loop then reject the column,
 * so malformed input costs nothing on the fast path.
 */
export function decodeColumns(
  b: Uint8Array,
  thread: ThreadKey,
  count: number,
  argCount: number,
  firstTs: number,
  scratch?: ColumnScratch,
  select: ColumnSelection = ALL_COLUMNS,
  functionIdLimit: number = MAX_FUNCTION_IDS,
): EventChunk {
  const cols = findColumns(b);
  const k = cols[F_KIND];
  if (k === undefined || k.length !== count) {
    throw new ColumnError(`kind column holds ${k === undefined ? 0 : k.length} events, the chunk says ${count}`);
  }
  const out = scratch !== undefined ? scratch.take(count, argCount) : freshArrays(count, argCount);
  const { kind, ts, fn, esp, value, args } = out;
  kind.set(k);
  // One small function per column: each loop is short, its branches predictable, and V8
  // optimizes small functions whole and early (one big function with several loops was
  // OSR-compiled loop by loop and kept deoptimizing between them — measured 2× slower cold).
  const fc = cols[F_FN] ?? EMPTY;
  let p = decodeFnColumn(k, fc, fn, count);
  if (p !== fc.length) throw new ColumnError(`fn column size does not match the events (${p} of ${fc.length} bytes)`);
  const unknown = firstFunctionAtOrAbove(k, fn, count, functionIdLimit);
  if (unknown >= 0) {
    throw new ColumnContradiction(`event ${unknown} names function id ${fn[unknown]! >>> 0}, which no module has (the trace's ids end at ${functionIdLimit})`);
  }
  const tc = cols[F_TS_DELTA] ?? EMPTY;
  p = decodeTsColumn(tc, ts, count, firstTs);
  if (p !== tc.length) {
    throw new ColumnError(
      p > tc.length
        ? `ts_delta column holds fewer than the ${count} values the events need`
        : `ts_delta column holds more than the ${count} values the events need`,
    );
  }
  const outside = firstTimestampOutside(ts, count);
  if (outside >= 0) throw new ColumnContradiction(`event ${outside}'s timestamp ${ts[outside]} is outside [0, 2^53)`);
  if (select.esp !== false) {
    const ec = cols[F_ESP_DELTA] ?? EMPTY;
    p = decodeEspColumn(k, ec, esp, count);
    if (p !== ec.length) throw new ColumnError(`esp_delta column size does not match the events (${p} of ${ec.length} bytes)`);
  }
  if (select.exitValues !== false || (kindsSeen & MARKER_VALUES) !== 0) {
    const vc = cols[F_VALUE] ?? EMPTY;
    p = decodeValueColumn(k, vc, value, count);
    if (p !== vc.length) throw new ColumnError(`value column size does not match the events (${p} of ${vc.length} bytes)`);
  } else if (scratch !== undefined) {
    value.fill(0); // an earlier chunk of this scratch may have had its values decoded
  }
  if (argCount > 0 && select.args !== false) {
    const ac = cols[F_ARGS] ?? EMPTY;
    p = decodeArgsColumn(k, ac, args, count, argCount);
    if (p !== ac.length) throw new ColumnError(`args column size does not match the events (${p} of ${ac.length} bytes)`);
  }
  return { thread, count, kind, ts, fn, esp, value, args };
}

/** Bit k set: the last decodeFnColumn saw an event of kind k. */
let kindsSeen = 0;

/**
 * fn (entry, exit, unwind, unclosed: kinds 0–3), -1 for the others; validates every kind and
 * notes the kinds seen (kindsSeen). Returns the bytes read.
 */
function decodeFnColumn(k: Uint8Array, c: Uint8Array, fn: Int32Array, count: number): number {
  let p = 0;
  let seen = 0;
  for (let i = 0; i < count; i++) {
    const x = k[i]!;
    seen |= 1 << x;
    if (x <= EventKind.Unclosed) {
      let v = c[p++]!;
      if (v >= 128) {
        v = uintVarint(c, p - 1);
        p = varintEnd;
      }
      fn[i] = v;
    } else {
      if (x > MAX_EVENT_KIND) throw new ColumnError(`event kind ${x} is unknown`);
      fn[i] = -1;
    }
  }
  kindsSeen = seen;
  return p;
}

/** ts_delta (every event): zigzag; small deltas in integer arithmetic. Returns the bytes read. */
function decodeTsColumn(c: Uint8Array, ts: Float64Array, count: number, firstTs: number): number {
  let p = 0;
  let t = firstTs;
  for (let i = 0; i < count; i++) {
    let z = c[p++]!;
    if (z < 128) t += (z >>> 1) ^ -(z & 1);
    else {
      const y = c[p]!;
      if (y < 128) {
        z = (z & 127) | (y << 7);
        p++;
        t += (z >>> 1) ^ -(z & 1);
      } else {
        t += signedVarint64(c, p - 1);
        p = varintEnd;
      }
    }
    ts[i] = t;
  }
  return p;
}

/** Index of the first event whose function id is `limit` or more (ids above 2^31 read negative), or -1. */
function firstFunctionAtOrAbove(k: Uint8Array, fn: Int32Array, count: number, limit: number): number {
  for (let i = 0; i < count; i++) {
    if (k[i]! <= EventKind.Unclosed && (fn[i]! < 0 || fn[i]! >= limit)) return i;
  }
  return -1;
}

/** Index of the first timestamp outside [0, 2^53), or -1. */
function firstTimestampOutside(ts: Float64Array, count: number): number {
  for (let i = 0; i < count; i++) {
    const t = ts[i]!;
    if (!(t >= 0 && t < TIMESTAMP_LIMIT)) return i;
  }
  return -1;
}

/** esp_delta (entries): wrapping sint32 differences; 0 for the others. Returns the bytes read. */
function decodeEspColumn(k: Uint8Array, c: Uint8Array, esp: Uint32Array, count: number): number {
  let p = 0;
  let e = 0;
  for (let i = 0; i < count; i++) {
    if (k[i] === EventKind.Entry) {
      let d = c[p++]!;
      if (d >= 128) {
        d = uintVarint(c, p - 1);
        p = varintEnd;
      }
      e = (e + ((d >>> 1) ^ -(d & 1))) | 0;
      esp[i] = e;
    } else {
      esp[i] = 0;
    }
  }
  return p;
}

/** value (exit, unwind, lost, thread-end); 0 for the others. Returns the bytes read. */
function decodeValueColumn(k: Uint8Array, c: Uint8Array, value: Uint32Array, count: number): number {
  let p = 0;
  for (let i = 0; i < count; i++) {
    if ((HAS_VALUE >> k[i]!) & 1) {
      let v = c[p++]!;
      if (v >= 128) {
        v = uintVarint(c, p - 1);
        p = varintEnd;
      }
      value[i] = v;
    } else {
      value[i] = 0;
    }
  }
  return p;
}

/** args: argCount dwords per entry (the other slots are 0 already). Returns the bytes read. */
function decodeArgsColumn(k: Uint8Array, c: Uint8Array, args: Uint32Array, count: number, argCount: number): number {
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (k[i] !== EventKind.Entry) continue;
    const base = i * argCount;
    for (let a = 0; a < argCount; a++) {
      let v = c[p++]!;
      if (v >= 128) {
        v = uintVarint(c, p - 1);
        p = varintEnd;
      }
      args[base + a] = v;
    }
  }
  return p;
}

const EMPTY = new Uint8Array(0);

/** Where the last uintVarint / signedVarint64 call stopped (a second return value, no object). */
let varintEnd = 0;

/**
 * A uint32 varint at `p` whose first byte has its continuation bit set. int64-style sign
 * extension (10 bytes) is accepted; bits above 31 are dropped. Sets `varintEnd`. Past the
 * column's end bytes read as undefined (0, no continuation); the caller's size check rejects
 * the column.
 */
function uintVarint(c: Uint8Array, p: number): number {
  let x = c[p++]!;
  let v = x & 127;
  let shift = 7;
  for (let n = 1; x >= 128; n++) {
    if (n >= 10) throw new ColumnError("malformed varint in a column");
    x = c[p++]!;
    if (shift < 32) v |= (x & 127) << shift;
    shift += 7;
  }
  varintEnd = p;
  return v >>> 0;
}

/**
 * A zigzag sint64 varint at `p` decoded exactly for magnitudes below 2^53 (timestamps are
 * < 2^53, so their deltas are too). Sets `varintEnd`.
 */
function signedVarint64(c: Uint8Array, p: number): number {
  let x = c[p++]!;
  let z = x & 127;
  let scale = 128;
  for (let n = 1; x >= 128; n++) {
    if (n >= 10) throw new ColumnError("ts_delta column: malformed varint");
    x = c[p++]!;
    if (x === undefined) break; // past the end: the size check reports it
    z += (x & 127) * scale;
    scale *= 128;
  }
  varintEnd = p;
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
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
