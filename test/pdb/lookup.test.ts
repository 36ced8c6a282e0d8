/**
 * The symbolizer's sorted-array lookup against a brute-force reference on generated symbol
 * sets: nested and overlapping procedures, zero-sized ones, publics in several sections,
 * addresses before, inside, between and after everything.
 */
import { describe, expect, it } from "vitest";
import { rva as toRva } from "../../base/index.js";
import { createSymbolizer, type PdbProcedure, type PdbPublic, type PdbSectionHeader, type SymbolHit } from "../../pe/pdb/index.js";
import { prng } from "./msf-writer.js";

interface World {
  sectionHeaders: PdbSectionHeader[];
  procedures: PdbProcedure[];
  publics: PdbPublic[];
}

function generate(seed: number, count: number, nested: boolean): World {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const sectionHeaders: PdbSectionHeader[] = [
    { name: ".text", virtualAddress: 0x1000, virtualSize: 0x40 * count, characteristics: 0x60000020 },
    { name: ".rdata", virtualAddress: 0x1000 + 0x40 * count + 0x1000, virtualSize: 0x2000, characteristics: 0x40000040 },
  ];
  const procedures: PdbProcedure[] = [];
  const publics: PdbPublic[] = [];
  let at = 0x1000 + int(0x20);
  for (let i = 0; i < count; i++) {
    const size = int(4) === 0 ? 0 : 1 + int(0x30);
    const name = `f${i}`;
    procedures.push({ name, kind: "S_GPROC32", section: 1, offset: at - 0x1000, rva: toRva(at), size, moduleIndex: 0 });
    if (nested && size > 8 && int(3) === 0) {
      const innerStart = at + 1 + int(size - 4);
      const innerSize = 1 + int(at + size - innerStart + (int(2) === 0 ? 8 : 0)); // sometimes overlaps the end
      procedures.push({ name: `${name}.inner`, kind: "S_LPROC32", section: 1, offset: innerStart - 0x1000, rva: toRva(innerStart), size: innerSize, moduleIndex: 0 });
    }
    if (int(3) !== 0) publics.push({ name: `_${name}`, section: 1, offset: at - 0x1000, rva: toRva(at), isFunction: true, flags: 2 });
    if (int(10) === 0) publics.push({ name: `_data${i}`, section: 1, offset: at + 1 - 0x1000, rva: toRva(at + 1), isFunction: false, flags: 0 });
    at += size + (nested ? int(0x10) : int(3)) - (nested && int(8) === 0 ? Math.min(size, 4) : 0);
  }
  const rdata = sectionHeaders[1]!.virtualAddress;
  publics.push({ name: "_rdataThunk", section: 2, offset: 0x10, rva: toRva(rdata + 0x10), isFunction: true, flags: 1 });
  // Shuffle so the symbolizer cannot rely on input order.
  for (let i = procedures.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [procedures[i], procedures[j]] = [procedures[j]!, procedures[i]!];
  }
  return { sectionHeaders, procedures, publics };
}

/** The lookup rule, spelled out with linear scans. */
function reference(w: World, x: number): Omit<SymbolHit, "name"> | null {
  const section = w.sectionHeaders.findIndex((s) => x >= s.virtualAddress && x < s.virtualAddress + s.virtualSize);
  if (section < 0 && w.sectionHeaders.length > 0) return null;
  let best: PdbProcedure | undefined;
  for (const p of w.procedures) {
    if (p.size === 0 || !(p.rva! <= x && x < p.rva! + p.size)) continue;
    if (!best || p.rva! > best.rva! || (p.rva === best.rva && p.size < best.size)) best = p;
  }
  if (best) return { rva: best.rva!, offset: x - best.rva!, size: best.size, source: "procedure" };
  let pub: PdbPublic | undefined;
  for (const p of w.publics) if (p.isFunction && p.rva! <= x && (!pub || p.rva! >= pub.rva!)) pub = p;
  if (!pub || (section >= 0 && pub.section !== section + 1)) return null;
  return { rva: pub.rva!, offset: x - pub.rva!, source: "public" };
}

describe("PdbSymbolizer against a brute-force reference", () => {
  it.each([
    [1, 300, false],
    [2, 300, true],
    [3, 2000, true],
    [4, 5, true],
  ])("seed %i, %i functions, nested=%s", (seed, count, nested) => {
    const w = generate(seed, count, nested);
    const sym = createSymbolizer(w);
    const rand = prng(seed * 977);
    const end = w.sectionHeaders[1]!.virtualAddress + w.sectionHeaders[1]!.virtualSize + 0x100;
    const probes = [0, 0xfff, 0x1000, end, 0xffffffff, ...Array.from({ length: 4000 }, () => Math.floor(rand() * end))];
    for (const p of w.procedures) probes.push(p.rva!, p.rva! + p.size, p.rva! + p.size - 1, p.rva! - 1);
    for (const x of probes) {
      const hit = sym.lookup(x);
      const expected = reference(w, x);
      const got = hit === null ? null : { rva: hit.rva, offset: hit.offset, ...(hit.size !== undefined ? { size: hit.size } : {}), source: hit.source };
      expect(got, `rva 0x${x.toString(16)}`).toEqual(expected);
      expect(sym.indexOf(x) >= 0).toBe(expected !== null);
    }
  });

  it("an empty symbol set finds nothing", () => {
    const sym = createSymbolizer({ procedures: [], publics: [], sectionHeaders: [] });
    expect(sym.lookup(0x1000)).toBeNull();
    expect(sym.indexOf(0)).toBe(-1);
  });

  it("without section headers, procedures and publics still resolve", () => {
    const sym = createSymbolizer({
      procedures: [{ name: "f", kind: "S_GPROC32", section: 1, offset: 0, rva: toRva(0x1000), size: 0x10, moduleIndex: 0 }],
      publics: [{ name: "_g", section: 1, offset: 0x20, rva: toRva(0x1020), isFunction: true, flags: 2 }],
      sectionHeaders: [],
    });
    expect(sym.lookup(0x1008)).toEqual({ name: "f", rva: 0x1000, offset: 8, size: 0x10, source: "procedure" });
    expect(sym.lookup(0x1030)).toEqual({ name: "_g", rva: 0x1020, offset: 0x10, source: "public" });
    expect(sym.lookup(0xfff)).toBeNull();
    for (const outside of [-1, 2 ** 32 + 0x1008, Number.NaN]) expect(sym.lookup(outside)).toBeNull();
  });
});
