/**
 * The parsed shape of a PE32 image. Contract shared by the loader (runtime/), the
 * instrumenter, the trace writer (debug-directory block) and `ntrace info`.
 * All addresses are numbers (u32); RVAs are relative to the image base.
 */
import type { Rva } from "../base/index.js";

export const IMAGE_FILE_MACHINE_I386 = 0x014c;

export interface SectionHeader {
  /** Name as stored (up to 8 bytes), or the long name from the COFF string table ("/4"). */
  readonly name: string;
  readonly rva: Rva;
  readonly virtualSize: number;
  readonly rawOffset: number;
  readonly rawSize: number;
  readonly characteristics: number;
}

export interface DataDirectory {
  readonly rva: Rva;
  readonly size: number;
}

export interface ImportedFunction {
  /** Present when imported by name. */
  readonly name?: string;
  readonly hint?: number;
  /** Present when imported by ordinal. */
  readonly ordinal?: number;
  /** RVA of the IAT slot the loader fills. */
  readonly iatRva: Rva;
}

export interface ImportedDll {
  readonly dll: string;
  readonly functions: readonly ImportedFunction[];
}

export interface ExportEntry {
  readonly ordinal: number;
  /** All names that refer to this ordinal (empty for ordinal-only exports), sorted. */
  readonly names: readonly string[];
  readonly rva: Rva;
  /** "DLL.Function" or "DLL.#12" when the RVA lies inside the export directory. */
  readonly forwarder?: string;
  /** True when the RVA lies in an executable section (and it is not a forwarder). */
  readonly code: boolean;
}

export interface ExportTable {
  readonly dllName: string;
  readonly ordinalBase: number;
  readonly timeDateStamp: number;
  /** One entry per non-zero address-table slot, in ordinal order. */
  readonly entries: readonly ExportEntry[];
}

export interface CodeViewInfo {
  readonly signature: "RSDS" | "NB10";
  /** RSDS: "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX". NB10: the 32-bit signature as 8 hex digits. */
  readonly guid: string;
  readonly age: number;
  readonly path: string;
}

export interface DebugDirectoryEntry {
  readonly characteristics: number;
  readonly timeDateStamp: number;
  readonly majorVersion: number;
  readonly minorVersion: number;
  /** IMAGE_DEBUG_TYPE_* (2 = CODEVIEW, 16 = REPRO, ...). */
  readonly type: number;
  readonly sizeOfData: number;
  readonly addressOfRawData: number;
  readonly pointerToRawData: number;
  /** The blob this entry points to (empty when it points nowhere readable). */
  readonly data: Uint8Array;
  readonly codeview?: CodeViewInfo;
}

export interface BaseRelocation {
  readonly rva: Rva;
  /** IMAGE_REL_BASED_* (3 = HIGHLOW, 0 = ABSOLUTE padding is dropped). */
  readonly type: number;
}

export interface CoffSymbol {
  readonly name: string;
  readonly value: number;
  /** 1-based section number; 0 undefined, -1 absolute, -2 debug. */
  readonly sectionNumber: number;
  readonly type: number;
  readonly storageClass: number;
  /** (type >> 4) == IMAGE_SYM_DTYPE_FUNCTION. */
  readonly isFunction: boolean;
  /** RVA when the symbol is defined in a section. */
  readonly rva?: Rva;
}

/** Headers and section table: what mapping an image needs (parsePeLayout). */
export interface PeLayout {
  readonly machine: number;
  readonly timeDateStamp: number;
  readonly characteristics: number;
  readonly isDll: boolean;
  readonly imageBase: number;
  readonly entryRva: Rva;
  readonly sectionAlignment: number;
  readonly fileAlignment: number;
  readonly sizeOfImage: number;
  readonly sizeOfHeaders: number;
  readonly checksum: number;
  readonly subsystem: number;
  readonly dllCharacteristics: number;
  readonly sizeOfStackReserve: number;
  readonly sizeOfStackCommit: number;
  readonly dataDirectories: readonly DataDirectory[];
  /** File offset of IMAGE_NT_HEADERS (e_lfanew). */
  readonly ntOffset: number;
  readonly sections: readonly SectionHeader[];
  /** The whole file. */
  readonly bytes: Uint8Array;
}

/** The whole image: layout plus every directory ntrace reads (parsePe). */
export interface PeImage extends PeLayout {
  readonly imports: readonly ImportedDll[];
  readonly exports: ExportTable | null;
  readonly debug: readonly DebugDirectoryEntry[];
  readonly relocations: readonly BaseRelocation[];
  readonly coffSymbols: readonly CoffSymbol[];
}
