export * from "./types.js";
export { UnicornEngine, unicornAvailable, unicornLibraryName, unicornVersion } from "./unicorn.js";
