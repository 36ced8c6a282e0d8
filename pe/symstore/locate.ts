/**
 * Finding files in local directories and symbol stores, without touching the network.
 *
 * Store layouts (what SymStore / SymSrv write):
 *   one-tier   <store>/<file>/<key>/<file>
 *   two-tier   <store>/<first two chars of file>/<file>/<key>/<file>   (index2.txt at the root)
 *   file.ptr   <…>/<key>/file.ptr holding "PATH:<path>" (or a bare path) to the real file,
 *              or "MSG: <text>" explaining why there is none.
 * Windows file systems ignore case; stores copied to Linux keep whatever case they had, so
 * every path component is matched case-insensitively when the exact name is missing.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import type { SymbolLocation } from "./symbolpath.js";

/** The last component of a Windows or POSIX path ("C:\b\fib.pdb" → "fib.pdb"). */
export function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] ?? p;
}

/** The directory of a Windows or POSIX path, in the form the local file system can use. */
export function dirName(p: string): string {
  const i = Math.max(p.lastIndexOf("/"), p.lastIndexOf("\\"));
  return i < 0 ? "." : i === 0 ? p.slice(0, 1) : p.slice(0, i);
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** `dir/name`, matching `name` case-insensitively when the exact spelling is absent. */
function child(dir: string, name: string): string | null {
  const exact = path.join(dir, name);
  if (existsSync(exact)) return exact;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return null;
  }
  const lower = name.toLowerCase();
  const hit = entries.find((e) => e.toLowerCase() === lower);
  return hit === undefined ? null : path.join(dir, hit);
}

/** Resolves a chain of components below `root`, each case-insensitively. */
function descend(root: string, components: readonly string[]): string | null {
  let current: string | null = root;
  for (const c of components) {
    if (current === null) return null;
    current = child(current, c);
  }
  return current;
}

/** A file found (or a reason it could not be) while searching. */
export interface FoundFile {
  readonly path: string;
  /** How it was found, for messages: "store /syms", "next to the image", … */
  readonly via: string;
}

export interface SearchNotes {
  /** Called with messages worth a warning (file.ptr messages, unreadable pointers). */
  note(message: string): void;
}

/** Looks `file` up under `key` in one store; both layouts and file.ptr are tried. */
export function findInStore(store: string, file: string, key: string, notes: SearchNotes): FoundFile | null {
  if (!isDirectory(store)) return null;
  const twoTier = child(store, "index2.txt") !== null;
  const layouts = twoTier ? [[file.slice(0, 2), file], [file]] : [[file], [file.slice(0, 2), file]];
  for (const prefix of layouts) {
    const keyDir = descend(store, [...prefix, key]);
    if (keyDir === null || !isDirectory(keyDir)) continue;
    const direct = child(keyDir, file);
    if (direct !== null && isFile(direct)) return { path: direct, via: `symbol store ${store}` };
    const ptr = child(keyDir, "file.ptr");
    if (ptr !== null && isFile(ptr)) {
      const target = followFilePtr(ptr, keyDir, notes);
      if (target !== null) return { path: target, via: `symbol store ${store} (file.ptr)` };
    }
    const compressed = child(keyDir, file.slice(0, -1) + "_");
    if (compressed !== null) notes.note(`${compressed}: compressed (CAB) store entries are not supported; expand it next to it as ${file}`);
  }
  return null;
}

function followFilePtr(ptrFile: string, keyDir: string, notes: SearchNotes): string | null {
  const text = readFileSync(ptrFile, "utf8").trim();
  if (/^MSG:/i.test(text)) {
    notes.note(`${ptrFile}: ${text.slice(4).trim()}`);
    return null;
  }
  const target = text.replace(/^PATH:/i, "").trim();
  const candidates = [target, target.replace(/\\/g, "/")];
  for (const c of candidates) {
    const resolved = path.isAbsolute(c) ? c : path.join(keyDir, c);
    if (isFile(resolved)) return resolved;
  }
  notes.note(`${ptrFile} points to ${target}, which does not exist here`);
  return null;
}

/** Looks `file` up flat in a directory (and in `<dir>/<ext>/` and `<dir>/symbols/<ext>/`). */
export function findInDirectory(dir: string, file: string, imageExt: string | undefined): FoundFile | null {
  if (!isDirectory(dir)) return null;
  const tries: string[][] = [[file]];
  if (imageExt !== undefined && imageExt !== "") tries.push([imageExt, file], ["symbols", imageExt, file]);
  for (const t of tries) {
    const hit = descend(dir, t);
    if (hit !== null && isFile(hit)) return { path: hit, via: `directory ${dir}` };
  }
  return null;
}

/**
 * Every candidate for `file` (with store key `key`) along the symbol path, in search order:
 * stores by layout; plain directories flat and then as stores.
 */
export function* candidatesOnPath(
  locations: readonly SymbolLocation[],
  file: string,
  key: string,
  imageExt: string | undefined,
  notes: SearchNotes,
): Generator<FoundFile> {
  for (const loc of locations) {
    if (loc.kind === "directory") {
      const flat = findInDirectory(loc.path, file, imageExt);
      if (flat !== null) yield flat;
    }
    const stored = findInStore(loc.path, file, key, notes);
    if (stored !== null) yield stored;
  }
}

export { isFile };
