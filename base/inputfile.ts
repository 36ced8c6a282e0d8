/**
 * Input files (traces, images, PDBs) must be regular files. A FIFO or a terminal blocks the
 * first open or read until someone writes to it, a device such as /dev/zero never ends, and
 * kernel pseudo-files (/proc, /sys) report size 0 while producing data, or block (/proc/kmsg).
 * Each is refused here before it is opened for reading, with one line naming the file and
 * what it is.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, statfsSync, type Stats } from "node:fs";
import { NtraceError } from "./errors.js";

/** statfs f_type of the kernel's pseudo file systems (linux/magic.h). */
const PSEUDO_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, "/proc"],
  [0x62656572, "/sys"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0x62656570, "configfs"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
  [0xde5e81e4, "efivarfs"],
  [0xcafe4a11, "bpf"],
  [0x6165676c, "pstore"],
]);

/** An input file that cannot be read: the message is "<path>: cannot read: <why>". */
export class InputFileError extends NtraceError {
  readonly path: string;
  readonly reason: string;
  constructor(path: string, reason: string) {
    super(`${path}: cannot read: ${reason}`);
    this.path = path;
    this.reason = reason;
  }
}

function errnoReason(e: unknown): string {
  const code = typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : "";
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
      return "no such file";
    case "EISDIR":
      return "is a directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ELOOP":
      return "too many levels of symbolic links";
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

/** What kind of file `s` is, in words ("a named pipe (FIFO)"). */
function kindOf(s: Stats): string {
  if (s.isFile()) return "a regular file";
  if (s.isDirectory()) return "a directory";
  if (s.isFIFO()) return "a named pipe (FIFO)";
  if (s.isCharacterDevice()) return "a character device";
  if (s.isBlockDevice()) return "a block device";
  if (s.isSocket()) return "a socket";
  return "not a regular file";
}

/** What a non-regular file is, in words; undefined for a regular file. */
function notRegular(s: Stats): string | undefined {
  if (s.isFile()) return undefined;
  if (s.isDirectory()) return "is a directory";
  return `is ${kindOf(s)}, not a regular file`;
}

/**
 * Why an existing `path` that should be a directory (a symbol-path element) is not one, e.g.
 * "is a named pipe (FIFO), not a directory"; undefined for a directory or a missing path.
 */
export function notADirectory(path: string): string | undefined {
  let s: Stats;
  try {
    s = statSync(path);
  } catch {
    return undefined;
  }
  return s.isDirectory() ? undefined : `is ${kindOf(s)}, not a directory`;
}

/** The pseudo file system `path` lies on, if it is one. */
function pseudoFileSystem(path: string): string | undefined {
  try {
    return PSEUDO_FILE_SYSTEMS.get(statfsSync(path).type);
  } catch {
    return undefined; // statfs unavailable: stat's answer stands
  }
}

/**
 * Why `path` (which exists) is not a readable input file, or undefined when it is a regular
 * file on a real file system. Follows symbolic links, as opening does.
 */
function problemOf(path: string, s: Stats): string | undefined {
  const kind = notRegular(s);
  if (kind !== undefined) return kind;
  const pseudo = pseudoFileSystem(path);
  return pseudo !== undefined ? `is a kernel pseudo-file (on ${pseudo}), not a regular file` : undefined;
}

/**
 * Refuses an existing path that is not a regular file (a FIFO, a device, a socket, a
 * directory, a /proc or /sys file). A missing path passes: the caller says "no such file"
 * in its own words. Never opens the path, so it cannot block.
 */
export function refuseNonRegularInput(path: string): void {
  let s: Stats;
  try {
    s = statSync(path);
  } catch {
    return;
  }
  const problem = problemOf(path, s);
  if (problem !== undefined) throw new InputFileError(path, problem);
}

/** An input file opened for reading: close `fd` when done. */
export interface OpenedInput {
  readonly fd: number;
  readonly size: number;
}

/**
 * Opens an input file after checking that it is a regular file; anything else (missing,
 * unreadable, a FIFO, a device, a pseudo-file) is an InputFileError naming the file.
 */
export function openInputFile(path: string): OpenedInput {
  let before: Stats;
  try {
    before = statSync(path);
  } catch (e) {
    throw new InputFileError(path, errnoReason(e));
  }
  const problem = problemOf(path, before);
  if (problem !== undefined) throw new InputFileError(path, problem);
  let fd: number;
  try {
    // O_NONBLOCK: should the path have become a FIFO since the stat, open does not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new InputFileError(path, errnoReason(e));
  }
  const now = fstatSync(fd);
  if (!now.isFile() || now.dev !== before.dev || now.ino !== before.ino) {
    closeSync(fd);
    throw new InputFileError(path, notRegular(now) ?? "was replaced while being opened");
  }
  return { fd, size: now.size };
}

/** The whole of a regular input file (see openInputFile). */
export function readInputFile(path: string): Uint8Array {
  const { fd, size } = openInputFile(path);
  try {
    const out = new Uint8Array(size); // its own ArrayBuffer: parsers may view .buffer
    let done = 0;
    while (done < size) {
      const got = readSync(fd, out, done, size - done, done);
      if (got === 0) break; // the file shrank meanwhile: what is there
      done += got;
    }
    return done === size ? out : out.subarray(0, done);
  } catch (e) {
    throw new InputFileError(path, errnoReason(e));
  } finally {
    closeSync(fd);
  }
}
