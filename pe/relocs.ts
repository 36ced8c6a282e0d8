/**
 * Base relocations: blocks of { PageRVA, SizeOfBlock, u16 entries (type << 12 | offset) }.
 * ABSOLUTE (type 0) entries only pad blocks to 4 bytes and are dropped.
 */
import { rva } from "../base/index.js";
import type { BaseRelocation } from "./types.js";
import { RvaReader, type RvaSource } from "./rva.js";

/** A relocation directory larger than this (16 MiB), or than the file, is not believed. */
export const MAX_RELOC_DIRECTORY = 16 * 1024 * 1024;

/** One entry of a relocation block, with where it sits (for the loader's checks and their errors). */
export interface RelocationEntry {
  /** Index of its IMAGE_BASE_RELOCATION block. */
  readonly block: number;
  /** The block's VirtualAddress (page RVA) and the file offset of the block header. */
  readonly pageRva: number;
  readonly blockOffset: number;
  /** Index of the entry in its block (TypeOffset[index], -1 for an empty block) and its own RVA (rr.offsetFor gives its file offset). */
  readonly index: number;
  readonly entryRva: number;
  readonly type: number;
  /** pageRva + the entry's 12-bit offset. */
  readonly rva: number;
}

/**
 * Every entry of the relocation directory, ABSOLUTE padding included, block by block (the
 * blocks are checked: an even size ≥ 8, inside the directory). Blocks with no entries are
 * reported with a single entry of index -1, so a caller checking block addresses sees them.
 */
export function* walkRelocations(rr: RvaReader, dirRva: number, dirSize: number, dirField: RvaSource): Generator<RelocationEntry> {
  if (dirRva === 0 || dirSize === 0) return;
  if (dirSize > Math.min(MAX_RELOC_DIRECTORY, rr.image.bytes.length)) throw rr.error({ ...dirField, field: "Size" }, `base relocation directory size 0x${dirSize.toString(16)} is implausibly large`);
  const dir = rr.bytes(dirRva, dirSize, dirField);
  const view = new DataView(dir.buffer, dir.byteOffset, dir.byteLength);
  let pos = 0;
  for (let block = 0; pos + 8 <= dirSize; block++) {
    const pageRva = view.getUint32(pos, true);
    const blockSize = view.getUint32(pos + 4, true);
    const blockOffset = rr.offsetFor(dirRva + pos, dirField);
    const here = (field: string): RvaSource => ({ structure: `IMAGE_BASE_RELOCATION[${block}]`, field, offset: blockOffset });
    if (blockSize === 0 && pageRva === 0) break; // zero padding at the end
    if (blockSize < 8 || blockSize % 2 !== 0) throw rr.error(here("SizeOfBlock"), `block size ${blockSize} is not an even number ≥ 8`);
    if (pos + blockSize > dirSize) throw rr.error(here("SizeOfBlock"), `block of ${blockSize} bytes runs past the end of the directory (0x${dirSize.toString(16)} bytes)`);
    if (blockSize === 8) yield { block, pageRva, blockOffset, index: -1, entryRva: dirRva + pos, type: 0, rva: pageRva };
    for (let e = pos + 8; e < pos + blockSize; e += 2) {
      const entry = view.getUint16(e, true);
      yield { block, pageRva, blockOffset, index: (e - pos - 8) / 2, entryRva: dirRva + e, type: entry >>> 12, rva: pageRva + (entry & 0xfff) };
    }
    pos += blockSize;
  }
}

export function parseRelocations(rr: RvaReader, dirRva: number, dirSize: number, dirField: RvaSource): BaseRelocation[] {
  const out: BaseRelocation[] = [];
  for (const e of walkRelocations(rr, dirRva, dirSize, dirField)) if (e.type !== 0) out.push({ rva: rva(e.rva), type: e.type });
  return out;
}
