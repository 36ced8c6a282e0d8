/**
 * Protobuf base-128 varints and zigzag, for the hand-written column codec (the hot path).
 * Values are JS numbers: unsigned up to 2^53 (timestamps), signed within ±2^52.
 */

/** Zigzag-maps a signed integer (|n| < 2^52) to an unsigned one: 0,-1,1,-2 → 0,1,2,3. */
export function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

/** Inverse of zigzag. */
export function unzigzag(z: number): number {
  // Low bit via % because z may exceed 2^32.
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/** 32-bit zigzag (sint32), with int32 wrap-around. */
export function zigzag32(n: number): number {
  return ((n << 1) ^ (n >> 31)) >>> 0;
}

export function unzigzag32(z: number): number {
  return (z >>> 1) ^ -(z & 1);
}

/**
 * Growable output buffer with varint writers. `buf` may be replaced when it grows; write
 * through the methods, or call `reserve(n)` then store into `buf` directly from `pos`.
 */
export class VarintWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(initial = 1024) {
    this.buf = new Uint8Array(initial);
  }

  reset(): void {
    this.pos = 0;
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }

  /** Unsigned varint of an integer in [0, 2^53]. */
  uint(v: number): void {
    this.reserve(10);
    const buf = this.buf;
    let p = this.pos;
    if (v < 0x80000000) {
      while (v > 127) {
        buf[p++] = (v & 127) | 128;
        v >>>= 7;
      }
    } else {
      while (v > 127) {
        buf[p++] = (v % 128) | 128;
        v = Math.floor(v / 128);
      }
    }
    buf[p++] = v;
    this.pos = p;
  }

  /** Protobuf field key (field number and wire type). */
  tag(field: number, wireType: number): void {
    this.uint(field * 8 + wireType);
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A length-delimited field (wire type 2) holding `b`. */
  lengthDelimited(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.uint(b.length);
    this.bytes(b);
  }

  result(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/**
 * Reads one varint at `cursor.pos`, advancing it; undefined when it runs past `end` or is
 * longer than 10 bytes. Values above 2^53 lose precision (ntrace never writes them).
 */
export function readVarint(bytes: Uint8Array, cursor: { pos: number }, end: number): number | undefined {
  let p = cursor.pos;
  let v = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (p >= end) return undefined;
    const b = bytes[p++]!;
    v += (b & 127) * scale;
    if (b < 128) {
      cursor.pos = p;
      return v;
    }
    scale *= 128;
  }
  return undefined;
}
