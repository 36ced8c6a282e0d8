/**
 * File objects: what a file handle of the guest refers to. Host files and directories inside
 * mounts, virtual directories above them, devices (NUL, the console driver), and the program's
 * standard streams, which are ntrace's own stdin/stdout/stderr (pipes, files or terminals)
 * passed through byte for byte.
 */
import { closeSync, fstatSync, readSync, writeSync, type Stats } from "node:fs";
import { KernelObject } from "./objects.js";
import type { Mount } from "./vfs.js";

export type FileKind = "file" | "directory" | "virtual-directory" | "stream" | "null" | "device";

/** FILE_DEVICE_* types NtQueryVolumeInformationFile(FileFsDeviceInformation) reports. */
export const FileDevice = { DISK: 0x07, NULL: 0x15, NAMED_PIPE: 0x11, CONSOLE: 0x50, UNKNOWN: 0x22 } as const;

export interface DirectoryCursor {
  /** Names still to return (after the pattern filter); undefined until the first query. */
  names: string[] | undefined;
  pattern: string | undefined;
}

export class FileObject extends KernelObject {
  readonly type = "File";
  /** Byte position of synchronous I/O (FILE_SYNCHRONOUS_IO_*). */
  position = 0;
  /** Set by FileDispositionInformation: removed when the last handle closes. */
  deletePending = false;
  readonly cursor: DirectoryCursor = { names: undefined, pattern: undefined };
  private closed = false;

  constructor(
    readonly kind: FileKind,
    /** The guest path (DOS form) it was opened by, for name queries. */
    readonly guestPath: string,
    /** Host path (files and directories in mounts). */
    public hostPath: string | undefined,
    /** Host descriptor (files, streams). */
    readonly fd: number | undefined,
    readonly mount: Mount | undefined,
    /** Desired access of the opener, options (FILE_*), and whether writes append. */
    readonly access: number,
    readonly options: number,
    readonly append: boolean,
    /** Entries of a virtual directory. */
    readonly virtualChildren: readonly string[] = [],
    /** Stream objects: the host file type (pipe, file, terminal). */
    readonly streamStat?: Stats,
  ) {
    super();
  }

  get deviceType(): number {
    if (this.kind === "null") return FileDevice.NULL;
    if (this.kind === "device") return FileDevice.CONSOLE;
    if (this.kind === "stream") return this.streamStat?.isFile() === true ? FileDevice.DISK : FileDevice.NAMED_PIPE;
    return FileDevice.DISK;
  }

  /** Whether synchronous I/O keeps a file position (files; not pipes or terminals). */
  get seekable(): boolean {
    return this.kind === "file" || (this.kind === "stream" && this.streamStat?.isFile() === true);
  }

  stat(): Stats | undefined {
    if (this.fd === undefined) return undefined;
    try {
      return fstatSync(this.fd);
    } catch {
      return undefined;
    }
  }

  /** Reads up to `length` bytes at `offset` (undefined: the stream's current position). */
  read(length: number, offset: number | undefined): Uint8Array {
    if (this.fd === undefined) return new Uint8Array(0);
    const buf = new Uint8Array(length);
    let n: number;
    try {
      n = readSync(this.fd, buf, 0, length, this.kind === "stream" && !this.seekable ? null : offset ?? null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // EINTR: a caught SIGINT/SIGTERM (runtime/engine README "Attention") broke a read blocked
      // on a pipe or terminal; the run ends at the next block start, so nothing is read.
      if (code === "EAGAIN" || code === "EOF" || code === "EINTR") n = 0;
      else throw err;
    }
    return buf.subarray(0, n);
  }

  /** Writes all of `bytes` at `offset` (undefined: at the end for append, else sequentially). */
  write(bytes: Uint8Array, offset: number | undefined): number {
    if (this.kind === "null") return bytes.length;
    if (this.fd === undefined) return 0;
    let done = 0;
    while (done < bytes.length) {
      const position = this.kind === "stream" || this.append ? null : (offset ?? 0) + done;
      try {
        done += writeSync(this.fd, bytes, done, bytes.length - done, position);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EAGAIN") continue;
        throw err;
      }
    }
    return done;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd !== undefined && this.kind !== "stream") closeSync(this.fd);
  }
}
