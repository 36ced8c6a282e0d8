/**
 * The loader's checks before mapping (pe/loadcheck.ts): every image ever linked passes, and
 * each kind of malformed image — one field of a real sample changed — is refused with a
 * FormatError naming the structure, the field and the file offset of what is wrong.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FormatError } from "../../base/index.js";
import { checkImage, MAX_IMAGE_SIZE, parsePe, rvaToFileOffset } from "../../pe/index.js";
import { ROOT, sampleImages } from "./samples.js";

const read = (path: string): Uint8Array => new Uint8Array(readFileSync(join(ROOT, path)));

/** Offsets of the headers of an intact image, for aiming an edit at one field. */
function headers(bytes: Uint8Array): { nt: number; oh: number; table: number; u32: (o: number) => number; section: (i: number, field: number) => number } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nt = v.getUint32(0x3c, true);
  const oh = nt + 24;
  const table = oh + v.getUint16(nt + 20, true);
  return { nt, oh, table, u32: (o) => v.getUint32(o, true), section: (i, field) => table + 40 * i + field };
}

/** A copy of `bytes` with u32 (or u16) values written at file offsets. */
function edited(bytes: Uint8Array, edits: readonly (readonly [offset: number, value: number, size?: 2 | 4])[]): Uint8Array {
  const out = bytes.slice();
  const v = new DataView(out.buffer);
  for (const [offset, value, size] of edits) {
    if (size === 2) v.setUint16(offset, value, true);
    else v.setUint32(offset, value >>> 0, true);
  }
  return out;
}

/** The FormatError checkImage (after parsePe) throws for the bytes. */
function refusal(bytes: Uint8Array): FormatError {
  try {
    checkImage(parsePe(bytes, "x.dll"), "x.dll");
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error("the image was accepted");
}

function expectRefused(bytes: Uint8Array, structure: string | RegExp, field: string | undefined, offset: number, detail: RegExp): void {
  const e = refusal(bytes);
  expect(e.location.format).toBe("PE32");
  if (typeof structure === "string") expect(e.location.structure).toBe(structure);
  else expect(e.location.structure).toMatch(structure);
  expect(e.location.field).toBe(field);
  expect(e.location.offset).toBe(offset);
  expect(e.location.file).toBe("x.dll");
  expect(e.detail).toMatch(detail);
  // One line: the CLI prints the message as it is.
  expect(e.message).not.toContain("\n");
}

describe("images that load pass", () => {
  it("every sample image", () => {
    const samples = sampleImages();
    expect(samples.length).toBeGreaterThan(20);
    for (const path of samples) expect(() => checkImage(parsePe(read(path), path), path), path).not.toThrow();
  });

  it("the images the tests build and the runner", () => {
    const found = ["test/runtime/fixtures", "test/user/fixtures", "test/tracing/fixtures", "runtime/user/runner"].flatMap((d) =>
      readdirSync(join(ROOT, d)).filter((n) => /\.(dll|exe)$/.test(n)).map((n) => join(d, n)),
    );
    expect(found.length).toBeGreaterThanOrEqual(5);
    for (const path of found) expect(() => checkImage(parsePe(read(path), path), path), path).not.toThrow();
  });

  // Wine's DLLs and the mingw-w64 runtime: hundreds of images from real linkers.
  const wine = join(homedir(), ".cache/ntrace/wine/system32");
  const mingw = join(ROOT, "test/.cache/mingw/root");
  it.skipIf(!existsSync(wine))("Wine's DLLs that every program loads", () => {
    for (const name of ["ntdll.dll", "kernel32.dll", "kernelbase.dll", "msvcrt.dll", "ucrtbase.dll", "apisetschema.dll"]) {
      const image = parsePe(new Uint8Array(readFileSync(join(wine, name))), name);
      expect(() => checkImage(image, name), name).not.toThrow();
    }
  });
  it.skipIf(!existsSync(mingw))("the mingw-w64 runtime DLLs (test/.cache/mingw)", () => {
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const n of readdirSync(d)) {
        const p = join(d, n);
        if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) walk(p);
        else if (/\.dll$/i.test(n)) files.push(p);
      }
    };
    walk(mingw);
    expect(files.length).toBeGreaterThan(10);
    for (const p of files) expect(() => checkImage(parsePe(new Uint8Array(readFileSync(p)), p), p), p).not.toThrow();
  });
});

describe("the layout: sections, sizes, alignments", () => {
  // fib.dll: .text 0x1000, .rdata 0x2000, .data 0x3000, .reloc 0x4000; SizeOfImage 0x5000.
  const fib = read("samples/fib/fib.dll");
  const h = headers(fib);

  it("a section overlapping the one before", () => {
    expectRefused(edited(fib, [[h.section(2, 12), 0x2000]]), "IMAGE_SECTION_HEADER[2] (.data)", "VirtualAddress", h.section(2, 12), /section at 0x00002000 overlaps section 1 \(\.rdata\)/);
  });

  it("a section overlapping the headers", () => {
    expectRefused(edited(fib, [[h.section(0, 12), 0]]), "IMAGE_SECTION_HEADER[0] (.text)", "VirtualAddress", h.section(0, 12), /overlaps the headers/);
  });

  it("a gap between sections (the NumberOfSections = 96 kind: a table of garbage after the real one)", () => {
    expectRefused(edited(fib, [[h.section(2, 12), 0x7000]]), "IMAGE_SECTION_HEADER[2] (.data)", "VirtualAddress", h.section(2, 12), /leaves a gap after section 1 \(\.rdata\)/);
  });

  it("a section reaching past SizeOfImage", () => {
    expectRefused(edited(fib, [[h.section(3, 8), 0x2000]]), "IMAGE_SECTION_HEADER[3] (.reloc)", "VirtualSize", h.section(3, 8), /section 0x00004000\+0x00002000 reaches past SizeOfImage 0x00005000/);
    expectRefused(edited(fib, [[h.oh + 56, 0x4000]]), "IMAGE_SECTION_HEADER[3] (.reloc)", "VirtualSize", h.section(3, 8), /reaches past SizeOfImage 0x00004000/);
  });

  it("raw data outside the file", () => {
    expectRefused(edited(fib, [[h.section(0, 20), fib.length + 0x200]]), "IMAGE_SECTION_HEADER[0] (.text)", "PointerToRawData", h.section(0, 20), /raw data at 0x[0-9a-f]+ lies past the end of the file/);
    // The parser reads .rdata (the export directory) first; .reloc's raw data is the loader's alone.
    expectRefused(edited(fib, [[h.section(3, 16), 0x10000], [h.section(3, 8), 0x10000], [h.oh + 56, 0x14000]]), "IMAGE_SECTION_HEADER[3] (.reloc)", "SizeOfRawData", h.section(3, 16), /extends past the end of the file/);
  });

  it("an absurd SizeOfImage: larger than its sections need, or than ntrace maps", () => {
    expectRefused(edited(fib, [[h.oh + 56, 0x10000000]]), "IMAGE_OPTIONAL_HEADER", "SizeOfImage", h.oh + 56, /0x10000000 is not an image size ntrace maps/);
    expectRefused(edited(fib, [[h.oh + 56, 0x100000]]), "IMAGE_OPTIONAL_HEADER", "SizeOfImage", h.oh + 56, /0x00100000 is larger than the headers and sections need \(0x00005000\)/);
    expectRefused(edited(fib, [[h.oh + 56, 0]]), "IMAGE_OPTIONAL_HEADER", "SizeOfImage", h.oh + 56, /not an image size/);
    expect(MAX_IMAGE_SIZE).toBe(0x08000000);
  });

  it("alignments that are not powers of two, or a file alignment above the section alignment", () => {
    expectRefused(edited(fib, [[h.oh + 32, 0x1800]]), "IMAGE_OPTIONAL_HEADER", "SectionAlignment", h.oh + 32, /not a power of two/);
    expectRefused(edited(fib, [[h.oh + 36, 0x300]]), "IMAGE_OPTIONAL_HEADER", "FileAlignment", h.oh + 36, /not a power of two/);
    expectRefused(edited(fib, [[h.oh + 36, 0x2000]]), "IMAGE_OPTIONAL_HEADER", "FileAlignment", h.oh + 36, /larger than SectionAlignment/);
  });

  it("headers larger than the image, an entry point outside it", () => {
    expectRefused(edited(fib, [[h.oh + 60, 0x6000]]), "IMAGE_OPTIONAL_HEADER", "SizeOfHeaders", h.oh + 60, /larger than SizeOfImage/);
    expectRefused(edited(fib, [[h.oh + 16, 0x5000]]), "IMAGE_OPTIONAL_HEADER", "AddressOfEntryPoint", h.oh + 16, /entry point RVA 0x00005000 lies outside the image/);
  });
});

describe("the directories the loader follows", () => {
  it("relocation blocks and fixups outside the image, and types other than HIGHLOW", () => {
    const fib = read("samples/fib/fib.dll");
    const img = parsePe(fib);
    const block = rvaToFileOffset(img, img.dataDirectories[5]!.rva)!;
    // One block: VirtualAddress, SizeOfBlock 0xc, two entries (HIGHLOW, ABSOLUTE pad).
    expectRefused(edited(fib, [[block, 0x10000]]), "IMAGE_BASE_RELOCATION[0]", "VirtualAddress", block, /page RVA 0x00010000 lies outside the image/);
    expectRefused(edited(fib, [[block, 0x4000], [block + 8, 0x3ffe, 2]]), "IMAGE_BASE_RELOCATION[0]", "TypeOffset[0]", block + 8, /fixup at RVA 0x00004ffe lies outside the image/);
    expectRefused(edited(fib, [[block + 8, 0xa010, 2]]), "IMAGE_BASE_RELOCATION[0]", "TypeOffset[0]", block + 8, /relocation type 10 is not supported/);
  });

  it("an import address table outside the sections", () => {
    const sys = read("samples/kernel/kfunc.sys");
    const img = parsePe(sys);
    const descriptor = rvaToFileOffset(img, img.dataDirectories[1]!.rva)!;
    expectRefused(edited(sys, [[descriptor + 16, 0x4000]]), "IMAGE_IMPORT_DESCRIPTOR[0]", "FirstThunk", descriptor + 16, /import address table of ntoskrnl\.exe \[0x00004000, 0x[0-9a-f]+\) is not inside a section/);
    expectRefused(edited(sys, [[descriptor + 20 + 16, 0x7ffffff0]]), "IMAGE_IMPORT_DESCRIPTOR[1]", "FirstThunk", descriptor + 20 + 16, /is not inside a section/);
  });

  it("an export outside the image", () => {
    const fib = read("samples/fib/fib.dll");
    const img = parsePe(fib);
    const dir = rvaToFileOffset(img, img.dataDirectories[0]!.rva)!;
    const functions = rvaToFileOffset(img, headers(fib).u32(dir + 28))!;
    expectRefused(edited(fib, [[functions + 4, 0x7fff0000]]), "IMAGE_EXPORT_DIRECTORY", "AddressOfFunctions[1]", functions + 4, /export Deep at RVA 0x7fff0000 lies outside the image/);
  });

  it("TLS addresses and callbacks outside the image, a template that ends before it starts", () => {
    // hello.exe (mingw): TLS directory at RVA 0xa084, callbacks at 0x41001c, base 0x400000, SizeOfImage 0x13000.
    const hello = read("samples/programs/hello.exe");
    const img = parsePe(hello);
    const tls = rvaToFileOffset(img, img.dataDirectories[9]!.rva)!;
    const T = "IMAGE_TLS_DIRECTORY32";
    expectRefused(edited(hello, [[tls + 12, 0x413000]]), T, "AddressOfCallBacks", tls + 12, /TLS callback array 0x00413000 lies outside the image \[0x00400000, 0x00413000\)/);
    expectRefused(edited(hello, [[tls + 8, 0x80000000]]), T, "AddressOfIndex", tls + 8, /TLS index slot 0x80000000 lies outside the image/);
    expectRefused(edited(hello, [[tls + 4, 0x300000]]), T, "EndAddressOfRawData", tls + 4, /TLS template end 0x00300000 lies outside/);
    expectRefused(edited(hello, [[tls + 4, headers(hello).u32(tls) - 4]]), T, "EndAddressOfRawData", tls + 4, /is before its start/);
    const callbacks = rvaToFileOffset(img, headers(hello).u32(tls + 12) - img.imageBase)!;
    expectRefused(edited(hello, [[callbacks, 0x10]]), "TLS callback array[0]", undefined, callbacks, /TLS callback 0x00000010 lies outside the image/);
  });
});

describe("names from a damaged file", () => {
  it("are escaped: a control character in a section name cannot break the message into lines", () => {
    const fib = read("samples/fib/fib.dll");
    const h = headers(fib);
    const bytes = edited(fib, [[h.section(2, 20), fib.length + 0x1000], [h.section(2, 16), 0x200]]);
    bytes.set([0x64, 0x0a, 0x1b, 0x5b, 0x32, 0x4a, 0x7f, 0x00], h.section(2, 0)); // "d\n\x1b[2J" and DEL, which stays
    const e = refusal(bytes);
    expect(e.location.structure).toBe("IMAGE_SECTION_HEADER[2] (d\\x0a\\x1b[2J\u007f)");
    expect(e.message).not.toMatch(/[^ -\u007f\u00a0-\uffff]/);
    expect(parsePe(bytes).sections[2]!.name).toBe("d\\x0a\\x1b[2J\u007f");
  });
});
