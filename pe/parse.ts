/**
 * parsePe: the whole PE32 image from its bytes. Headers and the section table first, then the
 * data directories through the section mapping (pe/rva.ts).
 */
import { ByteReader, FormatError, UnsupportedFormatError, rva } from "../base/index.js";
import type { ExportTable, PeImage, PeLayout } from "./types.js";
import { RvaReader, type RvaSource } from "./rva.js";
import { DIR_BASERELOC, DIR_DEBUG, DIR_EXPORT, DIR_IMPORT, IMAGE_FILE_DLL, locateStringTable, parseNtHeaders, parseSectionTable, type NtHeaders } from "./headers.js";
import { parseImports } from "./imports.js";
import { findExports, parseExports } from "./exports.js";
import { parseDebugDirectory } from "./debug.js";
import { parseRelocations } from "./relocs.js";
import { parseCoffSymbols } from "./coff.js";

const DIRECTORY_NAMES = ["Export", "Import", "Resource", "Exception", "Certificate", "BaseRelocation", "Debug", "Architecture", "GlobalPtr", "TLS", "LoadConfig", "BoundImport", "IAT", "DelayImport", "CLRRuntimeHeader", "Reserved"];

/**
 * Parses a PE32 image. Throws FormatError (structure, field, file offset; and `file` when
 * given) for a broken image, UnsupportedFormatError for PE32+ or a non-i386 machine.
 * Use isPe() first to tell "not a PE at all" from "a broken PE".
 */
export function parsePe(bytes: Uint8Array, file?: string): PeImage {
  try {
    return parse(bytes);
  } catch (e) {
    if (e instanceof FormatError && file !== undefined) throw withFile(e, file);
    throw e;
  }
}

/** FormatError.withFile, keeping the UnsupportedFormatError subclass (base's returns a plain FormatError). */
function withFile(e: FormatError, file: string): FormatError {
  if (e.location.file !== undefined) return e;
  return e instanceof UnsupportedFormatError ? new UnsupportedFormatError({ ...e.location, file }, e.detail) : e.withFile(file);
}

/**
 * Headers and section table only: what mapping an image needs, without the directories (the
 * full parse of a large system DLL costs tens of milliseconds; this costs microseconds).
 */
export function parsePeLayout(bytes: Uint8Array, file?: string): PeLayout {
  try {
    const r = new ByteReader(bytes, "PE32");
    const nt = parseNtHeaders(r);
    return layoutOf(nt, parseSectionTable(r, nt, locateStringTable(r, nt)), bytes);
  } catch (e) {
    if (e instanceof FormatError && file !== undefined) throw withFile(e, file);
    throw e;
  }
}

/** The export table alone of a parsed layout (what resolving exports needs, cheaper than parsePe). */
export function parsePeExports(layout: PeLayout, file?: string): ExportTable | null {
  try {
    const rr = new RvaReader({ sections: layout.sections, sizeOfHeaders: layout.sizeOfHeaders, bytes: layout.bytes });
    const d = layout.dataDirectories[DIR_EXPORT];
    const field: RvaSource = { structure: "IMAGE_DATA_DIRECTORY[0] (Export)", field: "VirtualAddress", offset: layout.ntOffset + 24 + 96 };
    return parseExports(rr, d?.rva ?? 0, d?.size ?? 0, field);
  } catch (e) {
    if (e instanceof FormatError && file !== undefined) throw withFile(e, file);
    throw e;
  }
}

/**
 * The RVAs of these named code exports (exports.ts findExports), without parsing the whole
 * table; undefined when that needs bytes outside `present` (an RVA range, for lazily read files).
 */
export function findPeExports(layout: PeLayout, wanted: readonly string[], file?: string, present?: readonly [number, number]): Map<string, number> | undefined {
  try {
    const rr = new RvaReader({ sections: layout.sections, sizeOfHeaders: layout.sizeOfHeaders, bytes: layout.bytes });
    const d = layout.dataDirectories[DIR_EXPORT];
    const field: RvaSource = { structure: "IMAGE_DATA_DIRECTORY[0] (Export)", field: "VirtualAddress", offset: layout.ntOffset + 24 + 96 };
    return findExports(rr, d?.rva ?? 0, d?.size ?? 0, field, wanted, present);
  } catch (e) {
    if (e instanceof FormatError && file !== undefined) throw withFile(e, file);
    throw e;
  }
}

function layoutOf(nt: NtHeaders, sections: PeLayout["sections"], bytes: Uint8Array): PeLayout {
  return {
    machine: nt.machine,
    timeDateStamp: nt.timeDateStamp,
    characteristics: nt.characteristics,
    isDll: (nt.characteristics & IMAGE_FILE_DLL) !== 0,
    imageBase: nt.imageBase,
    entryRva: rva(nt.entryRva),
    sectionAlignment: nt.sectionAlignment,
    fileAlignment: nt.fileAlignment,
    sizeOfImage: nt.sizeOfImage,
    sizeOfHeaders: nt.sizeOfHeaders,
    checksum: nt.checksum,
    subsystem: nt.subsystem,
    dllCharacteristics: nt.dllCharacteristics,
    sizeOfStackReserve: nt.sizeOfStackReserve,
    sizeOfStackCommit: nt.sizeOfStackCommit,
    dataDirectories: nt.dataDirectories,
    ntOffset: nt.ntOffset,
    sections,
    bytes,
  };
}

function parse(bytes: Uint8Array): PeImage {
  const r = new ByteReader(bytes, "PE32");
  const nt = parseNtHeaders(r);
  const strings = locateStringTable(r, nt);
  const sections = parseSectionTable(r, nt, strings);
  const mapped = { sections, sizeOfHeaders: nt.sizeOfHeaders, bytes };
  const rr = new RvaReader(mapped);

  const dir = (index: number): { rva: number; size: number; field: RvaSource } => {
    const d = nt.dataDirectories[index];
    return {
      rva: d?.rva ?? 0,
      size: d?.size ?? 0,
      field: { structure: `IMAGE_DATA_DIRECTORY[${index}] (${DIRECTORY_NAMES[index]})`, field: "VirtualAddress", offset: nt.dataDirectoryOffset + index * 8 },
    };
  };
  const exp = dir(DIR_EXPORT);
  const imp = dir(DIR_IMPORT);
  const rel = dir(DIR_BASERELOC);
  const dbg = dir(DIR_DEBUG);

  return {
    ...layoutOf(nt, sections, bytes),
    imports: parseImports(rr, imp.rva, imp.field),
    exports: parseExports(rr, exp.rva, exp.size, exp.field),
    debug: parseDebugDirectory(rr, r, dbg.rva, dbg.size, dbg.field),
    relocations: parseRelocations(rr, rel.rva, rel.size, rel.field),
    coffSymbols: parseCoffSymbols(r, nt, strings, sections),
  };
}
