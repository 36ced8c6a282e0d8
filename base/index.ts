export * from "./brand.js";
export * from "./errors.js";
export * from "./assert.js";
export * from "./bytes.js";
export * from "./format.js";
export * from "./atomicfile.js";
export * from "./search.js";
export * from "./inputfile.js";
