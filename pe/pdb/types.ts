/**
 * The parsed shape of a PDB (MSF 7.00). Contract shared by `ntrace symbols`, the
 * instrumenter (function discovery with sizes) and the reader (offline symbolization).
 */
import type { Rva } from "../../base/index.js";

export interface PdbSectionHeader {
  readonly name: string;
  readonly virtualAddress: number;
  readonly virtualSize: number;
  readonly characteristics: number;
}

export interface PdbModule {
  readonly index: number;
  readonly name: string;
  readonly objectName: string;
  readonly symbolStream: number;
}

export interface SectionContribution {
  readonly section: number;
  readonly offset: number;
  readonly size: number;
  readonly characteristics: number;
  readonly moduleIndex: number;
}

export interface PdbPublic {
  readonly name: string;
  /** 1-based section and offset as stored. */
  readonly section: number;
  readonly offset: number;
  /** RVA computed through the section headers; absent when the section is unknown. */
  readonly rva?: Rva;
  /** PUBSYMFLAGS: Code (1) or Function (2) bit set. */
  readonly isFunction: boolean;
  readonly flags: number;
  /** Offset of the S_PUB32 record in the symbol record stream (as llvm-pdbutil prints it). */
  readonly recordOffset?: number;
}

export type ProcedureKind = "S_GPROC32" | "S_LPROC32" | "S_GPROC32_ID" | "S_LPROC32_ID";

export interface PdbProcedure {
  readonly name: string;
  readonly kind: ProcedureKind;
  readonly section: number;
  readonly offset: number;
  readonly rva?: Rva;
  /** Code size in bytes (CodeSize of the PROCSYM32 record). */
  readonly size: number;
  readonly moduleIndex: number;
  /** Offset of the record in its module's symbol stream (as llvm-pdbutil prints it). */
  readonly recordOffset?: number;
}

/**
 * A function as `ntrace symbols` lists it: every procedure (with its size), plus every
 * function public at an RVA no procedure starts at (size unknown).
 */
export interface PdbFunction {
  readonly name: string;
  readonly rva: Rva;
  readonly size?: number;
  readonly source: "procedure" | "public";
  /** Procedure record kind, for source "procedure". */
  readonly kind?: ProcedureKind;
}

/** The result of an address lookup: the symbol containing the RVA and the offset into it. */
export interface SymbolHit {
  readonly name: string;
  readonly rva: Rva;
  readonly offset: number;
  readonly size?: number;
  readonly source: "procedure" | "public";
}

export interface Pdb {
  /** "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX" from the info stream. */
  readonly guid: string;
  /** Age: the DBI stream's age when present (what the image's RSDS must match), else the info stream's. */
  readonly age: number;
  readonly infoAge: number;
  readonly signature: number;
  readonly pageSize: number;
  readonly modules: readonly PdbModule[];
  readonly sectionContributions: readonly SectionContribution[];
  readonly sectionHeaders: readonly PdbSectionHeader[];
  readonly publics: readonly PdbPublic[];
  readonly procedures: readonly PdbProcedure[];
  /** Innermost procedure containing the RVA, else the nearest preceding function public. */
  lookup(rva: number): SymbolHit | null;
}
