/**
 * Guest memory: page-granular regions mapped in the engine (unicorn-owned memory only; the
 * guest never aliases host buffers), each with a protection and a tag naming what it holds.
 * VirtualAlloc, heaps, stacks, TEBs and the loader all allocate through here.
 */
import type { Engine, Prot } from "./engine/index.js";
import { NtraceError } from "../base/index.js";

export const PAGE = 0x1000;
export const pageDown = (a: number): number => Math.floor(a / PAGE) * PAGE;
export const pageUp = (a: number): number => Math.ceil(a / PAGE) * PAGE;

export interface Region {
  readonly base: number;
  readonly size: number;
  prot: Prot;
  readonly tag: string;
}

/** Where `allocate` searches when no address is given: user space above 64 KiB. */
const USER_LOW = 0x00100000;
const USER_HIGH = 0x7f000000;

export class GuestMemory {
  private readonly regions: Region[] = []; // sorted by base
  constructor(readonly engine: Engine) {}

  /** The region containing `address`, if any. */
  regionAt(address: number): Region | undefined {
    for (const r of this.regions) if (address >= r.base && address < r.base + r.size) return r;
    return undefined;
  }

  isFree(base: number, size: number): boolean {
    const end = base + size;
    return this.regions.every((r) => end <= r.base || base >= r.base + r.size);
  }

  /** Maps [base, base+size) (rounded to pages); throws when any of it is taken. */
  mapAt(base: number, size: number, prot: Prot, tag: string): Region {
    const b = pageDown(base);
    const s = pageUp(base + size) - b;
    if (!this.isFree(b, s)) throw new NtraceError(`guest memory 0x${b.toString(16)}+0x${s.toString(16)} (${tag}) overlaps an existing region`);
    this.engine.mapMemory(b, s, prot);
    const region: Region = { base: b, size: s, prot, tag };
    this.regions.push(region);
    this.regions.sort((x, y) => x.base - y.base);
    return region;
  }

  /** First free range of `size` bytes at or above `from` (aligned to `align`). */
  findFree(size: number, from = USER_LOW, to = USER_HIGH, align = 0x10000): number | undefined {
    const s = pageUp(size);
    let candidate = Math.ceil(from / align) * align;
    for (const r of this.regions) {
      if (r.base + r.size <= candidate) continue;
      if (candidate + s <= r.base) break;
      candidate = Math.ceil((r.base + r.size) / align) * align;
    }
    return candidate + s <= to ? candidate : undefined;
  }

  /** Allocates `size` bytes anywhere in user space (64 KiB-aligned, as VirtualAlloc). */
  allocate(size: number, prot: Prot, tag: string, from = USER_LOW, to = USER_HIGH, align = 0x10000): Region {
    const base = this.findFree(size, from, to, align);
    if (base === undefined) throw new NtraceError(`guest memory exhausted allocating 0x${size.toString(16)} bytes for ${tag}`);
    return this.mapAt(base, size, prot, tag);
  }

  free(base: number): boolean {
    const i = this.regions.findIndex((r) => r.base === base);
    if (i < 0) return false;
    const r = this.regions[i]!;
    this.engine.unmapMemory(r.base, r.size);
    this.regions.splice(i, 1);
    return true;
  }

  /** Changes the protection of whole pages inside one region; returns the old protection. */
  protect(address: number, size: number, prot: Prot): Prot | undefined {
    const r = this.regionAt(address);
    if (r === undefined) return undefined;
    const b = pageDown(address);
    const e = Math.min(pageUp(address + size), r.base + r.size);
    const old = r.prot;
    this.engine.protectMemory(b, e - b, prot);
    if (b === r.base && e === r.base + r.size) r.prot = prot;
    return old;
  }

  list(): readonly Region[] {
    return this.regions;
  }

  // Convenience accessors (little-endian) over the engine.
  read(address: number, size: number): Uint8Array {
    return this.engine.readMemory(address >>> 0, size);
  }
  write(address: number, bytes: Uint8Array): void {
    this.engine.writeMemory(address >>> 0, bytes);
  }
  u32(address: number): number {
    return this.engine.readU32(address >>> 0);
  }
  setU32(address: number, value: number): void {
    this.engine.writeU32(address >>> 0, value);
  }
  u16(address: number): number {
    const b = this.read(address, 2);
    return b[0]! | (b[1]! << 8);
  }
  setU16(address: number, value: number): void {
    this.write(address, new Uint8Array([value & 0xff, (value >>> 8) & 0xff]));
  }
  /** NUL-terminated 8-bit string (at most `max` bytes). */
  cstring(address: number, max = 4096): string {
    let out = "";
    for (let a = address; a < address + max; a += 64) {
      const chunk = this.readSome(a, 64);
      for (const c of chunk) {
        if (c === 0) return out;
        out += String.fromCharCode(c);
      }
      if (chunk.length < 64) return out;
    }
    return out;
  }
  /** NUL-terminated UTF-16LE string. */
  wstring(address: number, max = 4096): string {
    let out = "";
    for (let i = 0; i < max; i++) {
      const c = this.u16(address + i * 2);
      if (c === 0) break;
      out += String.fromCharCode(c);
    }
    return out;
  }
  /** Reads up to `size` bytes, stopping at the end of mapped memory. */
  private readSome(address: number, size: number): Uint8Array {
    const r = this.regionAt(address);
    if (r === undefined) return new Uint8Array(0);
    return this.read(address, Math.min(size, r.base + r.size - address));
  }
}
