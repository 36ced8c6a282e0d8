/**
 * The COFF symbol table some images keep (mingw's do): 18-byte records, each possibly
 * followed by NumberOfAuxSymbols auxiliary records (skipped), names of more than 8 bytes in
 * the string table that follows the symbols.
 */
import { rva } from "../base/index.js";
import { decodeName } from "./rva.js";
import { stringTableEntry } from "./headers.js";
const SYMBOL_SIZE = 18;
/** IMAGE_SYM_DTYPE_FUNCTION in bits 4..5 of Type. */
const DTYPE_FUNCTION = 2;
export function parseCoffSymbols(r, nt, strings, sections) {
    if (nt.pointerToSymbolTable === 0 || nt.numberOfSymbols === 0)
        return [];
    // locateStringTable already checked that the table and the string table fit in the file.
    r.need(nt.pointerToSymbolTable, nt.numberOfSymbols * SYMBOL_SIZE, "IMAGE_SYMBOL", "(table)");
    const out = [];
    for (let i = 0; i < nt.numberOfSymbols; i++) {
        const at = nt.pointerToSymbolTable + i * SYMBOL_SIZE;
        const S = `IMAGE_SYMBOL[${i}]`;
        let name;
        if (r.u32(at, S, "Name") === 0) {
            name = stringTableEntry(r, strings, r.u32(at + 4, S, "Name"), S, "Name", at);
        }
        else {
            const raw = r.slice(at, 8, S, "ShortName");
            const nul = raw.indexOf(0);
            name = decodeName(nul < 0 ? raw : raw.subarray(0, nul));
        }
        const value = r.u32(at + 8, S, "Value");
        const sectionNumber = (r.u16(at + 12, S, "SectionNumber") << 16) >> 16;
        const type = r.u16(at + 14, S, "Type");
        const storageClass = r.u8(at + 16, S, "StorageClass");
        const aux = r.u8(at + 17, S, "NumberOfAuxSymbols");
        const section = sectionNumber >= 1 ? sections[sectionNumber - 1] : undefined;
        out.push({
            name,
            value,
            sectionNumber,
            type,
            storageClass,
            isFunction: ((type >> 4) & 3) === DTYPE_FUNCTION,
            ...(section !== undefined ? { rva: rva(section.rva + value) } : {}),
        });
        i += aux;
    }
    return out;
}
