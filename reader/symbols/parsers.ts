/**
 * The reader's only contact with the pe/ parsers: the CodeView record of a stored debug block,
 * PDB identity + lookups, and an image's COFF function symbols.
 */
import { parseDebugBlock, parsePe, isPe } from "../../pe/index.js";
import { createSymbolizer, isPdb, parsePdb } from "../../pe/pdb/index.js";

export interface CodeViewRecord {
  readonly signature: "RSDS" | "NB10";
  readonly guid: string;
  readonly age: number;
  readonly path: string;
}

export interface PdbSymbols {
  readonly identity: { readonly guid: string; readonly age: number };
  lookup(rva: number): { name: string; offset: number } | null;
}

/** The first CodeView entry of a stored debug-directory block (pe/README.md "Debug-directory block"), or null. */
export function codeViewOfBlock(block: Uint8Array): CodeViewRecord | null {
  if (block.length === 0) return null;
  for (const entry of parseDebugBlock(block)) {
    if (entry.codeview !== undefined) return entry.codeview;
  }
  return null;
}

/** A parsed PDB, or null when the bytes are not a PDB. Throws FormatError when broken. */
export function loadPdb(bytes: Uint8Array, file: string): PdbSymbols | null {
  if (!isPdb(bytes)) return null;
  const pdb = parsePdb(bytes, file);
  // Built lazily: a refused PDB (wrong GUID/age) never pays for the lookup tables.
  let symbolizer: ReturnType<typeof createSymbolizer> | null = null;
  return {
    identity: { guid: pdb.guid, age: pdb.age },
    lookup(rva) {
      symbolizer ??= createSymbolizer(pdb);
      const i = symbolizer.indexOf(rva);
      if (i < 0) return null;
      const e = symbolizer.entries[i]!;
      return { name: e.source === "public" ? undecorateC(e.name) : e.name, offset: rva - e.rva };
    },
  };
}

/**
 * COFF function symbols of an image file, when it is the very image traced (same
 * TimeDateStamp) and has any; else null.
 */
export function loadImageCoffFunctions(bytes: Uint8Array, timeDateStamp: number): PdbSymbols | null {
  if (!isPe(bytes)) return null;
  const image = parsePe(bytes);
  if (image.timeDateStamp !== timeDateStamp) return null;
  const functions = image.coffSymbols
    .filter((s) => s.isFunction && s.rva !== undefined)
    .map((s) => ({ rva: s.rva as number, name: s.name }))
    .sort((a, b) => a.rva - b.rva);
  if (functions.length === 0) return null;
  const rvas = Uint32Array.from(functions, (f) => f.rva);
  return {
    identity: { guid: "", age: 0 },
    lookup(rva) {
      let lo = 0;
      let hi = rvas.length - 1;
      let best = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (rvas[mid]! <= rva) {
          best = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (best < 0) return null;
      return { name: undecorateC(functions[best]!.name), offset: rva - rvas[best]! };
    },
  };
}

/**
 * x86 C decoration of public symbols: `_f` (cdecl), `_f@8` (stdcall), `@f@8` (fastcall) → `f`.
 * C++ names (`?f@@YAHH@Z`) are left as they are.
 */
export function undecorateC(name: string): string {
  const m = /^[_@]([A-Za-z_$][\w$]*?)(@\d+)?$/.exec(name);
  return m === null ? name : m[1]!;
}
