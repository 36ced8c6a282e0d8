/**
 * Symbolizer: function id → display name, computed once per id, offline.
 *
 * For each module of the trace: the CodeView record in the stored debug-directory block names
 * the PDB (file name, GUID, age). The PDB is looked for along the symbol path, then next to
 * the image path recorded in the trace, then at the path the CodeView record names. A PDB whose
 * GUID or age differs is refused with a warning (expected vs found). Without a matching PDB the
 * names fall back to the export names stored in the trace, then to the image's COFF symbols (if
 * the very image — same TimeDateStamp — is found locally), then to `module+0xRVA`.
 */
import { hexShort, symbolStoreKey, NtraceError, notADirectory, readInputFile } from "../../base/index.js";
import type { ModuleRecord } from "../../tracefile/types.js";
import { baseName, candidatesOnPath, dirName, findInDirectory, isFile, type FoundFile } from "../../pe/symstore/index.js";
import { parseSymbolPath, type SymbolLocation } from "../../pe/symstore/index.js";
import { codeViewOfBlock, loadPdb, loadImageCoffFunctions, type CodeViewRecord, type PdbSymbols } from "./parsers.js";

export type WarningSink = (message: string) => void;

export type SymbolSource = "pdb" | "exports" | "coff" | "none";

export interface SymbolizerOptions {
  /** The symbol path; `_NT_SYMBOL_PATH` is used when undefined. */
  readonly symbolPath?: string;
  /** Receives every warning (refused PDBs, remote elements ignored, …). */
  readonly warn?: WarningSink;
  /** Environment (tests): defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What was found for one module: shown by `info`-like output and asserted by tests. */
export interface ModuleSymbolInfo {
  readonly module: ModuleRecord;
  /** Module name without extension, as WinDbg prefixes symbols ("fib" for fib.dll). */
  readonly shortName: string;
  readonly codeview: CodeViewRecord | null;
  readonly source: SymbolSource;
  /** The PDB (or image, for COFF) the names came from. */
  readonly file?: string;
}

interface Resolver {
  /** The symbol containing `rva` and the offset into it, or null. */
  lookup(rva: number): { name: string; offset: number } | null;
}

interface LoadedModule extends ModuleSymbolInfo {
  readonly resolver: Resolver | null;
  /** COFF symbols of the image next to a PDB: names static functions a publics-only PDB lacks. */
  readonly fallback?: Resolver | null;
  readonly exports: Map<number, string>;
  /** Export RVAs ascending, for nearest-preceding lookups of arbitrary addresses. */
  readonly exportRvas: Uint32Array;
}

export class Symbolizer {
  readonly modules: readonly ModuleSymbolInfo[];
  private readonly loaded: readonly LoadedModule[];
  /** Module index per function id; -1 for ids no module owns. */
  private readonly moduleOfId: Int32Array;
  private readonly names: (string | undefined)[];
  private readonly qualifiedNames: (string | undefined)[];
  /** Modules sorted by base, for address lookups. */
  private readonly byBase: readonly LoadedModule[];

  private constructor(loaded: LoadedModule[]) {
    this.loaded = loaded;
    this.modules = loaded;
    let count = 0;
    for (const m of loaded) count = Math.max(count, m.module.firstFunctionId + m.module.functionRvas.length);
    this.moduleOfId = new Int32Array(count).fill(-1);
    loaded.forEach((m, i) => {
      const first = m.module.firstFunctionId;
      this.moduleOfId.fill(i, first, first + m.module.functionRvas.length);
    });
    this.names = new Array<string | undefined>(count);
    this.qualifiedNames = new Array<string | undefined>(count);
    this.byBase = [...loaded].sort((a, b) => a.module.base - b.module.base);
  }

  /** Loads symbols for every module of a trace (reading PDBs from disk). */
  static load(modules: readonly ModuleRecord[], options: SymbolizerOptions = {}): Symbolizer {
    const warn: WarningSink = options.warn ?? (() => {});
    const env = options.env ?? process.env;
    const parsed = parseSymbolPath(options.symbolPath ?? env["_NT_SYMBOL_PATH"]);
    for (const w of parsed.warnings) warn(w);
    // A FIFO or a device where a directory belongs is said so (never opened); missing ones stay quiet.
    for (const loc of parsed.locations) {
      const why = notADirectory(loc.path);
      if (why !== undefined) warn(`symbol path element ${loc.path} ${why}; ignored`);
    }
    return new Symbolizer(modules.map((m) => loadModule(m, parsed.locations, warn)));
  }

  /** Number of function ids (ids are dense: 0 … functionCount-1). */
  get functionCount(): number {
    return this.moduleOfId.length;
  }

  /** The module record owning a function id, if any. */
  moduleOf(id: number): ModuleRecord | undefined {
    const i = id >= 0 && id < this.moduleOfId.length ? this.moduleOfId[id]! : -1;
    return i < 0 ? undefined : this.loaded[i]!.module;
  }

  /** Module short name ("fib") of a function id; "?" when no module owns it. */
  moduleName(id: number): string {
    const i = id >= 0 && id < this.moduleOfId.length ? this.moduleOfId[id]! : -1;
    return i < 0 ? "?" : this.loaded[i]!.shortName;
  }

  /** The function's RVA in its module, or -1. */
  rvaOf(id: number): number {
    const m = this.moduleOf(id);
    return m === undefined ? -1 : m.functionRvas[id - m.firstFunctionId]!;
  }

  /** Plain function name ("fib"), or "fib+0x1010" when nothing names it. Cached per id. */
  name(id: number): string {
    const cached = this.names[id];
    if (cached !== undefined) return cached;
    const i = id >= 0 && id < this.moduleOfId.length ? this.moduleOfId[id]! : -1;
    if (i < 0) return `function#${id}`;
    const m = this.loaded[i]!;
    const rva = m.module.functionRvas[id - m.module.firstFunctionId]!;
    const name = functionName(m, rva);
    this.names[id] = name;
    return name;
  }

  /** WinDbg-style "module!function" (or "module+0xRVA" when unnamed). Cached per id. */
  qualified(id: number): string {
    const cached = this.qualifiedNames[id];
    if (cached !== undefined) return cached;
    const i = id >= 0 && id < this.moduleOfId.length ? this.moduleOfId[id]! : -1;
    if (i < 0) return `function#${id}`;
    const m = this.loaded[i]!;
    const rva = m.module.functionRvas[id - m.module.firstFunctionId]!;
    const named = symbolAt(m, rva, true);
    const q = named === null ? `${m.shortName}+${hexShort(rva)}` : `${m.shortName}!${named}`;
    this.qualifiedNames[id] = q;
    return q;
  }

  /** Any guest address: "fib!fib+0x12", "fib+0x1010", or "0x00401000" outside all modules. */
  address(va: number): string {
    va = va >>> 0;
    const m = this.moduleAt(va);
    if (m === null) return hexShort(va);
    const rva = va - m.module.base;
    const named = symbolAt(m, rva, false);
    return named === null ? `${m.shortName}+${hexShort(rva)}` : `${m.shortName}!${named}`;
  }

  private moduleAt(va: number): LoadedModule | null {
    let lo = 0;
    let hi = this.byBase.length - 1;
    let best: LoadedModule | null = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = this.byBase[mid]!;
      if (m.module.base <= va) {
        best = m;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best !== null && va - best.module.base < best.module.size ? best : null;
  }
}

function functionName(m: LoadedModule, rva: number): string {
  return symbolAt(m, rva, true) ?? `${m.shortName}+${hexShort(rva)}`;
}

/**
 * The name at `rva`, "name+0xoff" when inside a symbol. `exactExports`: for function ids an
 * export only names the function that starts there (a preceding export would be another
 * function); for raw addresses the nearest preceding export is the best guess, as in WinDbg.
 */
function symbolAt(m: LoadedModule, rva: number, exactExports: boolean): string | null {
  const hit = m.resolver?.lookup(rva) ?? null;
  if (hit !== null && hit.offset === 0) return hit.name;
  const exported = m.exports.get(rva);
  if (exported !== undefined) return exported;
  if (exactExports) {
    // A function the PDB does not start a symbol at (a static function a publics-only PDB
    // omits): an exact COFF symbol of the image names it better than "public+0x20".
    const exact = m.fallback?.lookup(rva) ?? null;
    if (exact !== null && exact.offset === 0) return exact.name;
  }
  if (hit !== null) return `${hit.name}+${hexShort(hit.offset)}`;
  if (exactExports || m.exportRvas.length === 0) return null;
  let lo = 0;
  let hi = m.exportRvas.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (m.exportRvas[mid]! <= rva) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (best < 0) return null;
  const start = m.exportRvas[best]!;
  return `${m.exports.get(start)!}+${hexShort(rva - start)}`;
}

function shortNameOf(name: string): string {
  const base = baseName(name);
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

function extensionOf(name: string): string | undefined {
  const base = baseName(name);
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : undefined;
}

function loadModule(module: ModuleRecord, locations: readonly SymbolLocation[], warn: WarningSink): LoadedModule {
  const shortName = shortNameOf(module.name);
  const exports = new Map<number, string>();
  for (const e of module.exportNames) if (!exports.has(e.rva)) exports.set(e.rva, e.name);
  const exportRvas = Uint32Array.from(exports.keys()).sort();
  const base = { module, shortName, exports, exportRvas };

  let codeview: CodeViewRecord | null = null;
  try {
    codeview = codeViewOfBlock(module.debugBlock);
  } catch (err) {
    if (!(err instanceof NtraceError)) throw err;
    warn(`module ${module.name}: the debug-directory block stored in the trace is unreadable (${err.message}); no PDB can be identified`);
  }

  if (codeview !== null) {
    const pdb = findPdb(module, codeview, locations, warn);
    if (pdb !== null) {
      const coff = findCoffSymbols(module, locations, warn);
      return { ...base, codeview, source: "pdb", file: pdb.file, resolver: pdb.symbols, fallback: coff?.symbols ?? null };
    }
  }

  const coff = findCoffSymbols(module, locations, warn);
  if (exports.size > 0 || coff === null) {
    // Exports first (they are in the trace); COFF symbols only fill what exports do not name.
    const resolver: Resolver | null = coff === null ? null : { lookup: (rva) => (exports.has(rva) ? null : coff.symbols.lookup(rva)) };
    const source: SymbolSource = exports.size > 0 ? "exports" : "none";
    return coff === null ? { ...base, codeview, source, resolver } : { ...base, codeview, source, file: coff.file, resolver };
  }
  return { ...base, codeview, source: "coff", file: coff.file, resolver: coff.symbols };
}

function findPdb(
  module: ModuleRecord,
  cv: CodeViewRecord,
  locations: readonly SymbolLocation[],
  warn: WarningSink,
): { file: string; symbols: PdbSymbols } | null {
  const pdbName = baseName(cv.path);
  const key = symbolStoreKey(cv.guid, cv.age);
  const notes = { note: (m: string) => warn(`module ${module.name}: ${m}`) };
  const seen = new Set<string>();
  const tryFile = (found: FoundFile): { file: string; symbols: PdbSymbols } | null => {
    if (seen.has(found.path)) return null;
    seen.add(found.path);
    let pdb: PdbSymbols | null;
    try {
      pdb = loadPdb(readInputFile(found.path), found.path);
    } catch (err) {
      if (!(err instanceof NtraceError)) throw err;
      warn(`module ${module.name}: ${found.path} (${found.via}) is not used: ${err.message}`);
      return null;
    }
    if (pdb === null) {
      warn(`module ${module.name}: ${found.path} (${found.via}) is not used: not a PDB (MSF 7.00) file`);
      return null;
    }
    const guidOk = pdb.identity.guid.toUpperCase() === cv.guid.toUpperCase();
    if (!guidOk || pdb.identity.age !== cv.age) {
      warn(
        `module ${module.name}: ${found.path} (${found.via}) does not match the image and is not used: ` +
          `expected GUID ${cv.guid} age ${cv.age}, found GUID ${pdb.identity.guid} age ${pdb.identity.age}`,
      );
      return null;
    }
    return { file: found.path, symbols: pdb };
  };

  const ext = extensionOf(module.name);
  for (const found of candidatesOnPath(locations, pdbName, key, ext, notes)) {
    const ok = tryFile(found);
    if (ok !== null) return ok;
  }
  const nextToImage = findInDirectory(dirName(module.path), pdbName, undefined);
  if (nextToImage !== null) {
    const ok = tryFile({ path: nextToImage.path, via: "next to the image" });
    if (ok !== null) return ok;
  }
  if (cv.path !== pdbName && isFile(cv.path)) {
    const ok = tryFile({ path: cv.path, via: "the path in the CodeView record" });
    if (ok !== null) return ok;
  }
  if (seen.size === 0) {
    warn(`module ${module.name}: ${pdbName} (GUID ${cv.guid} age ${cv.age}) not found; using ${module.exportNames.length > 0 ? "export names" : "addresses"}`);
  }
  return null;
}

function findCoffSymbols(module: ModuleRecord, locations: readonly SymbolLocation[], warn: WarningSink): { file: string; symbols: Resolver } | null {
  const fileName = baseName(module.path !== "" ? module.path : module.name);
  const key = module.timeDateStamp.toString(16).toUpperCase().padStart(8, "0") + module.size.toString(16).toUpperCase();
  const candidates: FoundFile[] = [];
  if (isFile(module.path)) candidates.push({ path: module.path, via: "the recorded image path" });
  for (const found of candidatesOnPath(locations, fileName, key, undefined, { note: () => {} })) candidates.push(found);
  for (const found of candidates) {
    try {
      const symbols = loadImageCoffFunctions(readInputFile(found.path), module.timeDateStamp);
      if (symbols !== null) return { file: found.path, symbols };
    } catch (err) {
      if (!(err instanceof NtraceError)) throw err;
      warn(`module ${module.name}: image ${found.path} is not used for COFF symbols: ${err.message}`);
    }
  }
  return null;
}
