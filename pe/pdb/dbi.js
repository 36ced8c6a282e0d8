/**
 * DBI stream (stream 3): header, module info records, section contributions and the optional
 * debug header (which names the section header stream). Layout: llvm.org/docs/PDB/DbiStream.html.
 * Substreams follow the 64-byte header in this order: module info, section contributions,
 * section map, file info, type server map, EC, optional debug header.
 */
import { ByteReader } from "../../base/index.js";
export const DBI_STREAM = 3;
export const NIL_STREAM_INDEX = 0xffff;
const HEADER_SIZE = 64;
const MODINFO_FIXED_SIZE = 64;
/** Section contribution substream versions (0xeffe0000 + a date). */
export const SC_VERSION_60 = (0xeffe0000 + 19970605) >>> 0;
export const SC_VERSION_V2 = (0xeffe0000 + 20140516) >>> 0;
/** Index of the section header stream in the optional debug header. */
const DBG_SECTION_HDR = 5;
const H = "DBI header";
export function parseDbiStream(bytes) {
    const r = new ByteReader(bytes, "PDB", `DBI (${DBI_STREAM})`);
    r.need(0, HEADER_SIZE, H);
    const size = (offset, field) => {
        const v = r.i32(offset, H, field);
        if (v < 0)
            r.fail(H, field, offset, `negative substream size ${v}`);
        return v;
    };
    const header = {
        versionSignature: r.i32(0, H, "VersionSignature"),
        versionHeader: r.u32(4, H, "VersionHeader"),
        age: r.u32(8, H, "Age"),
        globalStreamIndex: r.u16(12, H, "GlobalStreamIndex"),
        buildNumber: r.u16(14, H, "BuildNumber"),
        publicStreamIndex: r.u16(16, H, "PublicStreamIndex"),
        pdbDllVersion: r.u16(18, H, "PdbDllVersion"),
        symRecordStream: r.u16(20, H, "SymRecordStream"),
        modInfoSize: size(24, "ModInfoSize"),
        sectionContributionSize: size(28, "SectionContributionSize"),
        sectionMapSize: size(32, "SectionMapSize"),
        sourceInfoSize: size(36, "SourceInfoSize"),
        typeServerMapSize: size(40, "TypeServerMapSize"),
        mfcTypeServerIndex: r.u32(44, H, "MFCTypeServerIndex"),
        optionalDbgHeaderSize: size(48, "OptionalDbgHeaderSize"),
        ecSubstreamSize: size(52, "ECSubstreamSize"),
        flags: r.u16(56, H, "Flags"),
        machine: r.u16(58, H, "Machine"),
    };
    if (header.versionSignature !== -1) {
        r.fail(H, "VersionSignature", 0, `expected -1, found ${header.versionSignature}`);
    }
    const modStart = HEADER_SIZE;
    const scStart = modStart + header.modInfoSize;
    const secMapStart = scStart + header.sectionContributionSize;
    const fileInfoStart = secMapStart + header.sectionMapSize;
    const tsmStart = fileInfoStart + header.sourceInfoSize;
    const ecStart = tsmStart + header.typeServerMapSize;
    const dbgStart = ecStart + header.ecSubstreamSize;
    const end = dbgStart + header.optionalDbgHeaderSize;
    if (end > bytes.length) {
        r.fail(H, "OptionalDbgHeaderSize", 48, `substreams end at 0x${end.toString(16)}, past the 0x${bytes.length.toString(16)}-byte stream`);
    }
    const modules = parseModules(r, modStart, header.modInfoSize);
    const entrySize = sectionContributionEntrySize(r, scStart, header.sectionContributionSize);
    const sectionContributions = () => readSectionContributions(r, scStart, header.sectionContributionSize, entrySize);
    const debugStreams = [];
    for (let at = dbgStart; at + 2 <= end; at += 2)
        debugStreams.push(r.u16(at, "optional debug header", "StreamIndex"));
    const sh = debugStreams[DBG_SECTION_HDR];
    return {
        header,
        modules,
        sectionContributions,
        debugStreams,
        sectionHeaderStream: sh === undefined || sh === NIL_STREAM_INDEX ? undefined : sh,
        sectionHeaderStreamOffset: dbgStart + DBG_SECTION_HDR * 2,
    };
}
function parseModules(r, start, size) {
    const M = "ModInfo";
    const modules = [];
    const end = start + size;
    let at = start;
    while (at < end) {
        if (at + MODINFO_FIXED_SIZE > end)
            r.fail(M, undefined, at, `a module record needs ${MODINFO_FIXED_SIZE} bytes, only ${end - at} left in the module info substream`);
        const symbolStream = r.u16(at + 34, M, "ModuleSymStream");
        const symByteSize = r.u32(at + 36, M, "SymByteSize");
        const c13ByteSize = r.u32(at + 44, M, "C13ByteSize");
        const name = r.cstring(at + MODINFO_FIXED_SIZE, M, "ModuleName", end - at - MODINFO_FIXED_SIZE);
        const nameEnd = at + MODINFO_FIXED_SIZE + utf8Length(r, at + MODINFO_FIXED_SIZE) + 1;
        const objectName = r.cstring(nameEnd, M, "ObjFileName", Math.max(0, end - nameEnd));
        const objEnd = nameEnd + utf8Length(r, nameEnd) + 1;
        modules.push({ index: modules.length, name, objectName, symbolStream, symByteSize, c13ByteSize, recordOffset: at });
        at = (objEnd + 3) & ~3; // records are 4-byte aligned (relative to the stream; the header is 64 bytes)
    }
    return modules;
}
/** Length in bytes of the NUL-terminated string at `offset` (already validated by cstring). */
function utf8Length(r, offset) {
    let i = offset;
    while (r.bytes[i] !== 0)
        i++;
    return i - offset;
}
function sectionContributionEntrySize(r, start, size) {
    if (size === 0)
        return 0;
    const version = r.u32(start, "section contribution", "Version");
    if (version === SC_VERSION_60)
        return 28;
    if (version === SC_VERSION_V2)
        return 32;
    return r.fail("section contribution", "Version", start, `unknown section contribution version 0x${version.toString(16)}`);
}
function readSectionContributions(r, start, size, entrySize) {
    const C = "section contribution";
    const out = [];
    if (entrySize === 0)
        return out;
    const end = start + size;
    for (let at = start + 4; at + entrySize <= end; at += entrySize) {
        out.push({
            section: r.u16(at, C, "Section"),
            offset: r.u32(at + 4, C, "Offset"),
            size: r.i32(at + 8, C, "Size"),
            characteristics: r.u32(at + 12, C, "Characteristics"),
            moduleIndex: r.u16(at + 16, C, "ModuleIndex"),
        });
    }
    return out;
}
/** IMAGE_SECTION_HEADER array (40 bytes each) from the section header stream. */
export function parseSectionHeaders(bytes, streamIndex) {
    const r = new ByteReader(bytes, "PDB", `section headers (${streamIndex})`);
    const S = "IMAGE_SECTION_HEADER";
    const out = [];
    for (let at = 0; at + 40 <= bytes.length; at += 40) {
        const raw = r.slice(at, 8, S, "Name");
        let n = 0;
        while (n < 8 && raw[n] !== 0)
            n++;
        out.push({
            name: new TextDecoder("latin1").decode(raw.subarray(0, n)),
            virtualSize: r.u32(at + 8, S, "VirtualSize"),
            virtualAddress: r.u32(at + 12, S, "VirtualAddress"),
            characteristics: r.u32(at + 36, S, "Characteristics"),
        });
    }
    return out;
}
