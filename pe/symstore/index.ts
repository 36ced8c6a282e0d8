/**
 * pe/symstore/: symbol paths (`--symbol-path`, `_NT_SYMBOL_PATH`) and local symbol-store
 * lookups, shared by the readers (PDBs of traced modules), `ntrace functions` and `ntrace run`
 * (PDBs of images to patch). The only part of pe/ that touches the file system, and it never
 * touches the network.
 */
export { parseSymbolPath, symbolPathText, REMOTE_IGNORED_WARNING, type SymbolLocation, type ParsedSymbolPath } from "./symbolpath.js";
export { baseName, dirName, isFile, findInStore, findInDirectory, candidatesOnPath, type FoundFile, type SearchNotes } from "./locate.js";
