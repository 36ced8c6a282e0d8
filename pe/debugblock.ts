/**
 * The debug-directory block a trace stores for each module (pe/README.md "Debug-directory block"): every
 * IMAGE_DEBUG_DIRECTORY (28 bytes, as in the image) followed by the blobs they point to, with
 * AddressOfRawData = 0 and PointerToRawData = the blob's offset from the start of the block.
 * That is the MODLOAD_DATA layout dbghelp's SymLoadModuleEx takes, and all a reader needs to
 * find the right PDB (CodeView GUID, age, path) on another machine.
 */
import { ByteReader, FormatError } from "../base/index.js";
import type { DebugDirectoryEntry } from "./types.js";
import { DEBUG_DIRECTORY_ENTRY_SIZE, IMAGE_DEBUG_TYPE_CODEVIEW, MAX_DEBUG_ENTRIES, parseCodeView, readDebugDirectoryFields } from "./debug.js";

const FORMAT = "debug directory block";

export function buildDebugBlock(entries: readonly DebugDirectoryEntry[]): Uint8Array {
  const headerSize = entries.length * DEBUG_DIRECTORY_ENTRY_SIZE;
  const total = headerSize + entries.reduce((n, e) => n + e.data.length, 0);
  const block = new Uint8Array(total);
  const view = new DataView(block.buffer);
  let blobAt = headerSize;
  entries.forEach((e, i) => {
    const at = i * DEBUG_DIRECTORY_ENTRY_SIZE;
    view.setUint32(at, e.characteristics >>> 0, true);
    view.setUint32(at + 4, e.timeDateStamp >>> 0, true);
    view.setUint16(at + 8, e.majorVersion & 0xffff, true);
    view.setUint16(at + 10, e.minorVersion & 0xffff, true);
    view.setUint32(at + 12, e.type >>> 0, true);
    // SizeOfData is what is stored: an entry whose blob was unreadable stores an empty blob.
    view.setUint32(at + 16, e.data.length, true);
    view.setUint32(at + 20, 0, true);
    view.setUint32(at + 24, e.data.length > 0 ? blobAt : 0, true);
    block.set(e.data, blobAt);
    blobAt += e.data.length;
  });
  return block;
}

/**
 * Reads a block built by buildDebugBlock. The entry count is where the first blob starts (the
 * smallest non-zero PointerToRawData), or the whole block when no entry has a blob.
 */
export function parseDebugBlock(block: Uint8Array): DebugDirectoryEntry[] {
  const r = new ByteReader(block, FORMAT);
  let headerEnd = block.length;
  // Walk entries until the first blob begins; every entry must fit before it.
  const entries: DebugDirectoryEntry[] = [];
  for (let i = 0; (i + 1) * DEBUG_DIRECTORY_ENTRY_SIZE <= headerEnd; i++) {
    if (i >= MAX_DEBUG_ENTRIES) r.fail("IMAGE_DEBUG_DIRECTORY", undefined, i * DEBUG_DIRECTORY_ENTRY_SIZE, `more than ${MAX_DEBUG_ENTRIES} entries`);
    const at = i * DEBUG_DIRECTORY_ENTRY_SIZE;
    const f = readDebugDirectoryFields(r, at, i);
    const D = `IMAGE_DEBUG_DIRECTORY[${i}]`;
    if (f.addressOfRawData !== 0) r.fail(D, "AddressOfRawData", at + 20, `is 0x${f.addressOfRawData.toString(16)}; a stored block has 0 there`);
    let data: Uint8Array = new Uint8Array(0);
    if (f.sizeOfData !== 0) {
      if (f.pointerToRawData < (i + 1) * DEBUG_DIRECTORY_ENTRY_SIZE) {
        r.fail(D, "PointerToRawData", at + 24, `blob offset 0x${f.pointerToRawData.toString(16)} lies inside the directory entries`);
      }
      if (f.pointerToRawData + f.sizeOfData > block.length) {
        r.fail(D, "PointerToRawData", at + 24, `blob [0x${f.pointerToRawData.toString(16)}, 0x${(f.pointerToRawData + f.sizeOfData).toString(16)}) lies past the end of the block (0x${block.length.toString(16)} bytes)`);
      }
      data = r.slice(f.pointerToRawData, f.sizeOfData, D, "PointerToRawData");
      headerEnd = Math.min(headerEnd, f.pointerToRawData);
    }
    const codeview = f.type === IMAGE_DEBUG_TYPE_CODEVIEW ? parseCodeView(data, f.pointerToRawData, FORMAT) : undefined;
    entries.push({ ...f, data, ...(codeview !== undefined ? { codeview } : {}) });
  }
  if (headerEnd % DEBUG_DIRECTORY_ENTRY_SIZE !== 0) {
    throw new FormatError({ format: FORMAT, structure: "IMAGE_DEBUG_DIRECTORY", offset: entries.length * DEBUG_DIRECTORY_ENTRY_SIZE }, `first blob starts at 0x${headerEnd.toString(16)}, not after a whole number of 28-byte entries`);
  }
  return entries;
}
