/**
 * Guest virtual memory as Windows keeps it: allocations (reservations) of whole pages, each
 * page free-in-reservation ("reserved") or committed with its own protection. The engine maps
 * only committed pages that were touched ("present"): a chunk of up to CHUNK_PAGES pages of
 * one protection is mapped on the first guest access (the engine's fault comes here first,
 * `fault`) or host access (`ensurePresent`), filled from the allocation's PageSource (image
 * and file views) or zero. Reserved pages are never mapped, so touching them faults, and
 * neither are pages whose protection allows no access (PAGE_NOACCESS, PAGE_GUARD): their
 * contents wait host-side until the page is accessible again ("hidden" pages, see below).
 *
 * Two halves of the address space:
 *  - user space [USER_LOW, USER_HIGH): what the guest allocates, maps and queries through
 *    system calls (private memory, image views, data views);
 *  - the system range (>= SYSTEM_LOW): what the machine and the tracer own (GDT, KTHREAD
 *    objects, host stubs, thunk pages). System calls keep to user space (addresses are checked
 *    against USER_HIGH).
 * Nothing here allocates host memory in proportion to a guest-chosen number: sizes are
 * checked against the address space first, and page state is one small array per allocation.
 */
import { NtraceError } from "../../base/index.js";
import { Prot, type Engine } from "../engine/index.js";

export const PAGE = 0x1000;
/** Allocation granularity of Windows (VirtualAlloc bases are 64 KiB aligned). */
export const GRANULARITY = 0x10000;
export const pageDown = (a: number): number => Math.floor(a / PAGE) * PAGE;
export const pageUp = (a: number): number => Math.ceil(a / PAGE) * PAGE;

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
} as const;

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
} as const;

export type AllocationKind = "private" | "image" | "mapped" | "system";

/** The engine permission a Windows protection maps to (x86 without NX: execute implies read). */
export function engineProt(prot: number): Prot {
  if ((prot & PageProt.GUARD) !== 0) return Prot.NONE;
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

/** A committed page with this protection allows no access at all (PAGE_NOACCESS, PAGE_GUARD). */
function inaccessible(prot: number): boolean {
  return prot !== 0 && engineProt(prot) === Prot.NONE;
}

/** The Windows protection closest to an engine permission (for allocations made by the host). */
export function pageProtOf(prot: Prot): number {
  const r = (prot & Prot.READ) !== 0;
  const w = (prot & Prot.WRITE) !== 0;
  const x = (prot & Prot.EXEC) !== 0;
  if (x) return w ? PageProt.EXECUTE_READWRITE : PageProt.EXECUTE_READ;
  if (w) return PageProt.READWRITE;
  return r ? PageProt.READONLY : PageProt.NOACCESS;
}

/** True when `prot` is one valid PAGE_* value (with optional GUARD/NOCACHE/WRITECOMBINE). */
export function validPageProt(prot: number): boolean {
  const base = prot & 0xff;
  const mods = prot & ~0xff;
  if ((mods & ~(PageProt.GUARD | PageProt.NOCACHE | PageProt.WRITECOMBINE)) !== 0) return false;
  return base !== 0 && (base & (base - 1)) === 0;
}

/**
 * Where the contents of an allocation's pages come from when they are first touched (a file
 * mapping): `fill` writes the bytes at `offset` (from the allocation base) into `into`.
 */
export interface PageSource {
  fill(offset: number, into: Uint8Array): void;
}

/** One reservation: contiguous pages with one allocation base, kind and tag. */
export interface Allocation {
  readonly base: number;
  readonly size: number;
  readonly kind: AllocationKind;
  /** What the allocation holds ("stack of thread 0x…", "kernel32.dll", "GDT", ...). */
  readonly tag: string;
  /** Protection given at allocation (MEMORY_BASIC_INFORMATION.AllocationProtect). */
  readonly allocationProtect: number;
  /** Per page: 0 = reserved (not committed), else the committed page's PAGE_* protection. */
  readonly pages: Uint16Array;
  /**
   * Per page: 1 when mapped in the engine. A committed page that is not present is mapped,
   * with its contents from `source` (else zeros), the first time anything touches it.
   */
  readonly present: Uint8Array;
  readonly source?: PageSource;
}

/** Pages materialized together on first touch (one engine region). */
const CHUNK_PAGES = 16;
/**
 * The top of a thread stack (marked with markStack) is materialized in smaller chunks: a new
 * thread touches only a few pages there before Wine's thread start clears the stack below its
 * initial context, and that clearing (zero) must read every present page to find the written
 * ones — reading a page never touched costs the host a page fault.
 */
const STACK_TOP_PAGES = 16;
const STACK_TOP_CHUNK_PAGES = 4;

/** A run of pages with the same state (MEMORY_BASIC_INFORMATION). */
export interface MemoryRegionInfo {
  readonly baseAddress: number;
  readonly allocationBase: number;
  readonly allocationProtect: number;
  readonly regionSize: number;
  /** MEM_COMMIT, MEM_RESERVE or MEM_FREE. */
  readonly state: number;
  /** Committed pages: their PAGE_*; otherwise 0. */
  readonly protect: number;
  /** MEM_PRIVATE, MEM_MAPPED, MEM_IMAGE (0 when free). */
  readonly type: number;
  readonly allocation?: Allocation;
}

/** A region as the tracer and the kernel personality list them (whole allocations). */
export interface Region {
  readonly base: number;
  readonly size: number;
  readonly prot: Prot;
  readonly tag: string;
}

const ZERO_PAGE = Buffer.alloc(PAGE);
/** True when `bytes` (at most a page) are all zero (compared natively). */
function isZero(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).equals(ZERO_PAGE.subarray(0, bytes.length));
}

export class MemoryError extends NtraceError {}

export class GuestMemory {
  /** Sorted by base, never overlapping. */
  private readonly allocations: Allocation[] = [];
  /**
   * The contents of committed pages that allow no access, per allocation and page index.
   * Such a page is never mapped in the engine, so any guest access to it is an unmapped
   * fault, which the machine reports as an access violation. Mapping it with no permission
   * would not do: unicorn 2.1 skips its read-permission check for good once an unaligned
   * read that straddled two pages faulted on the second one (cputlb.c load_helper leaves
   * `size_recur_mem` set), after which every read of a no-access page succeeds. A page that
   * was present when it lost its access keeps its bytes here (pages of zeros are not kept);
   * they are put back when the page is next materialized, and the host reads and writes
   * them here meanwhile (readAside, writeAside).
   */
  private readonly hidden = new WeakMap<Allocation, Map<number, Uint8Array>>();

  constructor(readonly engine: Engine) {}

  // ---------------------------------------------------------------- lookups

  /** Index of the allocation containing `address`, or -(insertion point) - 1. */
  private search(address: number): number {
    let lo = 0;
    let hi = this.allocations.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const a = this.allocations[mid]!;
      if (address < a.base) hi = mid - 1;
      else if (address >= a.base + a.size) lo = mid + 1;
      else return mid;
    }
    return -lo - 1;
  }

  allocationAt(address: number): Allocation | undefined {
    const i = this.search(address >>> 0);
    return i >= 0 ? this.allocations[i] : undefined;
  }

  isFree(base: number, size: number): boolean {
    const end = base + size;
    const i = this.search(base);
    if (i >= 0) return false;
    const next = this.allocations[-i - 1];
    return next === undefined || next.base >= end;
  }

  /** First free range of `size` bytes in [from, to), aligned to `align` (bottom-up or top-down). */
  findFree(size: number, from = USER_LOW, to = USER_HIGH, align = GRANULARITY, topDown = false): number | undefined {
    const s = pageUp(size);
    if (s <= 0 || s > to - from) return undefined;
    if (!topDown) {
      let candidate = Math.ceil(from / align) * align;
      for (const a of this.allocations) {
        if (a.base + a.size <= candidate) continue;
        if (candidate + s <= a.base) break;
        candidate = Math.ceil((a.base + a.size) / align) * align;
      }
      return candidate + s <= to ? candidate : undefined;
    }
    let candidate = Math.floor((to - s) / align) * align;
    for (let i = this.allocations.length - 1; i >= 0; i--) {
      const a = this.allocations[i]!;
      if (a.base >= candidate + s) continue;
      if (a.base + a.size <= candidate) break;
      candidate = Math.floor((a.base - s) / align) * align;
    }
    return candidate >= from ? candidate : undefined;
  }

  /** MEMORY_BASIC_INFORMATION of `address` (user or system space). */
  query(address: number): MemoryRegionInfo {
    const a0 = pageDown(address >>> 0);
    const i = this.search(a0);
    if (i < 0) {
      const next = this.allocations[-i - 1];
      const prev = this.allocations[-i - 2];
      const start = prev !== undefined ? prev.base + prev.size : 0;
      const end = next !== undefined ? next.base : 0x100000000;
      return { baseAddress: a0, allocationBase: 0, allocationProtect: 0, regionSize: end - a0, state: Mem.FREE, protect: PageProt.NOACCESS, type: 0, ...(start > a0 ? {} : {}) };
    }
    const a = this.allocations[i]!;
    const first = (a0 - a.base) / PAGE;
    const value = a.pages[first]!;
    let n = first + 1;
    while (n < a.pages.length && a.pages[n] === value) n++;
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
  //
  // The engine maps committed pages only, one engine region per commit, so an access to a
  // reserved page faults as unmapped. Changing the protection of part of an engine region
  // makes unicorn split it (copying its contents), so callers commit in the pieces whose
  // protection will differ (image sections) rather than protecting parts of one big commit.

  /**
   * Reserves [base, base+size) (page-rounded) as one allocation; nothing is committed.
   * Throws MemoryError when any of it is taken.
   */
  reserve(base: number, size: number, kind: AllocationKind, tag: string, allocationProtect: number = PageProt.NOACCESS, source?: PageSource): Allocation {
    const b = pageDown(base);
    const s = pageUp(base + size) - b;
    if (s <= 0 || b < 0 || b + s > 0x100000000) throw new MemoryError(`guest memory 0x${b.toString(16)}+0x${s.toString(16)} (${tag}) is outside the address space`);
    if (!this.isFree(b, s)) throw new MemoryError(`guest memory 0x${b.toString(16)}+0x${s.toString(16)} (${tag}) overlaps an existing allocation`);
    const a: Allocation = { base: b, size: s, kind, tag, allocationProtect, pages: new Uint16Array(s / PAGE), present: new Uint8Array(s / PAGE), ...(source !== undefined ? { source } : {}) };
    const i = this.search(b);
    this.allocations.splice(-i - 1, 0, a);
    return a;
  }

  /** Allocations holding a thread stack (markStack): their top is materialized in small chunks. */
  private readonly stacks = new WeakSet<Allocation>();
  /** Marks the allocation at `base` as a thread stack (it grows down from its top). */
  markStack(base: number): void {
    const a = this.allocationAt(base);
    if (a !== undefined) this.stacks.add(a);
  }

  /** Releases a whole allocation (the engine unmaps its committed pages). */
  release(base: number): boolean {
    const i = this.search(base >>> 0);
    if (i < 0 || this.allocations[i]!.base !== base >>> 0) return false;
    const a = this.allocations[i]!;
    this.forRuns(a, 0, a.pages.length, (first, last, present) => {
      if (present) this.engine.unmapMemory(a.base + first * PAGE, (last - first) * PAGE);
    });
    this.allocations.splice(i, 1);
    return true;
  }

  /** Calls `fn` for each maximal run of pages [first, last) in [from, to) that are all present (mapped) or all not. */
  private forRuns(a: Allocation, from: number, to: number, fn: (first: number, last: number, present: boolean) => void): void {
    let p = from;
    while (p < to) {
      const present = a.present[p] !== 0;
      let q = p + 1;
      while (q < to && (a.present[q] !== 0) === present) q++;
      fn(p, q, present);
      p = q;
    }
  }

  /** Maps pages [first, last) of `a` as one engine region with permission `prot`, filled from the source. */
  private mapRun(a: Allocation, first: number, last: number, prot: Prot): void {
    const at = a.base + first * PAGE;
    const len = (last - first) * PAGE;
    const kept = this.hidden.get(a);
    let keptHere = false;
    if (kept !== undefined) for (let p = first; p < last && !keptHere; p++) keptHere = kept.has(p);
    if (a.source !== undefined || keptHere) {
      const content = new Uint8Array(len);
      a.source?.fill(first * PAGE, content);
      for (let p = first; p < last && keptHere; p++) {
        const bytes = kept!.get(p);
        if (bytes === undefined) continue;
        content.set(bytes, (p - first) * PAGE);
        kept!.delete(p);
      }
      this.engine.mapMemory(at, len, Prot.RW);
      this.engine.writeMemory(at, content);
      if (prot !== Prot.RW) this.engine.protectMemory(at, len, prot);
    } else this.engine.mapMemory(at, len, prot);
    a.present.fill(1, first, last);
  }

  /** Unmaps the present pages [first, last) of `a`, keeping their contents host-side (they lost all access). */
  private hideRun(a: Allocation, first: number, last: number): void {
    const at = a.base + first * PAGE;
    const bytes = this.engine.readMemory(at, (last - first) * PAGE);
    let kept = this.hidden.get(a);
    for (let p = first; p < last; p++) {
      const page = bytes.subarray((p - first) * PAGE, (p - first + 1) * PAGE);
      if (!page.some((b) => b !== 0)) continue;
      if (kept === undefined) this.hidden.set(a, (kept = new Map()));
      kept.set(p, page.slice());
    }
    this.engine.unmapMemory(at, (last - first) * PAGE);
    a.present.fill(0, first, last);
  }

  /**
   * Maps the not-yet-present committed page `page` of `a` and its not-present neighbours with
   * the same protection (up to CHUNK_PAGES, aligned), filling them from the allocation's source.
   */
  private materialize(a: Allocation, page: number): void {
    const prot = a.pages[page]!;
    const chunk = this.stacks.has(a) && page >= a.pages.length - STACK_TOP_PAGES ? STACK_TOP_CHUNK_PAGES : CHUNK_PAGES;
    const lo = Math.floor(page / chunk) * chunk;
    const hi = Math.min(a.pages.length, lo + chunk);
    let first = page;
    while (first > lo && a.present[first - 1] === 0 && a.pages[first - 1] === prot) first--;
    let last = page + 1;
    while (last < hi && a.present[last] === 0 && a.pages[last] === prot) last++;
    this.mapRun(a, first, last, engineProt(prot));
  }

  /**
   * The engine could not access `address`: if the page is committed but not present yet, it
   * is materialized and the access can be retried (true); false for a real fault.
   */
  fault(address: number): boolean {
    const a = this.allocationAt(address >>> 0);
    if (a === undefined) return false;
    const page = (pageDown(address >>> 0) - a.base) / PAGE;
    if (a.pages[page] === 0 || a.present[page] !== 0 || inaccessible(a.pages[page]!)) return false;
    this.materialize(a, page);
    return true;
  }

  /**
   * The first touch of a guard page: PAGE_GUARD is one-shot, as Windows clears it before it
   * raises STATUS_GUARD_PAGE_VIOLATION. True when the committed
   * page holding `address` had the guard, which it no longer has (its contents are kept).
   */
  takeGuard(address: number): boolean {
    const a = this.allocationAt(address >>> 0);
    if (a === undefined) return false;
    const page = (pageDown(address >>> 0) - a.base) / PAGE;
    const prot = a.pages[page]!;
    if (prot === 0 || (prot & PageProt.GUARD) === 0) return false;
    this.protectPages(a.base + page * PAGE, PAGE, prot & ~PageProt.GUARD);
    return true;
  }

  /**
   * Zeroes [address, address+size) the way a guest loop of stores would, without making pages
   * present: a page never touched (with no source and nothing kept aside) holds zeros already;
   * any other page is written. False, with nothing written, unless the whole range is committed
   * and writable (the guest's own stores would then fault).
   */
  zero(address: number, size: number): boolean {
    if (!this.writable(address, size)) return false;
    const b = pageDown(address >>> 0);
    const end = (address >>> 0) + size;
    for (let p = b; p < end; ) {
      const a = this.allocationAt(p)!;
      const stop = Math.min(end, a.base + a.size);
      const first = (p - a.base) / PAGE;
      const last = Math.ceil((stop - a.base) / PAGE);
      this.forRuns(a, first, last, (f, l, present) => {
        const from = Math.max(address >>> 0, a.base + f * PAGE);
        const to = Math.min(stop, a.base + l * PAGE);
        if (present) {
          // Present pages are read in one call (a read costs the engine little, a write makes
          // it drop the translated code of each page) and only those holding something written.
          const bytes = this.engine.readMemory(from, to - from);
          for (let at = from; at < to; ) {
            const next = Math.min(to, pageDown(at) + PAGE);
            const piece = bytes.subarray(at - from, next - from);
            if (!isZero(piece)) this.engine.writeMemory(at, new Uint8Array(piece.length));
            at = next;
          }
        } else {
          // Pages never touched that have no source hold zeros already.
          const kept = this.hidden.get(a);
          for (let q = f; q < l; q++) {
            if (a.source === undefined && kept?.has(q) !== true) continue;
            const at = Math.max(from, a.base + q * PAGE);
            this.write(at, new Uint8Array(Math.min(to, a.base + (q + 1) * PAGE) - at));
          }
        }
      });
      p = stop;
    }
    return true;
  }

  /**
   * Makes every committed page of [address, address+size) present (before the host reads or
   * writes it), except pages that allow no access and, for a read, pages never touched that
   * have no source (they hold zeros: a host read of untouched memory maps nothing, however
   * large). False when the range holds such a page: the host then reads or writes it aside
   * (readAside / writeAside). A page that is not allocated or not committed is a MemoryError
   * naming the address, never an access the engine refuses with its own message.
   */
  ensurePresent(address: number, size: number, access: "read" | "write"): boolean {
    let p = pageDown(address >>> 0);
    const end = (address >>> 0) + size;
    const refuse: (at: number, why: string) => never = (at, why) => {
      throw new MemoryError(`guest memory 0x${(address >>> 0).toString(16)}+0x${size.toString(16)} (host ${access}): 0x${at.toString(16)} ${why}`);
    };
    if (end > 0x100000000) refuse(0x100000000, "is past the 32-bit address space");
    let engineOnly = true;
    while (p < end) {
      const a = this.allocationAt(p);
      if (a === undefined) refuse(Math.max(p, address >>> 0), "is not allocated");
      const stop = Math.min(end, a.base + a.size);
      for (; p < stop; p += PAGE) {
        const page = (p - a.base) / PAGE;
        const prot = a.pages[page]!;
        if (prot === 0) refuse(Math.max(p, address >>> 0), `is reserved but not committed (${a.tag})`);
        if (a.present[page] !== 0) continue;
        if (inaccessible(prot) || (access === "read" && a.source === undefined && this.hidden.get(a)?.has(page) !== true)) engineOnly = false;
        else this.materialize(a, page);
      }
    }
    return engineOnly;
  }

  /** Calls `fn` for each piece of [address, address+size) within one page, with the page's allocation and index when the engine does not map it. */
  private eachPage(address: number, size: number, fn: (at: number, n: number, aside: { readonly a: Allocation; readonly page: number } | undefined) => void): void {
    let at = address >>> 0;
    const end = at + size;
    while (at < end) {
      const n = Math.min(end, pageDown(at) + PAGE) - at;
      const a = this.allocationAt(at);
      const page = a !== undefined ? (pageDown(at) - a.base) / PAGE : 0;
      fn(at, n, a !== undefined && a.pages[page] !== 0 && a.present[page] === 0 ? { a, page } : undefined);
      at += n;
    }
  }
  /** A host read of a range holding pages the engine does not map: their kept bytes, or zeros; the engine's elsewhere. */
  private readAside(address: number, size: number): Uint8Array {
    const out = new Uint8Array(size);
    this.eachPage(address, size, (at, n, aside) => {
      const into = at - (address >>> 0);
      if (aside === undefined) out.set(this.engine.readMemory(at, n), into);
      else {
        const bytes = this.hidden.get(aside.a)?.get(aside.page);
        if (bytes !== undefined) out.set(bytes.subarray(at - pageDown(at), at - pageDown(at) + n), into);
      }
    });
    return out;
  }
  /** A host write to a range holding pages that allow no access: their kept bytes change. */
  private writeAside(address: number, bytes: Uint8Array): void {
    this.eachPage(address, bytes.length, (at, n, aside) => {
      const piece = bytes.subarray(at - (address >>> 0), at - (address >>> 0) + n);
      if (aside === undefined) return this.engine.writeMemory(at, piece);
      let pages = this.hidden.get(aside.a);
      if (pages === undefined) this.hidden.set(aside.a, (pages = new Map()));
      let page = pages.get(aside.page);
      if (page === undefined) pages.set(aside.page, (page = new Uint8Array(PAGE)));
      page.set(piece, at - pageDown(at));
    });
  }

  // ---------------------------------------------------------------- commit / protect

  /** The allocation holding all of [b, e), or a MemoryError. */
  private within(b: number, e: number): Allocation {
    const a = this.allocationAt(b);
    if (a === undefined || e > a.base + a.size || e <= b) throw new MemoryError(`guest memory 0x${b.toString(16)}..0x${e.toString(16)} is not inside one allocation`);
    return a;
  }

  /**
   * Commits pages with a protection (committing committed pages changes their protection).
   * Pages are mapped in the engine when first touched (by the guest: a fault; by the host:
   * ensurePresent), a chunk at a time: committing is free, and a later protection change
   * splits only small engine regions (unicorn copies a whole region to split it). `eager`
   * maps them now (host-owned memory the CPU reads by itself, like the GDT).
   */
  commit(address: number, size: number, prot: number, mapping: "lazy" | "eager" = "lazy"): void {
    const b = pageDown(address >>> 0);
    const e = pageUp((address >>> 0) + size);
    const a = this.within(b, e);
    const first = (b - a.base) / PAGE;
    const last = (e - a.base) / PAGE;
    const ep = engineProt(prot);
    this.forRuns(a, first, last, (f, l, present) => {
      const at = a.base + f * PAGE;
      const len = (l - f) * PAGE;
      if (present) {
        if (inaccessible(prot)) this.hideRun(a, f, l);
        else this.engine.protectMemory(at, len, ep);
      } else if (mapping === "eager" && !inaccessible(prot)) this.mapRun(a, f, l, ep);
    });
    a.pages.fill(prot, first, last);
  }

  /** Decommits pages: they become reserved (unmapped) and read as zero when committed again. */
  decommit(address: number, size: number): void {
    const b = pageDown(address >>> 0);
    const e = pageUp((address >>> 0) + size);
    const a = this.within(b, e);
    const first = (b - a.base) / PAGE;
    const last = (e - a.base) / PAGE;
    this.forRuns(a, first, last, (f, l, present) => {
      if (present) this.engine.unmapMemory(a.base + f * PAGE, (l - f) * PAGE);
    });
    a.pages.fill(0, first, last);
    a.present.fill(0, first, last);
    const kept = this.hidden.get(a);
    if (kept !== undefined) for (let p = first; p < last; p++) kept.delete(p);
  }

  /**
   * Changes the protection of committed pages; returns the old protection of the first page,
   * or undefined when a page in the range is not committed.
   */
  protectPages(address: number, size: number, prot: number): number | undefined {
    const b = pageDown(address >>> 0);
    const e = pageUp((address >>> 0) + size);
    const a = this.allocationAt(b);
    if (a === undefined || e > a.base + a.size) return undefined;
    const first = (b - a.base) / PAGE;
    const last = (e - a.base) / PAGE;
    for (let p = first; p < last; p++) if (a.pages[p] === 0) return undefined;
    const old = a.pages[first]!;
    // Pages whose engine permission does not change, and pages not present yet, need no
    // engine call (and no region split). Present pages that lose all access leave the engine.
    const ep = engineProt(prot);
    let p = first;
    while (p < last) {
      const change = a.present[p] !== 0 && engineProt(a.pages[p]!) !== ep;
      let q = p + 1;
      while (q < last && (a.present[q] !== 0 && engineProt(a.pages[q]!) !== ep) === change) q++;
      if (change && inaccessible(prot)) this.hideRun(a, p, q);
      else if (change) this.engine.protectMemory(a.base + p * PAGE, (q - p) * PAGE, ep);
      p = q;
    }
    a.pages.fill(prot, first, last);
    return old;
  }

  /**
   * Puts the committed pages [address, address+size) of one allocation on a fresh host buffer
   * (Engine.mapHostMemory), with their protection and contents, and returns the host's view of
   * it: for pages the guest may only read but the host rewrites often (the GDT's TEB entry at
   * every context switch, KUSER_SHARED_DATA's clock). A host write through the view costs no
   * engine call, where writing a read-only engine page through the engine makes unicorn
   * rebuild its whole memory map twice. Undefined when the engine maps no host memory.
   */
  hostView(address: number, size: number): Uint8Array | undefined {
    if (this.engine.mapHostMemory === undefined) return undefined;
    const b = pageDown(address >>> 0);
    const a = this.within(b, b + pageUp(size));
    const prot = engineProt(a.pages[(b - a.base) / PAGE]!);
    this.ensurePresent(b, pageUp(size), "write");
    const bytes = this.engine.readMemory(b, pageUp(size));
    this.engine.unmapMemory(b, pageUp(size));
    const view = this.engine.mapHostMemory(b, pageUp(size), prot);
    view.set(bytes);
    return view;
  }

  // ---------------------------------------------------------------- host conveniences

  /** Reserves and commits [base, base+size) with an engine permission (host-owned memory). */
  mapAt(base: number, size: number, prot: Prot, tag: string, kind: AllocationKind = base >= SYSTEM_LOW ? "system" : "private"): Region {
    const p = prot === Prot.NONE ? PageProt.NOACCESS : pageProtOf(prot);
    const a = this.reserve(base, size, kind, tag, p);
    this.commit(a.base, a.size, p, "eager");
    return { base: a.base, size: a.size, prot, tag };
  }

  /** Reserves and commits `size` bytes anywhere in [from, to) (64 KiB aligned by default). */
  allocate(size: number, prot: Prot, tag: string, from = USER_LOW, to = USER_HIGH, align = GRANULARITY): Region {
    const base = this.findFree(size, from, to, align);
    if (base === undefined) throw new MemoryError(`guest memory exhausted allocating 0x${size.toString(16)} bytes for ${tag}`);
    return this.mapAt(base, size, prot, tag);
  }

  /** Host-side protection change of committed pages (engine permission). Returns the old one. */
  protect(address: number, size: number, prot: Prot): Prot | undefined {
    const old = this.protectPages(address, size, prot === Prot.NONE ? PageProt.NOACCESS : pageProtOf(prot));
    return old === undefined ? undefined : engineProt(old);
  }

  /** Alias of release (older name used by the tracer and the kernel personality). */
  free(base: number): boolean {
    return this.release(base);
  }

  /** The allocation containing `address` as a Region. */
  regionAt(address: number): Region | undefined {
    const a = this.allocationAt(address);
    return a === undefined ? undefined : toRegion(a);
  }

  list(): readonly Region[] {
    return this.allocations.map(toRegion);
  }

  /** Every allocation (read-only view). */
  allocationsList(): readonly Allocation[] {
    return this.allocations;
  }

  // ---------------------------------------------------------------- access (little-endian)

  read(address: number, size: number): Uint8Array {
    if (!this.ensurePresent(address, size, "read")) return this.readAside(address, size);
    return this.engine.readMemory(address >>> 0, size);
  }
  write(address: number, bytes: Uint8Array): void {
    if (!this.ensurePresent(address, bytes.length, "write")) return this.writeAside(address, bytes);
    this.engine.writeMemory(address >>> 0, bytes);
  }
  /**
   * Writes many small, non-overlapping pieces (the tracer's patches to a module's functions):
   * the pieces on a run of pages that each hold one are written as one engine write of the
   * span (read, patched, written back). unicorn makes a read-only region writable and back
   * again around every write to it, rebuilding its memory map both times (~60 µs with a
   * process's regions), so patching Wine's kernelbase one piece at a time took ~0.2 s.
   * Returns the spans written, [begin, end), for the caller to flush translated code in.
   */
  writeEach(pieces: readonly { readonly address: number; readonly bytes: Uint8Array }[]): Array<readonly [number, number]> {
    const order = pieces.map((_, i) => i).sort((a, b) => pieces[a]!.address - pieces[b]!.address);
    const spans: Array<readonly [number, number]> = [];
    for (let i = 0; i < order.length; ) {
      const first = pieces[order[i]!]!;
      const begin = first.address >>> 0;
      let end = begin + first.bytes.length;
      let j = i + 1;
      // the next piece starts on the span's last page or the page after it
      for (; j < order.length && pageDown(pieces[order[j]!]!.address >>> 0) <= pageDown(end - 1) + PAGE; j++) {
        const p = pieces[order[j]!]!;
        end = Math.max(end, (p.address >>> 0) + p.bytes.length);
      }
      const group = order.slice(i, j).sort((a, b) => a - b); // applied in the caller's order
      if (this.ensurePresent(begin, end - begin, "write")) {
        const span = this.engine.readMemory(begin, end - begin);
        for (const k of group) span.set(pieces[k]!.bytes, (pieces[k]!.address >>> 0) - begin);
        this.engine.writeMemory(begin, span);
      } else {
        for (const k of group) this.write(pieces[k]!.address, pieces[k]!.bytes);
      }
      spans.push([begin, end]);
      i = j;
    }
    return spans;
  }
  u32(address: number): number {
    if (!this.ensurePresent(address, 4, "read")) return new DataView(this.readAside(address, 4).buffer).getUint32(0, true);
    return this.engine.readU32(address >>> 0);
  }
  setU32(address: number, value: number): void {
    if (!this.ensurePresent(address, 4, "write")) return this.writeAside(address, new Uint8Array(new Uint32Array([value >>> 0]).buffer));
    this.engine.writeU32(address >>> 0, value);
  }
  u16(address: number): number {
    const b = this.read(address, 2);
    return b[0]! | (b[1]! << 8);
  }
  setU16(address: number, value: number): void {
    this.write(address, new Uint8Array([value & 0xff, (value >>> 8) & 0xff]));
  }
  u8(address: number): number {
    return this.read(address, 1)[0]!;
  }
  setU8(address: number, value: number): void {
    this.write(address, new Uint8Array([value & 0xff]));
  }
  /** True when [address, address+size) is committed and readable (checked without touching the engine). */
  readable(address: number, size: number): boolean {
    return this.accessible(address, size, false);
  }
  writable(address: number, size: number): boolean {
    return this.accessible(address, size, true);
  }
  private accessible(address: number, size: number, write: boolean): boolean {
    if (size <= 0) return true;
    let p = pageDown(address >>> 0);
    const end = (address >>> 0) + size;
    if (end > 0x100000000) return false;
    while (p < end) {
      const a = this.allocationAt(p);
      if (a === undefined) return false;
      const stop = Math.min(end, a.base + a.size);
      for (; p < stop; p += PAGE) {
        const prot = engineProt(a.pages[(p - a.base) / PAGE]!);
        if ((prot & Prot.READ) === 0 || (write && (prot & Prot.WRITE) === 0)) return false;
      }
    }
    return true;
  }
  /** NUL-terminated 8-bit string (at most `max` bytes). */
  cstring(address: number, max = 4096): string {
    let out = "";
    for (let a = address; a < address + max; a += 64) {
      const chunk = this.readSome(a, Math.min(64, address + max - a));
      for (const c of chunk) {
        if (c === 0) return out;
        out += String.fromCharCode(c);
      }
      if (chunk.length < 64) return out;
    }
    return out;
  }
  /** NUL-terminated UTF-16LE string (at most `max` characters). */
  wstring(address: number, max = 4096): string {
    let out = "";
    for (let a = address; a < address + 2 * max; a += 128) {
      const chunk = this.readSome(a, Math.min(128, address + 2 * max - a));
      for (let i = 0; i + 1 < chunk.length; i += 2) {
        const c = chunk[i]! | (chunk[i + 1]! << 8);
        if (c === 0) return out;
        out += String.fromCharCode(c);
      }
      if (chunk.length < 128) return out;
    }
    return out;
  }
  /** Reads up to `size` bytes, stopping at the first page that is not readable. */
  readSome(address: number, size: number): Uint8Array {
    let n = 0;
    while (n < size && this.readable(address + n, 1)) n = Math.min(size, pageDown(address + n) + PAGE - address);
    return n === 0 ? new Uint8Array(0) : this.read(address, n);
  }
}

function toRegion(a: Allocation): Region {
  return { base: a.base, size: a.size, prot: engineProt(a.pages[0] ?? 0), tag: a.tag };
}
