// The `ntrace` command as one file: esbuild bundles dist/bin/ntrace.js (tsc's output, ~150
// modules) over itself, so a command starts without resolving and compiling each module
// (measured: ~0.1 s of the ~0.5 s hello.exe run; BENCHMARKS.md "startup"). koffi stays
// external (a native addon, loaded from node_modules); `require` is provided for the CommonJS
// packages inside the bundle. The library (dist/index.js and the modules) is left as tsc wrote it.
import { build } from "esbuild";
import { chmodSync, rmSync } from "node:fs";

const entry = "dist/bin/ntrace.js";
await build({
  entryPoints: [entry],
  outfile: entry,
  allowOverwrite: true,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["koffi"],
  banner: { js: "import { createRequire as __ntraceCreateRequire } from 'node:module'; const require = __ntraceCreateRequire(import.meta.url);" },
  logLevel: "warning",
});
// tsc's map and declarations describe the unbundled module.
for (const f of [`${entry}.map`, "dist/bin/ntrace.d.ts"]) rmSync(f, { force: true });
// Executable: a global `ntrace` (npm install -g . links to this file) keeps working after a
// rebuild; npm sets the mode only when it links, and skips that when the link is up to date.
chmodSync(entry, 0o755);
