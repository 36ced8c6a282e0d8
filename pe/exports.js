/**
 * Export directory: the address table (one slot per ordinal from Base), the name pointer
 * table and its parallel ordinal table. A slot whose RVA lies inside the export directory's
 * own range is a forwarder string ("DLL.Func" or "DLL.#N"), not code; a slot outside any
 * executable section is a data export.
 */
import { rva } from "../base/index.js";
import { isExecutableRva } from "./rva.js";
/** Ordinals are 16-bit: no real image has more slots or names than this. */
export const MAX_EXPORTS = 65536;
const ED = "IMAGE_EXPORT_DIRECTORY";
export function parseExports(rr, dirRva, dirSize, dirField) {
    if (dirRva === 0)
        return null;
    const base = rr.offsetFor(dirRva, dirField);
    const at = (field) => ({ structure: ED, field, offset: base });
    const timeDateStamp = rr.u32(dirRva + 4, at("TimeDateStamp"));
    const nameRva = rr.u32(dirRva + 12, at("Name"));
    const ordinalBase = rr.u32(dirRva + 16, at("Base"));
    const numberOfFunctions = rr.u32(dirRva + 20, at("NumberOfFunctions"));
    const numberOfNames = rr.u32(dirRva + 24, at("NumberOfNames"));
    const functionsRva = rr.u32(dirRva + 28, at("AddressOfFunctions"));
    const namesRva = rr.u32(dirRva + 32, at("AddressOfNames"));
    const ordinalsRva = rr.u32(dirRva + 36, at("AddressOfNameOrdinals"));
    if (numberOfFunctions > MAX_EXPORTS)
        throw rr.error(at("NumberOfFunctions"), `${numberOfFunctions} exports is more than the ${MAX_EXPORTS} ordinals can number`);
    if (numberOfNames > MAX_EXPORTS)
        throw rr.error(at("NumberOfNames"), `${numberOfNames} export names is more than ${MAX_EXPORTS}`);
    if (ordinalBase + numberOfFunctions > 0x10000 && numberOfFunctions > 0) {
        throw rr.error(at("Base"), `ordinals ${ordinalBase}..${ordinalBase + numberOfFunctions - 1} do not fit in 16 bits`);
    }
    const dllName = nameRva !== 0 ? rr.cstring(nameRva, at("Name"), 1024) : "";
    // Read the tables in one piece each (bounds-checked once, zero-filled as mapped).
    const functions = rr.bytes(functionsRva, numberOfFunctions * 4, at("AddressOfFunctions"));
    const nameRvas = rr.bytes(namesRva, numberOfNames * 4, at("AddressOfNames"));
    const nameOrdinals = rr.bytes(ordinalsRva, numberOfNames * 2, at("AddressOfNameOrdinals"));
    const fv = new DataView(functions.buffer, functions.byteOffset, functions.byteLength);
    const nv = new DataView(nameRvas.buffer, nameRvas.byteOffset, nameRvas.byteLength);
    const ov = new DataView(nameOrdinals.buffer, nameOrdinals.byteOffset, nameOrdinals.byteLength);
    const namesByIndex = new Map();
    for (let i = 0; i < numberOfNames; i++) {
        const index = ov.getUint16(i * 2, true);
        if (index >= numberOfFunctions) {
            throw rr.error({ structure: ED, field: `AddressOfNameOrdinals[${i}]`, offset: rr.offsetFor(ordinalsRva + i * 2, at("AddressOfNameOrdinals")) }, `name ordinal index ${index} is outside the address table (${numberOfFunctions} entries)`);
        }
        const nRva = nv.getUint32(i * 4, true);
        const name = rr.cstring(nRva, { structure: ED, field: `AddressOfNames[${i}]`, offset: rr.offsetFor(namesRva + i * 4, at("AddressOfNames")) }, 4096);
        const list = namesByIndex.get(index);
        if (list === undefined)
            namesByIndex.set(index, [name]);
        else
            list.push(name);
    }
    const entries = [];
    for (let i = 0; i < numberOfFunctions; i++) {
        const target = fv.getUint32(i * 4, true);
        if (target === 0)
            continue;
        const names = (namesByIndex.get(i) ?? []).sort();
        const ordinal = ordinalBase + i;
        if (target >= dirRva && target - dirRva < dirSize) {
            const forwarder = rr.cstring(target, { structure: ED, field: `AddressOfFunctions[${i}]`, offset: rr.offsetFor(functionsRva + i * 4, at("AddressOfFunctions")) }, 1024);
            entries.push({ ordinal, names, rva: rva(target), forwarder, code: false });
        }
        else {
            entries.push({ ordinal, names, rva: rva(target), code: isExecutableRva(rr.image, target) });
        }
    }
    return { dllName, ordinalBase, timeDateStamp, entries };
}
