/**
 * What a loader must know about an image before it maps a byte of it: the checks Windows'
 * memory manager and loader make (and a few ntrace adds so nothing it maps can be absurd).
 * Pure: the runtime calls them before any engine call maps or writes the image, so a
 * malformed image is refused with a FormatError naming the structure, field and file offset
 * instead of failing inside the emulator.
 *
 * - checkImageLayout (headers and section table, microseconds): SizeOfImage in (0, 128 MiB]
 *   and no larger than its sections need; power-of-two alignments; sections in ascending
 *   order, each starting where the previous one ends (SectionAlignment), none overlapping the
 *   headers or another, none reaching past SizeOfImage; the raw data the loader copies inside
 *   the file; the entry point inside the image. Every image ever linked passes (Wine's DLLs,
 *   the mingw-w64 runtime, the samples): Windows refuses virtual gaps and overlaps too.
 * - checkImageDirectories (the parsed directories): base relocations (blocks and HIGHLOW
 *   fixups inside the image, no other type), each import's IAT inside a section, export
 *   addresses inside the image, the TLS directory's addresses and callbacks inside the image.
 */
import { FormatError } from "../base/index.js";
import type { PeImage, PeLayout, SectionHeader } from "./types.js";
import { RvaReader, readRva, rvaToFileOffset, sectionMappedSize, type RvaSource } from "./rva.js";
import { walkRelocations } from "./relocs.js";
import { DIR_BASERELOC, DIR_EXPORT, DIR_IMPORT } from "./headers.js";

/**
 * The largest image ntrace maps (128 MiB; Wine's largest DLL is 22 MiB). The run's end reads
 * every page of a traced image back, and the emulator keeps each touched 64 KiB chunk as its
 * own region (it aborts past about 4,000), so a bound here keeps that bounded too.
 */
export const MAX_IMAGE_SIZE = 0x08000000;
/** Windows' page size: images aligned below it are mapped flat (the file as it is). */
const PAGE = 0x1000;
const DIR_TLS = 9;
/** More TLS callbacks than this without the terminating null is not a real image. */
export const MAX_TLS_CALLBACKS = 1024;
const IMAGE_REL_BASED_ABSOLUTE = 0;
const IMAGE_REL_BASED_HIGHLOW = 3;

const hex = (v: number): string => `0x${v.toString(16).padStart(8, "0")}`;
const isPowerOfTwo = (v: number): boolean => v > 0 && (v & (v - 1)) === 0;
const alignUp = (v: number, a: number): number => Math.ceil(v / a) * a;

/** Where a check failed: PE32, the structure and field, the file offset; `file` when known. */
function fail(structure: string, field: string | undefined, offset: number, detail: string, file: string | undefined): never {
  throw new FormatError({ format: "PE32", structure, ...(field !== undefined ? { field } : {}), offset, ...(file !== undefined ? { file } : {}) }, detail);
}

/** File offset of the section table (the optional header's declared size after the file header). */
function sectionTableOffset(layout: PeLayout): number {
  const b = layout.bytes;
  return layout.ntOffset + 24 + (b[layout.ntOffset + 20]! | (b[layout.ntOffset + 21]! << 8));
}

/**
 * Checks the headers and the section table of an image against each other and the file, as
 * the memory manager does before it maps an image view. Throws FormatError.
 */
export function checkImageLayout(layout: PeLayout, file?: string): void {
  const OH = "IMAGE_OPTIONAL_HEADER";
  const oh = layout.ntOffset + 24;
  const { sizeOfImage, sizeOfHeaders, sectionAlignment, fileAlignment } = layout;
  if (sizeOfImage === 0 || sizeOfImage > MAX_IMAGE_SIZE) fail(OH, "SizeOfImage", oh + 56, `${hex(sizeOfImage)} is not an image size ntrace maps (1 byte .. ${hex(MAX_IMAGE_SIZE)})`, file);
  if (!isPowerOfTwo(sectionAlignment)) fail(OH, "SectionAlignment", oh + 32, `${hex(sectionAlignment)} is not a power of two`, file);
  if (!isPowerOfTwo(fileAlignment)) fail(OH, "FileAlignment", oh + 36, `${hex(fileAlignment)} is not a power of two`, file);
  if (fileAlignment > sectionAlignment) fail(OH, "FileAlignment", oh + 36, `${hex(fileAlignment)} is larger than SectionAlignment ${hex(sectionAlignment)}`, file);
  const flat = sectionAlignment < PAGE;
  if (flat && fileAlignment !== sectionAlignment) fail(OH, "FileAlignment", oh + 36, `an image aligned below the page size is mapped as its file: FileAlignment ${hex(fileAlignment)} must equal SectionAlignment ${hex(sectionAlignment)}`, file);
  if (sizeOfHeaders > sizeOfImage) fail(OH, "SizeOfHeaders", oh + 60, `${hex(sizeOfHeaders)} is larger than SizeOfImage ${hex(sizeOfImage)}`, file);

  const table = sectionTableOffset(layout);
  // Each section starts where the previous one ends (rounded to SectionAlignment), the first
  // where the headers end: no gap, no overlap, ascending (Windows' memory manager requires it).
  let next = alignUp(sizeOfHeaders, sectionAlignment);
  let previous = "the headers";
  layout.sections.forEach((s: SectionHeader, i: number) => {
    const S = `IMAGE_SECTION_HEADER[${i}] (${s.name})`;
    const at = table + 40 * i;
    const size = sectionMappedSize(s);
    if (s.rva < next) fail(S, "VirtualAddress", at + 12, `section at ${hex(s.rva)} overlaps ${previous} (which end at ${hex(next)})`, file);
    if (s.rva > next) fail(S, "VirtualAddress", at + 12, `section at ${hex(s.rva)} leaves a gap after ${previous} (which end at ${hex(next)}); sections must follow each other`, file);
    if (s.rva + size > sizeOfImage) fail(S, s.virtualSize !== 0 ? "VirtualSize" : "SizeOfRawData", at + (s.virtualSize !== 0 ? 8 : 16), `section ${hex(s.rva)}+${hex(size)} reaches past SizeOfImage ${hex(sizeOfImage)}`, file);
    if (flat && s.rva !== s.rawOffset) fail(S, "PointerToRawData", at + 20, `an image aligned below the page size is mapped as its file: PointerToRawData ${hex(s.rawOffset)} must equal VirtualAddress ${hex(s.rva)}`, file);
    // The bytes the loader copies from the file (the rest of the section reads as zeros).
    const loaded = Math.min(s.rawSize, size);
    if (loaded > 0 && s.rawOffset >= layout.bytes.length) fail(S, "PointerToRawData", at + 20, `raw data at ${hex(s.rawOffset)} lies past the end of the file (${hex(layout.bytes.length)} bytes)`, file);
    if (loaded > 0 && s.rawOffset + loaded > layout.bytes.length) fail(S, "SizeOfRawData", at + 16, `raw data [${hex(s.rawOffset)}, ${hex(s.rawOffset + loaded)}) extends past the end of the file (${hex(layout.bytes.length)} bytes)`, file);
    next = alignUp(s.rva + size, sectionAlignment);
    previous = `section ${i} (${s.name})`;
  });
  // Linkers write SizeOfImage as the end of the last section, aligned; a larger one only
  // reserves address space nothing can fill.
  if (sizeOfImage > alignUp(next, PAGE)) fail(OH, "SizeOfImage", oh + 56, `${hex(sizeOfImage)} is larger than the headers and sections need (${hex(next)})`, file);
  if (layout.entryRva >= sizeOfImage) fail(OH, "AddressOfEntryPoint", oh + 16, `entry point RVA ${hex(layout.entryRva)} lies outside the image (SizeOfImage ${hex(sizeOfImage)})`, file);
}

/**
 * Checks what the loader follows in the directories: relocation fixups, import address
 * tables, export addresses, the TLS directory. Call after checkImageLayout. Throws FormatError.
 */
export function checkImageDirectories(image: PeImage, file?: string): void {
  try {
    checkRelocations(image);
    checkImports(image);
    checkExports(image);
    checkTls(image);
  } catch (e) {
    if (e instanceof FormatError && file !== undefined) throw e.withFile(file);
    throw e;
  }
}

/** Both checks: what mapping and binding an image needs. */
export function checkImage(image: PeImage, file?: string): void {
  checkImageLayout(image, file);
  checkImageDirectories(image, file);
}

function directoryField(image: PeImage, index: number, name: string): RvaSource {
  return { structure: `IMAGE_DATA_DIRECTORY[${index}] (${name})`, field: "VirtualAddress", offset: image.ntOffset + 24 + 96 + index * 8 };
}

function checkRelocations(image: PeImage): void {
  const d = image.dataDirectories[DIR_BASERELOC];
  if (d === undefined || d.rva === 0 || d.size === 0) return;
  const rr = new RvaReader(image);
  const dirField = directoryField(image, DIR_BASERELOC, "BaseRelocation");
  let lastBlock = -1;
  for (const e of walkRelocations(rr, d.rva, d.size, dirField)) {
    const B = `IMAGE_BASE_RELOCATION[${e.block}]`;
    if (e.block !== lastBlock) {
      lastBlock = e.block;
      if (e.pageRva >= image.sizeOfImage) fail(B, "VirtualAddress", e.blockOffset, `relocation block for page RVA ${hex(e.pageRva)} lies outside the image (SizeOfImage ${hex(image.sizeOfImage)})`, undefined);
    }
    if (e.index < 0 || e.type === IMAGE_REL_BASED_ABSOLUTE) continue;
    const at = rr.offsetFor(e.entryRva, { ...dirField, offset: e.blockOffset });
    if (e.type !== IMAGE_REL_BASED_HIGHLOW) fail(B, `TypeOffset[${e.index}]`, at, `relocation type ${e.type} is not supported (x86 images use HIGHLOW, 3)`, undefined);
    if (e.rva + 4 > image.sizeOfImage) fail(B, `TypeOffset[${e.index}]`, at, `fixup at RVA ${hex(e.rva)} lies outside the image (SizeOfImage ${hex(image.sizeOfImage)})`, undefined);
  }
}

/** True when [rva, rva+size) lies inside one section's mapped range. */
function inSection(image: PeImage, rvaValue: number, size: number): boolean {
  return image.sections.some((s) => rvaValue >= s.rva && rvaValue + size <= s.rva + sectionMappedSize(s));
}

function checkImports(image: PeImage): void {
  const d = image.dataDirectories[DIR_IMPORT];
  if (d === undefined || d.rva === 0) return;
  image.imports.forEach((dll, i) => {
    if (dll.functions.length === 0) return;
    // The loader writes one address per import and the terminating slot.
    const first = dll.functions[0]!.iatRva;
    const size = 4 * (dll.functions.length + 1);
    if (!inSection(image, first, size)) {
      const at = rvaToFileOffset(image, d.rva + 20 * i + 16) ?? image.ntOffset + 24 + 96 + DIR_IMPORT * 8;
      fail(`IMAGE_IMPORT_DESCRIPTOR[${i}]`, "FirstThunk", at, `import address table of ${dll.dll} [${hex(first)}, ${hex(first + size)}) is not inside a section of the image`, undefined);
    }
  });
}

function checkExports(image: PeImage): void {
  const d = image.dataDirectories[DIR_EXPORT];
  if (d === undefined || d.rva === 0 || image.exports === null) return;
  for (const e of image.exports.entries) {
    if (e.forwarder !== undefined || e.rva < image.sizeOfImage) continue;
    const index = e.ordinal - image.exports.ordinalBase;
    const functions = readU32(image, d.rva + 28);
    const at = (functions !== undefined ? rvaToFileOffset(image, functions + 4 * index) : null) ?? rvaToFileOffset(image, d.rva) ?? 0;
    fail("IMAGE_EXPORT_DIRECTORY", `AddressOfFunctions[${index}]`, at, `export ${e.names[0] ?? `#${e.ordinal}`} at RVA ${hex(e.rva)} lies outside the image (SizeOfImage ${hex(image.sizeOfImage)})`, undefined);
  }
}

function readU32(image: PeImage, rvaValue: number): number | undefined {
  try {
    const b = readRva(image, rvaValue, 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  } catch {
    return undefined;
  }
}

/** IMAGE_TLS_DIRECTORY32: its addresses are VAs at the preferred base; the loader follows all of them. */
function checkTls(image: PeImage): void {
  const d = image.dataDirectories[DIR_TLS];
  if (d === undefined || d.rva === 0) return;
  const rr = new RvaReader(image);
  const T = "IMAGE_TLS_DIRECTORY32";
  const dirField = directoryField(image, DIR_TLS, "TLS");
  const raw = rr.bytes(d.rva, 24, dirField);
  const v = new DataView(raw.buffer, raw.byteOffset, 24);
  const at = rr.offsetFor(d.rva, dirField);
  const field = (name: string, index: number): { name: string; va: number; offset: number } => ({ name, va: v.getUint32(index * 4, true), offset: at + index * 4 });
  const start = field("StartAddressOfRawData", 0);
  const end = field("EndAddressOfRawData", 1);
  const index = field("AddressOfIndex", 2);
  const callbacks = field("AddressOfCallBacks", 3);
  const { imageBase, sizeOfImage } = image;
  const inside = (f: { name: string | undefined; va: number; offset: number }, size: number, what: string, structure = T): number => {
    const r = (f.va - imageBase) >>> 0;
    if (r + size > sizeOfImage) fail(structure, f.name, f.offset, `${what} ${hex(f.va)} lies outside the image [${hex(imageBase)}, ${hex((imageBase + sizeOfImage) >>> 0)})`, undefined);
    return r;
  };
  if (start.va !== 0 || end.va !== 0) {
    inside(start, 0, "TLS template start");
    inside(end, 0, "TLS template end");
    if (end.va < start.va) fail(T, end.name, end.offset, `TLS template end ${hex(end.va)} is before its start ${hex(start.va)}`, undefined);
  }
  if (index.va !== 0) inside(index, 4, "TLS index slot");
  if (callbacks.va === 0) return;
  const first = inside(callbacks, 4, "TLS callback array");
  for (let i = 0; ; i++) {
    if (i >= MAX_TLS_CALLBACKS) fail(T, callbacks.name, callbacks.offset, `more than ${MAX_TLS_CALLBACKS} TLS callbacks without the terminating null`, undefined);
    const slot = first + 4 * i;
    const where: RvaSource = { structure: `TLS callback array[${i}]`, offset: callbacks.offset };
    const cb = rr.u32(slot, where);
    if (cb === 0) return;
    inside({ name: undefined, va: cb, offset: rr.offsetFor(slot, where) }, 1, "TLS callback", where.structure);
  }
}
