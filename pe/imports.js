/**
 * Import directory: IMAGE_IMPORT_DESCRIPTORs up to the all-zero terminator, each with its
 * import lookup table (or, when OriginalFirstThunk is 0, the IAT itself, as old linkers
 * emitted) naming functions by name (with hint) or by ordinal.
 */
import { rva } from "../base/index.js";
/** Caps that keep hostile images from looping for long or allocating much. */
export const MAX_IMPORT_DESCRIPTORS = 4096;
export const MAX_IMPORTS_PER_DLL = 65536;
export const MAX_IMPORTS_TOTAL = 262144;
const DESCRIPTOR_SIZE = 20;
const ORDINAL_FLAG = 0x80000000;
export function parseImports(rr, dirRva, dirField) {
    const dlls = [];
    if (dirRva === 0)
        return dlls;
    let total = 0;
    for (let i = 0;; i++) {
        const at = dirRva + i * DESCRIPTOR_SIZE;
        const D = `IMAGE_IMPORT_DESCRIPTOR[${i}]`;
        const where = (field) => ({ structure: D, field, offset: rr.offsetFor(at, dirField) });
        if (i >= MAX_IMPORT_DESCRIPTORS) {
            rr.u32(at, where("OriginalFirstThunk")); // report unmapped first, if it is
            throw rr.error(where("Name"), `more than ${MAX_IMPORT_DESCRIPTORS} import descriptors without the all-zero terminator`);
        }
        const lookupRva = rr.u32(at, where("OriginalFirstThunk"));
        const timeDateStamp = rr.u32(at + 4, where("TimeDateStamp"));
        const forwarderChain = rr.u32(at + 8, where("ForwarderChain"));
        const nameRva = rr.u32(at + 12, where("Name"));
        const iatRva = rr.u32(at + 16, where("FirstThunk"));
        if (lookupRva === 0 && timeDateStamp === 0 && forwarderChain === 0 && nameRva === 0 && iatRva === 0)
            break;
        const dll = rr.cstring(nameRva, where("Name"), 1024);
        const tableRva = lookupRva !== 0 ? lookupRva : iatRva;
        const tableField = lookupRva !== 0 ? "OriginalFirstThunk" : "FirstThunk";
        const functions = [];
        for (let j = 0;; j++) {
            const thunkAt = tableRva + j * 4;
            const T = `IMAGE_THUNK_DATA[${i}][${j}]`;
            const thunkWhere = { structure: T, offset: rr.offsetFor(thunkAt, where(tableField)) };
            if (j >= MAX_IMPORTS_PER_DLL || total >= MAX_IMPORTS_TOTAL) {
                throw rr.error(thunkWhere, `import table of ${dll} has more than ${j} entries without a terminator (cap ${MAX_IMPORTS_PER_DLL} per DLL, ${MAX_IMPORTS_TOTAL} in all)`);
            }
            const thunk = rr.u32(thunkAt, thunkWhere);
            if (thunk === 0)
                break;
            const slot = rva(iatRva + j * 4);
            if ((thunk & ORDINAL_FLAG) !== 0) {
                functions.push({ ordinal: thunk & 0xffff, iatRva: slot });
            }
            else {
                const byName = { structure: "IMAGE_IMPORT_BY_NAME", offset: rr.offsetFor(thunk, thunkWhere) };
                const hint = rr.u16(thunk, { ...byName, field: "Hint" });
                const name = rr.cstring(thunk + 2, { ...byName, field: "Name" }, 4096);
                functions.push({ name, hint, iatRva: slot });
            }
            total++;
        }
        dlls.push({ dll, functions });
    }
    return dlls;
}
