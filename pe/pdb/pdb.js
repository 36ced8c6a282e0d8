/**
 * parsePdb: MSF container → info stream → DBI (modules, section contributions, section
 * headers) → publics from the symbol record stream → procedures from each module stream.
 * Everything is parsed eagerly except the lookup tables, which are built on first lookup.
 */
import { FormatError, UnsupportedFormatError, rva as toRva } from "../../base/index.js";
import { MsfFile, msfKind } from "./msf.js";
import { PDB_INFO_STREAM, parseInfoStream } from "./info.js";
import { DBI_STREAM, NIL_STREAM_INDEX, parseDbiStream, parseSectionHeaders } from "./dbi.js";
import { PUB_CODE, PUB_FUNCTION, readModuleProcedures, readPublics } from "./symbols.js";
import { PdbSymbolizer } from "./lookup.js";
/**
 * True when the bytes start with a PDB container magic: MSF 7.00, and also the small MSF
 * and MSFZ containers that parsePdb recognizes only to refuse them by name.
 */
export function isPdb(bytes) {
    return msfKind(bytes) !== null;
}
/** A parsed PDB: the contract's Pdb plus the raw stream headers for tools that want them. */
export class PdbFile {
    guid;
    age;
    infoAge;
    signature;
    pageSize;
    modules;
    sectionHeaders;
    publics;
    procedures;
    info;
    dbi;
    msf;
    symbolizerCache;
    contributionsCache;
    readContributions;
    constructor(parts) {
        this.msf = parts.msf;
        this.info = parts.info;
        this.dbi = parts.dbi;
        this.guid = parts.info.guid;
        this.infoAge = parts.info.age;
        this.age = parts.dbi?.age ?? parts.info.age;
        this.signature = parts.info.signature;
        this.pageSize = parts.msf.blockSize;
        this.modules = parts.modules;
        this.readContributions = parts.sectionContributions;
        this.sectionHeaders = parts.sectionHeaders;
        this.publics = parts.publics;
        this.procedures = parts.procedures;
    }
    /** Section contributions, read from the DBI stream on first use. */
    get sectionContributions() {
        return (this.contributionsCache ??= this.readContributions());
    }
    /** The lookup tables (sorted arrays), built on first use. */
    get symbolizer() {
        return (this.symbolizerCache ??= new PdbSymbolizer(this));
    }
    lookup(rva) {
        return this.symbolizer.lookup(rva);
    }
    /** Procedures with sizes, plus function publics at RVAs where no procedure starts; by RVA. */
    functions() {
        return pdbFunctions(this);
    }
}
/** Functions of any Pdb-shaped value; see PdbFunction. */
export function pdbFunctions(pdb) {
    const out = [];
    const procStarts = new Set();
    for (const p of pdb.procedures) {
        if (p.rva === undefined)
            continue;
        procStarts.add(p.rva);
        out.push({ name: p.name, rva: p.rva, size: p.size, source: "procedure", kind: p.kind });
    }
    const seen = new Set();
    for (const p of pdb.publics) {
        if (!p.isFunction || p.rva === undefined || procStarts.has(p.rva) || seen.has(p.rva))
            continue;
        seen.add(p.rva);
        out.push({ name: p.name, rva: p.rva, source: "public" });
    }
    return out.sort((a, b) => a.rva - b.rva || a.name.localeCompare(b.name));
}
/**
 * Parses a PDB. Throws UnsupportedFormatError for small MSF / MSFZ files, and FormatError
 * ("not a PDB (MSF 7.00) file", or naming the broken structure, field and offset) otherwise.
 */
export function parsePdb(bytes, file) {
    return withFile(file, () => parsePdbBytes(bytes));
}
/** "Not this format" → null (the project's parser habit); a PDB container → parsePdb. */
export function tryParsePdb(bytes, file) {
    return isPdb(bytes) ? parsePdb(bytes, file) : null;
}
/**
 * Reads only the container, the info stream and the DBI header: enough to decide whether a
 * PDB found on a symbol path matches an image before parsing all of it.
 */
export function readPdbIdentity(bytes, file) {
    return withFile(file, () => {
        const msf = MsfFile.parse(bytes);
        const info = parseInfoStream(requireInfo(msf));
        const dbi = msf.stream(DBI_STREAM);
        const age = dbi !== null && dbi.length >= 12 ? new DataView(dbi.buffer, dbi.byteOffset).getUint32(8, true) : info.age;
        return { guid: info.guid, age, infoAge: info.age, signature: info.signature };
    });
}
function withFile(file, parse) {
    try {
        return parse();
    }
    catch (err) {
        if (file !== undefined && err instanceof FormatError && err.location.file === undefined) {
            const location = { ...err.location, file };
            throw err instanceof UnsupportedFormatError ? new UnsupportedFormatError(location, err.detail) : new FormatError(location, err.detail);
        }
        throw err;
    }
}
function requireInfo(msf) {
    const infoBytes = msf.stream(PDB_INFO_STREAM);
    if (infoBytes === null) {
        throw new FormatError({ format: "PDB", structure: "MSF stream directory", field: "StreamSizes", offset: 4 + PDB_INFO_STREAM * 4, stream: "directory" }, "the PDB info stream (1) is missing");
    }
    return infoBytes;
}
function parsePdbBytes(bytes) {
    const msf = MsfFile.parse(bytes);
    const info = parseInfoStream(requireInfo(msf));
    const dbiBytes = msf.stream(DBI_STREAM);
    if (dbiBytes === null || dbiBytes.length === 0) {
        return new PdbFile({ msf, info, dbi: undefined, modules: [], sectionContributions: () => [], sectionHeaders: [], publics: [], procedures: [] });
    }
    const dbi = parseDbiStream(dbiBytes);
    const header = dbi.header;
    const sectionHeaders = dbi.sectionHeaderStream !== undefined ? parseSectionHeaders(requireStream(msf, dbi.sectionHeaderStream, "optional debug header", "SectionHdr", dbi.sectionHeaderStreamOffset), dbi.sectionHeaderStream) : [];
    const toRvaOf = (section, offset) => {
        const s = sectionHeaders[section - 1];
        return s === undefined ? undefined : toRva(s.virtualAddress + offset);
    };
    const publics = [];
    if (header.symRecordStream !== NIL_STREAM_INDEX) {
        const records = requireStream(msf, header.symRecordStream, "DBI header", "SymRecordStream", 20);
        for (const p of readPublics(records, header.symRecordStream)) {
            // One object shape for all (rva may be undefined): keeps 100,000-symbol PDBs fast.
            publics.push({
                name: p.name,
                section: p.segment,
                offset: p.offset,
                rva: toRvaOf(p.segment, p.offset),
                isFunction: (p.flags & (PUB_CODE | PUB_FUNCTION)) !== 0,
                flags: p.flags,
                recordOffset: p.recordOffset,
            });
        }
    }
    const procedures = [];
    // Each module owns its stream. Refusing shared streams also keeps the work linear in the
    // file size (a hostile DBI could otherwise point thousands of modules at one big stream).
    const streamOwner = new Map();
    for (const m of dbi.modules) {
        if (m.symbolStream === NIL_STREAM_INDEX || m.symByteSize === 0)
            continue;
        const owner = streamOwner.get(m.symbolStream);
        if (owner !== undefined) {
            throw new FormatError({ format: "PDB", structure: "ModInfo", field: "ModuleSymStream", offset: m.recordOffset + 34, stream: `DBI (${DBI_STREAM})` }, `module ${m.index} names symbol stream ${m.symbolStream}, which belongs to module ${owner}`);
        }
        streamOwner.set(m.symbolStream, m.index);
        const stream = requireStream(msf, m.symbolStream, "ModInfo", "ModuleSymStream", m.recordOffset + 34);
        for (const p of readModuleProcedures(stream, m.symbolStream, m.symByteSize)) {
            procedures.push({
                name: p.name,
                kind: p.kind,
                section: p.segment,
                offset: p.codeOffset,
                rva: toRvaOf(p.segment, p.codeOffset),
                size: p.codeSize,
                moduleIndex: m.index,
                recordOffset: p.recordOffset,
            });
        }
    }
    const modules = dbi.modules.map((m) => ({ index: m.index, name: m.name, objectName: m.objectName, symbolStream: m.symbolStream }));
    return new PdbFile({ msf, info, dbi: header, modules, sectionContributions: dbi.sectionContributions, sectionHeaders, publics, procedures });
}
/** The stream a DBI field names; `offset` is where that field sits in the DBI stream. */
function requireStream(msf, index, structure, field, offset) {
    const bytes = msf.stream(index);
    if (bytes === null) {
        throw new FormatError({ format: "PDB", structure, field, offset, stream: `DBI (${DBI_STREAM})` }, `stream ${index} does not exist (the file has ${msf.numStreams} streams)`);
    }
    return bytes;
}
