/**
 * The driver loader: maps an image at its preferred base (or relocated), binds its imports to
 * other loaded drivers (found by name next to the importing image or in the `load` paths;
 * case-insensitive; by name and by ordinal; forwarders followed) or to the kernel's built-in
 * exports (ntoskrnl.exe, hal.dll), and reports every missing import at once.
 * Entry points are not run here: the caller runs them (in load order) on a kernel thread.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { FormatError, hex } from "../../base/index.js";
import { checkImage, parsePe, IMAGE_FILE_MACHINE_I386, type PeImage } from "../../pe/index.js";
import { LoadError, MissingImportError } from "../core/errors.js";
import { IMAGE_FILE_RELOCS_STRIPPED, mapImage, whileLoading } from "../core/image.js";
import { normalizeDllName, type ApiDef, type Machine } from "../core/machine.js";
import { pageUp } from "../core/memory.js";
import { ImageModule } from "../core/module.js";
import type { LoadedModule } from "../core/types.js";
import type { BuiltinDlls } from "./builtins.js";

export interface LoaderOptions {
  readonly searchPaths: readonly string[];
  readonly allowMissingImports: boolean;
}

export class Loader {
  /** Modules loaded but whose entry point has not run yet, in dependency order. */
  readonly pendingInit: LoadedModule[] = [];

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
    // Layout, relocations, import address tables, exports, TLS: all checked before a byte of
    // the image is mapped or an import bound (a FormatError naming structure, field, offset).
    checkImage(image, path);
    const already = this.machine.findModule(basename(full));
    if (already !== undefined) return already;
    const m = this.machine.memory;
    const size = pageUp(image.sizeOfImage);
    checkDriverPlacement(image, path);
    let base = image.imageBase;
    if (!placeable(base, size) || !m.isFree(base, size)) {
      const found = m.findFree(size, 0x10000000, 0x7b000000) ?? m.findFree(size, 0x00400000, 0x7b000000);
      if (found === undefined) throw new LoadError(`${path}: no room for 0x${size.toString(16)} bytes`);
      base = found;
    }
    mapImage(m, image, base, { tag: basename(full), file: path, relocations: image.relocations });
    const module = new ImageModule(full, "", base, size, image, false, basename(full), () => undefined, image);
    this.machine.addModule(module);
    whileLoading(path, base, () => this.bindImports(path, module, dirname(full)));
    this.pendingInit.push(module);
    return module;
  }

  /** Finds a driver by name: loaded modules, built-ins, then files next to `fromDir` and the load paths. */
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

  private bindImports(path: string, module: ImageModule, dir: string): void {
    const missing: { dll: string; fn: string; iat: number }[] = [];
    for (const imp of module.image.imports) {
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

/**
 * Where drivers go: 64 KiB-aligned ranges of [64 KiB, DRIVERS_HIGH) (the first 64 KiB stay
 * unmapped so null pointers fault; the system range above belongs to the machine).
 */
const DRIVERS_LOW = 0x10000;
const DRIVERS_HIGH = 0x7f000000;
const placeable = (base: number, size: number): boolean => base % 0x10000 === 0 && base >= DRIVERS_LOW && base + size <= DRIVERS_HIGH;

/** A driver that cannot be relocated must be placeable at its preferred base (checked before anything is mapped). */
function checkDriverPlacement(image: PeImage, file: string): void {
  if ((image.characteristics & IMAGE_FILE_RELOCS_STRIPPED) === 0 || placeable(image.imageBase, pageUp(image.sizeOfImage))) return;
  throw new FormatError(
    { format: "PE32", structure: "IMAGE_OPTIONAL_HEADER", field: "ImageBase", offset: image.ntOffset + 24 + 28, file },
    `the driver's relocations are stripped (IMAGE_FILE_RELOCS_STRIPPED), so it maps only at its preferred base, and [${hex(image.imageBase)}, ${hex(image.imageBase + pageUp(image.sizeOfImage))}) is not a 64 KiB-aligned range of [${hex(DRIVERS_LOW)}, ${hex(DRIVERS_HIGH)}), where drivers go`,
  );
}

function findCaseInsensitive(dir: string, file: string): string | undefined {
  const direct = join(dir, file);
  if (existsSync(direct)) return direct;
  try {
    const hit = readdirSync(dir).find((n) => n.toLowerCase() === file);
    return hit !== undefined ? join(dir, hit) : undefined;
  } catch {
    return undefined;
  }
}
