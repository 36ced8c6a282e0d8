/**
 * The parser on a hand-laid-out DLL (test/pe/synthetic.ts) whose contents are known exactly,
 * the RVA mapping helpers, and the debug-directory block round trip.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "../../base/index.js";
import { buildDebugBlock, isExecutableRva, parseDebugBlock, parsePe, readRva, rvaToFileOffset, sectionOfRva } from "../../pe/index.js";
import { buildSyntheticDll, SYNTH } from "./synthetic.js";
import { ROOT, sampleImages } from "./samples.js";

const bytes = buildSyntheticDll();
const img = parsePe(bytes, "synth.dll");

describe("synthetic DLL", () => {
  it("headers", () => {
    expect(img).toMatchObject({ machine: 0x14c, isDll: true, imageBase: SYNTH.imageBase, entryRva: SYNTH.entryRva, subsystem: 3, timeDateStamp: 0x12345678, sizeOfHeaders: 0x400 });
  });

  it("sections, with the long name from the COFF string table", () => {
    expect(img.sections.map((s) => [s.name, s.rva, s.virtualSize, s.rawSize])).toEqual([
      [".text", 0x1000, 0x100, 0x200],
      [".rdata_long_name", 0x2000, 0x2000, 0x400],
      [".data", 0x4000, 0x10, 0],
    ]);
  });

  it("imports by name with hint, by ordinal, and from the IAT when there is no lookup table", () => {
    expect(img.imports).toEqual([
      { dll: "KERNEL32.dll", functions: [{ name: "Sleep", hint: 0x102, iatRva: 0x2140 }, { ordinal: 7, iatRva: 0x2144 }] },
      { dll: "USER32.dll", functions: [{ name: "MessageBoxA", hint: 5, iatRva: 0x2160 }] },
    ]);
  });

  it("exports: two names for one ordinal, an empty slot skipped, a forwarder, a data export", () => {
    expect(img.exports).toEqual({
      dllName: "synth.dll",
      ordinalBase: 5,
      timeDateStamp: 0x11223344,
      entries: [
        { ordinal: 5, names: ["Alias", "Func"], rva: 0x1000, code: true },
        { ordinal: 7, names: [], rva: 0x2290, forwarder: "KERNEL32.Sleep", code: false },
        { ordinal: 8, names: ["Var"], rva: 0x4000, code: false },
      ],
    });
  });

  it("debug directory: NB10 CodeView and a blob reachable only through PointerToRawData", () => {
    expect(img.debug).toHaveLength(2);
    expect(img.debug[0]!.codeview).toEqual({ signature: "NB10", guid: "3C0FFEE5", age: 3, path: "old.pdb" });
    expect(img.debug[0]!.timeDateStamp).toBe(0x5eed);
    expect(img.debug[1]!.type).toBe(4);
    expect(new TextDecoder().decode(img.debug[1]!.data)).toBe("MISCDATA");
  });

  it("base relocations without the ABSOLUTE padding", () => {
    expect(img.relocations).toEqual([{ rva: 0x1004, type: 3 }]);
  });

  it("COFF symbols: aux records skipped, long names, function type, RVA", () => {
    expect(img.coffSymbols).toEqual([
      { name: "_main", value: 0x10, sectionNumber: 1, type: 0x20, storageClass: 2, isFunction: true, rva: 0x1010 },
      { name: "a_very_long_symbol_name", value: 8, sectionNumber: 3, type: 0, storageClass: 2, isFunction: false, rva: 0x4008 },
    ]);
  });
});

describe("RVA mapping", () => {
  it("maps section raw data, zero-fills past SizeOfRawData, maps the headers", () => {
    expect(rvaToFileOffset(img, 0x2010)).toBe(SYNTH.rdataFile + 0x10);
    expect(rvaToFileOffset(img, 0x2000 + SYNTH.rdataRawSize)).toBeNull(); // zero-filled tail
    expect(rvaToFileOffset(img, 0x4000)).toBeNull(); // no raw data at all
    expect(rvaToFileOffset(img, 0x9000)).toBeNull(); // unmapped
    expect(rvaToFileOffset(img, 0x3c)).toBe(0x3c); // headers
    const tail = readRva(img, 0x2000 + SYNTH.rdataRawSize - 4, 8);
    expect([...tail]).toEqual([...bytes.subarray(SYNTH.rdataFile + SYNTH.rdataRawSize - 4, SYNTH.rdataFile + SYNTH.rdataRawSize), 0, 0, 0, 0]);
    expect(readRva(img, 0x4000, 0x10)).toEqual(new Uint8Array(0x10));
    expect(new TextDecoder().decode(readRva(img, 0, 2))).toBe("MZ");
    expect(readRva(img, 0x2000, SYNTH.rdataVirtualSize)).toHaveLength(SYNTH.rdataVirtualSize);
  });

  it("refuses unmapped ranges with a FormatError", () => {
    expect(() => readRva(img, 0x9000, 4)).toThrow(FormatError);
    expect(() => readRva(img, 0x4008, 0x10)).toThrow(/RVA 0x4010 .* is not inside any section/);
  });

  it("sections and executability", () => {
    expect(sectionOfRva(img, 0x10ff)?.name).toBe(".text");
    expect(sectionOfRva(img, 0x1100)).toBeUndefined();
    expect(isExecutableRva(img, 0x1000)).toBe(true);
    expect(isExecutableRva(img, 0x2000)).toBe(false);
  });
});

describe("debug-directory block", () => {
  const withoutAddresses = (e: { addressOfRawData: number; pointerToRawData: number }) => ({ ...e, addressOfRawData: 0, pointerToRawData: 0 });

  it("lays out entries then blobs, AddressOfRawData 0, PointerToRawData relative to the block", () => {
    const block = buildDebugBlock(img.debug);
    expect(block.length).toBe(2 * 28 + 24 + 8);
    const dv = new DataView(block.buffer);
    expect(dv.getUint32(12, true)).toBe(2); // Type
    expect(dv.getUint32(16, true)).toBe(24); // SizeOfData
    expect(dv.getUint32(20, true)).toBe(0); // AddressOfRawData
    expect(dv.getUint32(24, true)).toBe(56); // PointerToRawData
    expect(dv.getUint32(28 + 24, true)).toBe(56 + 24);
    expect(new TextDecoder().decode(block.subarray(56, 60))).toBe("NB10");
    expect(new TextDecoder().decode(block.subarray(80, 88))).toBe("MISCDATA");
  });

  it.each([["synthetic", bytes] as const, ...sampleImages().map((p) => [p, new Uint8Array(readFileSync(join(ROOT, p)))] as const)])("round-trips %s", (_name, image) => {
    const entries = parsePe(image).debug;
    const back = parseDebugBlock(buildDebugBlock(entries));
    expect(back.map((e) => ({ ...withoutAddresses(e), data: [...e.data] }))).toEqual(entries.map((e) => ({ ...withoutAddresses(e), data: [...e.data] })));
    expect(back.map((e) => e.codeview)).toEqual(entries.map((e) => e.codeview));
    // And the block is stable: building from the parsed block gives the same bytes.
    expect(buildDebugBlock(back)).toEqual(buildDebugBlock(entries));
  });

  it("an empty debug directory is an empty block", () => {
    expect(buildDebugBlock([])).toHaveLength(0);
    expect(parseDebugBlock(new Uint8Array(0))).toEqual([]);
  });

  it("a corrupt block is a FormatError naming the entry", () => {
    const block = buildDebugBlock(img.debug);
    const bad = block.slice();
    new DataView(bad.buffer).setUint32(24, 0x1000, true);
    expect(() => parseDebugBlock(bad)).toThrow(/debug directory block: IMAGE_DEBUG_DIRECTORY\[0\]\.PointerToRawData at offset 0x18/);
    expect(() => parseDebugBlock(block.subarray(0, 70))).toThrow(FormatError);
  });
});
