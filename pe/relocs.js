/**
 * Base relocations: blocks of { PageRVA, SizeOfBlock, u16 entries (type << 12 | offset) }.
 * ABSOLUTE (type 0) entries only pad blocks to 4 bytes and are dropped.
 */
import { rva } from "../base/index.js";
/** A relocation directory larger than this (16 MiB), or than the file, is not believed. */
export const MAX_RELOC_DIRECTORY = 16 * 1024 * 1024;
export function parseRelocations(rr, dirRva, dirSize, dirField) {
    if (dirRva === 0 || dirSize === 0)
        return [];
    if (dirSize > Math.min(MAX_RELOC_DIRECTORY, rr.image.bytes.length))
        throw rr.error({ ...dirField, field: "Size" }, `base relocation directory size 0x${dirSize.toString(16)} is implausibly large`);
    const dir = rr.bytes(dirRva, dirSize, dirField);
    const view = new DataView(dir.buffer, dir.byteOffset, dir.byteLength);
    const out = [];
    let pos = 0;
    for (let block = 0; pos + 8 <= dirSize; block++) {
        const pageRva = view.getUint32(pos, true);
        const blockSize = view.getUint32(pos + 4, true);
        const here = (field) => ({ structure: `IMAGE_BASE_RELOCATION[${block}]`, field, offset: rr.offsetFor(dirRva + pos, dirField) });
        if (blockSize === 0 && pageRva === 0)
            break; // zero padding at the end
        if (blockSize < 8 || blockSize % 2 !== 0)
            throw rr.error(here("SizeOfBlock"), `block size ${blockSize} is not an even number ≥ 8`);
        if (pos + blockSize > dirSize)
            throw rr.error(here("SizeOfBlock"), `block of ${blockSize} bytes runs past the end of the directory (0x${dirSize.toString(16)} bytes)`);
        for (let e = pos + 8; e < pos + blockSize; e += 2) {
            const entry = view.getUint16(e, true);
            const type = entry >>> 12;
            if (type === 0)
                continue;
            out.push({ rva: rva(pageRva + (entry & 0xfff)), type });
        }
        pos += blockSize;
    }
    return out;
}
