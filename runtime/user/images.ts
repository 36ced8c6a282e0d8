/**
 * PE images as the section system calls see them: SECTION_IMAGE_INFORMATION from the headers,
 * and mapping an image view (at its preferred base, or relocated elsewhere with
 * STATUS_IMAGE_NOT_AT_BASE) as a module the machine lists and the tracer is told about before
 * any of its code runs.
 */
import { statSync } from "node:fs";
import { basename } from "node:path";
import { FormatError, hex } from "../../base/index.js";
import { checkImageDirectories, checkImageLayout, exportRvasOf, findPeExports, parsePe, parsePeExports, parsePeLayout, type ExportTable, type PeImage, type PeLayout } from "../../pe/index.js";
import { LazyFile } from "../core/lazyfile.js";
import { IMAGE_FILE_RELOCS_STRIPPED, mapImage, whileLoading } from "../core/image.js";
import { GRANULARITY, pageUp, USER_HIGH, USER_LOW } from "../core/memory.js";
import { ImageModule } from "../core/module.js";
import type { Machine } from "../core/machine.js";
import { Status } from "./syscalls/types.js";

/** Wine's PE builds carry this right after the DOS header (offset 0x40). */
const WINE_BUILTIN_SIGNATURE = "Wine builtin DLL";
export const SECTION_IMAGE_INFORMATION_SIZE = 0x30;

export interface ImageFile {
  readonly hostPath: string;
  /** The file, read on demand (layout.bytes is its buffer). */
  readonly file: LazyFile;
  readonly layout: PeLayout;
  /** A Wine builtin (ImageFlags bit 6 in SECTION_IMAGE_INFORMATION, as Wine's own unix side sets it). */
  readonly wineBuiltin: boolean;
}

/**
 * Image files read so far, by host path (with size and modification time): the system DLLs
 * are read once per ntrace process however many machines load them (the test suite runs
 * hundreds). Images are never written through a mapping, so sharing the bytes is safe.
 */
const imageCache = new Map<string, { readonly size: number; readonly mtimeMs: number; readonly file: ImageFile }>();

export function readImageFile(hostPath: string): ImageFile {
  const st = statSync(hostPath);
  const cached = imageCache.get(hostPath);
  if (cached !== undefined && cached.size === st.size && cached.mtimeMs === st.mtimeMs) return cached.file;
  const lazy = new LazyFile(hostPath, st.size);
  const layout = parseLayoutLazily(lazy);
  // Before any view of it exists: an image whose sections cannot be mapped as they are, or
  // that fits user space nowhere, is a FormatError here (NtCreateSection answers
  // STATUS_INVALID_IMAGE_FORMAT for it).
  checkImageLayout(layout, hostPath);
  checkUserPlacement(layout, hostPath);
  const sig = Buffer.from(lazy.bytes.subarray(0x40, 0x40 + WINE_BUILTIN_SIGNATURE.length)).toString("latin1");
  const file: ImageFile = { hostPath, file: lazy, layout, wineBuiltin: sig === WINE_BUILTIN_SIGNATURE && layout.ntOffset >= 0x40 + WINE_BUILTIN_SIGNATURE.length + 1 };
  imageCache.set(hostPath, { size: st.size, mtimeMs: st.mtimeMs, file });
  return file;
}

/**
 * An image that cannot be relocated (IMAGE_FILE_RELOCS_STRIPPED) maps at its preferred base
 * or nowhere: that base must be a 64 KiB-aligned range of user space.
 */
function checkUserPlacement(l: PeLayout, file: string): void {
  if ((l.characteristics & IMAGE_FILE_RELOCS_STRIPPED) === 0) return;
  const end = l.imageBase + pageUp(l.sizeOfImage);
  if (l.imageBase % GRANULARITY === 0 && l.imageBase >= USER_LOW && end <= USER_HIGH) return;
  throw new FormatError(
    { format: "PE32", structure: "IMAGE_OPTIONAL_HEADER", field: "ImageBase", offset: l.ntOffset + 24 + 28, file },
    `the image's relocations are stripped (IMAGE_FILE_RELOCS_STRIPPED), so it maps only at its preferred base, and [${hex(l.imageBase)}, ${hex(end)}) is not a 64 KiB-aligned range of user space [${hex(USER_LOW)}, ${hex(USER_HIGH)})`,
  );
}

/**
 * The layout from the headers and the COFF string table (long section names) alone; when the
 * headers are unusual (larger than 64 KiB) the whole file is read and parsed.
 */
function parseLayoutLazily(f: LazyFile): PeLayout {
  f.ensure(0, 0x10000);
  const b = f.bytes;
  const u32 = (o: number) => (o + 4 <= f.size ? (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0 : 0);
  const nt = u32(0x3c);
  const symbols = u32(nt + 12);
  const count = u32(nt + 16);
  if (symbols !== 0 && symbols < f.size) {
    const strings = symbols + 18 * count;
    f.ensure(strings, 4);
    f.ensure(strings, Math.min(u32(strings), 0x1000000));
  }
  try {
    return parsePeLayout(b, f.path);
  } catch (err) {
    if (!(err instanceof FormatError)) throw err;
    f.ensureAll();
    return parsePeLayout(b, f.path);
  }
}

const exportTables = new WeakMap<ImageFile, ExportTable | null>();

/** The section that holds the whole export directory, if one does. */
function exportSection(f: ImageFile): PeLayout["sections"][number] | undefined {
  const dir = f.layout.dataDirectories[0];
  return dir === undefined ? undefined : f.layout.sections.find((s) => dir.rva >= s.rva && dir.rva + dir.size <= s.rva + Math.max(s.virtualSize, s.rawSize));
}

/**
 * The export table of an image file, reading only the section that holds the export
 * directory (Wine's DLLs keep the directory, names and ordinals together in .edata); cached
 * with the file. An export table spread over other sections is read whole.
 */
export function imageExports(f: ImageFile): ExportTable | null {
  let e = exportTables.get(f);
  if (e !== undefined) return e;
  const dir = f.layout.dataDirectories[0];
  const section = exportSection(f);
  if (section !== undefined) f.file.ensure(section.rawOffset, section.rawSize);
  else f.file.ensureAll();
  try {
    e = parsePeExports(f.layout, f.hostPath);
    const inSection = (rva: number) => section !== undefined && rva >= section.rva && rva < section.rva + section.rawSize;
    if (section !== undefined && e !== null && dir !== undefined && !inSection(dir.rva)) throw new Error("export directory outside its section");
  } catch {
    f.file.ensureAll();
    e = parsePeExports(f.layout, f.hostPath);
  }
  exportTables.set(f, e);
  return e;
}

/**
 * The RVAs of a few named code exports of an image file, reading only the section that holds
 * the export directory and looking at no more names than it must (findPeExports); the whole
 * table (imageExports) when it is parsed already or lies elsewhere.
 */
export function imageExportRvas(f: ImageFile, names: readonly string[]): ReadonlyMap<string, number> {
  const parsed = exportTables.get(f);
  const section = exportSection(f);
  if (parsed === undefined && section !== undefined) {
    f.file.ensure(section.rawOffset, section.rawSize);
    const found = findPeExports(f.layout, names, f.hostPath, [section.rva, section.rva + Math.min(section.rawSize, Math.max(section.virtualSize, section.rawSize))]);
    if (found !== undefined) return found;
  }
  return exportRvasOf(imageExports(f), names);
}

/** SECTION_IMAGE_INFORMATION (x86, 0x30 bytes) of an image, as Windows (and Wine) fill it. */
export function imageInformation(f: ImageFile): Uint8Array {
  const l = f.layout;
  const oh = l.ntOffset + 24;
  const hb = l.bytes;
  const u16 = (o: number) => (o + 1 < hb.length ? hb[o]! | (hb[o + 1]! << 8) : 0);
  const out = new Uint8Array(SECTION_IMAGE_INFORMATION_SIZE);
  const v = new DataView(out.buffer);
  v.setUint32(0x00, (l.imageBase + l.entryRva) >>> 0, true); // TransferAddress
  v.setUint32(0x04, 0, true); // ZeroBits
  v.setUint32(0x08, l.sizeOfStackReserve, true);
  v.setUint32(0x0c, l.sizeOfStackCommit, true);
  v.setUint32(0x10, l.subsystem, true);
  v.setUint16(0x14, u16(oh + 50), true); // MinorSubsystemVersion
  v.setUint16(0x16, u16(oh + 48), true); // MajorSubsystemVersion
  v.setUint16(0x18, u16(oh + 40), true); // MajorOperatingSystemVersion
  v.setUint16(0x1a, u16(oh + 42), true); // MinorOperatingSystemVersion
  v.setUint16(0x1c, l.characteristics, true);
  v.setUint16(0x1e, l.dllCharacteristics, true);
  v.setUint16(0x20, l.machine, true);
  out[0x22] = l.sections.some((s) => (s.characteristics & 0x20000020) !== 0) || l.entryRva !== 0 ? 1 : 0; // ImageContainsCode
  out[0x23] = (f.wineBuiltin ? 0x40 : 0) | (l.sectionAlignment < 0x1000 ? 0x08 : 0); // ImageFlags: WineBuiltin, ImageMappedFlat
  v.setUint32(0x24, 0, true); // LoaderFlags
  v.setUint32(0x28, l.bytes.length, true); // ImageFileSize
  v.setUint32(0x2c, l.checksum, true);
  return out;
}

/**
 * The program's own images (not the system DLLs, which are Wine's): the directories the loader
 * follows — relocations, import address tables, exports, TLS — checked once per file, before
 * the first view is mapped. Returns the parsed image.
 */
const checkedImages = new WeakMap<ImageFile, PeImage>();
export function checkedImage(f: ImageFile): PeImage {
  let image = checkedImages.get(f);
  if (image === undefined) {
    f.file.ensureAll();
    image = parsePe(f.layout.bytes, f.hostPath);
    checkImageDirectories(image, f.hostPath);
    checkedImages.set(f, image);
  }
  return image;
}

/**
 * Maps an image view: at `base` when given (STATUS_CONFLICTING_ADDRESSES if taken), else at the
 * preferred base, else anywhere (relocated: STATUS_IMAGE_NOT_AT_BASE). The module is listed
 * and announced to the observer before the caller returns to the guest.
 */
export function mapImageView(
  machine: Machine,
  f: ImageFile,
  o: { readonly guestPath: string; readonly system: boolean; readonly base?: number },
): { readonly status: number; readonly module?: ImageModule } {
  const l = f.layout;
  const size = pageUp(l.sizeOfImage);
  const checked = o.system ? undefined : checkedImage(f);
  let base = o.base;
  if (base !== undefined) {
    if (base % GRANULARITY !== 0 || !machine.memory.isFree(base, size) || base + size > USER_HIGH) return { status: Status.CONFLICTING_ADDRESSES };
  } else if (l.imageBase % GRANULARITY === 0 && l.imageBase >= USER_LOW && l.imageBase + size <= USER_HIGH && machine.memory.isFree(l.imageBase, size)) {
    base = l.imageBase;
  } else {
    base = machine.memory.findFree(size, 0x10000000, 0x7b000000) ?? machine.memory.findFree(size, USER_LOW, USER_HIGH);
    if (base === undefined) return { status: Status.NO_MEMORY };
  }
  // An image without relocations goes at its preferred base or nowhere (as Windows answers).
  if (base !== l.imageBase && (l.characteristics & IMAGE_FILE_RELOCS_STRIPPED) !== 0) return { status: Status.CONFLICTING_ADDRESSES };
  if (base !== l.imageBase) f.file.ensureAll();
  const relocations = base !== l.imageBase ? (checked ?? parsePe(l.bytes, f.hostPath)).relocations : undefined;
  const name = basename(o.guestPath.replace(/\\/g, "/")) || basename(f.hostPath);
  mapImage(machine.memory, l, base, { tag: name, file: f.hostPath, ensure: (off, len) => f.file.ensure(off, len), ...(relocations !== undefined ? { relocations } : {}) });
  const module = new ImageModule(f.hostPath, o.guestPath, base, size, l, o.system, name, () => f.file.ensureAll(), checked, () => imageExports(f), (names) => imageExportRvas(f, names));
  machine.addModule(module);
  whileLoading(f.hostPath, base, () => machine.observer.onModuleLoaded?.(module));
  return { status: base !== l.imageBase ? Status.IMAGE_NOT_AT_BASE : Status.SUCCESS, module };
}
