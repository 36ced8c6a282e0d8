/**
 * Files: opening and creating files and directories through the virtual file system
 * (vfs.ts: only mounted host directories are reachable; read-only mounts refuse writes with
 * STATUS_MEDIA_WRITE_PROTECTED), reading and writing (in bounded pieces: a guest-chosen length
 * never becomes one host allocation), positions, information classes, directory listings with
 * wildcards, volume information, renaming and deleting. Device and console requests on files
 * that are not devices fail as Windows fails them.
 */
import { fstatSync, ftruncateSync, mkdirSync, openSync, readdirSync, renameSync, rmdirSync, statSync, unlinkSync, type Stats } from "node:fs";
import { posix } from "node:path";
import type { ApiOutcome } from "../../core/machine.js";
import { EventObject } from "../objects.js";
import { FileObject } from "../files.js";
import { utf16le } from "../guest.js";
import { USER_HIGH } from "../../core/memory.js";
import type { UserProcess } from "../process.js";
import { GUEST_EPOCH_FILETIME } from "../process.js";
import { isValidFileName, ntToDos, type Resolved } from "../vfs.js";
import { objectOf, putHandle } from "./common.js";
import { Status, type SyscallCall, type SyscallTable } from "./types.js";

const Disposition = { SUPERSEDE: 0, OPEN: 1, CREATE: 2, OPEN_IF: 3, OVERWRITE: 4, OVERWRITE_IF: 5 } as const;
const Options = { DIRECTORY_FILE: 0x1, NON_DIRECTORY_FILE: 0x40, DELETE_ON_CLOSE: 0x1000 } as const;
const Information = { SUPERSEDED: 0, OPENED: 1, CREATED: 2, OVERWRITTEN: 3 } as const;
const Attribute = { READONLY: 0x1, DIRECTORY: 0x10, ARCHIVE: 0x20, NORMAL: 0x80 } as const;
const WRITE_ACCESS = 0x40000000 | 0x10000000 | 0x2 | 0x4 | 0x10 | 0x100 | 0x10000 | 0x02000000; // GENERIC_WRITE|ALL, WRITE/APPEND_DATA, WRITE_EA/ATTRIBUTES, DELETE, MAXIMUM_ALLOWED
const STATUS_MEDIA_WRITE_PROTECTED = 0xc00000a2;
const STATUS_PIPE_BROKEN = 0xc000014b;
const STATUS_INVALID_USER_BUFFER = 0xc00000e8;
/** Largest piece one host read or write moves (guest buffers are copied piece by piece). */
const PIECE = 0x100000;
/** The largest file a guest may create or extend on the host (4 GiB). */
const MAX_FILE_SIZE = 0x100000000;
const FILE_USE_FILE_POINTER_POSITION = -2;
const FILE_WRITE_TO_END_OF_FILE = -1;

// ---------------------------------------------------------------- times

/** File times the guest sees: fixed for read-only mounts, guest-clock times for files it wrote. */
const writeTimes = new Map<string, bigint>();
function fileTime(p: UserProcess, f: { readonly hostPath: string | undefined; readonly mount?: { readonly writable: boolean } | undefined }): bigint {
  if (f.hostPath === undefined || f.mount?.writable !== true) return GUEST_EPOCH_FILETIME - 864000000000n;
  return writeTimes.get(f.hostPath) ?? p.systemTime();
}
function touched(p: UserProcess, hostPath: string | undefined): void {
  if (hostPath !== undefined) writeTimes.set(hostPath, p.systemTime());
}

// ---------------------------------------------------------------- paths

/** The resolved target of OBJECT_ATTRIBUTES (root directory handle + name, or an NT path). */
function resolveAttributes(c: SyscallCall, pAttr: number): Resolved | number {
  const attr = c.process.guest.objectAttributes(pAttr);
  if (attr === undefined || attr.name === undefined) return Status.OBJECT_PATH_SYNTAX_BAD;
  let name = attr.name;
  if (attr.root !== 0) {
    const root = c.process.object(attr.root, c.thread);
    if (!(root instanceof FileObject)) return root === undefined ? Status.INVALID_HANDLE : Status.OBJECT_TYPE_MISMATCH;
    if (name.startsWith("\\")) return Status.OBJECT_PATH_SYNTAX_BAD;
    return c.process.vfs.resolve(`${root.guestPath}\\${name}`);
  }
  if (!name.startsWith("\\")) return Status.OBJECT_PATH_SYNTAX_BAD;
  const dos = ntToDos(name);
  if (dos.device !== undefined) return { kind: "device", guest: name, device: dos.device };
  name = dos.dos!;
  return c.process.vfs.resolve(name);
}

function statusForMissing(r: Resolved & { kind: "missing" }): number {
  return r.parentExists ? Status.OBJECT_NAME_NOT_FOUND : Status.OBJECT_PATH_NOT_FOUND;
}

// ---------------------------------------------------------------- open / create

function createFile(c: SyscallCall, pHandle: number, access: number, pAttr: number, pIosb: number, disposition: number, options: number): number {
  const p = c.process;
  const r = resolveAttributes(c, pAttr);
  if (typeof r === "number") return r;
  const wantsWrite = (access & WRITE_ACCESS) !== 0 || (options & Options.DELETE_ON_CLOSE) !== 0;
  const wantsDirectory = (options & Options.DIRECTORY_FILE) !== 0;
  const g = p.guest;

  if (r.kind === "device") {
    if (r.device === "null") {
      const f = new FileObject("null", "\\Device\\Null", undefined, undefined, undefined, access, options, false);
      g.ioStatus(pIosb, Status.SUCCESS, Information.OPENED);
      return putHandle(c, pHandle, f, access) ?? Status.SUCCESS;
    }
    // The console driver, named pipes, the mount manager: not part of this machine.
    return Status.OBJECT_NAME_NOT_FOUND;
  }
  if (r.kind === "virtual") {
    if (disposition === Disposition.CREATE) return Status.OBJECT_NAME_COLLISION;
    if ((options & Options.NON_DIRECTORY_FILE) !== 0) return Status.FILE_IS_A_DIRECTORY;
    if (wantsWrite && (access & ~(0x100 | 0x80 | 0x100000)) !== 0 && (access & (0x2 | 0x4 | 0x40000000)) !== 0) return STATUS_MEDIA_WRITE_PROTECTED;
    const f = new FileObject("virtual-directory", r.guest.replace(/\\$/, ""), undefined, undefined, undefined, access, options, false, r.children);
    g.ioStatus(pIosb, Status.SUCCESS, Information.OPENED);
    return putHandle(c, pHandle, f, access) ?? Status.SUCCESS;
  }
  if (r.kind === "missing") {
    if (disposition === Disposition.OPEN || disposition === Disposition.OVERWRITE) return statusForMissing(r);
    if (!r.parentExists) return Status.OBJECT_PATH_NOT_FOUND;
  }
  const mount = r.kind === "host" ? r.mount : mountOfMissing(p, r.guest);
  if (mount === undefined) return Status.OBJECT_PATH_NOT_FOUND;
  const exists = r.kind === "host";
  const isDir = r.kind === "host" && r.stat?.isDirectory() === true;
  if (exists) {
    if (disposition === Disposition.CREATE) return Status.OBJECT_NAME_COLLISION;
    if (isDir && (options & Options.NON_DIRECTORY_FILE) !== 0) return Status.FILE_IS_A_DIRECTORY;
    if (!isDir && wantsDirectory) return Status.NOT_A_DIRECTORY;
  }
  const creates = !exists || disposition === Disposition.SUPERSEDE || disposition === Disposition.OVERWRITE || disposition === Disposition.OVERWRITE_IF;
  if (!mount.writable && (creates || (wantsWrite && (access & (0x2 | 0x4 | 0x40000000 | 0x10000000 | 0x10000)) !== 0))) return STATUS_MEDIA_WRITE_PROTECTED;

  const hostPath = r.kind === "host" ? r.host : hostPathForNew(p, r.guest);
  if (hostPath === undefined) return Status.OBJECT_PATH_NOT_FOUND;
  let information: number = Information.OPENED;
  let fd: number | undefined;
  try {
    if (isDir || (!exists && wantsDirectory)) {
      if (!exists) {
        mkdirSync(hostPath);
        touched(p, hostPath);
        information = Information.CREATED;
      }
    } else {
      const writable = mount.writable && (access & (0x2 | 0x4 | 0x40000000 | 0x10000000 | 0x02000000)) !== 0;
      let flags = writable ? "r+" : "r";
      if (!exists) {
        flags = writable ? "wx+" : "wx";
        information = Information.CREATED;
      } else if (disposition === Disposition.SUPERSEDE || disposition === Disposition.OVERWRITE || disposition === Disposition.OVERWRITE_IF) {
        flags = "w+";
        information = disposition === Disposition.SUPERSEDE ? Information.SUPERSEDED : Information.OVERWRITTEN;
      }
      fd = openSync(hostPath, flags === "wx" ? "wx+" : flags);
      if (information !== Information.OPENED) touched(p, hostPath);
    }
  } catch (err) {
    return hostError(err);
  }
  const isDirectory = isDir || (!exists && wantsDirectory);
  const f = new FileObject(isDirectory ? "directory" : "file", r.guest, hostPath, fd, mount, access, options, (access & 0x4) !== 0 && (access & 0x2) === 0);
  if ((options & Options.DELETE_ON_CLOSE) !== 0) f.deletePending = true;
  g.ioStatus(pIosb, Status.SUCCESS, information);
  const failed = putHandle(c, pHandle, f, access);
  if (failed !== undefined) f.close();
  return failed ?? Status.SUCCESS;
}

/** The mount a not-yet-existing path would be created in. */
function mountOfMissing(p: UserProcess, guest: string): { readonly writable: boolean; readonly host: string; readonly guest: string } | undefined {
  const parent = guest.replace(/\\[^\\]*$/, "");
  const r = p.vfs.resolve(parent);
  return r.kind === "host" ? r.mount : undefined;
}

function hostPathForNew(p: UserProcess, guest: string): string | undefined {
  const slash = guest.lastIndexOf("\\");
  const parent = p.vfs.resolve(guest.slice(0, slash));
  if (parent.kind !== "host") return undefined;
  const name = guest.slice(slash + 1);
  if (!isValidFileName(name)) return undefined;
  return `${parent.host}/${name}`;
}

function hostError(err: unknown): number {
  switch ((err as NodeJS.ErrnoException).code) {
    case "ENOENT":
      return Status.OBJECT_NAME_NOT_FOUND;
    case "EEXIST":
      return Status.OBJECT_NAME_COLLISION;
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return Status.ACCESS_DENIED;
    case "EISDIR":
      return Status.FILE_IS_A_DIRECTORY;
    case "ENOTDIR":
      return Status.OBJECT_PATH_NOT_FOUND;
    case "ENOTEMPTY":
      return Status.DIRECTORY_NOT_EMPTY;
    case "ENOSPC":
      return Status.DISK_FULL;
    default:
      return Status.UNSUCCESSFUL;
  }
}

/** Called when the last handle of a file closes: the host file is closed, and removed if delete is pending. */
export function releaseFile(f: FileObject): void {
  f.close();
  if (!f.deletePending || f.hostPath === undefined || f.mount?.writable !== true) return;
  try {
    if (f.kind === "directory") rmdirSync(f.hostPath);
    else unlinkSync(f.hostPath);
    writeTimes.delete(f.hostPath);
  } catch {
    // already gone, or a non-empty directory: Windows leaves it too
  }
}

// ---------------------------------------------------------------- read / write

function completeEvent(c: SyscallCall, event: number): void {
  if (event === 0) return;
  const e = c.process.object(event, c.thread);
  if (e instanceof EventObject) {
    e.signaled = true;
    c.process.machine.wakeWaiters();
  }
}

function fileOffset(c: SyscallCall, f: FileObject, pOffset: number): number | undefined {
  if (pOffset === 0) return f.seekable ? f.position : undefined;
  const v = c.process.guest.i64(pOffset);
  if (v === FILE_USE_FILE_POINTER_POSITION) return f.seekable ? f.position : undefined;
  if (v === FILE_WRITE_TO_END_OF_FILE) return f.stat()?.size ?? 0;
  return v;
}

/**
 * NtReadFile: the whole buffer must be writable first (ProbeForWrite: a length past the
 * buffer fails with STATUS_ACCESS_VIOLATION, as on Windows, even when the file is shorter);
 * the file is then read in pieces of at most PIECE bytes. A run out of time (--timeout)
 * stops between pieces with what was read.
 */
function readFile(c: SyscallCall): ApiOutcome {
  const [handle, event, , , pIosb, buffer, length, pOffset] = c.args as number[] as [number, number, number, number, number, number, number, number];
  const f = objectOf(c, handle, FileObject);
  if (typeof f === "number") return f;
  if (f.kind === "directory" || f.kind === "virtual-directory") return Status.INVALID_DEVICE_REQUEST;
  const g = c.process.guest;
  g.probe(buffer, length, true);
  let offset = fileOffset(c, f, pOffset);
  let total = 0;
  while (total < length) {
    const piece = f.read(Math.min(PIECE, length - total), offset);
    if (piece.length === 0) break;
    g.write(buffer + total, piece);
    total += piece.length;
    if (offset !== undefined) offset += piece.length;
    if (f.kind === "stream") break; // pipes and terminals return what is there
    if (c.process.machine.outOfTime()) break;
  }
  if (f.seekable && offset !== undefined) f.position = offset;
  if (total === 0 && length > 0) {
    const status = f.kind === "stream" && !f.seekable ? STATUS_PIPE_BROKEN : Status.END_OF_FILE;
    g.ioStatus(pIosb, status, 0);
    return status;
  }
  g.ioStatus(pIosb, Status.SUCCESS, total);
  completeEvent(c, event);
  return Status.SUCCESS;
}

/**
 * NtWriteFile: the buffer must lie in user space (ProbeForRead: else STATUS_ACCESS_VIOLATION);
 * it is copied to the host in pieces of at most PIECE bytes, and a piece the guest may not read
 * ends the write with STATUS_INVALID_USER_BUFFER (what a file system answers when its copy from
 * the user's buffer faults; Wine answers the same for EFAULT). NUL takes the bytes unread. A
 * run out of time (--timeout) stops between pieces with what was written.
 */
function writeFile(c: SyscallCall): ApiOutcome {
  const [handle, event, , , pIosb, buffer, length, pOffset] = c.args as number[] as [number, number, number, number, number, number, number, number];
  const f = objectOf(c, handle, FileObject);
  if (typeof f === "number") return f;
  if (f.kind === "directory" || f.kind === "virtual-directory") return Status.INVALID_DEVICE_REQUEST;
  if (f.kind === "file" && f.mount?.writable !== true) return STATUS_MEDIA_WRITE_PROTECTED;
  const g = c.process.guest;
  if (buffer + length > USER_HIGH) return Status.ACCESS_VIOLATION;
  let offset = fileOffset(c, f, pOffset);
  if (f.append) offset = f.stat()?.size ?? offset;
  // Host files stay of a size a program could have written byte by byte: no sparse giants.
  if (f.kind === "file" && (offset ?? f.position) + length > MAX_FILE_SIZE) return Status.DISK_FULL;
  let total = 0;
  let status: number = Status.SUCCESS;
  while (total < length && f.kind !== "null") {
    const n = Math.min(PIECE, length - total);
    if (!c.process.machine.memory.readable(buffer + total, n)) {
      status = STATUS_INVALID_USER_BUFFER;
      break;
    }
    const failed = hostWrite(f, g.read(buffer + total, n), offset);
    if (failed !== undefined) {
      status = failed;
      break;
    }
    total += n;
    if (offset !== undefined) offset += n;
    if (total < length && c.process.machine.outOfTime()) break;
  }
  if (f.kind === "null") total = length;
  if (f.seekable && offset !== undefined) f.position = offset;
  if (f.kind === "file" && total > 0) touched(c.process, f.hostPath);
  if (status !== Status.SUCCESS) return status;
  g.ioStatus(pIosb, Status.SUCCESS, total);
  completeEvent(c, event);
  return Status.SUCCESS;
}

/** Writes to the host; a host that cannot take the bytes answers as a full disk or a broken pipe does. */
function hostWrite(f: FileObject, bytes: Uint8Array, offset: number | undefined): number | undefined {
  try {
    f.write(bytes, offset);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOSPC" || code === "EFBIG" || code === "EDQUOT") return Status.DISK_FULL;
    if (code === "EPIPE") return STATUS_PIPE_BROKEN;
    throw err;
  }
}

// ---------------------------------------------------------------- information

function attributesOf(f: { readonly kind: string; readonly mount?: { readonly writable: boolean } | undefined }, st: Stats | undefined): number {
  if (f.kind === "virtual-directory" || st?.isDirectory() === true) return Attribute.DIRECTORY | (f.mount?.writable === true ? 0 : Attribute.READONLY);
  return f.mount?.writable === true ? Attribute.ARCHIVE : Attribute.READONLY | Attribute.ARCHIVE;
}

class Out {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u32(at: number, v: number): this {
    this.view.setUint32(at, v >>> 0, true);
    return this;
  }
  u64(at: number, v: number | bigint): this {
    this.view.setBigUint64(at, BigInt.asUintN(64, BigInt(v)), true);
    return this;
  }
  u8(at: number, v: number): this {
    this.bytes[at] = v;
    return this;
  }
}

/** FILE_BASIC_INFORMATION (40 bytes). */
function basicInfo(p: UserProcess, f: FileObject | { kind: string; hostPath: string | undefined; mount?: { readonly writable: boolean } | undefined }, st: Stats | undefined): Out {
  const t = fileTime(p, f);
  return new Out(40).u64(0, t).u64(8, t).u64(16, t).u64(24, t).u32(32, attributesOf(f, st));
}

/** FILE_STANDARD_INFORMATION (24 bytes). */
function standardInfo(f: FileObject, st: Stats | undefined): Out {
  const size = st?.isFile() === true ? st.size : 0;
  const dir = f.kind === "directory" || f.kind === "virtual-directory";
  return new Out(24).u64(0, Math.ceil(size / 4096) * 4096).u64(8, size).u32(16, 1).u8(20, f.deletePending ? 1 : 0).u8(21, dir ? 1 : 0);
}

function nameOf(f: FileObject): Uint8Array {
  return utf16le(f.kind === "stream" ? "" : f.guestPath.replace(/^[A-Za-z]:/, "") || "\\");
}

function queryInformation(c: SyscallCall): number {
  const [handle, pIosb, buffer, length, cls] = c.args as [number, number, number, number, number];
  const f = objectOf(c, handle, FileObject);
  if (typeof f === "number") return f;
  const p = c.process;
  const st = f.hostPath !== undefined ? statOr(f.hostPath) : f.stat();
  let data: Uint8Array;
  let overflowOk = false;
  switch (cls) {
    case 4: // FileBasicInformation
      data = basicInfo(p, f, st).bytes;
      break;
    case 5: // FileStandardInformation
      data = standardInfo(f, st).bytes;
      break;
    case 6: // FileInternalInformation
      data = new Out(8).u64(0, st?.ino ?? 0).bytes;
      break;
    case 7: // FileEaInformation
      data = new Uint8Array(4);
      break;
    case 8: // FileAccessInformation
      data = new Out(4).u32(0, f.access).bytes;
      break;
    case 9: {
      // FileNameInformation
      const name = nameOf(f);
      data = new Uint8Array(4 + name.length);
      new DataView(data.buffer).setUint32(0, name.length, true);
      data.set(name, 4);
      overflowOk = true;
      break;
    }
    case 14: // FilePositionInformation
      data = new Out(8).u64(0, f.position).bytes;
      break;
    case 16: // FileModeInformation
      data = new Out(4).u32(0, f.options & 0x103e).bytes;
      break;
    case 17: // FileAlignmentInformation
      data = new Uint8Array(4);
      break;
    case 18: {
      // FileAllInformation
      const name = nameOf(f);
      data = new Uint8Array(100 + name.length);
      data.set(basicInfo(p, f, st).bytes, 0);
      data.set(standardInfo(f, st).bytes, 40);
      data.set(new Out(8).u64(0, st?.ino ?? 0).bytes, 64);
      new DataView(data.buffer).setUint32(76, f.access, true);
      new DataView(data.buffer).setBigUint64(80, BigInt(f.position), true);
      new DataView(data.buffer).setUint32(88, f.options & 0x103e, true);
      new DataView(data.buffer).setUint32(96, name.length, true);
      data.set(name, 100);
      overflowOk = true;
      break;
    }
    case 34: // FileNetworkOpenInformation
      data = networkOpenInfo(p, f, st);
      break;
    case 35: // FileAttributeTagInformation
      data = new Out(8).u32(0, attributesOf(f, st)).bytes;
      break;
    case 23: // FilePipeInformation
    case 24: // FilePipeLocalInformation
      if (!(f.kind === "stream" && f.streamStat?.isFIFO() === true)) return Status.INVALID_PARAMETER;
      data = new Uint8Array(cls === 23 ? 8 : 40);
      break;
    case 59: // FileIdInformation {VolumeSerialNumber, FileId[16]}
      data = new Out(24).u64(0, 0x4e545243).u64(8, st?.ino ?? 0).bytes;
      break;
    default:
      p.reportOnce(`NtQueryInformationFile:${cls}`, `NtQueryInformationFile: information class ${cls} is not implemented; the call fails with STATUS_INVALID_INFO_CLASS`);
      return Status.INVALID_INFO_CLASS;
  }
  const g = p.guest;
  if (length < data.length) {
    if (!overflowOk || length < 4) return Status.INFO_LENGTH_MISMATCH;
    g.write(buffer, data.subarray(0, length));
    g.ioStatus(pIosb, Status.BUFFER_OVERFLOW, length);
    return Status.BUFFER_OVERFLOW;
  }
  g.write(buffer, data);
  g.ioStatus(pIosb, Status.SUCCESS, data.length);
  return Status.SUCCESS;
}

/** FILE_NETWORK_OPEN_INFORMATION (56 bytes). */
function networkOpenInfo(p: UserProcess, f: { kind: string; hostPath: string | undefined; mount?: { readonly writable: boolean } | undefined }, st: Stats | undefined): Uint8Array {
  const t = fileTime(p, f);
  const size = st?.isFile() === true ? st.size : 0;
  return new Out(56).u64(0, t).u64(8, t).u64(16, t).u64(24, t).u64(32, Math.ceil(size / 4096) * 4096).u64(40, size).u32(48, attributesOf(f, st)).bytes;
}

function statOr(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function setInformation(c: SyscallCall): number {
  const [handle, pIosb, buffer, length, cls] = c.args as [number, number, number, number, number];
  const f = objectOf(c, handle, FileObject);
  if (typeof f === "number") return f;
  const p = c.process;
  const g = p.guest;
  const writable = f.mount?.writable === true;
  const done = (status: number = Status.SUCCESS) => {
    g.ioStatus(pIosb, status, 0);
    return status;
  };
  switch (cls) {
    case 4: // FileBasicInformation: times and attributes
      if (length < 36) return Status.INFO_LENGTH_MISMATCH;
      return done();
    case 10: {
      // FileRenameInformation {ReplaceIfExists, RootDirectory, FileNameLength, FileName}
      if (length < 12) return Status.INFO_LENGTH_MISMATCH;
      if (!writable || f.hostPath === undefined) return STATUS_MEDIA_WRITE_PROTECTED;
      const replace = g.u8(buffer) !== 0;
      const nameLength = g.u32(buffer + 8);
      const name = g.utf16(buffer + 12, Math.min(nameLength, length - 12));
      const dos = name.startsWith("\\") ? ntToDos(name).dos : `${f.guestPath.replace(/\\[^\\]*$/, "")}\\${name}`;
      if (dos === undefined) return Status.OBJECT_NAME_INVALID;
      const target = p.vfs.resolve(dos);
      if (target.kind === "host" && !replace) return Status.OBJECT_NAME_COLLISION;
      if (target.kind === "host" && !target.mount.writable) return STATUS_MEDIA_WRITE_PROTECTED;
      const hostTarget = target.kind === "host" ? target.host : hostPathForNew(p, target.guest);
      if (hostTarget === undefined || (target.kind === "host" && target.mount !== f.mount && !target.mount.writable)) return Status.OBJECT_PATH_NOT_FOUND;
      try {
        renameSync(f.hostPath, hostTarget);
      } catch (err) {
        return hostError(err);
      }
      writeTimes.set(hostTarget, writeTimes.get(f.hostPath) ?? p.systemTime());
      writeTimes.delete(f.hostPath);
      f.hostPath = hostTarget;
      return done();
    }
    case 13: // FileDispositionInformation {DeleteFile}
    case 64: {
      // FileDispositionInformationEx {Flags}
      if (length < 1) return Status.INFO_LENGTH_MISMATCH;
      const del = cls === 13 ? g.u8(buffer) !== 0 : (g.u32(buffer) & 1) !== 0;
      if (del && !writable) return f.kind === "virtual-directory" ? Status.CANNOT_DELETE : STATUS_MEDIA_WRITE_PROTECTED;
      if (del && f.kind === "directory" && f.hostPath !== undefined) {
        try {
          if (statSync(f.hostPath).isDirectory() && readdir(f.hostPath).length > 0) return Status.DIRECTORY_NOT_EMPTY;
        } catch {
          // gone already
        }
      }
      f.deletePending = del;
      return done();
    }
    case 14: // FilePositionInformation
      if (length < 8) return Status.INFO_LENGTH_MISMATCH;
      f.position = g.i64(buffer);
      return done();
    case 19: // FileAllocationInformation
    case 20: {
      // FileEndOfFileInformation
      if (length < 8) return Status.INFO_LENGTH_MISMATCH;
      if (!writable || f.fd === undefined) return STATUS_MEDIA_WRITE_PROTECTED;
      const size = g.i64(buffer);
      if (size < 0) return Status.INVALID_PARAMETER;
      if (size > MAX_FILE_SIZE) return Status.DISK_FULL;
      if (cls === 19 && size >= (fstatSync(f.fd).size ?? 0)) return done();
      try {
        ftruncateSync(f.fd, size);
      } catch (err) {
        return hostError(err);
      }
      touched(p, f.hostPath);
      return done();
    }
    case 16: // FileModeInformation
    case 30: // FileCompletionInformation
    case 39: // FileValidDataLengthInformation
    case 41: // FileIoCompletionNotificationInformation
      return done();
    default:
      p.reportOnce(`NtSetInformationFile:${cls}`, `NtSetInformationFile: information class ${cls} is not implemented; the call fails with STATUS_INVALID_INFO_CLASS`);
      return Status.INVALID_INFO_CLASS;
  }
}

function readdir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------- attributes by name

function queryAttributes(c: SyscallCall, full: boolean): number {
  const [pAttr, buffer] = c.args as [number, number];
  const r = resolveAttributes(c, pAttr);
  if (typeof r === "number") return r;
  const p = c.process;
  if (r.kind === "missing") return statusForMissing(r);
  if (r.kind === "device") return r.device === "null" ? Status.SUCCESS : Status.OBJECT_NAME_NOT_FOUND;
  const f = { kind: r.kind === "virtual" ? "virtual-directory" : r.stat?.isDirectory() === true ? "directory" : "file", hostPath: r.kind === "host" ? r.host : undefined, mount: r.kind === "host" ? r.mount : undefined };
  const st = r.kind === "host" ? r.stat : undefined;
  p.guest.write(buffer, full ? networkOpenInfo(p, f, st) : basicInfo(p, f, st).bytes.subarray(0, 36));
  return Status.SUCCESS;
}

// ---------------------------------------------------------------- directories

/** Windows wildcard match (*, ?, and the DOS forms < > "), case-insensitive. */
export function wildcardMatch(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  const n = name.toLowerCase();
  if (p === "*" || p === "*.*" || p === "") return true;
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * 100000 + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let r: boolean;
    if (i === p.length) r = j === n.length;
    else {
      const ch = p[i]!;
      if (ch === "*" || ch === "<") r = go(i + 1, j) || (j < n.length && go(i, j + 1));
      else if (ch === "?" || ch === ">") r = (j < n.length && go(i + 1, j + 1)) || (ch === ">" && go(i + 1, j));
      else if (ch === '"') r = (j < n.length && n[j] === "." && go(i + 1, j + 1)) || (j === n.length && go(i + 1, j));
      else r = j < n.length && n[j] === ch && go(i + 1, j + 1);
    }
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

/** Builds one directory entry of `cls` for `name` (or undefined: class unsupported). */
function directoryEntry(p: UserProcess, dir: FileObject, name: string, cls: number): Uint8Array | undefined {
  const hostPath = dir.hostPath !== undefined && name !== "." && name !== ".." ? `${dir.hostPath}/${name}` : dir.hostPath;
  const virtual = dir.kind === "virtual-directory";
  const st = hostPath !== undefined ? statOr(hostPath) : undefined;
  const entry = { kind: virtual || st?.isDirectory() === true ? "directory" : "file", hostPath, mount: dir.mount };
  const t = fileTime(p, entry);
  const size = st?.isFile() === true ? st.size : 0;
  const attributes = virtual ? Attribute.DIRECTORY | Attribute.READONLY : attributesOf(entry, st);
  const n = utf16le(name);
  const fixed = (nameOffset: number) => {
    const out = new Out((nameOffset + n.length + 7) & ~7);
    out.u64(8, t).u64(16, t).u64(24, t).u64(32, t).u64(40, size).u64(48, Math.ceil(size / 4096) * 4096).u32(56, attributes).u32(60, n.length);
    out.bytes.set(n, nameOffset);
    return out;
  };
  switch (cls) {
    case 1: // FileDirectoryInformation
      return fixed(64).bytes;
    case 2: // FileFullDirectoryInformation
      return fixed(68).bytes;
    case 3: // FileBothDirectoryInformation
      return fixed(94).bytes;
    case 37: {
      // FileIdBothDirectoryInformation
      const o = fixed(104);
      o.u64(96, st?.ino ?? 0);
      return o.bytes;
    }
    case 38: {
      // FileIdFullDirectoryInformation
      const o = fixed(80);
      o.u64(72, st?.ino ?? 0);
      return o.bytes;
    }
    case 12: {
      // FileNamesInformation
      const o = new Out((12 + n.length + 7) & ~7).u32(8, n.length);
      o.bytes.set(n, 12);
      return o.bytes;
    }
    default:
      return undefined;
  }
}

function queryDirectory(c: SyscallCall): number {
  const [handle, event, , , pIosb, buffer, length, cls, single, pMask, restart] = c.args as number[] as [number, number, number, number, number, number, number, number, number, number, number];
  const f = objectOf(c, handle, FileObject);
  if (typeof f === "number") return f;
  if (f.kind !== "directory" && f.kind !== "virtual-directory") return Status.INVALID_PARAMETER;
  const p = c.process;
  const g = p.guest;
  const first = f.cursor.names === undefined || restart !== 0;
  if (first) {
    const mask = pMask !== 0 ? p.guest.unicodeString(pMask) : undefined;
    if (mask !== undefined || f.cursor.names === undefined) f.cursor.pattern = mask ?? "*";
    let names: string[];
    if (f.kind === "virtual-directory") names = [...f.virtualChildren];
    else names = readdir(f.hostPath!).sort();
    const isRoot = /^[A-Za-z]:\\?$/.test(f.guestPath);
    if (!isRoot) names = [".", "..", ...names];
    f.cursor.names = names.filter((n) => wildcardMatch(f.cursor.pattern ?? "*", n));
    if (f.cursor.names.length === 0) {
      g.ioStatus(pIosb, Status.NO_SUCH_FILE, 0);
      return Status.NO_SUCH_FILE;
    }
  }
  const names = f.cursor.names!;
  if (names.length === 0) {
    g.ioStatus(pIosb, Status.NO_MORE_FILES, 0);
    return Status.NO_MORE_FILES;
  }
  let at = 0;
  let previous = -1;
  while (names.length > 0) {
    const entry = directoryEntry(p, f, names[0]!, cls);
    if (entry === undefined) return Status.INVALID_INFO_CLASS;
    if (at + entry.length > length) {
      if (at === 0) return Status.BUFFER_OVERFLOW;
      break;
    }
    g.write(buffer + at, entry);
    if (previous >= 0) g.setU32(buffer + previous, at - previous);
    previous = at;
    at += entry.length;
    names.shift();
    if (single !== 0) break;
  }
  g.ioStatus(pIosb, Status.SUCCESS, at);
  completeEvent(c, event);
  return Status.SUCCESS;
}

// ---------------------------------------------------------------- volumes

function queryVolume(c: SyscallCall): number {
  const [handle, pIosb, buffer, length, cls] = c.args as [number, number, number, number, number];
  const f = objectOf(c, handle, FileObject);
  if (typeof f === "number") return f;
  const p = c.process;
  let data: Uint8Array;
  switch (cls) {
    case 1: {
      // FileFsVolumeInformation
      const label = utf16le("NTRACE");
      data = new Uint8Array(18 + label.length);
      const v = new DataView(data.buffer);
      v.setBigUint64(0, GUEST_EPOCH_FILETIME, true);
      v.setUint32(8, 0x4e545243, true);
      v.setUint32(12, label.length, true);
      data.set(label, 18);
      break;
    }
    case 3: // FileFsSizeInformation
      data = new Out(24).u64(0, 0x1000000).u64(8, 0x800000).u32(16, 8).u32(20, 512).bytes;
      break;
    case 4: // FileFsDeviceInformation {DeviceType, Characteristics}
      data = new Out(8).u32(0, f.deviceType).u32(4, f.mount?.writable === false ? 0x1 /* FILE_READ_ONLY_DEVICE */ : 0).bytes;
      break;
    case 5: {
      // FileFsAttributeInformation
      const name = utf16le("NTFS");
      data = new Out(12 + name.length).u32(0, 0x000000ff).u32(4, 255).u32(8, name.length).bytes;
      data.set(name, 12);
      break;
    }
    case 7: // FileFsFullSizeInformation
      data = new Out(32).u64(0, 0x1000000).u64(8, 0x800000).u64(16, 0x800000).u32(24, 8).u32(28, 512).bytes;
      break;
    case 11: // FileFsSectorSizeInformation
      data = new Out(28).u32(0, 512).u32(4, 512).u32(8, 512).u32(12, 512).u32(16, 0).bytes;
      break;
    default:
      p.reportOnce(`NtQueryVolumeInformationFile:${cls}`, `NtQueryVolumeInformationFile: information class ${cls} is not implemented; the call fails with STATUS_INVALID_INFO_CLASS`);
      return Status.INVALID_INFO_CLASS;
  }
  const g = p.guest;
  const n = Math.min(length, data.length);
  g.write(buffer, data.subarray(0, n));
  const status = n < data.length ? Status.BUFFER_OVERFLOW : Status.SUCCESS;
  g.ioStatus(pIosb, status, n);
  return status;
}

/** IOCTLs and FSCTLs: none of this machine's files is a device that takes requests. */
function controlFile(c: SyscallCall): number {
  const [handle, , , , , code] = c.args as [number, number, number, number, number, number];
  const f = objectOf(c, handle, FileObject);
  if (typeof f === "number") return f;
  // Console requests on a handle that is not a console (GetConsoleMode on a pipe): as Windows.
  if (code >>> 16 === 0x50) return Status.INVALID_HANDLE;
  return Status.INVALID_DEVICE_REQUEST;
}

/** `\??\unix` + a host path: Wine's spelling of a Unix path as an NT name. */
const UNIX_PREFIX = "\\??\\unix";

/**
 * Wine's own calls between NT and Unix names (ntdll uses them for Unix-style paths such as
 * `/etc/passwd`). Isolation: only Unix paths inside a mount (which the program was given)
 * have a name; anything else of the host does not exist for the guest.
 */
function ntToUnixName(c: SyscallCall): number {
  const [pAttr, pName, pSize] = c.args as [number, number, number];
  const g = c.process.guest;
  const attr = g.objectAttributes(pAttr);
  const name = attr?.name ?? "";
  let host: string | undefined;
  if (name.toLowerCase().startsWith(UNIX_PREFIX) && name[UNIX_PREFIX.length] === "/") {
    const unix = posix.normalize(name.slice(UNIX_PREFIX.length).replaceAll("\\", "/"));
    if (c.process.vfs.guestPathOf(unix) !== undefined) host = unix;
  }
  // A guest (DOS) name never gets a host name: the host's directory layout stays hidden.
  if (host === undefined) return Status.OBJECT_PATH_NOT_FOUND;
  return answerString(g, Buffer.from(host, "utf8"), pName, pSize, 1);
}

function unixToNtName(c: SyscallCall): number {
  const [pUnix, pBuffer, pSize] = c.args as [number, number, number];
  const g = c.process.guest;
  const unix = g.cstring(pUnix);
  if (!unix.startsWith("/")) return Status.INVALID_PARAMETER;
  const guest = c.process.vfs.guestPathOf(posix.normalize(unix));
  if (guest === undefined) return Status.OBJECT_PATH_NOT_FOUND;
  return answerString(g, Buffer.from(`\\??\\${guest}`, "utf16le"), pBuffer, pSize, 2);
}

/** Wine's convention for these calls: *size in characters including the NUL; too small → STATUS_BUFFER_TOO_SMALL. */
function answerString(g: UserProcess["guest"], bytes: Uint8Array, pBuffer: number, pSize: number, unit: 1 | 2): number {
  const chars = bytes.length / unit;
  const room = g.u32(pSize);
  g.setU32(pSize, chars + 1);
  if (room <= chars) return Status.BUFFER_TOO_SMALL;
  g.write(pBuffer, bytes);
  g.write(pBuffer + bytes.length, new Uint8Array(unit));
  return Status.SUCCESS;
}

export const fileSyscalls: SyscallTable = {
  wine_nt_to_unix_file_name: { args: ["objattr", "ptr", "ptr", "ulong"], handler: ntToUnixName },
  wine_unix_to_nt_file_name: { args: ["ptr", "ptr", "ptr"], handler: unixToNtName },
  NtCreateFile: {
    args: ["ptr", "access", "objattr", "iosb", "plarge", "ulong", "ulong", "ulong", "ulong", "ptr", "ulong"],
    handler: (c) => {
      const [pHandle, access, pAttr, pIosb, , , , disposition, options] = c.args as number[] as [number, number, number, number, number, number, number, number, number];
      if (disposition > Disposition.OVERWRITE_IF) return Status.INVALID_PARAMETER;
      return createFile(c, pHandle, access, pAttr, pIosb, disposition, options);
    },
  },
  NtOpenFile: {
    args: ["ptr", "access", "objattr", "iosb", "ulong", "ulong"],
    handler: (c) => {
      const [pHandle, access, pAttr, pIosb, , options] = c.args as [number, number, number, number, number, number];
      return createFile(c, pHandle, access, pAttr, pIosb, Disposition.OPEN, options);
    },
  },
  NtReadFile: { args: ["handle", "handle", "ptr", "ptr", "iosb", "ptr", "ulong", "plarge", "ptr"], handler: readFile },
  NtWriteFile: { args: ["handle", "handle", "ptr", "ptr", "iosb", "ptr", "ulong", "plarge", "ptr"], handler: writeFile },
  NtQueryInformationFile: { args: ["handle", "iosb", "ptr", "ulong", "class"], handler: queryInformation },
  NtSetInformationFile: { args: ["handle", "iosb", "ptr", "ulong", "class"], handler: setInformation },
  NtQueryAttributesFile: { args: ["objattr", "ptr"], handler: (c) => queryAttributes(c, false) },
  NtQueryFullAttributesFile: { args: ["objattr", "ptr"], handler: (c) => queryAttributes(c, true) },
  NtQueryDirectoryFile: { args: ["handle", "handle", "ptr", "ptr", "iosb", "ptr", "ulong", "class", "bool", "ustr", "bool"], handler: queryDirectory },
  NtQueryVolumeInformationFile: { args: ["handle", "iosb", "ptr", "ulong", "class"], handler: queryVolume },
  NtSetVolumeInformationFile: { args: ["handle", "iosb", "ptr", "ulong", "class"], handler: () => STATUS_MEDIA_WRITE_PROTECTED },
  NtFsControlFile: { args: ["handle", "handle", "ptr", "ptr", "iosb", "ulong", "ptr", "ulong", "ptr", "ulong"], handler: controlFile },
  NtDeviceIoControlFile: { args: ["handle", "handle", "ptr", "ptr", "iosb", "ulong", "ptr", "ulong", "ptr", "ulong"], handler: controlFile },
  NtFlushBuffersFile: {
    args: ["handle", "iosb"],
    handler: (c) => {
      const f = objectOf(c, c.args[0]!, FileObject);
      if (typeof f === "number") return f;
      c.process.guest.ioStatus(c.args[1]!, Status.SUCCESS, 0);
      return Status.SUCCESS;
    },
  },
  NtCancelIoFile: { args: ["handle", "iosb"], handler: (c) => (c.process.guest.ioStatus(c.args[1]!, Status.SUCCESS, 0), Status.SUCCESS) },
  NtCancelIoFileEx: { args: ["handle", "iosb", "iosb"], handler: () => Status.NOT_FOUND },
  NtCancelSynchronousIoFile: { args: ["handle", "iosb", "iosb"], handler: () => Status.NOT_FOUND },
  NtLockFile: { args: ["handle", "handle", "ptr", "ptr", "iosb", "plarge", "plarge", "ulong", "bool", "bool"], handler: () => Status.SUCCESS },
  NtUnlockFile: { args: ["handle", "iosb", "plarge", "plarge", "ulong"], handler: () => Status.SUCCESS },
  NtDeleteFile: {
    args: ["objattr"],
    handler: (c) => {
      const r = resolveAttributes(c, c.args[0]!);
      if (typeof r === "number") return r;
      if (r.kind === "missing") return statusForMissing(r);
      if (r.kind !== "host" || !r.mount.writable) return STATUS_MEDIA_WRITE_PROTECTED;
      try {
        if (r.stat?.isDirectory() === true) rmdirSync(r.host);
        else unlinkSync(r.host);
      } catch (err) {
        return hostError(err);
      }
      return Status.SUCCESS;
    },
  },
};
