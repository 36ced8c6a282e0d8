/**
 * Builds a synthetic MSF 7.00 PDB with many functions (one module, one S_GPROC32 + S_END per
 * function, one S_PUB32 per function, a .text section header), for scale tests and the
 * symbolization benchmark (issue 8: 100,000 functions). Only the streams ntrace reads are
 * filled in; the layout follows llvm.org/docs/PDB/.
 */
import { writeMsf } from "./msf-writer.js";

export interface SynthFunction {
  name: string;
  /** Offset in .text (section 1). */
  offset: number;
  size: number;
}

export interface SynthPdbOptions {
  functions: readonly SynthFunction[];
  textRva?: number;
  guid?: Uint8Array;
  age?: number;
  blockSize?: number;
}

class Bytes {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private grow(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): this {
    this.grow(1);
    this.buf[this.length++] = v;
    return this;
  }
  u16(v: number): this {
    this.grow(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
    return this;
  }
  u32(v: number): this {
    this.grow(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.grow(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }
  cstring(s: string): this {
    return this.bytes(new TextEncoder().encode(s)).u8(0);
  }
  align(n: number): this {
    while (this.length % n !== 0) this.u8(0);
    return this;
  }
  setU16(at: number, v: number): void {
    this.view.setUint16(at, v, true);
  }
  setU32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, true);
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const S_PUB32 = 0x110e;
const S_GPROC32 = 0x1110;
const S_END = 0x0006;

export function synthPdb(options: SynthPdbOptions): Uint8Array {
  const textRva = options.textRva ?? 0x1000;
  const fns = options.functions;
  const textSize = fns.reduce((m, f) => Math.max(m, f.offset + f.size), 0);
  const guid = options.guid ?? Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);
  const age = options.age ?? 1;

  const info = new Bytes().u32(20000404).u32(0x5eed).u32(age).bytes(guid);
  // Empty named stream map: no string buffer; hash table of size 0, capacity 1, one empty
  // present word, no deleted words; no feature codes (so no IPI stream).
  info.u32(0).u32(0).u32(1).u32(1).u32(0).u32(0);
  const SYMREC = 4;
  const MODULE = 5;
  const SECTIONS = 6;

  const records = new Bytes();
  for (const f of fns) {
    const start = records.length;
    records.u16(0).u16(S_PUB32).u32(2).u32(f.offset).u16(1).cstring(`_${f.name}`).align(4);
    records.setU16(start, records.length - start - 2);
  }

  const module = new Bytes().u32(4);
  for (const f of fns) {
    const start = module.length;
    module.u16(0).u16(S_GPROC32).u32(0).u32(0).u32(0).u32(f.size).u32(0).u32(f.size).u32(0).u32(f.offset).u16(1).u8(0).cstring(f.name).align(4);
    module.setU16(start, module.length - start - 2);
    module.setU32(start + 8, module.length); // End: the S_END record that follows
    module.u16(2).u16(S_END);
  }
  const symByteSize = module.length;
  module.u32(0); // GlobalRefsSize: no C11/C13 data, no global refs

  const sections = new Bytes().bytes(new TextEncoder().encode(".text\0\0\0")).u32(textSize).u32(textRva).u32(0).u32(0).u32(0).u32(0).u16(0).u16(0).u32(0x60000020);

  const modInfo = new Bytes().u32(0);
  modInfo.u16(1).u16(0).u32(0).u32(textSize).u32(0x60000020).u16(0).u16(0).u32(0).u32(0); // SectionContr
  modInfo.u16(0).u16(MODULE).u32(symByteSize).u32(0).u32(0).u16(0).u16(0).u32(0).u32(0).u32(0);
  modInfo.cstring("synth.obj").cstring("synth.obj").align(4);
  // File info: one module with no source files (llvm-pdbutil insists on the header).
  const fileInfo = new Bytes().u16(1).u16(0).u16(0).u16(0).align(4);
  const secContr = new Bytes().u32((0xeffe0000 + 19970605) >>> 0);
  const dbgHeader = new Bytes();
  for (let i = 0; i < 11; i++) dbgHeader.u16(i === 5 ? SECTIONS : 0xffff);

  const dbi = new Bytes().u32(0xffffffff).u32(19990903).u32(age).u16(0xffff).u16(0x8e1d).u16(0xffff).u16(0).u16(SYMREC).u16(0);
  dbi.u32(modInfo.length).u32(secContr.length).u32(0).u32(fileInfo.length).u32(0).u32(0).u32(dbgHeader.length).u32(0).u16(0).u16(0x14c).u32(0);
  dbi.bytes(modInfo.done()).bytes(secContr.done()).bytes(fileInfo.done()).bytes(dbgHeader.done());
  // An empty TPI stream: header only (version V80, no type records, no hash stream).
  const tpi = new Bytes().u32(20040203).u32(56).u32(0x1000).u32(0x1000).u32(0).u16(0xffff).u16(0xffff).u32(4).u32(0x3ffff);
  for (let i = 0; i < 6; i++) tpi.u32(0);

  const streams = [new Uint8Array(0), info.done(), tpi.done(), dbi.done(), records.done(), module.done(), sections.done()];
  return writeMsf(streams, options.blockSize ?? 4096, false);
}

/** `count` functions of varied sizes laid out back to back with small gaps. */
export function manyFunctions(count: number): SynthFunction[] {
  const out: SynthFunction[] = [];
  let offset = 0x10;
  for (let i = 0; i < count; i++) {
    const size = 8 + ((i * 7919) % 400);
    out.push({ name: `function_${i}`, offset, size });
    offset += size + 1 + (i % 16);
  }
  return out;
}
