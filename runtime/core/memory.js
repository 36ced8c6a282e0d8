/**
 * Guest virtual memory as Windows keeps it: allocations (reservations) of whole pages, each
 * page free-in-reservation ("reserved") or committed with its own protection. The engine maps
 * every allocation once, at reservation, with no access; committing and protecting change the
 * engine's page permissions, so an access to a reserved or PAGE_NOACCESS page faults.
 *
 * Two halves of the address space:
 *  - user space [USER_LOW, USER_HIGH): what the guest allocates, maps and queries through
 *    system calls (private memory, image views, data views);
 *  - the system range (>= SYSTEM_LOW): what the machine and the tracer own (GDT, KTHREAD
 *    objects, host stubs, thunk pages). System calls refuse to touch it (see `isSystem`).
 * Nothing here allocates host memory in proportion to a guest-chosen number: sizes are
 * checked against the address space first, and page state is one small array per allocation.
 */
import { NtraceError } from "../../base/index.js";
import { Prot } from "../engine/index.js";
export const PAGE = 0x1000;
/** Allocation granularity of Windows (VirtualAlloc bases are 64 KiB aligned). */
export const GRANULARITY = 0x10000;
export const pageDown = (a) => Math.floor(a / PAGE) * PAGE;
export const pageUp = (a) => Math.ceil(a / PAGE) * PAGE;
export const USER_LOW = 0x00010000;
/** MmHighestUserAddress + 1 (x86, 2 GiB user space). */
export const USER_HIGH = 0x7fff0000;
export const SYSTEM_LOW = 0x80000000;
/** Windows page protections (PAGE_*). */
export const PageProt = {
    NOACCESS: 0x01,
    READONLY: 0x02,
    READWRITE: 0x04,
    WRITECOPY: 0x08,
    EXECUTE: 0x10,
    EXECUTE_READ: 0x20,
    EXECUTE_READWRITE: 0x40,
    EXECUTE_WRITECOPY: 0x80,
    GUARD: 0x100,
    NOCACHE: 0x200,
    WRITECOMBINE: 0x400,
};
/** MEM_* allocation types / states. */
export const Mem = {
    COMMIT: 0x1000,
    RESERVE: 0x2000,
    DECOMMIT: 0x4000,
    RELEASE: 0x8000,
    FREE: 0x10000,
    PRIVATE: 0x20000,
    MAPPED: 0x40000,
    RESET: 0x80000,
    TOP_DOWN: 0x100000,
    IMAGE: 0x1000000,
};
/** The engine permission a Windows protection maps to (x86 without NX: execute implies read). */
export function engineProt(prot) {
    if ((prot & PageProt.GUARD) !== 0)
        return Prot.NONE;
    switch (prot & 0xff) {
        case PageProt.READONLY:
            return Prot.READ;
        case PageProt.READWRITE:
        case PageProt.WRITECOPY:
            return Prot.RW;
        case PageProt.EXECUTE:
        case PageProt.EXECUTE_READ:
            return Prot.RX;
        case PageProt.EXECUTE_READWRITE:
        case PageProt.EXECUTE_WRITECOPY:
            return Prot.RWX;
        default:
            return Prot.NONE;
    }
}
/** The Windows protection closest to an engine permission (for allocations made by the host). */
export function pageProtOf(prot) {
    const r = (prot & Prot.READ) !== 0;
    const w = (prot & Prot.WRITE) !== 0;
    const x = (prot & Prot.EXEC) !== 0;
    if (x)
        return w ? PageProt.EXECUTE_READWRITE : PageProt.EXECUTE_READ;
    if (w)
        return PageProt.READWRITE;
    return r ? PageProt.READONLY : PageProt.NOACCESS;
}
/** True when `prot` is one valid PAGE_* value (with optional GUARD/NOCACHE/WRITECOMBINE). */
export function validPageProt(prot) {
    const base = prot & 0xff;
    const mods = prot & ~0xff;
    if ((mods & ~(PageProt.GUARD | PageProt.NOCACHE | PageProt.WRITECOMBINE)) !== 0)
        return false;
    return base !== 0 && (base & (base - 1)) === 0;
}
export class MemoryError extends NtraceError {
}
export class GuestMemory {
    engine;
    /** Sorted by base, never overlapping. */
    allocations = [];
    constructor(engine) {
        this.engine = engine;
    }
    // ---------------------------------------------------------------- lookups
    /** Index of the allocation containing `address`, or -(insertion point) - 1. */
    search(address) {
        let lo = 0;
        let hi = this.allocations.length - 1;
        while (lo <= hi) {
            const mid = (lo + hi) >>> 1;
            const a = this.allocations[mid];
            if (address < a.base)
                hi = mid - 1;
            else if (address >= a.base + a.size)
                lo = mid + 1;
            else
                return mid;
        }
        return -lo - 1;
    }
    allocationAt(address) {
        const i = this.search(address >>> 0);
        return i >= 0 ? this.allocations[i] : undefined;
    }
    isFree(base, size) {
        const end = base + size;
        const i = this.search(base);
        if (i >= 0)
            return false;
        const next = this.allocations[-i - 1];
        return next === undefined || next.base >= end;
    }
    /** First free range of `size` bytes in [from, to), aligned to `align` (bottom-up or top-down). */
    findFree(size, from = USER_LOW, to = USER_HIGH, align = GRANULARITY, topDown = false) {
        const s = pageUp(size);
        if (s <= 0 || s > to - from)
            return undefined;
        if (!topDown) {
            let candidate = Math.ceil(from / align) * align;
            for (const a of this.allocations) {
                if (a.base + a.size <= candidate)
                    continue;
                if (candidate + s <= a.base)
                    break;
                candidate = Math.ceil((a.base + a.size) / align) * align;
            }
            return candidate + s <= to ? candidate : undefined;
        }
        let candidate = Math.floor((to - s) / align) * align;
        for (let i = this.allocations.length - 1; i >= 0; i--) {
            const a = this.allocations[i];
            if (a.base >= candidate + s)
                continue;
            if (a.base + a.size <= candidate)
                break;
            candidate = Math.floor((a.base - s) / align) * align;
        }
        return candidate >= from ? candidate : undefined;
    }
    /** MEMORY_BASIC_INFORMATION of `address` (user or system space). */
    query(address) {
        const a0 = pageDown(address >>> 0);
        const i = this.search(a0);
        if (i < 0) {
            const next = this.allocations[-i - 1];
            const prev = this.allocations[-i - 2];
            const start = prev !== undefined ? prev.base + prev.size : 0;
            const end = next !== undefined ? next.base : 0x100000000;
            return { baseAddress: a0, allocationBase: 0, allocationProtect: 0, regionSize: end - a0, state: Mem.FREE, protect: PageProt.NOACCESS, type: 0, ...(start > a0 ? {} : {}) };
        }
        const a = this.allocations[i];
        const first = (a0 - a.base) / PAGE;
        const value = a.pages[first];
        let n = first + 1;
        while (n < a.pages.length && a.pages[n] === value)
            n++;
        return {
            baseAddress: a0,
            allocationBase: a.base,
            allocationProtect: a.allocationProtect,
            regionSize: (n - first) * PAGE,
            state: value === 0 ? Mem.RESERVE : Mem.COMMIT,
            protect: value,
            type: a.kind === "image" ? Mem.IMAGE : a.kind === "mapped" ? Mem.MAPPED : Mem.PRIVATE,
            allocation: a,
        };
    }
    // ---------------------------------------------------------------- reserve / release
    /**
     * Reserves [base, base+size) (page-rounded) as one allocation, mapped in the engine with no
     * access. Throws MemoryError when any of it is taken.
     */
    reserve(base, size, kind, tag, allocationProtect = PageProt.NOACCESS) {
        const b = pageDown(base);
        const s = pageUp(base + size) - b;
        if (s <= 0 || b < 0 || b + s > 0x100000000)
            throw new MemoryError(`guest memory 0x${b.toString(16)}+0x${s.toString(16)} (${tag}) is outside the address space`);
        if (!this.isFree(b, s))
            throw new MemoryError(`guest memory 0x${b.toString(16)}+0x${s.toString(16)} (${tag}) overlaps an existing allocation`);
        this.engine.mapMemory(b, s, Prot.NONE);
        const a = { base: b, size: s, kind, tag, allocationProtect, pages: new Uint16Array(s / PAGE) };
        const i = this.search(b);
        this.allocations.splice(-i - 1, 0, a);
        return a;
    }
    /** Releases a whole allocation (the engine unmaps it). */
    release(base) {
        const i = this.search(base >>> 0);
        if (i < 0 || this.allocations[i].base !== base >>> 0)
            return false;
        const a = this.allocations[i];
        this.engine.unmapMemory(a.base, a.size);
        this.allocations.splice(i, 1);
        return true;
    }
    // ---------------------------------------------------------------- commit / protect
    /** Sets the state of whole pages [address, address+size) inside one allocation; `prot` 0 = decommit. */
    setPages(address, size, prot) {
        const b = pageDown(address >>> 0);
        const e = pageUp((address >>> 0) + size);
        const a = this.allocationAt(b);
        if (a === undefined || e > a.base + a.size || e <= b)
            throw new MemoryError(`guest memory 0x${b.toString(16)}..0x${e.toString(16)} is not inside one allocation`);
        a.pages.fill(prot, (b - a.base) / PAGE, (e - a.base) / PAGE);
        this.engine.protectMemory(b, e - b, prot === 0 ? Prot.NONE : engineProt(prot));
        return a;
    }
    /** Commits pages with a protection (committing committed pages changes their protection). */
    commit(address, size, prot) {
        this.setPages(address, size, prot);
    }
    /** Decommits pages: they become reserved and read as zero when committed again. */
    decommit(address, size) {
        const b = pageDown(address >>> 0);
        const e = pageUp((address >>> 0) + size);
        this.setPages(b, e - b, PageProt.READWRITE);
        this.engine.writeMemory(b, new Uint8Array(Math.min(e - b, 0x100000)));
        for (let p = b + 0x100000; p < e; p += 0x100000)
            this.engine.writeMemory(p, new Uint8Array(Math.min(e - p, 0x100000)));
        this.setPages(b, e - b, 0);
    }
    /**
     * Changes the protection of committed pages; returns the old protection of the first page,
     * or undefined when a page in the range is not committed.
     */
    protectPages(address, size, prot) {
        const b = pageDown(address >>> 0);
        const e = pageUp((address >>> 0) + size);
        const a = this.allocationAt(b);
        if (a === undefined || e > a.base + a.size)
            return undefined;
        const first = (b - a.base) / PAGE;
        const last = (e - a.base) / PAGE;
        for (let p = first; p < last; p++)
            if (a.pages[p] === 0)
                return undefined;
        const old = a.pages[first];
        this.setPages(b, e - b, prot);
        return old;
    }
    // ---------------------------------------------------------------- host conveniences
    /** Reserves and commits [base, base+size) with an engine permission (host-owned memory). */
    mapAt(base, size, prot, tag, kind = base >= SYSTEM_LOW ? "system" : "private") {
        const p = pageProtOf(prot);
        const a = this.reserve(base, size, kind, tag, p);
        if (prot !== Prot.NONE)
            this.commit(a.base, a.size, p);
        return { base: a.base, size: a.size, prot, tag };
    }
    /** Reserves and commits `size` bytes anywhere in [from, to) (64 KiB aligned by default). */
    allocate(size, prot, tag, from = USER_LOW, to = USER_HIGH, align = GRANULARITY) {
        const base = this.findFree(size, from, to, align);
        if (base === undefined)
            throw new MemoryError(`guest memory exhausted allocating 0x${size.toString(16)} bytes for ${tag}`);
        return this.mapAt(base, size, prot, tag);
    }
    /** Host-side protection change of whole pages (engine permission). Returns the old one. */
    protect(address, size, prot) {
        const a = this.allocationAt(address);
        if (a === undefined)
            return undefined;
        const old = engineProt(a.pages[(pageDown(address) - a.base) / PAGE]);
        this.setPages(address, size, prot === Prot.NONE ? PageProt.NOACCESS : pageProtOf(prot));
        return old;
    }
    /** Alias of release (older name used by the tracer and the kernel personality). */
    free(base) {
        return this.release(base);
    }
    /** The allocation containing `address` as a Region. */
    regionAt(address) {
        const a = this.allocationAt(address);
        return a === undefined ? undefined : toRegion(a);
    }
    list() {
        return this.allocations.map(toRegion);
    }
    /** Every allocation (read-only view). */
    allocationsList() {
        return this.allocations;
    }
    // ---------------------------------------------------------------- access (little-endian)
    read(address, size) {
        return this.engine.readMemory(address >>> 0, size);
    }
    write(address, bytes) {
        this.engine.writeMemory(address >>> 0, bytes);
    }
    u32(address) {
        return this.engine.readU32(address >>> 0);
    }
    setU32(address, value) {
        this.engine.writeU32(address >>> 0, value);
    }
    u16(address) {
        const b = this.read(address, 2);
        return b[0] | (b[1] << 8);
    }
    setU16(address, value) {
        this.write(address, new Uint8Array([value & 0xff, (value >>> 8) & 0xff]));
    }
    u8(address) {
        return this.read(address, 1)[0];
    }
    setU8(address, value) {
        this.write(address, new Uint8Array([value & 0xff]));
    }
    /** True when [address, address+size) is committed and readable (checked without touching the engine). */
    readable(address, size) {
        return this.accessible(address, size, false);
    }
    writable(address, size) {
        return this.accessible(address, size, true);
    }
    accessible(address, size, write) {
        if (size <= 0)
            return true;
        let p = pageDown(address >>> 0);
        const end = (address >>> 0) + size;
        if (end > 0x100000000)
            return false;
        while (p < end) {
            const a = this.allocationAt(p);
            if (a === undefined)
                return false;
            const stop = Math.min(end, a.base + a.size);
            for (; p < stop; p += PAGE) {
                const prot = engineProt(a.pages[(p - a.base) / PAGE]);
                if ((prot & Prot.READ) === 0 || (write && (prot & Prot.WRITE) === 0))
                    return false;
            }
        }
        return true;
    }
    /** NUL-terminated 8-bit string (at most `max` bytes). */
    cstring(address, max = 4096) {
        let out = "";
        for (let a = address; a < address + max; a += 64) {
            const chunk = this.readSome(a, Math.min(64, address + max - a));
            for (const c of chunk) {
                if (c === 0)
                    return out;
                out += String.fromCharCode(c);
            }
            if (chunk.length < 64)
                return out;
        }
        return out;
    }
    /** NUL-terminated UTF-16LE string (at most `max` characters). */
    wstring(address, max = 4096) {
        let out = "";
        for (let a = address; a < address + 2 * max; a += 128) {
            const chunk = this.readSome(a, Math.min(128, address + 2 * max - a));
            for (let i = 0; i + 1 < chunk.length; i += 2) {
                const c = chunk[i] | (chunk[i + 1] << 8);
                if (c === 0)
                    return out;
                out += String.fromCharCode(c);
            }
            if (chunk.length < 128)
                return out;
        }
        return out;
    }
    /** Reads up to `size` bytes, stopping at the first page that is not readable. */
    readSome(address, size) {
        let n = 0;
        while (n < size && this.readable(address + n, 1))
            n = Math.min(size, pageDown(address + n) + PAGE - address);
        return n === 0 ? new Uint8Array(0) : this.read(address, n);
    }
}
function toRegion(a) {
    return { base: a.base, size: a.size, prot: engineProt(a.pages[0] ?? 0), tag: a.tag };
}
