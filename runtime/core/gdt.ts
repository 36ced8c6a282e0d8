/**
 * The GDT the machine's segments come from. unicorn cannot set FS_BASE in 32-bit mode, so the
 * table lives in guest memory (kernel range), GDTR points at it (uc_x86_mmr) and selectors are
 * loaded from it. Layout follows Windows x86 (KGDT_*):
 *   0x08 ring-0 code, 0x10 ring-0 data, 0x18|3 ring-3 code, 0x20|3 ring-3 data,
 *   0x28 TSS (unused), 0x30 KPCR (ring-0 fs, per CPU), 0x38|3 TEB (ring-3 fs, per thread).
 * The TEB and KPCR entries are rewritten on a context switch and FS is reloaded so the
 * engine's cached base follows.
 */
import { Prot, X86Reg, type Engine } from "../engine/index.js";
import { GDT_BASE } from "./layout.js";
import type { GuestMemory } from "./memory.js";

export { GDT_BASE };

export const Selector = {
  R0_CODE: 0x08,
  R0_DATA: 0x10,
  R3_CODE: 0x1b,
  R3_DATA: 0x23,
  TSS: 0x28,
  R0_PCR: 0x30,
  R3_TEB: 0x3b,
} as const;

const GDT_ENTRIES = 16;

/** One 8-byte segment descriptor (32-bit, byte granular for small limits, 4K otherwise). */
export function descriptor(base: number, limit: number, access: number): Uint8Array {
  const d = new Uint8Array(8);
  let flags = 0x4; // D/B: 32-bit
  let lim = limit;
  if (limit > 0xfffff) {
    flags |= 0x8; // G: 4 KiB units
    lim = limit >>> 12;
  }
  d[0] = lim & 0xff;
  d[1] = (lim >>> 8) & 0xff;
  d[2] = base & 0xff;
  d[3] = (base >>> 8) & 0xff;
  d[4] = (base >>> 16) & 0xff;
  d[5] = access;
  d[6] = (flags << 4) | ((lim >>> 16) & 0x0f);
  d[7] = (base >>> 24) & 0xff;
  return d;
}

// access bytes: present | DPL | code/data | type, with the accessed bit already set (as in
// Windows' GDT): loading a selector then never writes to the table, which user mode keeps
// read-only.
const CODE_R0 = 0x9b;
const DATA_R0 = 0x93;
const CODE_R3 = 0xfb;
const DATA_R3 = 0xf3;

export class Gdt {
  /** The host's view of the table once user mode made it read-only (hostView): written without engine calls. */
  private view: Uint8Array | undefined;

  constructor(
    private readonly engine: Engine,
    memory: GuestMemory,
  ) {
    memory.mapAt(GDT_BASE, 0x1000, 3, "GDT");
    const table = new Uint8Array(GDT_ENTRIES * 8);
    const put = (sel: number, d: Uint8Array) => table.set(d, sel & ~7);
    put(Selector.R0_CODE, descriptor(0, 0xffffffff, CODE_R0));
    put(Selector.R0_DATA, descriptor(0, 0xffffffff, DATA_R0));
    put(Selector.R3_CODE, descriptor(0, 0xffffffff, CODE_R3));
    put(Selector.R3_DATA, descriptor(0, 0xffffffff, DATA_R3));
    put(Selector.R0_PCR, descriptor(0, 0xfff, DATA_R0));
    put(Selector.R3_TEB, descriptor(0, 0xfff, DATA_R3));
    engine.writeMemory(GDT_BASE, table);
    engine.writeDescriptorTableRegister(X86Reg.GDTR, GDT_BASE, GDT_ENTRIES * 8 - 1);
  }

  /**
   * Drops the CPU to CPL 3 the way an OS does: unicorn derives CPL from SS's DPL and refuses
   * an SS whose DPL differs from the current CPL, so the segments cannot simply be written.
   * Instead ring-0 code runs one `iretd` (at `iretAt`) with a ring-3 frame (EIP = `landAt`,
   * CS 0x1B, EFLAGS, ESP, SS 0x23); the run stops when EIP reaches `landAt`.
   * `scratch` is 32 writable bytes for the frame.
   */
  enterUserMode(iretAt: number, landAt: number, scratch: number): void {
    const e = this.engine;
    e.writeRegister(X86Reg.SS, Selector.R0_DATA);
    e.writeRegister(X86Reg.DS, Selector.R3_DATA);
    e.writeRegister(X86Reg.ES, Selector.R3_DATA);
    e.writeRegister(X86Reg.FS, Selector.R3_TEB);
    e.writeRegister(X86Reg.GS, 0);
    e.writeMemory(iretAt, new Uint8Array([0xcf])); // iretd
    const frame = new Uint8Array(20);
    const v = new DataView(frame.buffer);
    v.setUint32(0, landAt, true);
    v.setUint32(4, Selector.R3_CODE, true);
    v.setUint32(8, 0x202, true);
    v.setUint32(12, scratch + 0x20, true);
    v.setUint32(16, Selector.R3_DATA, true);
    e.writeMemory(scratch, frame);
    e.writeRegister(X86Reg.ESP, scratch);
    e.start(iretAt, landAt, 0, 1);
    e.writeMemory(iretAt, new Uint8Array([0xcc]));
  }

  /**
   * Kernel mode: stays at CPL 0 with the ring-0 selectors (CS 0x08, SS/DS/ES 0x10) and
   * fs = 0x30 (KPCR; its base is set per CPU with setKpcr).
   */
  enterKernelMode(): void {
    const e = this.engine;
    e.writeRegister(X86Reg.SS, Selector.R0_DATA);
    e.writeRegister(X86Reg.CS, Selector.R0_CODE);
    e.writeRegister(X86Reg.DS, Selector.R0_DATA);
    e.writeRegister(X86Reg.ES, Selector.R0_DATA);
    e.writeRegister(X86Reg.FS, Selector.R0_PCR);
    e.writeRegister(X86Reg.GS, 0);
  }

  /**
   * User mode: ring 3 may read the table (the CPU does, at CPL 3, whenever a segment is
   * loaded) but not write it; the host keeps rewriting the TEB entry, through a view of the
   * page when the engine maps host memory.
   */
  makeReadOnly(memory: GuestMemory): void {
    memory.protect(GDT_BASE, 0x1000, Prot.READ);
    this.view = memory.hostView(GDT_BASE, 0x1000);
  }

  /** Points the TEB selector at `teb` and reloads FS (user-mode context switch). */
  setTeb(teb: number): void {
    const entry = descriptor(teb, 0xfff, DATA_R3);
    if (this.view !== undefined) this.view.set(entry, Selector.R3_TEB & ~7);
    else this.engine.writeMemory(GDT_BASE + (Selector.R3_TEB & ~7), entry);
    this.engine.writeRegister(X86Reg.FS, Selector.R3_TEB);
  }

  /** Points the KPCR selector at `kpcr` (kernel personality, per CPU). */
  setKpcr(kpcr: number, reload: boolean): void {
    this.engine.writeMemory(GDT_BASE + (Selector.R0_PCR & ~7), descriptor(kpcr, 0xfff, DATA_R0));
    if (reload) this.engine.writeRegister(X86Reg.FS, Selector.R0_PCR);
  }
}
