/**
 * RVA → bytes, the way the Windows loader maps an image: each section occupies
 * [VirtualAddress, VirtualAddress + VirtualSize) (SizeOfRawData when VirtualSize is 0); the
 * first min(SizeOfRawData, VirtualSize) bytes come from the file at PointerToRawData and the
 * rest reads as zeros. RVAs below SizeOfHeaders that no section covers map the file's headers.
 */
import { FormatError, escapeControl } from "../base/index.js";
import type { PeImage, SectionHeader } from "./types.js";

/** IMAGE_SCN_CNT_CODE */
export const IMAGE_SCN_CNT_CODE = 0x00000020;
/** IMAGE_SCN_MEM_EXECUTE */
export const IMAGE_SCN_MEM_EXECUTE = 0x20000000;

/** What the mapping helpers need from an image (a PeImage has all of it). */
export type MappedImage = Pick<PeImage, "sections" | "sizeOfHeaders" | "bytes">;

/** One mapped region: a section or the headers. */
export interface Region {
  readonly rva: number;
  /** Bytes the region occupies in memory. */
  readonly mappedSize: number;
  /** File offset of the region's first byte. */
  readonly rawOffset: number;
  /** Leading bytes that come from the file (≤ mappedSize); the rest are zeros. */
  readonly rawSize: number;
  /** The section (undefined for the headers). */
  readonly section: SectionHeader | undefined;
}

export function sectionMappedSize(s: SectionHeader): number {
  return s.virtualSize !== 0 ? s.virtualSize : s.rawSize;
}

/** The section whose mapped range holds the RVA, or undefined. */
export function sectionOfRva(image: Pick<PeImage, "sections">, rvaValue: number): SectionHeader | undefined {
  for (const s of image.sections) {
    if (rvaValue >= s.rva && rvaValue - s.rva < sectionMappedSize(s)) return s;
  }
  return undefined;
}

/** The region (section first, then headers) holding the RVA, or undefined when unmapped. */
export function regionOfRva(image: MappedImage, rvaValue: number): Region | undefined {
  const s = sectionOfRva(image, rvaValue);
  if (s !== undefined) {
    const mappedSize = sectionMappedSize(s);
    return { rva: s.rva, mappedSize, rawOffset: s.rawOffset, rawSize: Math.min(s.rawSize, mappedSize), section: s };
  }
  if (rvaValue >= 0 && rvaValue < image.sizeOfHeaders) {
    return { rva: 0, mappedSize: image.sizeOfHeaders, rawOffset: 0, rawSize: image.sizeOfHeaders, section: undefined };
  }
  return undefined;
}

/** True when the RVA lies in a section marked executable (MEM_EXECUTE or CNT_CODE). */
export function isExecutableRva(image: Pick<PeImage, "sections">, rvaValue: number): boolean {
  const s = sectionOfRva(image, rvaValue);
  return s !== undefined && (s.characteristics & (IMAGE_SCN_MEM_EXECUTE | IMAGE_SCN_CNT_CODE)) !== 0;
}

/**
 * File offset of the byte at the RVA, or null when the RVA is unmapped or lies in a
 * zero-filled tail (no file byte backs it) or past the end of the file.
 */
export function rvaToFileOffset(image: MappedImage, rvaValue: number): number | null {
  const r = regionOfRva(image, rvaValue);
  if (r === undefined) return null;
  const delta = rvaValue - r.rva;
  if (delta >= r.rawSize) return null;
  const off = r.rawOffset + delta;
  return off < image.bytes.length ? off : null;
}

/** Where a failing RVA came from, so the error can name it. */
export interface RvaSource {
  readonly structure: string;
  readonly field?: string;
  /** File offset of the field that holds the RVA (or of the structure being read). */
  readonly offset: number;
}

function fail(where: RvaSource, detail: string): never {
  throw formatError(where, detail);
}

export function formatError(where: RvaSource, detail: string): FormatError {
  return new FormatError(
    { format: "PE32", structure: where.structure, ...(where.field !== undefined ? { field: where.field } : {}), offset: where.offset },
    detail,
  );
}

function rawPastEnd(image: MappedImage, r: Region): never {
  const name = r.section !== undefined ? `section ${r.section.name}` : "the headers";
  const index = r.section !== undefined ? image.sections.indexOf(r.section) : -1;
  throw new FormatError(
    {
      format: "PE32",
      structure: r.section !== undefined ? `IMAGE_SECTION_HEADER[${index}]` : "IMAGE_OPTIONAL_HEADER",
      field: r.section !== undefined ? "SizeOfRawData" : "SizeOfHeaders",
      offset: r.rawOffset,
    },
    `raw data of ${name} [0x${r.rawOffset.toString(16)}, 0x${(r.rawOffset + r.rawSize).toString(16)}) extends past the end of the file (0x${image.bytes.length.toString(16)} bytes)`,
  );
}

/**
 * `length` bytes starting at the RVA as the loader would map them (zeros past a section's raw
 * data). The range may span adjacent regions but must be mapped throughout. Returns a view into
 * the file when one region's raw data covers it all, otherwise a fresh copy.
 * Throws FormatError when part of the range is unmapped or the raw data lies past the file's end.
 */
export function readRva(image: MappedImage, rvaValue: number, length: number, where?: RvaSource): Uint8Array {
  const src: RvaSource = where ?? { structure: "mapped image", offset: 0 };
  if (!Number.isInteger(length) || length < 0) fail(src, `bad length ${length}`);
  if (rvaValue < 0 || rvaValue + length > 0x1_0000_0000) fail(src, `RVA range 0x${rvaValue.toString(16)}+0x${length.toString(16)} exceeds 32 bits`);
  const first = regionOfRva(image, rvaValue);
  if (length === 0) return new Uint8Array(0);
  if (first === undefined) fail(src, `RVA 0x${rvaValue.toString(16)} is not inside any section or the headers`);
  const delta = rvaValue - first.rva;
  if (delta + length <= first.rawSize) {
    if (first.rawOffset + delta + length > image.bytes.length) rawPastEnd(image, first);
    return image.bytes.subarray(first.rawOffset + delta, first.rawOffset + delta + length);
  }
  const out = new Uint8Array(length);
  let done = 0;
  let region: Region | undefined = first;
  while (done < length) {
    const at = rvaValue + done;
    if (region === undefined) region = regionOfRva(image, at);
    if (region === undefined) fail(src, `RVA 0x${at.toString(16)} (in range 0x${rvaValue.toString(16)}+0x${length.toString(16)}) is not inside any section or the headers`);
    const d = at - region.rva;
    const inRegion = Math.min(length - done, region.mappedSize - d);
    const fromFile = Math.max(0, Math.min(inRegion, region.rawSize - d));
    if (fromFile > 0) {
      const off = region.rawOffset + d;
      if (off + fromFile > image.bytes.length) rawPastEnd(image, region);
      out.set(image.bytes.subarray(off, off + fromFile), done);
    }
    done += inRegion;
    region = undefined;
  }
  return out;
}

/**
 * Small reads at RVAs for the directory parsers: u16/u32/strings with errors that name the
 * structure being read and the file offset (the mapped byte's, or the referencing field's when
 * the RVA maps to no file byte).
 */
export class RvaReader {
  constructor(readonly image: MappedImage) {}

  /** A FormatError at the source (for checks the caller makes). */
  error(where: RvaSource, detail: string): FormatError {
    return formatError(where, detail);
  }

  /** File offset to report for an RVA: its own when file-backed, else the source's. */
  offsetFor(rvaValue: number, where: RvaSource): number {
    return rvaToFileOffset(this.image, rvaValue) ?? where.offset;
  }

  private view(rvaValue: number, size: number, where: RvaSource): Uint8Array {
    return readRva(this.image, rvaValue, size, { ...where, offset: this.offsetFor(rvaValue, where) });
  }

  u16(rvaValue: number, where: RvaSource): number {
    const b = this.view(rvaValue, 2, where);
    return b[0]! | (b[1]! << 8);
  }

  u32(rvaValue: number, where: RvaSource): number {
    const b = this.view(rvaValue, 4, where);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  bytes(rvaValue: number, size: number, where: RvaSource): Uint8Array {
    return this.view(rvaValue, size, where);
  }

  /**
   * NUL-terminated string at the RVA, at most `max` bytes before the NUL. A zero-filled tail
   * ends the string (as it would in memory).
   */
  cstring(rvaValue: number, where: RvaSource, max = 4096): string {
    const r = regionOfRva(this.image, rvaValue);
    if (r === undefined) fail(where, `RVA 0x${rvaValue.toString(16)} is not inside any section or the headers`);
    const delta = rvaValue - r.rva;
    const rawLeft = Math.max(0, r.rawSize - delta);
    const start = r.rawOffset + delta;
    const scanLength = Math.min(rawLeft, max + 1);
    const inFile = Math.max(0, Math.min(scanLength, this.image.bytes.length - start));
    const nul = inFile > 0 ? this.image.bytes.subarray(start, start + inFile).indexOf(0) : -1;
    if (nul >= 0) {
      return decodeName(this.image.bytes.subarray(start, start + nul));
    }
    if (inFile < scanLength) rawPastEnd(this.image, r);
    // No NUL in the raw part: a zero-filled tail right after it terminates the string.
    if (scanLength === rawLeft && rawLeft < r.mappedSize - delta) return decodeName(this.image.bytes.subarray(start, start + rawLeft));
    fail({ ...where, offset: this.offsetFor(rvaValue, where) }, `string at RVA 0x${rvaValue.toString(16)} is not NUL-terminated within ${Math.min(max, r.mappedSize - delta)} bytes`);
  }
}

const utf8 = new TextDecoder("utf-8");
/**
 * Names in PE files are ASCII in practice; decode as UTF-8 (invalid bytes become U+FFFD), with
 * control characters written as `\xNN` (escapeControl).
 */
export function decodeName(b: Uint8Array): string {
  // Fast path for the usual printable ASCII name (export tables: thousands per system DLL).
  if (b.length <= 256) {
    let plain = true;
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!;
      if (c < 0x20 || c > 0x7e) {
        plain = false;
        break;
      }
    }
    if (plain) return String.fromCharCode.apply(null, b as unknown as number[]);
  }
  return escapeControl(utf8.decode(b));
}
