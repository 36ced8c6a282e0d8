/**
 * Debug directory (IMAGE_DEBUG_DIRECTORY entries, 28 bytes each) and the CodeView records
 * that identify the PDB: "RSDS" (GUID, age, path) and the older "NB10" (signature, age, path).
 */
import { ByteReader, FormatError, guidToString } from "../base/index.js";
import { decodeName } from "./rva.js";
export const IMAGE_DEBUG_TYPE_CODEVIEW = 2;
export const DEBUG_DIRECTORY_ENTRY_SIZE = 28;
/** More entries than this is not a real debug directory. */
export const MAX_DEBUG_ENTRIES = 1024;
/** Debug blobs larger than this, or than the file, are not read (kept empty): a CodeView record is tiny. */
export const MAX_DEBUG_BLOB = 16 * 1024 * 1024;
const DEBUG_TYPE_NAMES = {
    0: "UNKNOWN",
    1: "COFF",
    2: "CODEVIEW",
    3: "FPO",
    4: "MISC",
    5: "EXCEPTION",
    6: "FIXUP",
    7: "OMAP_TO_SRC",
    8: "OMAP_FROM_SRC",
    9: "BORLAND",
    10: "RESERVED10",
    11: "CLSID",
    12: "VC_FEATURE",
    13: "POGO",
    14: "ILTCG",
    15: "MPX",
    16: "REPRO",
    20: "EX_DLLCHARACTERISTICS",
};
/** "CODEVIEW", "REPRO", ... or the number for unknown types. */
export function debugTypeName(type) {
    return DEBUG_TYPE_NAMES[type] ?? String(type);
}
/** Fields of one 28-byte IMAGE_DEBUG_DIRECTORY read from `r` at `at`. */
export function readDebugDirectoryFields(r, at, index) {
    const D = `IMAGE_DEBUG_DIRECTORY[${index}]`;
    return {
        characteristics: r.u32(at, D, "Characteristics"),
        timeDateStamp: r.u32(at + 4, D, "TimeDateStamp"),
        majorVersion: r.u16(at + 8, D, "MajorVersion"),
        minorVersion: r.u16(at + 10, D, "MinorVersion"),
        type: r.u32(at + 12, D, "Type"),
        sizeOfData: r.u32(at + 16, D, "SizeOfData"),
        addressOfRawData: r.u32(at + 20, D, "AddressOfRawData"),
        pointerToRawData: r.u32(at + 24, D, "PointerToRawData"),
    };
}
/**
 * Decodes a CodeView blob. Returns undefined for blobs that are not RSDS/NB10 (other
 * signatures exist); throws FormatError for an RSDS/NB10 blob that is cut short.
 */
export function parseCodeView(blob, blobOffset, format = "PE32") {
    if (blob.length < 4)
        return undefined;
    const sig = String.fromCharCode(blob[0], blob[1], blob[2], blob[3]);
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const need = (size, structure, field) => {
        if (blob.length < size) {
            throw new FormatError({ format, structure, field, offset: blobOffset }, `CodeView ${sig} record is ${blob.length} bytes, needs at least ${size}`);
        }
    };
    if (sig === "RSDS") {
        need(24, "CV_INFO_PDB70", "Age");
        return { signature: "RSDS", guid: guidToString(blob.subarray(4, 20)), age: view.getUint32(20, true), path: pdbPath(blob, 24) };
    }
    if (sig === "NB10") {
        need(16, "CV_INFO_PDB20", "Age");
        const signature = view.getUint32(8, true);
        return { signature: "NB10", guid: signature.toString(16).toUpperCase().padStart(8, "0"), age: view.getUint32(12, true), path: pdbPath(blob, 16) };
    }
    return undefined;
}
/** The PDB path: NUL-terminated UTF-8; without the NUL the path ends with the blob. */
function pdbPath(blob, at) {
    const rest = blob.subarray(at);
    const nul = rest.indexOf(0);
    return decodeName(nul < 0 ? rest : rest.subarray(0, nul));
}
export function parseDebugDirectory(rr, file, dirRva, dirSize, dirField) {
    if (dirRva === 0 || dirSize === 0)
        return [];
    const count = Math.floor(dirSize / DEBUG_DIRECTORY_ENTRY_SIZE);
    if (count > MAX_DEBUG_ENTRIES)
        throw rr.error({ ...dirField, field: "Size" }, `debug directory size 0x${dirSize.toString(16)} means ${count} entries, more than ${MAX_DEBUG_ENTRIES}`);
    const table = rr.bytes(dirRva, count * DEBUG_DIRECTORY_ENTRY_SIZE, dirField);
    const tr = new ByteReader(table, "PE32");
    const entries = [];
    for (let i = 0; i < count; i++) {
        // The table was read whole above, so these reads cannot fail.
        const f = readDebugDirectoryFields(tr, i * DEBUG_DIRECTORY_ENTRY_SIZE, i);
        const { data, dataOffset } = readBlob(rr, file, f.addressOfRawData, f.pointerToRawData, f.sizeOfData);
        const codeview = f.type === IMAGE_DEBUG_TYPE_CODEVIEW ? parseCodeView(data, dataOffset) : undefined;
        entries.push({ ...f, data, ...(codeview !== undefined ? { codeview } : {}) });
    }
    return entries;
}
/**
 * The blob an entry points to: through AddressOfRawData when it maps (what a loaded image
 * sees), else PointerToRawData in the file; empty when neither is readable.
 */
function readBlob(rr, file, address, pointer, size) {
    if (size === 0 || size > MAX_DEBUG_BLOB || size > file.length)
        return { data: new Uint8Array(0), dataOffset: 0 };
    if (address !== 0) {
        try {
            const data = rr.bytes(address, size, { structure: "IMAGE_DEBUG_DIRECTORY", field: "AddressOfRawData", offset: 0 });
            return { data, dataOffset: rr.offsetFor(address, { structure: "", offset: pointer }) };
        }
        catch {
            // fall through to the file pointer
        }
    }
    if (pointer !== 0 && pointer + size <= file.length)
        return { data: file.bytes.subarray(pointer, pointer + size), dataOffset: pointer };
    return { data: new Uint8Array(0), dataOffset: 0 };
}
