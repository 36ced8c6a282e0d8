/**
 * Mapping a PE image into guest memory the way Windows' memory manager does for a SEC_IMAGE
 * view: headers and sections at their RVAs, protections from the section characteristics,
 * and — when the image cannot go at its preferred base — base relocations applied and the
 * in-memory OptionalHeader.ImageBase rewritten (as Windows does since Vista, so a loader that
 * compares the two finds nothing left to do). Used by the user personality's section system
 * calls and the kernel personality's driver loader.
 *
 * Every write is checked against the image first: a malformed image is refused with a
 * LoadError naming the structure, field and offset, before anything reaches the engine.
 */
import { hex } from "../../base/index.js";
import { LoadError } from "./errors.js";
import { PAGE, PageProt, pageUp } from "./memory.js";
const IMAGE_SCN_MEM_EXECUTE = 0x20000000;
const IMAGE_SCN_MEM_READ = 0x40000000;
const IMAGE_SCN_MEM_WRITE = 0x80000000;
const IMAGE_REL_BASED_ABSOLUTE = 0;
const IMAGE_REL_BASED_HIGHLOW = 3;
export const IMAGE_FILE_RELOCS_STRIPPED = 0x0001;
/** The largest image ntrace maps (Windows' own limit for a 32-bit image view is lower still). */
export const MAX_IMAGE_SIZE = 0x40000000;
/** Windows protection of a section from its characteristics (writable sections are copy-on-write). */
export function sectionProtection(characteristics) {
    const r = (characteristics & IMAGE_SCN_MEM_READ) !== 0;
    const w = (characteristics & IMAGE_SCN_MEM_WRITE) !== 0;
    const x = (characteristics & IMAGE_SCN_MEM_EXECUTE) !== 0;
    if (x)
        return w ? PageProt.EXECUTE_WRITECOPY : PageProt.EXECUTE_READ;
    if (w)
        return PageProt.WRITECOPY;
    return r ? PageProt.READONLY : PageProt.NOACCESS;
}
/** Checks that the image's layout fits in its SizeOfImage and its file (before any mapping). */
export function checkImageLayout(layout, file) {
    const where = (structure, field, offset, detail) => {
        throw new LoadError(`${file}: PE32: ${structure}.${field} at offset 0x${offset.toString(16)}: ${detail}`);
    };
    const oh = layout.ntOffset + 24;
    if (layout.sizeOfImage === 0 || layout.sizeOfImage > MAX_IMAGE_SIZE)
        where("IMAGE_OPTIONAL_HEADER", "SizeOfImage", oh + 56, `${hex(layout.sizeOfImage)} is not a size ntrace maps (1 byte .. ${hex(MAX_IMAGE_SIZE)})`);
    if (layout.sizeOfHeaders > layout.sizeOfImage)
        where("IMAGE_OPTIONAL_HEADER", "SizeOfHeaders", oh + 60, `${hex(layout.sizeOfHeaders)} is larger than SizeOfImage ${hex(layout.sizeOfImage)}`);
    const flat = layout.sectionAlignment < PAGE;
    const tableOffset = layout.ntOffset + 24 + (layout.bytes[layout.ntOffset + 20] | (layout.bytes[layout.ntOffset + 21] << 8));
    layout.sections.forEach((s, i) => {
        const at = tableOffset + 40 * i;
        const size = Math.max(s.virtualSize, flat ? s.rawSize : 0) || s.rawSize;
        if (s.rva + size > pageUp(layout.sizeOfImage) || s.rva + size < s.rva)
            where(`IMAGE_SECTION_HEADER[${i}] (${s.name})`, "VirtualAddress", at + 12, `section ${hex(s.rva)}+${hex(size)} lies outside SizeOfImage ${hex(layout.sizeOfImage)}`);
    });
}
/**
 * Maps the image at `base` as one MEM_IMAGE allocation and returns it. With `relocate`, a base
 * other than the preferred one gets its relocations applied (`relocations` must then be given).
 */
export function mapImage(memory, layout, base, o) {
    checkImageLayout(layout, o.file);
    const size = pageUp(layout.sizeOfImage);
    const a = memory.reserve(base, size, "image", o.tag, PageProt.EXECUTE_WRITECOPY);
    memory.commit(a.base, a.size, PageProt.READWRITE);
    const bytes = layout.bytes;
    const flat = layout.sectionAlignment < PAGE;
    if (flat) {
        // Unaligned images (native subsystem, tiny images): the file is mapped as it is.
        memory.write(base, bytes.subarray(0, Math.min(bytes.length, size)));
    }
    else {
        memory.write(base, bytes.subarray(0, Math.min(layout.sizeOfHeaders, bytes.length, size)));
        for (const s of layout.sections) {
            const mapSize = s.virtualSize !== 0 ? s.virtualSize : s.rawSize;
            const raw = Math.min(s.rawSize, mapSize, Math.max(0, bytes.length - s.rawOffset));
            if (raw > 0 && s.rawOffset < bytes.length)
                memory.write(base + s.rva, bytes.subarray(s.rawOffset, s.rawOffset + raw));
        }
    }
    if (base !== layout.imageBase)
        relocateImage(memory, layout, base, o.relocations ?? [], o.file);
    // Protections: headers read-only, each section from its characteristics (flat: all RWX).
    if (flat)
        memory.commit(base, size, PageProt.EXECUTE_WRITECOPY);
    else {
        memory.commit(base, size, PageProt.NOACCESS);
        memory.commit(base, pageUp(Math.max(1, layout.sizeOfHeaders)), PageProt.READONLY);
        for (const s of layout.sections) {
            const len = pageUp(s.virtualSize !== 0 ? s.virtualSize : s.rawSize);
            if (len > 0)
                memory.commit(base + s.rva, Math.min(len, size - s.rva), sectionProtection(s.characteristics));
        }
    }
    return a;
}
/** Applies HIGHLOW relocations for a load at `base` and rewrites the mapped OptionalHeader.ImageBase. */
function relocateImage(memory, layout, base, relocations, file) {
    // Like Windows' loader, refuse only images marked IMAGE_FILE_RELOCS_STRIPPED: an image
    // without that flag and without a .reloc section simply has no absolute addresses to fix.
    if ((layout.characteristics & IMAGE_FILE_RELOCS_STRIPPED) !== 0) {
        throw new LoadError(`${file}: preferred base ${hex(layout.imageBase)} is taken and the image's relocations are stripped (IMAGE_FILE_RELOCS_STRIPPED)`);
    }
    const delta = (base - layout.imageBase) >>> 0;
    const size = pageUp(layout.sizeOfImage);
    for (const r of relocations) {
        if (r.type === IMAGE_REL_BASED_ABSOLUTE)
            continue;
        if (r.type !== IMAGE_REL_BASED_HIGHLOW)
            throw new LoadError(`${file}: base relocation type ${r.type} at RVA ${hex(r.rva)} is not supported (x86 images use HIGHLOW)`);
        if (r.rva + 4 > size)
            throw new LoadError(`${file}: PE32: base relocation at RVA ${hex(r.rva)} lies outside SizeOfImage ${hex(layout.sizeOfImage)}`);
        const at = base + r.rva;
        memory.setU32(at, (memory.u32(at) + delta) >>> 0);
    }
    memory.setU32(base + layout.ntOffset + 24 + 28, base);
}
