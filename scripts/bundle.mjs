// The `ntrace` command as one file: esbuild bundles dist/bin/ntrace.js (tsc's output, ~150
// modules) over itself, so a command starts without resolving and compiling each module
// (measured: ~0.1 s of the ~0.5 s hello.exe run; BENCHMARKS.md "startup"). koffi stays
// external (a native addon, loaded from node_modules); `require` is provided for the CommonJS
// packages inside the bundle. The library (dist/index.js and the modules) is left as tsc wrote it.
//
// The trace writer's worker thread (tracefile/chunkworker.ts) is bundled the same way, so a
// worker boots from one small file whether the writer runs from the bundle, from dist/ or
// from the sources (tests): the writer finds it at dist/tracefile/chunkworker.js from the
// package root.
import { build } from "esbuild";
import { chmodSync, rmSync } from "node:fs";

const common = { bundle: true, platform: "node", format: "esm", target: "node20", logLevel: "warning", allowOverwrite: true };

const entry = "dist/bin/ntrace.js";
await build({
  ...common,
  entryPoints: [entry],
  outfile: entry,
  external: ["koffi"],
  banner: { js: "import { createRequire as __ntraceCreateRequire } from 'node:module'; const require = __ntraceCreateRequire(import.meta.url);" },
});

const worker = "dist/tracefile/chunkworker.js";
await build({ ...common, entryPoints: [worker], outfile: worker });

// tsc's maps and declarations describe the unbundled modules.
for (const f of [`${entry}.map`, "dist/bin/ntrace.d.ts", `${worker}.map`, "dist/tracefile/chunkworker.d.ts"]) rmSync(f, { force: true });
// Executable: a global `ntrace` (npm install -g . links to this file) keeps working after a
// rebuild; npm sets the mode only when it links, and skips that when the link is up to date.
chmodSync(entry, 0o755);
