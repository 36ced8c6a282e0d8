/**
 * PE images as the section system calls see them: SECTION_IMAGE_INFORMATION from the headers,
 * and mapping an image view (at its preferred base, or relocated elsewhere with
 * STATUS_IMAGE_NOT_AT_BASE) as a module the machine lists and the tracer is told about before
 * any of its code runs.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parsePe, parsePeLayout } from "../../pe/index.js";
import { mapImage } from "../core/image.js";
import { GRANULARITY, pageUp, USER_HIGH, USER_LOW } from "../core/memory.js";
import { ImageModule } from "../core/module.js";
import { Status } from "./syscalls/types.js";
/** Wine's PE builds carry this right after the DOS header (offset 0x40). */
const WINE_BUILTIN_SIGNATURE = "Wine builtin DLL";
export const SECTION_IMAGE_INFORMATION_SIZE = 0x30;
export function readImageFile(hostPath, bytes) {
    const b = bytes ?? new Uint8Array(readFileSync(hostPath));
    const layout = parsePeLayout(b, hostPath);
    const sig = Buffer.from(b.subarray(0x40, 0x40 + WINE_BUILTIN_SIGNATURE.length)).toString("latin1");
    return { hostPath, layout, wineBuiltin: sig === WINE_BUILTIN_SIGNATURE && layout.ntOffset >= 0x40 + WINE_BUILTIN_SIGNATURE.length + 1 };
}
/** SECTION_IMAGE_INFORMATION (x86, 0x30 bytes) of an image, as Windows (and Wine) fill it. */
export function imageInformation(f) {
    const l = f.layout;
    const oh = l.ntOffset + 24;
    const hb = l.bytes;
    const u16 = (o) => (o + 1 < hb.length ? hb[o] | (hb[o + 1] << 8) : 0);
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
 * Maps an image view: at `base` when given (STATUS_CONFLICTING_ADDRESSES if taken), else at the
 * preferred base, else anywhere (relocated: STATUS_IMAGE_NOT_AT_BASE). The module is listed
 * and announced to the observer before the caller returns to the guest.
 */
export function mapImageView(machine, f, o) {
    const l = f.layout;
    const size = pageUp(l.sizeOfImage);
    let base = o.base;
    if (base !== undefined) {
        if (base % GRANULARITY !== 0 || !machine.memory.isFree(base, size) || base + size > USER_HIGH)
            return { status: Status.CONFLICTING_ADDRESSES };
    }
    else if (l.imageBase % GRANULARITY === 0 && l.imageBase >= USER_LOW && l.imageBase + size <= USER_HIGH && machine.memory.isFree(l.imageBase, size)) {
        base = l.imageBase;
    }
    else {
        base = machine.memory.findFree(size, 0x10000000, 0x7b000000) ?? machine.memory.findFree(size, USER_LOW, USER_HIGH);
        if (base === undefined)
            return { status: Status.NO_MEMORY };
    }
    const relocations = base !== l.imageBase ? parsePe(l.bytes, f.hostPath).relocations : undefined;
    const name = basename(o.guestPath.replace(/\\/g, "/")) || basename(f.hostPath);
    mapImage(machine.memory, l, base, { tag: name, file: f.hostPath, ...(relocations !== undefined ? { relocations } : {}) });
    const module = new ImageModule(f.hostPath, o.guestPath, base, size, l, o.system, name);
    machine.addModule(module);
    machine.observer.onModuleLoaded?.(module);
    return { status: base !== l.imageBase ? Status.IMAGE_NOT_AT_BASE : Status.SUCCESS, module };
}
