/**
 * Reading and writing NT structures in guest memory for the system calls, with the probing a
 * kernel does: a pointer the guest may not read or write makes the call fail with
 * STATUS_ACCESS_VIOLATION (GuestAccessViolation, caught by the dispatcher), never an engine
 * error. Lengths the guest chooses are bounded before the host allocates for them.
 */
import { NtraceError } from "../../base/index.js";
import { USER_HIGH } from "../core/memory.js";
/** A system call touched guest memory it may not: the call fails with STATUS_ACCESS_VIOLATION. */
export class GuestAccessViolation extends NtraceError {
    address;
    size;
    write;
    constructor(address, size, write) {
        super(`${write ? "write to" : "read of"} 0x${(address >>> 0).toString(16)}+${size} is not allowed`);
        this.address = address;
        this.size = size;
        this.write = write;
    }
}
/** Longest string a system call reads from the guest (UNICODE_STRING lengths are 16-bit anyway). */
const MAX_STRING_BYTES = 0x10000;
export class Guest {
    mem;
    constructor(mem) {
        this.mem = mem;
    }
    /** Throws GuestAccessViolation unless [address, address+size) is user memory the guest can read (write). */
    probe(address, size, write) {
        const a = address >>> 0;
        if (size === 0)
            return;
        if (a === 0 || a + size > USER_HIGH || !(write ? this.mem.writable(a, size) : this.mem.readable(a, size)))
            throw new GuestAccessViolation(a, size, write);
    }
    read(address, size) {
        this.probe(address, size, false);
        return this.mem.read(address, size);
    }
    write(address, bytes) {
        this.probe(address, bytes.length, true);
        this.mem.write(address, bytes);
    }
    u8(address) {
        this.probe(address, 1, false);
        return this.mem.u8(address);
    }
    u16(address) {
        this.probe(address, 2, false);
        return this.mem.u16(address);
    }
    u32(address) {
        this.probe(address, 4, false);
        return this.mem.u32(address);
    }
    setU32(address, value) {
        this.probe(address, 4, true);
        this.mem.setU32(address, value);
    }
    setU16(address, value) {
        this.probe(address, 2, true);
        this.mem.setU16(address, value);
    }
    /** A 64-bit little-endian value as a JS number (exact up to 2^53) — LARGE_INTEGER. */
    i64(address) {
        const b = this.read(address, 8);
        const v = new DataView(b.buffer, b.byteOffset, 8);
        return Number(v.getBigInt64(0, true));
    }
    setI64(address, value) {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigInt64(0, BigInt(value), true);
        this.write(address, b);
    }
    /** Writes a u32 only when the pointer is not NULL (optional out parameters). */
    optU32(address, value) {
        if (address !== 0)
            this.setU32(address, value);
    }
    /** UTF-16LE of `length` bytes. */
    utf16(address, length) {
        const n = Math.min(length, MAX_STRING_BYTES) & ~1;
        if (n === 0)
            return "";
        const b = this.read(address, n);
        return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("utf16le");
    }
    /** NUL-terminated UTF-16LE (at most 32767 characters). */
    wstring(address) {
        this.probe(address, 2, false);
        return this.mem.wstring(address, 32767);
    }
    /** NUL-terminated 8-bit string. */
    cstring(address, max = 4096) {
        this.probe(address, 1, false);
        return this.mem.cstring(address, max);
    }
    /** UNICODE_STRING at `address` (NULL → undefined). */
    unicodeString(address) {
        if (address === 0)
            return undefined;
        const length = this.u16(address);
        const buffer = this.u32(address + 4);
        if (length === 0)
            return "";
        return this.utf16(buffer, length);
    }
    /** Fills a UNICODE_STRING whose buffer the caller supplied; false (nothing written) when too small. */
    setUnicodeString(address, text) {
        const bytes = utf16le(text);
        const max = this.u16(address + 2);
        const buffer = this.u32(address + 4);
        if (bytes.length > max)
            return false;
        this.write(buffer, bytes);
        if (bytes.length + 2 <= max)
            this.write(buffer + bytes.length, new Uint8Array(2));
        this.setU16(address, bytes.length);
        return true;
    }
    /** OBJECT_ATTRIBUTES: root directory handle, name, attributes. */
    objectAttributes(address) {
        if (address === 0)
            return undefined;
        return { root: this.u32(address + 4), name: this.unicodeString(this.u32(address + 8)), attributes: this.u32(address + 12) };
    }
    /** IO_STATUS_BLOCK: Status and Information. */
    ioStatus(address, status, information) {
        if (address === 0)
            return;
        this.setU32(address, status);
        this.setU32(address + 4, information);
    }
}
export function utf16le(text) {
    return new Uint8Array(Buffer.from(text, "utf16le"));
}
/** A UTF-16LE string with its terminating NUL. */
export function utf16z(text) {
    return utf16le(text + "\0");
}
