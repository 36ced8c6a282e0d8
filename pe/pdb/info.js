/**
 * PDB info stream (stream 1): version, signature, age, GUID and the named stream map
 * ("/names", "/LinkInfo", ...). Layout: llvm.org/docs/PDB/PdbStream.html and HashTable.html.
 */
import { ByteReader, guidToString } from "../../base/index.js";
export const PDB_INFO_STREAM = 1;
/** PdbStreamVersion::VC70: the first version with a GUID; every modern PDB uses it. */
export const PDB_VERSION_VC70 = 20000404;
const S = "PDB info stream";
export function parseInfoStream(bytes) {
    const r = new ByteReader(bytes, "PDB", `PDB info (${PDB_INFO_STREAM})`);
    const version = r.u32(0, S, "Version");
    const signature = r.u32(4, S, "Signature");
    const age = r.u32(8, S, "Age");
    if (version < PDB_VERSION_VC70) {
        r.fail(S, "Version", 0, `version ${version} predates VC70 (${PDB_VERSION_VC70}) and has no GUID`);
    }
    const guid = guidToString(r.slice(12, 16, S, "Guid"));
    const namedStreams = parseNamedStreamMap(r, 28);
    return { version, signature, age, guid, namedStreams };
}
/**
 * The named stream map: a string buffer, then a serialized hash table of (offset of name in
 * the buffer → stream index). Hash table: Size, Capacity, Present bit vector, Deleted bit
 * vector, then one (key, value) pair per present bucket.
 */
function parseNamedStreamMap(r, offset) {
    const M = "named stream map";
    const map = new Map();
    const bufferLength = r.u32(offset, M, "StringBufferLength");
    const bufferStart = offset + 4;
    r.need(bufferStart, bufferLength, M, "StringBuffer");
    let at = bufferStart + bufferLength;
    const size = r.u32(at, M, "Size");
    const capacity = r.u32(at + 4, M, "Capacity");
    if (size > capacity)
        r.fail(M, "Size", at, `size ${size} exceeds capacity ${capacity}`);
    at += 8;
    const presentWords = r.u32(at, M, "Present.NumWords");
    r.need(at + 4, presentWords * 4, M, "Present.Words");
    const presentAt = at + 4;
    at = presentAt + presentWords * 4;
    const deletedWords = r.u32(at, M, "Deleted.NumWords");
    r.need(at + 4, deletedWords * 4, M, "Deleted.Words");
    at += 4 + deletedWords * 4;
    let present = 0;
    for (let bucket = 0; bucket < presentWords * 32 && bucket < capacity; bucket++) {
        const word = r.u32(presentAt + (bucket >>> 5) * 4, M, "Present.Words");
        if (((word >>> (bucket & 31)) & 1) === 0)
            continue;
        const key = r.u32(at, M, "Key");
        const value = r.u32(at + 4, M, "Value");
        at += 8;
        present++;
        if (key >= bufferLength)
            r.fail(M, "Key", at - 8, `name offset ${key} is outside the ${bufferLength}-byte string buffer`);
        const name = r.cstring(bufferStart + key, M, "Name", bufferLength - key);
        map.set(name, value);
    }
    if (present !== size)
        r.fail(M, "Size", offset, `${present} present buckets but Size says ${size}`);
    return map;
}
