export * from "./types.js";
export { UnicornEngine, unicornAvailable, unicornLibraryName } from "./unicorn.js";
