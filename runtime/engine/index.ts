export * from "./types.js";
export { UnicornEngine, engineCandidates, engineNote, privateEngineLibrary, unicornAvailable, unicornLibraryName, unicornVersion } from "./unicorn.js";
export { nativeFallbackNote, nativeLibraryPath, nativeSupported, NATIVE_LIBRARY } from "./nativehooks.js";
export { ENGINE_BACKENDS, createEngine, engineBackend, type EngineBackend } from "./backends.js";
