/**
 * A small hand-laid-out PE32 DLL exercising what the samples may not: imports by ordinal, an
 * import descriptor without a lookup table (IAT only), several names for one ordinal, an empty
 * address slot, forwarder and data exports, an NB10 CodeView record, a debug blob reachable
 * only through PointerToRawData, a section whose VirtualSize exceeds its raw data, a long
 * section name ("/28"), and a COFF symbol table with an aux record. (Checked once with
 * llvm-readobj when written; the layout is spelled out here so the expectations are literal.)
 */
export const SYNTH = {
  imageBase: 0x10000000,
  entryRva: 0x1000,
  rdataRva: 0x2000,
  rdataFile: 0x600,
  rdataRawSize: 0x400,
  rdataVirtualSize: 0x2000,
  exportDir: { rva: 0x2200, size: 0x100 },
  importDir: { rva: 0x2000, size: 60 },
  debugDir: { rva: 0x2300, size: 56 },
  relocDir: { rva: 0x2380, size: 12 },
  symbolTable: 0xa00,
};

export function buildSyntheticDll(): Uint8Array {
  const b = new Uint8Array(0xc00);
  const dv = new DataView(b.buffer);
  const u16 = (o: number, v: number) => dv.setUint16(o, v, true);
  const u32 = (o: number, v: number) => dv.setUint32(o, v >>> 0, true);
  const str = (o: number, s: string) => b.set(new TextEncoder().encode(s + "\0"), o);
  const R = (rvaValue: number) => rvaValue - SYNTH.rdataRva + SYNTH.rdataFile; // .rdata RVA → file offset

  // DOS header and NT headers.
  str(0, "MZ");
  u32(0x3c, 0x80);
  u32(0x80, 0x4550);
  const fh = 0x84;
  u16(fh, 0x14c);
  u16(fh + 2, 3); // sections
  u32(fh + 4, 0x12345678);
  u32(fh + 8, SYNTH.symbolTable);
  u32(fh + 12, 3); // symbols, counting the aux record
  u16(fh + 16, 0xe0);
  u16(fh + 18, 0x2102); // EXECUTABLE_IMAGE | 32BIT_MACHINE | DLL
  const oh = fh + 20;
  u16(oh, 0x10b);
  u32(oh + 16, SYNTH.entryRva);
  u32(oh + 28, SYNTH.imageBase);
  u32(oh + 32, 0x1000);
  u32(oh + 36, 0x200);
  u16(oh + 40, 4);
  u16(oh + 48, 4);
  u32(oh + 56, 0x5000);
  u32(oh + 60, 0x400);
  u16(oh + 68, 3); // WINDOWS_CUI
  u32(oh + 72, 0x100000);
  u32(oh + 76, 0x1000);
  u32(oh + 92, 16);
  const dd = (i: number, d: { rva: number; size: number }) => {
    u32(oh + 96 + i * 8, d.rva);
    u32(oh + 100 + i * 8, d.size);
  };
  dd(0, SYNTH.exportDir);
  dd(1, SYNTH.importDir);
  dd(5, SYNTH.relocDir);
  dd(6, SYNTH.debugDir);

  // Section table.
  const sec = (i: number, name: string, rvaValue: number, vsize: number, raw: number, rawSize: number, ch: number) => {
    const at = oh + 0xe0 + i * 40;
    b.set(new TextEncoder().encode(name), at);
    u32(at + 8, vsize);
    u32(at + 12, rvaValue);
    u32(at + 16, rawSize);
    u32(at + 20, raw);
    u32(at + 36, ch);
  };
  sec(0, ".text", 0x1000, 0x100, 0x400, 0x200, 0x60000020);
  sec(1, "/28", SYNTH.rdataRva, SYNTH.rdataVirtualSize, SYNTH.rdataFile, SYNTH.rdataRawSize, 0x40000040);
  sec(2, ".data", 0x4000, 0x10, 0, 0, 0xc0000040);

  // .text: a ret at the entry point.
  b[0x400] = 0xc3;

  // Imports: KERNEL32.dll (lookup table: Sleep by name, ordinal 7), USER32.dll (IAT only).
  const desc = (i: number, oft: number, name: number, ft: number) => {
    const at = R(SYNTH.importDir.rva) + i * 20;
    u32(at, oft);
    u32(at + 12, name);
    u32(at + 16, ft);
  };
  desc(0, 0x2100, 0x2180, 0x2140);
  desc(1, 0, 0x2190, 0x2160);
  for (const table of [0x2100, 0x2140]) {
    u32(R(table), 0x21a0);
    u32(R(table) + 4, 0x80000007);
  }
  u32(R(0x2160), 0x21b0);
  str(R(0x2180), "KERNEL32.dll");
  str(R(0x2190), "USER32.dll");
  u16(R(0x21a0), 0x0102);
  str(R(0x21a2), "Sleep");
  u16(R(0x21b0), 5);
  str(R(0x21b2), "MessageBoxA");

  // Exports: Base 5; slots 5 = code (names Alias, Func), 6 = empty, 7 = forwarder, 8 = data (Var).
  const ed = R(SYNTH.exportDir.rva);
  u32(ed + 4, 0x11223344);
  u32(ed + 12, 0x2280);
  u32(ed + 16, 5);
  u32(ed + 20, 4);
  u32(ed + 24, 3);
  u32(ed + 28, 0x2230);
  u32(ed + 32, 0x2240);
  u32(ed + 36, 0x2250);
  [0x1000, 0, 0x2290, 0x4000].forEach((v, i) => u32(R(0x2230) + i * 4, v));
  [0x22b0, 0x22b8, 0x22c0].forEach((v, i) => u32(R(0x2240) + i * 4, v));
  [0, 0, 3].forEach((v, i) => u16(R(0x2250) + i * 2, v));
  str(R(0x2280), "synth.dll");
  str(R(0x2290), "KERNEL32.Sleep");
  str(R(0x22b0), "Alias");
  str(R(0x22b8), "Func");
  str(R(0x22c0), "Var");

  // Debug directory: NB10 CodeView (mapped), MISC reachable only through PointerToRawData.
  const dbg = R(SYNTH.debugDir.rva);
  u32(dbg + 4, 0x5eed);
  u32(dbg + 12, 2);
  u32(dbg + 16, 24);
  u32(dbg + 20, 0x2340);
  u32(dbg + 24, R(0x2340));
  u32(dbg + 28 + 12, 4);
  u32(dbg + 28 + 16, 8);
  u32(dbg + 28 + 20, 0);
  u32(dbg + 28 + 24, R(0x2360));
  str(R(0x2340), "NB10");
  u32(R(0x2348), 0x3c0ffee5);
  u32(R(0x234c), 3);
  str(R(0x2350), "old.pdb");
  b.set(new TextEncoder().encode("MISCDATA"), R(0x2360));

  // Base relocations: one HIGHLOW at 0x1004 and an ABSOLUTE pad entry.
  u32(R(0x2380), 0x1000);
  u32(R(0x2384), 12);
  u16(R(0x2388), 0x3004);
  u16(R(0x238a), 0);

  // COFF symbols: _main (function, .text + 0x10, one aux record), a long-named .data symbol.
  const st = SYNTH.symbolTable;
  str(st, "_main");
  u32(st + 8, 0x10);
  u16(st + 12, 1);
  u16(st + 14, 0x20);
  b[st + 16] = 2;
  b[st + 17] = 1;
  const s1 = st + 36;
  u32(s1, 0);
  u32(s1 + 4, 4);
  u32(s1 + 8, 8);
  u16(s1 + 12, 3);
  b[s1 + 16] = 2;
  const strings = st + 54;
  const longSymbol = "a_very_long_symbol_name"; // at string table offset 4
  const longSection = ".rdata_long_name"; // at offset 4 + 24 = 28
  u32(strings, 4 + longSymbol.length + 1 + longSection.length + 1);
  str(strings + 4, longSymbol);
  str(strings + 28, longSection);
  return b;
}
