import { FormatError } from "./errors.js";
import { escapeControl } from "./format.js";

/**
 * Bounds-checked little-endian reads over a byte array. Every failed read throws a
 * FormatError naming the format, the structure and field being read, and the offset, so
 * parsers never leak a RangeError.
 */
export class ByteReader {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  readonly format: string;
  readonly stream: string | undefined;

  constructor(bytes: Uint8Array, format: string, stream?: string) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.format = format;
    this.stream = stream;
  }

  get length(): number {
    return this.bytes.length;
  }

  fail(structure: string, field: string | undefined, offset: number, detail: string): never {
    throw new FormatError(
      {
        format: this.format,
        structure,
        ...(field !== undefined ? { field } : {}),
        offset,
        ...(this.stream !== undefined ? { stream: this.stream } : {}),
      },
      detail,
    );
  }

  /** Throws unless [offset, offset+size) lies inside the bytes. */
  need(offset: number, size: number, structure: string, field?: string): void {
    if (!Number.isInteger(offset) || offset < 0 || size < 0 || offset + size > this.bytes.length) {
      this.fail(
        structure,
        field,
        offset,
        `needs ${size} byte(s) at 0x${Math.max(0, offset).toString(16)} but the data is 0x${this.bytes.length.toString(16)} bytes long`,
      );
    }
  }

  u8(offset: number, structure: string, field?: string): number {
    this.need(offset, 1, structure, field);
    return this.view.getUint8(offset);
  }
  u16(offset: number, structure: string, field?: string): number {
    this.need(offset, 2, structure, field);
    return this.view.getUint16(offset, true);
  }
  u32(offset: number, structure: string, field?: string): number {
    this.need(offset, 4, structure, field);
    return this.view.getUint32(offset, true);
  }
  i32(offset: number, structure: string, field?: string): number {
    this.need(offset, 4, structure, field);
    return this.view.getInt32(offset, true);
  }
  u64(offset: number, structure: string, field?: string): bigint {
    this.need(offset, 8, structure, field);
    return this.view.getBigUint64(offset, true);
  }
  slice(offset: number, size: number, structure: string, field?: string): Uint8Array {
    this.need(offset, size, structure, field);
    return this.bytes.subarray(offset, offset + size);
  }

  /** NUL-terminated string (latin1 / UTF-8 as given), control characters escaped (escapeControl); `max` bounds the search. */
  cstring(offset: number, structure: string, field?: string, max = 4096, encoding: "latin1" | "utf8" = "utf8"): string {
    this.need(offset, 0, structure, field);
    const end = Math.min(this.bytes.length, offset + max);
    let i = offset;
    while (i < end && this.bytes[i] !== 0) i++;
    if (i >= end) this.fail(structure, field, offset, `string is not NUL-terminated within ${end - offset} bytes`);
    return escapeControl(new TextDecoder(encoding === "latin1" ? "latin1" : "utf-8").decode(this.bytes.subarray(offset, i)));
  }
}
