/**
 * File objects: what a file handle of the guest refers to. Host files and directories inside
 * mounts, virtual directories above them, devices (NUL, the console driver), and the program's
 * standard streams, which are ntrace's own stdin/stdout/stderr (pipes, files or terminals)
 * passed through byte for byte.
 */
import { closeSync, fstatSync, readSync, writeSync } from "node:fs";
import { KernelObject } from "./objects.js";
/** FILE_DEVICE_* types NtQueryVolumeInformationFile(FileFsDeviceInformation) reports. */
export const FileDevice = { DISK: 0x07, NULL: 0x15, NAMED_PIPE: 0x11, CONSOLE: 0x50, UNKNOWN: 0x22 };
export class FileObject extends KernelObject {
    kind;
    guestPath;
    hostPath;
    fd;
    mount;
    access;
    options;
    append;
    virtualChildren;
    streamStat;
    type = "File";
    /** Byte position of synchronous I/O (FILE_SYNCHRONOUS_IO_*). */
    position = 0;
    /** Set by FileDispositionInformation: removed when the last handle closes. */
    deletePending = false;
    cursor = { names: undefined, pattern: undefined };
    closed = false;
    constructor(kind, 
    /** The guest path (DOS form) it was opened by, for name queries. */
    guestPath, 
    /** Host path (files and directories in mounts). */
    hostPath, 
    /** Host descriptor (files, streams). */
    fd, mount, 
    /** Desired access of the opener, options (FILE_*), and whether writes append. */
    access, options, append, 
    /** Entries of a virtual directory. */
    virtualChildren = [], 
    /** Stream objects: the host file type (pipe, file, terminal). */
    streamStat) {
        super();
        this.kind = kind;
        this.guestPath = guestPath;
        this.hostPath = hostPath;
        this.fd = fd;
        this.mount = mount;
        this.access = access;
        this.options = options;
        this.append = append;
        this.virtualChildren = virtualChildren;
        this.streamStat = streamStat;
    }
    get deviceType() {
        if (this.kind === "null")
            return FileDevice.NULL;
        if (this.kind === "device")
            return FileDevice.CONSOLE;
        if (this.kind === "stream")
            return this.streamStat?.isFile() === true ? FileDevice.DISK : FileDevice.NAMED_PIPE;
        return FileDevice.DISK;
    }
    /** Whether synchronous I/O keeps a file position (files; not pipes or terminals). */
    get seekable() {
        return this.kind === "file" || (this.kind === "stream" && this.streamStat?.isFile() === true);
    }
    stat() {
        if (this.fd === undefined)
            return undefined;
        try {
            return fstatSync(this.fd);
        }
        catch {
            return undefined;
        }
    }
    /** Reads up to `length` bytes at `offset` (undefined: the stream's current position). */
    read(length, offset) {
        if (this.fd === undefined)
            return new Uint8Array(0);
        const buf = new Uint8Array(length);
        let n;
        try {
            n = readSync(this.fd, buf, 0, length, this.kind === "stream" && !this.seekable ? null : offset ?? null);
        }
        catch (err) {
            if (err.code === "EAGAIN")
                n = 0;
            else if (err.code === "EOF")
                n = 0;
            else
                throw err;
        }
        return buf.subarray(0, n);
    }
    /** Writes all of `bytes` at `offset` (undefined: at the end for append, else sequentially). */
    write(bytes, offset) {
        if (this.kind === "null")
            return bytes.length;
        if (this.fd === undefined)
            return 0;
        let done = 0;
        while (done < bytes.length) {
            const position = this.kind === "stream" || this.append ? null : (offset ?? 0) + done;
            try {
                done += writeSync(this.fd, bytes, done, bytes.length - done, position);
            }
            catch (err) {
                if (err.code === "EAGAIN")
                    continue;
                throw err;
            }
        }
        return done;
    }
    close() {
        if (this.closed)
            return;
        this.closed = true;
        if (this.fd !== undefined && this.kind !== "stream")
            closeSync(this.fd);
    }
}
/** The kind of file object a resolved path opens as. */
export function kindOf(r) {
    if (r.kind === "virtual")
        return "virtual-directory";
    if (r.kind === "device")
        return r.device === "null" ? "null" : "device";
    if (r.kind === "host")
        return r.stat?.isDirectory() === true ? "directory" : "file";
    return undefined;
}
