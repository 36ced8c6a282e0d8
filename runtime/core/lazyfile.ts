/**
 * A host file read on demand: `bytes` has the file's size from the start, but only the blocks
 * something asked for (`ensure`) are read into it; the rest stays untouched (and costs no
 * memory: a large zero-filled buffer is not backed until written). System DLLs are mostly
 * debug information the program never reads, so mapping one reads its headers and the pages
 * the program touches, not the whole file.
 */
import { closeSync, openSync, readSync } from "node:fs";

const BLOCK = 0x10000;

export class LazyFile {
  readonly bytes: Uint8Array;
  /** One flag per 64 KiB block: read already. */
  private readonly filled: Uint8Array;
  private remaining: number;

  /** `known`: the whole file already read (nothing is read again). */
  constructor(
    readonly path: string,
    readonly size: number,
    known?: Uint8Array,
  ) {
    this.bytes = known ?? new Uint8Array(size);
    this.filled = new Uint8Array(Math.ceil(size / BLOCK)).fill(known !== undefined ? 1 : 0);
    this.remaining = known !== undefined ? 0 : this.filled.length;
  }

  /** Makes [offset, offset+length) of `bytes` hold the file's contents. */
  ensure(offset: number, length: number): void {
    if (this.remaining === 0 || length <= 0) return;
    const first = Math.max(0, Math.floor(offset / BLOCK));
    const last = Math.min(this.filled.length, Math.ceil((offset + length) / BLOCK));
    let fd: number | undefined;
    try {
      for (let b = first; b < last; b++) {
        if (this.filled[b] !== 0) continue;
        // Consecutive missing blocks are read in one call.
        let e = b + 1;
        while (e < last && this.filled[e] === 0) e++;
        fd ??= openSync(this.path, "r");
        const start = b * BLOCK;
        const end = Math.min(this.size, e * BLOCK);
        let done = 0;
        while (start + done < end) {
          const n = readSync(fd, this.bytes, start + done, end - start - done, start + done);
          if (n === 0) break;
          done += n;
        }
        this.filled.fill(1, b, e);
        this.remaining -= e - b;
        b = e - 1;
      }
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  ensureAll(): void {
    this.ensure(0, this.size);
  }
}
