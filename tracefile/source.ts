/** Random-access bytes for the reader: a file read with small preads, or a byte array. */
import * as fs from "node:fs";
import { NtraceError, openInputFile } from "../base/index.js";

export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes at `offset` (fewer at the end of the data). */
  read(offset: number, length: number): Uint8Array;
  /** Offset of the next occurrence of `pattern` at or after `from`, or -1. */
  indexOf(pattern: Uint8Array, from: number): number;
  close(): void;
}

export class MemorySource implements ByteSource {
  private readonly bytes: Buffer;
  constructor(bytes: Uint8Array) {
    this.bytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get size(): number {
    return this.bytes.length;
  }
  read(offset: number, length: number): Uint8Array {
    return this.bytes.subarray(offset, Math.min(this.bytes.length, offset + length));
  }
  indexOf(pattern: Uint8Array, from: number): number {
    return this.bytes.indexOf(pattern, from);
  }
  close(): void {}
}

const SEARCH_BLOCK = 1 << 20;
/** Files up to this size are read whole at open (traces of short runs; the fuzz suites). */
const WHOLE_FILE_LIMIT = 256 * 1024;

export class FileSource implements ByteSource {
  readonly path: string;
  readonly size: number;
  private fd: number | undefined;

  /** A small file, read whole at open: one read instead of one or two per record. */
  private readonly whole: Buffer | undefined;

  /** Refuses anything but a regular file (a FIFO would block, /dev/zero never ends): base/inputfile.ts. */
  constructor(path: string) {
    this.path = path;
    const opened = openInputFile(path);
    this.fd = opened.fd;
    this.size = opened.size;
    if (this.size <= WHOLE_FILE_LIMIT) {
      const all = this.readFd(0, this.size);
      this.whole = all;
      this.size = all.length;
    }
  }

  read(offset: number, length: number): Uint8Array {
    if (this.fd === undefined) throw new NtraceError(`trace file ${this.path} is closed`);
    if (this.whole !== undefined) return this.whole.subarray(offset, Math.min(this.size, offset + length));
    return this.readFd(offset, length);
  }

  private readFd(offset: number, length: number): Buffer {
    const fd = this.fd!;
    const n = Math.max(0, Math.min(length, this.size - offset));
    const out = Buffer.allocUnsafe(n);
    let done = 0;
    while (done < n) {
      const got = fs.readSync(fd, out, done, n - done, offset + done);
      if (got === 0) break;
      done += got;
    }
    return done === n ? out : out.subarray(0, done);
  }

  indexOf(pattern: Uint8Array, from: number): number {
    for (let at = from; at < this.size; at += SEARCH_BLOCK) {
      const block = this.read(at, SEARCH_BLOCK + pattern.length - 1) as Buffer;
      const i = block.indexOf(pattern);
      if (i >= 0) return at + i;
    }
    return -1;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
