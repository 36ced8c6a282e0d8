/**
 * Text output that streams: commands write pieces; a buffer of ~64 KiB is flushed to the file
 * descriptor synchronously, so output never piles up in memory and ordering with stderr holds.
 */
import { writeSync } from "node:fs";
import { AtomicFile, NtraceError, refuseOutputOverInput } from "../base/index.js";

export interface TextOutput {
  write(text: string): void;
  /** Flushes and releases the output. */
  close(): void;
}

const LIMIT = 64 * 1024;

/** The reader of our output went away (`ntrace dump t | head`): stop producing, quietly. */
export class OutputClosedError extends NtraceError {}

export class FdOutput implements TextOutput {
  private parts: string[] = [];
  private size = 0;
  private readonly fd: number;
  /** A file output: written beside its target and renamed over it on close (base/atomicfile.ts). */
  private readonly file: AtomicFile | undefined;
  private readonly name: string;

  private constructor(fd: number, file: AtomicFile | undefined, name: string) {
    this.fd = fd;
    this.file = file;
    this.name = name;
  }

  static stdout(): FdOutput {
    return new FdOutput(1, undefined, "standard output");
  }

  /** A file output; refused when `path` is one of `inputs` (the command's input files). */
  static file(path: string, inputs: readonly string[] = []): FdOutput {
    refuseOutputOverInput(path, inputs);
    const file = new AtomicFile(path);
    return new FdOutput(file.fd, file, path);
  }

  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= LIMIT) this.flush();
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    const bytes = Buffer.from(this.parts.join(""), "utf8");
    this.parts = [];
    this.size = 0;
    let off = 0;
    while (off < bytes.length) {
      try {
        off += writeSync(this.fd, bytes, off, bytes.length - off);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") continue; // a non-blocking pipe is full: retry
        if (code === "EPIPE") throw new OutputClosedError(`${this.name} was closed by its reader`);
        throw new NtraceError(`cannot write ${this.name}: ${(err as Error).message}`);
      }
    }
  }

  close(): void {
    try {
      this.flush();
    } catch (err) {
      this.file?.discard();
      throw err;
    }
    this.file?.commit();
  }

  /** Drops the output: a file output leaves an existing file of that name as it was. */
  discard(): void {
    this.parts = [];
    this.size = 0;
    this.file?.discard();
  }
}

/** Collects output in memory (tests, small outputs). */
export class StringOutput implements TextOutput {
  private parts: string[] = [];
  write(text: string): void {
    this.parts.push(text);
  }
  close(): void {}
  text(): string {
    return this.parts.join("");
  }
}
