// tsc compiles only .ts; the protobufjs static module is generated JavaScript (with its .d.ts
// beside it), so the build copies it into dist/ next to the code that imports it.
import { copyFileSync, mkdirSync } from "node:fs";

mkdirSync("dist/tracefile/generated", { recursive: true });
for (const f of ["trace.js", "trace.d.ts"]) copyFileSync(`tracefile/generated/${f}`, `dist/tracefile/generated/${f}`);
