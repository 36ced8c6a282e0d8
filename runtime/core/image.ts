/**
 * Mapping a PE image into guest memory the way Windows' memory manager does for a SEC_IMAGE
 * view: headers and sections at their RVAs, protections from the section characteristics,
 * and — when the image cannot go at its preferred base — base relocations applied and the
 * in-memory OptionalHeader.ImageBase rewritten (as Windows does since Vista, so a loader that
 * compares the two finds nothing left to do). Used by the user personality's section system
 * calls and the kernel personality's driver loader.
 *
 * Nothing reaches the engine before the image is checked: the layout here (pe/loadcheck.ts,
 * a FormatError naming the structure, field and offset), the directories by the loaders
 * (checkImageDirectories) before they call mapImage. A memory error that still happens while an
 * image loads becomes a LoadError naming the image (`whileLoading`), never the engine's message.
 */
import { hex, lowerBound } from "../../base/index.js";
import { checkImageLayout, type PeLayout } from "../../pe/index.js";
import { EngineFault } from "../engine/index.js";
import { LoadError } from "./errors.js";
import { MemoryError, PAGE, PageProt, pageUp, type Allocation, type GuestMemory, type PageSource } from "./memory.js";

const IMAGE_SCN_MEM_EXECUTE = 0x20000000;
const IMAGE_SCN_MEM_READ = 0x40000000;
const IMAGE_SCN_MEM_WRITE = 0x80000000;
const IMAGE_REL_BASED_ABSOLUTE = 0;
const IMAGE_REL_BASED_HIGHLOW = 3;
export const IMAGE_FILE_RELOCS_STRIPPED = 0x0001;

/**
 * Runs one step of loading an image (mapping it, binding its imports, announcing it) and turns
 * a memory error that still reaches it — the checks before mapping should leave none — into a
 * LoadError naming the image, never the engine's own message.
 */
export function whileLoading<T>(file: string, base: number, step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof MemoryError) throw new LoadError(`${file}: loading the image at ${hex(base)} failed: ${err.message}`, { cause: err });
    if (err instanceof EngineFault) throw new LoadError(`${file}: loading the image at ${hex(base)} failed: the emulator refused a memory access (engine error ${err.code})`, { cause: err });
    throw err;
  }
}

/** Windows protection of a section from its characteristics (writable sections are copy-on-write). */
export function sectionProtection(characteristics: number): number {
  const r = (characteristics & IMAGE_SCN_MEM_READ) !== 0;
  const w = (characteristics & IMAGE_SCN_MEM_WRITE) !== 0;
  const x = (characteristics & IMAGE_SCN_MEM_EXECUTE) !== 0;
  if (x) return w ? PageProt.EXECUTE_WRITECOPY : PageProt.EXECUTE_READ;
  if (w) return PageProt.WRITECOPY;
  return r ? PageProt.READONLY : PageProt.NOACCESS;
}

/**
 * The contents of an image view, page by page: headers and raw section data from the file,
 * zeros elsewhere, and — for a view away from the preferred base — the base relocations and
 * the rewritten OptionalHeader.ImageBase applied. Pages are produced when first touched.
 */
class ImageSource implements PageSource {
  private readonly relocs: Uint32Array;
  private readonly delta: number;

  constructor(
    private readonly layout: PeLayout,
    private readonly ensure: (offset: number, length: number) => void,
    private readonly base: number,
    relocations: readonly { readonly rva: number; readonly type: number }[],
  ) {
    this.delta = (base - layout.imageBase) >>> 0;
    this.relocs = Uint32Array.from(relocations.filter((r) => r.type === IMAGE_REL_BASED_HIGHLOW).map((r) => r.rva)).sort();
  }

  /** Raw file bytes of [rva, rva+length) as the loader lays them out (zeros where no file data lies). */
  private raw(rva: number, into: Uint8Array, at: number, length: number): void {
    const l = this.layout;
    const copy = (fileOffset: number, rvaStart: number, count: number) => {
      const from = Math.max(rva, rvaStart);
      const to = Math.min(rva + length, rvaStart + count);
      if (to <= from) return;
      const off = fileOffset + (from - rvaStart);
      const n = Math.min(to - from, Math.max(0, l.bytes.length - off));
      if (n <= 0) return;
      this.ensure(off, n);
      into.set(l.bytes.subarray(off, off + n), at + (from - rva));
    };
    if (l.sectionAlignment < PAGE) {
      copy(0, 0, l.bytes.length);
      return;
    }
    copy(0, 0, Math.min(l.sizeOfHeaders, l.bytes.length));
    for (const s of l.sections) {
      const mapSize = s.virtualSize !== 0 ? s.virtualSize : s.rawSize;
      copy(s.rawOffset, s.rva, Math.min(s.rawSize, mapSize));
    }
  }

  fill(offset: number, into: Uint8Array): void {
    this.raw(offset, into, 0, into.length);
    if (this.delta === 0) return;
    const view = new DataView(into.buffer, into.byteOffset, into.byteLength);
    // Every HIGHLOW fixup overlapping this range: the whole dword is read, relocated, and
    // its overlapping bytes written (a fixup can straddle two pages).
    let i = lowerBound(this.relocs, offset - 3);
    const word = new Uint8Array(4);
    const wv = new DataView(word.buffer);
    for (; i < this.relocs.length && this.relocs[i]! < offset + into.length; i++) {
      const r = this.relocs[i]!;
      word.fill(0);
      this.raw(r, word, 0, 4);
      wv.setUint32(0, (wv.getUint32(0, true) + this.delta) >>> 0, true);
      for (let k = 0; k < 4; k++) {
        const p = r + k - offset;
        if (p >= 0 && p < into.length) into[p] = word[k]!;
      }
    }
    // The in-memory OptionalHeader.ImageBase names the base the view is at.
    const ib = this.layout.ntOffset + 24 + 28;
    if (ib >= offset && ib + 4 <= offset + into.length) view.setUint32(ib - offset, this.base, true);
  }
}

export interface MapImageOptions {
  readonly tag: string;
  readonly file: string;
  readonly relocations?: readonly { readonly rva: number; readonly type: number }[];
  /** Makes the file's bytes [offset, offset+length) available in layout.bytes (lazily read files). */
  readonly ensure?: (offset: number, length: number) => void;
}

/**
 * Maps the image at `base` as one MEM_IMAGE allocation and returns it: every page committed
 * with its section's protection, contents produced on first touch. A base other than the
 * preferred one applies the relocations (`relocations` must then be given).
 */
export function mapImage(memory: GuestMemory, layout: PeLayout, base: number, o: MapImageOptions): Allocation {
  checkImageLayout(layout, o.file);
  return whileLoading(o.file, base, () => mapChecked(memory, layout, base, o));
}

function mapChecked(memory: GuestMemory, layout: PeLayout, base: number, o: MapImageOptions): Allocation {
  if (base !== layout.imageBase && (layout.characteristics & IMAGE_FILE_RELOCS_STRIPPED) !== 0) {
    // Like Windows' loader, refuse only images marked IMAGE_FILE_RELOCS_STRIPPED: an image
    // without that flag and without a .reloc section simply has no absolute addresses to fix.
    throw new LoadError(`${o.file}: preferred base ${hex(layout.imageBase)} is taken and the image's relocations are stripped (IMAGE_FILE_RELOCS_STRIPPED)`);
  }
  const size = pageUp(layout.sizeOfImage);
  for (const r of base !== layout.imageBase ? o.relocations ?? [] : []) {
    if (r.type !== IMAGE_REL_BASED_ABSOLUTE && r.type !== IMAGE_REL_BASED_HIGHLOW) throw new LoadError(`${o.file}: base relocation type ${r.type} at RVA ${hex(r.rva)} is not supported (x86 images use HIGHLOW)`);
    if (r.type === IMAGE_REL_BASED_HIGHLOW && r.rva + 4 > size) throw new LoadError(`${o.file}: PE32: base relocation at RVA ${hex(r.rva)} lies outside SizeOfImage ${hex(layout.sizeOfImage)}`);
  }
  const source = new ImageSource(layout, o.ensure ?? (() => undefined), base, base !== layout.imageBase ? o.relocations ?? [] : []);
  const a = memory.reserve(base, size, "image", o.tag, PageProt.EXECUTE_WRITECOPY, source);
  if (layout.sectionAlignment < PAGE) {
    // Unaligned images (native subsystem, tiny images): the file is mapped as it is.
    memory.commit(base, size, PageProt.EXECUTE_WRITECOPY);
    return a;
  }
  // Headers read-only, each section with its protection, the gaps no access.
  memory.commit(base, size, PageProt.NOACCESS);
  memory.commit(base, Math.min(size, pageUp(Math.max(1, layout.sizeOfHeaders))), PageProt.READONLY);
  for (const s of layout.sections) {
    const len = Math.min(pageUp(s.virtualSize !== 0 ? s.virtualSize : s.rawSize), size - s.rva);
    if (len > 0) memory.commit(base + s.rva, len, sectionProtection(s.characteristics));
  }
  return a;
}
