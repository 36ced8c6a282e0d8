/** pe/: pure parsers for the binary formats ntrace reads. See pe/README.md. */
export * from "./types.js";
export { parsePe, parsePeLayout, parsePeExports, findPeExports } from "./parse.js";
export { exportRvasOf } from "./exports.js";
export { isPe, machineName, MAX_SECTIONS } from "./headers.js";
export { readRva, rvaToFileOffset, sectionOfRva, isExecutableRva, regionOfRva, IMAGE_SCN_CNT_CODE, IMAGE_SCN_MEM_EXECUTE, type MappedImage, type Region } from "./rva.js";
export { debugTypeName, parseCodeView, IMAGE_DEBUG_TYPE_CODEVIEW, DEBUG_DIRECTORY_ENTRY_SIZE } from "./debug.js";
export { buildDebugBlock, parseDebugBlock } from "./debugblock.js";
export { subsystemName } from "./names.js";
export { peInfo, formatPeInfo, type PeInfo } from "./info.js";
// PDB parser (pe/pdb/, its own owner and README):
export * from "./pdb/index.js";
export { checkImage, checkImageLayout, checkImageDirectories, MAX_IMAGE_SIZE, MAX_TLS_CALLBACKS } from "./loadcheck.js";
