/**
 * Checking a program's imports before it runs, so a missing import is named at load (Wine's
 * loader would bind it to a stub that raises when called, and a missing DLL ends the process
 * with STATUS_DLL_NOT_FOUND). DLLs are found the way Wine's loader finds them: API sets through
 * the schema, then the program's directory, C:\windows\system32, and the DLL directories on
 * PATH. The program's own DLLs are checked recursively; system DLLs are Wine's and trusted.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { checkImageDirectories, parsePe, type ExportTable, type PeImage } from "../../pe/index.js";
import { MissingImportError } from "../core/errors.js";
import { imageExports, readImageFile } from "./images.js";

/** API-set name (lower case, without .dll) → host DLL, from apisetschema.dll's .apiset section (version 6). */
export function parseApiSetSchema(bytes: Uint8Array, sectionOffset: number): Map<string, string> {
  const v = new DataView(bytes.buffer, bytes.byteOffset + sectionOffset, bytes.byteLength - sectionOffset);
  const out = new Map<string, string>();
  if (v.getUint32(0, true) !== 6) return out;
  const count = v.getUint32(12, true);
  const entries = v.getUint32(16, true);
  const str = (offset: number, length: number) => Buffer.from(bytes.buffer, bytes.byteOffset + sectionOffset + offset, length).toString("utf16le");
  for (let i = 0; i < count && entries + 24 * (i + 1) <= v.byteLength; i++) {
    const e = entries + 24 * i;
    const name = str(v.getUint32(e + 4, true), v.getUint32(e + 8, true)).toLowerCase();
    const hashed = v.getUint32(e + 12, true) / 2;
    const values = v.getUint32(e + 16, true);
    const valueCount = v.getUint32(e + 20, true);
    if (valueCount === 0) continue;
    const host = str(v.getUint32(values + 12, true), v.getUint32(values + 16, true));
    if (host !== "") out.set(name.slice(0, hashed), host.toLowerCase());
  }
  return out;
}

export interface ImportSearch {
  /** Host directories in search order (program dir, system32, DLL dirs). */
  readonly dirs: readonly string[];
  readonly system32: string;
  readonly apiSets: ReadonlyMap<string, string>;
}

/** The host DLL an API-set name stands for, or the name itself. */
export function resolveApiSet(name: string, apiSets: ReadonlyMap<string, string>): string | undefined {
  const n = name.toLowerCase().replace(/\.dll$/, "");
  if (!n.startsWith("api-") && !n.startsWith("ext-")) return name.toLowerCase();
  const hashed = n.slice(0, n.lastIndexOf("-"));
  return apiSets.get(hashed);
}

/** Every import of `image` (and of the non-system DLLs it loads) that nothing provides: "dll!function". */
export function missingImports(image: PeImage, search: ImportSearch): string[] {
  const missing: string[] = [];
  const checked = new Set<string>();
  const exportsCache = new Map<string, { image: PeImage | undefined; exports: ExportTable | null; system: boolean } | undefined>();
  const find = (dll: string): { image: PeImage | undefined; exports: ExportTable | null; system: boolean; path: string } | undefined => {
    const host = resolveApiSet(dll, search.apiSets);
    if (host === undefined) return undefined;
    const file = host.includes(".") ? host : `${host}.dll`;
    for (const dir of search.dirs) {
      const path = findCaseInsensitive(dir, file);
      if (path === undefined) continue;
      const key = path;
      if (!exportsCache.has(key)) {
        try {
          const f = readImageFile(path);
          const system = dir === search.system32;
          // System DLLs: their exports only (a full parse of kernelbase costs tens of ms).
          if (!system) f.file.ensureAll();
          const img = system ? undefined : parsePe(f.layout.bytes, path);
          exportsCache.set(key, { image: img, exports: img !== undefined ? img.exports : imageExports(f), system });
        } catch {
          exportsCache.set(key, undefined);
        }
      }
      const e = exportsCache.get(key);
      return e === undefined ? undefined : { ...e, path };
    }
    return undefined;
  };
  const provides = (dll: string, name: string | undefined, ordinal: number | undefined, depth: number): boolean => {
    const target = find(dll);
    if (target === undefined || target.exports === null || depth > 8) return false;
    const entry = name !== undefined ? target.exports.entries.find((e) => e.names.includes(name)) : target.exports.entries.find((e) => e.ordinal === ordinal);
    if (entry === undefined) return false;
    if (entry.forwarder === undefined) return true;
    const dot = entry.forwarder.lastIndexOf(".");
    const fn = entry.forwarder.slice(dot + 1);
    return fn.startsWith("#") ? provides(entry.forwarder.slice(0, dot), undefined, Number(fn.slice(1)), depth + 1) : provides(entry.forwarder.slice(0, dot), fn, undefined, depth + 1);
  };
  const visit = (img: PeImage): void => {
    for (const imp of img.imports) {
      const target = find(imp.dll);
      if (target === undefined) {
        missing.push(`${imp.dll.toLowerCase()} (not found)`);
        continue;
      }
      for (const f of imp.functions) {
        if (!provides(imp.dll, f.name, f.ordinal, 0)) missing.push(`${imp.dll.toLowerCase()}!${f.name ?? `#${f.ordinal ?? 0}`}`);
      }
      if (!target.system && target.image !== undefined && !checked.has(target.path)) {
        checked.add(target.path);
        visit(target.image);
      }
    }
  };
  visit(image);
  return [...new Set(missing)];
}

/**
 * Throws a FormatError for an image whose relocations, import address tables, exports or TLS
 * directory the loader cannot follow (pe/loadcheck.ts), then MissingImportError naming every
 * import nothing provides; DLLs not found that exist in
 * one of `runtimeDirs` (mingw-w64's runtime DLLs, fetched with the system DLLs) get a hint.
 */
export function checkImports(displayName: string, image: PeImage, search: ImportSearch, runtimeDirs: readonly string[] = []): void {
  // The image's own directories first: a malformed one is named before its imports are looked up.
  checkImageDirectories(image, displayName);
  const missing = missingImports(image, search);
  if (missing.length === 0) return;
  const notFound = missing.filter((m) => m.endsWith(" (not found)")).map((m) => m.slice(0, -" (not found)".length));
  const dirs = runtimeDirs.filter((d) => notFound.length > 0 && notFound.every((dll) => findCaseInsensitive(d, dll) !== undefined));
  const hint = dirs.length > 0 ? `${notFound.join(", ")} ${notFound.length === 1 ? "is a" : "are"} mingw-w64 runtime DLL${notFound.length === 1 ? "" : "s"}: add --dll-dir ${dirs.join(" (or --dll-dir ")}${dirs.length > 1 ? ")" : ""}, or copy ${notFound.length === 1 ? "it" : "them"} next to the program` : undefined;
  throw new MissingImportError(displayName, missing, hint);
}

function findCaseInsensitive(dir: string, file: string): string | undefined {
  const direct = join(dir, file);
  if (existsSync(direct)) return direct;
  try {
    const hit = readdirSync(dir).find((n) => n.toLowerCase() === file.toLowerCase());
    return hit !== undefined ? join(dir, hit) : undefined;
  } catch {
    return undefined;
  }
}
