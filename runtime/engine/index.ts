export * from "./types.js";
export { UnicornEngine, engineCandidates, engineNote, privateEngineLibrary, unicornAvailable, unicornLibraryName, unicornVersion } from "./unicorn.js";
