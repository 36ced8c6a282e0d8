/** PDB (MSF 7.00) reading: see README.md. */
export * from "./types.js";
export { isPdb, parsePdb, tryParsePdb, readPdbIdentity, pdbFunctions, PdbFile } from "./pdb.js";
export { createSymbolizer, PdbSymbolizer } from "./lookup.js";
export { MsfFile, msfKind, isMsf7, MSF7_MAGIC, MSF2_MAGIC, MSFZ_MAGIC, NIL_STREAM_SIZE } from "./msf.js";
export { parseInfoStream } from "./info.js";
export { parseDbiStream, parseSectionHeaders } from "./dbi.js";
export { PUB_CODE, PUB_FUNCTION, PUB_MANAGED, PUB_MSIL } from "./symbols.js";
