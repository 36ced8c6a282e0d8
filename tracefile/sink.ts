/** Where a TraceWriter's bytes go: a file (buffered) or memory (tests, tools). */
import * as fs from "node:fs";
import { AtomicFile, NtraceError } from "../base/index.js";

export interface TraceSink {
  /** Appends bytes; the sink may keep `bytes` only until it returns (copy if needed). */
  write(bytes: Uint8Array): void;
  /** Pushes buffered bytes to their destination. */
  flush(): void;
  close(): void;
  /** Drops what was written: a file sink leaves its target as it was (nothing created or replaced). */
  discard?(): void;
}

/**
 * Writes a file through a write buffer with fs.writeSync, under a temporary name beside the
 * target (base/atomicfile.ts): `close()` renames it over the target, `discard()` removes it, so
 * a failed run never destroys an existing trace and two runs on one output never mix.
 */
export class FileSink implements TraceSink {
  readonly path: string;
  private file: AtomicFile | undefined;
  private readonly buf: Uint8Array;
  private used = 0;

  constructor(path: string, bufferSize = 1 << 20) {
    this.path = path;
    this.buf = new Uint8Array(bufferSize);
    // A killed run leaves its trace as <path>.<pid>.<n>.partial: an exact, readable prefix.
    this.file = new AtomicFile(path, { partial: true });
  }

  write(bytes: Uint8Array): void {
    if (this.used + bytes.length > this.buf.length) this.flush();
    if (bytes.length >= this.buf.length) {
      this.writeAll(bytes);
      return;
    }
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
  }

  flush(): void {
    if (this.used === 0) return;
    this.writeAll(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  close(): void {
    const file = this.file;
    if (file === undefined) return;
    try {
      this.flush();
    } catch (e) {
      this.discard();
      throw e;
    }
    this.file = undefined;
    file.commit();
  }

  discard(): void {
    this.file?.discard();
    this.file = undefined;
  }

  private writeAll(bytes: Uint8Array): void {
    if (this.file === undefined) throw new NtraceError(`trace file ${this.path} is already closed`);
    let done = 0;
    try {
      while (done < bytes.length) done += fs.writeSync(this.file.fd, bytes, done, bytes.length - done);
    } catch (e) {
      throw this.error("cannot write", e);
    }
  }

  private error(what: string, e: unknown): NtraceError {
    const detail = e instanceof Error ? e.message : String(e);
    return new NtraceError(`${what} trace file ${this.path}: ${detail}`, { cause: e });
  }
}

/** Keeps everything in memory; `bytes()` returns the file so far. */
export class MemorySink implements TraceSink {
  private parts: Uint8Array[] = [];
  private length = 0;

  write(bytes: Uint8Array): void {
    this.parts.push(bytes.slice());
    this.length += bytes.length;
  }

  flush(): void {}
  close(): void {}

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    this.parts = [out];
    return out;
  }
}
