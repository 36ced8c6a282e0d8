/**
 * DOS header, NT headers (file header, PE32 optional header, data directories) and the
 * section table. Everything later is found through these.
 */
import { UnsupportedFormatError, rva } from "../base/index.js";
import { IMAGE_FILE_MACHINE_I386 } from "./types.js";
import { decodeName } from "./rva.js";
export const IMAGE_NT_OPTIONAL_HDR32_MAGIC = 0x10b;
export const IMAGE_NT_OPTIONAL_HDR64_MAGIC = 0x20b;
export const IMAGE_FILE_DLL = 0x2000;
/** Data directory indices. */
export const DIR_EXPORT = 0;
export const DIR_IMPORT = 1;
export const DIR_BASERELOC = 5;
export const DIR_DEBUG = 6;
export const DIR_IAT = 12;
export const DIR_DELAY_IMPORT = 13;
/** More sections than this is not an image any loader would take (Windows caps at 96). */
export const MAX_SECTIONS = 96;
const SECTION_HEADER_SIZE = 40;
const COFF_SYMBOL_SIZE = 18;
const OPTIONAL_HEADER32_FIXED = 96;
/** Names of common machine types, for messages. */
const MACHINE_NAMES = {
    0x0: "unknown",
    0x14c: "i386",
    0x8664: "x86-64 (AMD64)",
    0x1c0: "ARM",
    0x1c4: "ARMv7 Thumb-2",
    0xaa64: "ARM64",
    0x200: "IA-64",
    0xebc: "EFI byte code",
};
export function machineName(machine) {
    return MACHINE_NAMES[machine] ?? `0x${machine.toString(16)}`;
}
/** "MZ", a plausible e_lfanew, and "PE\0\0" there. Never throws. */
export function isPe(bytes) {
    if (bytes.length < 0x40 || bytes[0] !== 0x4d || bytes[1] !== 0x5a)
        return false;
    const lfanew = (bytes[0x3c] | (bytes[0x3d] << 8) | (bytes[0x3e] << 16) | (bytes[0x3f] << 24)) >>> 0;
    if (lfanew < 0x40 || lfanew + 4 > bytes.length)
        return false;
    return bytes[lfanew] === 0x50 && bytes[lfanew + 1] === 0x45 && bytes[lfanew + 2] === 0 && bytes[lfanew + 3] === 0;
}
export function parseNtHeaders(r) {
    const magic = r.u16(0, "IMAGE_DOS_HEADER", "e_magic");
    if (magic !== 0x5a4d)
        r.fail("IMAGE_DOS_HEADER", "e_magic", 0, `expected "MZ" (0x5a4d), found 0x${magic.toString(16)}`);
    const lfanew = r.u32(0x3c, "IMAGE_DOS_HEADER", "e_lfanew");
    if (lfanew + 24 > r.length) {
        r.fail("IMAGE_DOS_HEADER", "e_lfanew", 0x3c, `e_lfanew 0x${lfanew.toString(16)} points past the end of the file (0x${r.length.toString(16)} bytes): no room for the NT headers`);
    }
    if (lfanew % 4 !== 0)
        r.fail("IMAGE_DOS_HEADER", "e_lfanew", 0x3c, `e_lfanew 0x${lfanew.toString(16)} is not 4-byte aligned`);
    const sig = r.u32(lfanew, "IMAGE_NT_HEADERS", "Signature");
    if (sig !== 0x00004550)
        r.fail("IMAGE_NT_HEADERS", "Signature", lfanew, `expected "PE\\0\\0" (0x00004550), found 0x${sig.toString(16)}`);
    const fh = lfanew + 4;
    const FH = "IMAGE_FILE_HEADER";
    const machine = r.u16(fh, FH, "Machine");
    const numberOfSections = r.u16(fh + 2, FH, "NumberOfSections");
    const timeDateStamp = r.u32(fh + 4, FH, "TimeDateStamp");
    const pointerToSymbolTable = r.u32(fh + 8, FH, "PointerToSymbolTable");
    const numberOfSymbols = r.u32(fh + 12, FH, "NumberOfSymbols");
    const sizeOfOptionalHeader = r.u16(fh + 16, FH, "SizeOfOptionalHeader");
    const characteristics = r.u16(fh + 18, FH, "Characteristics");
    const oh = fh + 20;
    const OH = "IMAGE_OPTIONAL_HEADER";
    const ohMagic = r.u16(oh, OH, "Magic");
    if (ohMagic === IMAGE_NT_OPTIONAL_HDR64_MAGIC) {
        throw new UnsupportedFormatError({ format: "PE32", structure: OH, field: "Magic", offset: oh }, `PE32+ (64-bit) images are not supported; ntrace traces x86 PE32 images (machine ${machineName(machine)})`);
    }
    if (machine !== IMAGE_FILE_MACHINE_I386) {
        throw new UnsupportedFormatError({ format: "PE32", structure: FH, field: "Machine", offset: fh }, `machine ${machineName(machine)} (0x${machine.toString(16)}) is not supported; ntrace traces x86 (i386) PE32 images`);
    }
    if (ohMagic !== IMAGE_NT_OPTIONAL_HDR32_MAGIC)
        r.fail(OH, "Magic", oh, `expected 0x10b (PE32), found 0x${ohMagic.toString(16)}`);
    if (sizeOfOptionalHeader < OPTIONAL_HEADER32_FIXED) {
        r.fail(FH, "SizeOfOptionalHeader", fh + 16, `${sizeOfOptionalHeader} is smaller than the ${OPTIONAL_HEADER32_FIXED}-byte PE32 optional header`);
    }
    r.need(oh, sizeOfOptionalHeader, OH);
    const numberOfRvaAndSizes = r.u32(oh + 92, OH, "NumberOfRvaAndSizes");
    // The loader reads at most 16 directories and never past the optional header.
    const dirCount = Math.min(numberOfRvaAndSizes, 16, Math.floor((sizeOfOptionalHeader - OPTIONAL_HEADER32_FIXED) / 8));
    const dataDirectories = [];
    for (let i = 0; i < dirCount; i++) {
        const at = oh + OPTIONAL_HEADER32_FIXED + i * 8;
        dataDirectories.push({ rva: rva(r.u32(at, "IMAGE_DATA_DIRECTORY", "VirtualAddress")), size: r.u32(at + 4, "IMAGE_DATA_DIRECTORY", "Size") });
    }
    const sizeOfHeaders = r.u32(oh + 60, OH, "SizeOfHeaders");
    return {
        ntOffset: lfanew,
        machine,
        numberOfSections,
        timeDateStamp,
        pointerToSymbolTable,
        numberOfSymbols,
        sizeOfOptionalHeader,
        characteristics,
        optionalOffset: oh,
        entryRva: r.u32(oh + 16, OH, "AddressOfEntryPoint"),
        imageBase: r.u32(oh + 28, OH, "ImageBase"),
        sectionAlignment: r.u32(oh + 32, OH, "SectionAlignment"),
        fileAlignment: r.u32(oh + 36, OH, "FileAlignment"),
        sizeOfImage: r.u32(oh + 56, OH, "SizeOfImage"),
        sizeOfHeaders,
        checksum: r.u32(oh + 64, OH, "CheckSum"),
        subsystem: r.u16(oh + 68, OH, "Subsystem"),
        dllCharacteristics: r.u16(oh + 70, OH, "DllCharacteristics"),
        sizeOfStackReserve: r.u32(oh + 72, OH, "SizeOfStackReserve"),
        sizeOfStackCommit: r.u32(oh + 76, OH, "SizeOfStackCommit"),
        dataDirectories,
        dataDirectoryOffset: oh + OPTIONAL_HEADER32_FIXED,
        sectionTableOffset: oh + sizeOfOptionalHeader,
    };
}
export function locateStringTable(r, nt) {
    if (nt.pointerToSymbolTable === 0)
        return null;
    const offset = nt.pointerToSymbolTable + nt.numberOfSymbols * COFF_SYMBOL_SIZE;
    if (offset + 4 > r.length) {
        r.fail("IMAGE_FILE_HEADER", "PointerToSymbolTable", nt.ntOffset + 12, `symbol table (0x${nt.pointerToSymbolTable.toString(16)}, ${nt.numberOfSymbols} symbols) and its string table do not fit in the file (0x${r.length.toString(16)} bytes)`);
    }
    const size = r.u32(offset, "COFF string table", "Size");
    if (size < 4 || offset + size > r.length)
        r.fail("COFF string table", "Size", offset, `size 0x${size.toString(16)} does not fit in the file (0x${r.length.toString(16)} bytes)`);
    return { offset, size };
}
/** String at `index` in the string table (index counts from the table start, size field included). */
export function stringTableEntry(r, table, index, structure, field, refOffset) {
    if (table === null)
        r.fail(structure, field, refOffset, `refers to string table offset ${index} but the image has no COFF string table`);
    if (index < 4 || index >= table.size)
        r.fail(structure, field, refOffset, `string table offset ${index} is outside the table (size ${table.size})`);
    const start = table.offset + index;
    const end = table.offset + table.size;
    const nul = r.bytes.subarray(start, end).indexOf(0);
    if (nul < 0)
        r.fail("COFF string table", undefined, start, "string is not NUL-terminated inside the table");
    return decodeName(r.bytes.subarray(start, start + nul));
}
export function parseSectionTable(r, nt, strings) {
    if (nt.numberOfSections > MAX_SECTIONS) {
        r.fail("IMAGE_FILE_HEADER", "NumberOfSections", nt.ntOffset + 6, `${nt.numberOfSections} sections is more than the ${MAX_SECTIONS} an image may have`);
    }
    r.need(nt.sectionTableOffset, nt.numberOfSections * SECTION_HEADER_SIZE, "IMAGE_SECTION_HEADER", "(table)");
    const sections = [];
    for (let i = 0; i < nt.numberOfSections; i++) {
        const at = nt.sectionTableOffset + i * SECTION_HEADER_SIZE;
        const S = `IMAGE_SECTION_HEADER[${i}]`;
        const rawName = r.slice(at, 8, S, "Name");
        const nul = rawName.indexOf(0);
        let name = decodeName(nul < 0 ? rawName : rawName.subarray(0, nul));
        if (name.startsWith("/") && /^\/[0-9]{1,7}$/.test(name) && strings !== null) {
            name = stringTableEntry(r, strings, Number(name.slice(1)), S, "Name", at);
        }
        sections.push({
            name,
            rva: rva(r.u32(at + 12, S, "VirtualAddress")),
            virtualSize: r.u32(at + 8, S, "VirtualSize"),
            rawSize: r.u32(at + 16, S, "SizeOfRawData"),
            rawOffset: r.u32(at + 20, S, "PointerToRawData"),
            characteristics: r.u32(at + 36, S, "Characteristics"),
        });
    }
    return sections;
}
