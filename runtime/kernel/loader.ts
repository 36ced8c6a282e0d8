/**
 * The PE loader: maps an image's headers and sections with their protections at the
 * preferred base (or relocates it: HIGHLOW base relocations), binds its imports to other
 * loaded images (sample DLLs loaded on demand from the importing image's directory or the
 * `load` paths; names matched case-insensitively; by name and by ordinal; forwarders
 * followed) or to built-in APIs, and reports every missing import at once.
 * Entry points are not run here: the caller runs them (in dependency order) on a guest thread.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { hex } from "../base/index.js";
import { parsePe, IMAGE_FILE_MACHINE_I386, type PeImage } from "../pe/index.js";
import { LoadError, MissingImportError } from "./errors.js";
import { normalizeDllName, type ApiDef, type Machine } from "./machine.js";
import { PAGE, pageUp } from "./memory.js";
import type { BuiltinDlls } from "./nt/builtins.js";
import type { LoadedModule } from "./types.js";

const IMAGE_SCN_MEM_EXECUTE = 0x20000000;
const IMAGE_SCN_MEM_READ = 0x40000000;
const IMAGE_SCN_MEM_WRITE = 0x80000000;
const IMAGE_REL_BASED_HIGHLOW = 3;
const IMAGE_REL_BASED_ABSOLUTE = 0;
const IMAGE_FILE_RELOCS_STRIPPED = 0x0001;

export interface LoaderOptions {
  readonly searchPaths: readonly string[];
  readonly allowMissingImports: boolean;
}

export class Loader {
  /** Modules loaded but whose entry point has not run yet, in dependency order. */
  readonly pendingInit: LoadedModule[] = [];
  private readonly loading = new Set<string>();

  constructor(
    private readonly machine: Machine,
    private readonly builtins: BuiltinDlls,
    private readonly options: LoaderOptions,
  ) {}

  /** Loads an image file (and what it imports). Returns the existing module when loaded already. */
  loadFile(path: string): LoadedModule {
    const full = resolve(path);
    const existing = this.machine.modules.find((m) => m.path === full);
    if (existing !== undefined) return existing;
    if (!existsSync(full)) throw new LoadError(`${path}: no such file`);
    if (!statSync(full).isFile()) throw new LoadError(`${path}: ${statSync(full).isDirectory() ? "is a directory" : "not a regular file"}`);
    const bytes = new Uint8Array(readFileSync(full));
    const image = parsePe(bytes, path);
    if (image.machine !== IMAGE_FILE_MACHINE_I386) throw new LoadError(`${path}: not an x86 (i386) image (machine 0x${image.machine.toString(16)})`);
    const already = this.machine.findModule(basename(full));
    if (already !== undefined) return already;
    return this.map(path, full, image, bytes);
  }

  /** Finds a DLL by name: loaded modules, built-ins, then files next to `fromDir` and the load paths. */
  loadByName(name: string, fromDir: string | undefined): LoadedModule | undefined {
    const loaded = this.machine.findModule(name);
    if (loaded !== undefined) return loaded;
    const builtin = this.builtins.module(name);
    if (builtin !== undefined) return builtin;
    const file = normalizeDllName(name);
    const dirs = [...(fromDir !== undefined ? [fromDir] : []), ...this.options.searchPaths.map((p) => (existsSync(p) && statSync(p).isDirectory() ? p : dirname(p)))];
    for (const p of this.options.searchPaths) if (normalizeDllName(basename(p)) === file && existsSync(p)) return this.loadFile(p);
    for (const d of dirs) {
      const candidate = findCaseInsensitive(d, file);
      if (candidate !== undefined) return this.loadFile(candidate);
    }
    return undefined;
  }

  private map(displayPath: string, full: string, image: PeImage, bytes: Uint8Array): LoadedModule {
    const m = this.machine.memory;
    const size = pageUp(image.sizeOfImage);
    let base = image.imageBase;
    if (base % 0x10000 !== 0 || !m.isFree(base, size) || base + size > 0x7f000000) {
      const found = m.findFree(size, 0x10000000, 0x7b000000) ?? m.findFree(size, 0x00400000, 0x7b000000);
      if (found === undefined) throw new LoadError(`${displayPath}: no room for 0x${size.toString(16)} bytes`);
      base = found;
    }
    const region = m.mapAt(base, size, 3, basename(full));
    void region;
    m.write(base, bytes.subarray(0, Math.min(image.sizeOfHeaders, bytes.length)));
    for (const s of image.sections) {
      const raw = Math.min(s.rawSize, s.virtualSize === 0 ? s.rawSize : s.virtualSize, Math.max(0, bytes.length - s.rawOffset));
      if (raw > 0) m.write(base + s.rva, bytes.subarray(s.rawOffset, s.rawOffset + raw));
    }
    if (base !== image.imageBase) this.relocate(displayPath, image, base);

    const module: LoadedModule = {
      name: basename(full),
      path: full,
      base,
      size,
      image,
      bytes,
      builtin: false,
      entry: image.entryRva !== 0 ? base + image.entryRva : 0,
    };
    this.machine.addModule(module);
    this.loading.add(full);
    try {
      this.bindImports(displayPath, module, image, dirname(full));
    } finally {
      this.loading.delete(full);
    }
    this.protectSections(image, base, size);
    this.pendingInit.push(module);
    return module;
  }

  private relocate(path: string, image: PeImage, base: number): void {
    const delta = (base - image.imageBase) >>> 0;
    // Like Windows' loader, refuse only images marked IMAGE_FILE_RELOCS_STRIPPED: an image
    // without that flag and without a .reloc section simply has no absolute addresses to fix.
    if ((image.characteristics & IMAGE_FILE_RELOCS_STRIPPED) !== 0) throw new LoadError(`${path}: preferred base ${hex(image.imageBase)} is taken and the image's relocations are stripped (IMAGE_FILE_RELOCS_STRIPPED)`);
    const m = this.machine.memory;
    for (const r of image.relocations) {
      if (r.type === IMAGE_REL_BASED_ABSOLUTE) continue;
      if (r.type !== IMAGE_REL_BASED_HIGHLOW) throw new LoadError(`${path}: base relocation type ${r.type} at RVA 0x${r.rva.toString(16)} is not supported (x86 images use HIGHLOW)`);
      const a = base + r.rva;
      m.setU32(a, (m.u32(a) + delta) >>> 0);
    }
  }

  private protectSections(image: PeImage, base: number, size: number): void {
    const m = this.machine.memory;
    if (image.sectionAlignment < PAGE) {
      m.protect(base, size, 7);
      return;
    }
    m.protect(base, pageUp(image.sizeOfHeaders), 1);
    for (const s of image.sections) {
      const c = s.characteristics;
      const prot = (c & IMAGE_SCN_MEM_READ ? 1 : 0) | (c & IMAGE_SCN_MEM_WRITE ? 2 : 0) | (c & IMAGE_SCN_MEM_EXECUTE ? 4 : 0);
      const len = pageUp(Math.max(s.virtualSize, s.rawSize));
      if (len > 0) m.protect(base + s.rva, len, prot === 0 ? 1 : prot);
    }
  }

  private bindImports(path: string, module: LoadedModule, image: PeImage, dir: string): void {
    const missing: { dll: string; fn: string; iat: number }[] = [];
    for (const imp of image.imports) {
      const target = this.loadByName(imp.dll, dir);
      for (const f of imp.functions) {
        const label = f.name ?? `#${f.ordinal ?? 0}`;
        const address = target === undefined ? undefined : this.resolveExport(target, f.name, f.ordinal, dir, 0);
        const iat = module.base + f.iatRva;
        if (address === undefined) missing.push({ dll: imp.dll, fn: label, iat });
        else this.machine.memory.setU32(iat, address);
      }
    }
    if (missing.length === 0) return;
    if (!this.options.allowMissingImports) throw new MissingImportError(path, missing.map((x) => `${x.dll.toLowerCase()}!${x.fn}`));
    for (const x of missing) {
      const name = `${x.dll.toLowerCase()}!${x.fn}`;
      const def: ApiDef = {
        dll: x.dll,
        name: x.fn,
        args: 0,
        conv: "cdecl",
        impl: (call) => ({ kind: "fail", message: `called missing import ${name} (imported by ${module.name}) from ${call.machine.describeAddress(call.returnAddress)}` }),
      };
      this.machine.memory.setU32(x.iat, this.machine.addStub(def));
    }
  }

  /** Address of an export by name or ordinal, following forwarders. */
  resolveExport(target: LoadedModule, name: string | undefined, ordinal: number | undefined, dir: string | undefined, depth: number): number | undefined {
    if (target.builtin) return this.builtins.exportAddress(target, name, ordinal);
    const exports = target.image?.exports;
    if (exports === null || exports === undefined || depth > 8) return undefined;
    const entry = name !== undefined ? exports.entries.find((e) => e.names.includes(name)) : exports.entries.find((e) => e.ordinal === ordinal);
    if (entry === undefined) return undefined;
    if (entry.forwarder !== undefined) {
      const dot = entry.forwarder.lastIndexOf(".");
      const dll = entry.forwarder.slice(0, dot);
      const fn = entry.forwarder.slice(dot + 1);
      const next = this.loadByName(dll, dir ?? dirname(target.path));
      if (next === undefined) return undefined;
      return fn.startsWith("#") ? this.resolveExport(next, undefined, Number(fn.slice(1)), dir, depth + 1) : this.resolveExport(next, fn, undefined, dir, depth + 1);
    }
    return target.base + entry.rva;
  }
}

function findCaseInsensitive(dir: string, file: string): string | undefined {
  const direct = join(dir, file);
  if (existsSync(direct)) return direct;
  try {
    const names = readdirSyncSafe(dir);
    const hit = names.find((n) => n.toLowerCase() === file);
    return hit !== undefined ? join(dir, hit) : undefined;
  } catch {
    return undefined;
  }
}

import { readdirSync } from "node:fs";
function readdirSyncSafe(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}
