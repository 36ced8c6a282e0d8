/**
 * Error messages for hand-corrupted fixtures (made from the committed samples in the test),
 * refusal of PE32+ and non-x86 images, and "not a PE" detection.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FormatError, UnsupportedFormatError } from "../../base/index.js";
import { isPe, parsePe, rvaToFileOffset } from "../../pe/index.js";
import { ROOT } from "./samples.js";

const fib = new Uint8Array(readFileSync(join(ROOT, "samples/fib/fib.dll")));
const forwarders = new Uint8Array(readFileSync(join(ROOT, "samples/forwarders/forwarders.dll")));

function edit(src: Uint8Array, changes: (dv: DataView, nt: number) => void): Uint8Array {
  const bytes = src.slice();
  const dv = new DataView(bytes.buffer);
  changes(dv, dv.getUint32(0x3c, true));
  return bytes;
}

function errorOf(f: () => unknown): FormatError {
  try {
    f();
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error("expected a FormatError");
}

describe("hand-corrupted fixtures", () => {
  it("e_lfanew pointing past the end names IMAGE_DOS_HEADER.e_lfanew and its offset", () => {
    const bad = edit(fib, (dv) => dv.setUint32(0x3c, 0x10000, true));
    const e = errorOf(() => parsePe(bad, "fib.dll"));
    expect(e.location).toMatchObject({ format: "PE32", structure: "IMAGE_DOS_HEADER", field: "e_lfanew", offset: 0x3c, file: "fib.dll" });
    expect(e.message).toBe(`PE32: IMAGE_DOS_HEADER.e_lfanew at fib.dll, offset 0x3c: e_lfanew 0x10000 points past the end of the file (0x${fib.length.toString(16)} bytes): no room for the NT headers`);
  });

  it("a wrong NT signature", () => {
    const bad = edit(fib, (dv, nt) => dv.setUint32(nt, 0x5850, true) /* "PX\0\0" */);
    const nt = new DataView(fib.buffer, fib.byteOffset).getUint32(0x3c, true);
    expect(errorOf(() => parsePe(bad)).message).toBe(`PE32: IMAGE_NT_HEADERS.Signature at offset 0x${nt.toString(16)}: expected "PE\\0\\0" (0x00004550), found 0x5850`);
  });

  it("too many sections", () => {
    const bad = edit(fib, (dv, nt) => dv.setUint16(nt + 6, 500, true));
    const e = errorOf(() => parsePe(bad));
    expect(e.location.structure).toBe("IMAGE_FILE_HEADER");
    expect(e.location.field).toBe("NumberOfSections");
    expect(e.detail).toBe("500 sections is more than the 96 an image may have");
  });

  it("a section whose raw data lies past the end of the file is named when read", () => {
    const nt = new DataView(fib.buffer, fib.byteOffset).getUint32(0x3c, true);
    const truncated = fib.slice(0, parsePe(fib).sections[1]!.rawOffset + 16); // cut inside .rdata (exports live there)
    const e = errorOf(() => parsePe(truncated));
    expect(e.location.structure).toBe("IMAGE_SECTION_HEADER[1]");
    expect(e.location.field).toBe("SizeOfRawData");
    expect(e.message).toContain("raw data of section .rdata");
    expect(e.message).toContain("extends past the end of the file");
    expect(nt).toBeGreaterThan(0);
  });

  it("an export directory with absurd NumberOfFunctions is refused, not allocated", () => {
    const img = parsePe(forwarders);
    const at = rvaToFileOffset(img, img.dataDirectories[0]!.rva)!;
    const bad = edit(forwarders, (dv) => dv.setUint32(at + 20, 0x7fffffff, true));
    const e = errorOf(() => parsePe(bad, "forwarders.dll"));
    expect(e.message).toBe(`PE32: IMAGE_EXPORT_DIRECTORY.NumberOfFunctions at forwarders.dll, offset 0x${at.toString(16)}: 2147483647 exports is more than the 65536 ordinals can number`);
  });

  it("an export name RVA outside every section names the name table entry", () => {
    const img = parsePe(forwarders);
    const at = rvaToFileOffset(img, img.dataDirectories[0]!.rva)!;
    const dv = new DataView(forwarders.buffer, forwarders.byteOffset);
    const namesAt = rvaToFileOffset(img, dv.getUint32(at + 32, true))!;
    const bad = edit(forwarders, (d) => d.setUint32(namesAt, 0x00fff000, true));
    const e = errorOf(() => parsePe(bad));
    expect(e.location).toMatchObject({ structure: "IMAGE_EXPORT_DIRECTORY", field: "AddressOfNames[0]", offset: namesAt });
    expect(e.detail).toBe("RVA 0xfff000 is not inside any section or the headers");
  });

  it("a data directory pointing nowhere names the directory entry", () => {
    const bad = edit(fib, (dv, nt) => dv.setUint32(nt + 24 + 96 + 6 * 8, 0x00800000, true)); // Debug directory RVA
    const e = errorOf(() => parsePe(bad));
    expect(e.location.structure).toBe("IMAGE_DATA_DIRECTORY[6] (Debug)");
    expect(e.location.field).toBe("VirtualAddress");
    expect(e.detail).toContain("RVA 0x800000 is not inside any section");
  });

  it("a relocation block smaller than its header", () => {
    const img = parsePe(fib);
    const at = rvaToFileOffset(img, img.dataDirectories[5]!.rva)!;
    const bad = edit(fib, (dv) => dv.setUint32(at + 4, 4, true));
    const e = errorOf(() => parsePe(bad));
    expect(e.location).toMatchObject({ structure: "IMAGE_BASE_RELOCATION[0]", field: "SizeOfBlock", offset: at });
    expect(e.detail).toBe("block size 4 is not an even number ≥ 8");
  });

  it("not MZ", () => {
    const e = errorOf(() => parsePe(new TextEncoder().encode("hello, this is not a PE image at all, just some text padding it out to 64 bytes")));
    expect(e.message).toBe('PE32: IMAGE_DOS_HEADER.e_magic at offset 0x0: expected "MZ" (0x5a4d), found 0x6568');
  });
});

describe("refused formats", () => {
  it("PE32+ (64-bit) images", () => {
    const pe64 = edit(fib, (dv, nt) => {
      dv.setUint16(nt + 4, 0x8664, true);
      dv.setUint16(nt + 24, 0x20b, true);
    });
    const e = errorOf(() => parsePe(pe64, "x64.dll"));
    expect(e).toBeInstanceOf(UnsupportedFormatError);
    expect(e.message).toBe("PE32: IMAGE_OPTIONAL_HEADER.Magic at x64.dll, offset 0x" + (new DataView(fib.buffer, fib.byteOffset).getUint32(0x3c, true) + 24).toString(16) + ": PE32+ (64-bit) images are not supported; ntrace traces x86 PE32 images (machine x86-64 (AMD64))");
  });

  it("non-x86 machines", () => {
    for (const [machine, name] of [[0x1c4, "ARMv7 Thumb-2"], [0xaa64, "ARM64"], [0x8664, "x86-64 (AMD64)"]] as const) {
      const img = edit(fib, (dv, nt) => dv.setUint16(nt + 4, machine, true));
      const e = errorOf(() => parsePe(img));
      expect(e).toBeInstanceOf(UnsupportedFormatError);
      expect(e.location.field).toBe("Machine");
      expect(e.detail).toBe(`machine ${name} (0x${machine.toString(16)}) is not supported; ntrace traces x86 (i386) PE32 images`);
    }
  });
});

describe("isPe", () => {
  it("accepts the samples and rejects other bytes without throwing", () => {
    expect(isPe(fib)).toBe(true);
    expect(isPe(new Uint8Array(0))).toBe(false);
    expect(isPe(fib.slice(0, 0x3f))).toBe(false);
    expect(isPe(edit(fib, (dv) => dv.setUint32(0x3c, 0xfffffff0, true)))).toBe(false);
    expect(isPe(edit(fib, (dv, nt) => dv.setUint8(nt, 0x4e)))).toBe(false);
    expect(isPe(new TextEncoder().encode("MZ".padEnd(200, "x")))).toBe(false);
  });
});
