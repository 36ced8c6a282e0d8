/** PDB (MSF 7.00) reading: see README.md. */
export * from "./types.js";
export { isPdb, parsePdb, tryParsePdb, readPdbIdentity, pdbFunctions, PdbFile, type PdbIdentity } from "./pdb.js";
export { createSymbolizer, PdbSymbolizer, type SymbolEntry } from "./lookup.js";
export { MsfFile, msfKind, isMsf7, MSF7_MAGIC, MSF2_MAGIC, MSFZ_MAGIC, NIL_STREAM_SIZE, type MsfSuperBlock } from "./msf.js";
export { parseInfoStream, type PdbInfo } from "./info.js";
export { parseDbiStream, parseSectionHeaders, type DbiHeader, type DbiModule, type DbiStream } from "./dbi.js";
export { PUB_CODE, PUB_FUNCTION, PUB_MANAGED, PUB_MSIL } from "./symbols.js";
