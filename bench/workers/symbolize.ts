/**
 * Child-process worker of the `pdb-symbolize` benchmark, so each repetition starts cold like
 * a user's command: `node dist/bench/workers/symbolize.js <root> <pdb> <dll> <events> <seed>`.
 * Prints one JSON line of timings (seconds). Generated inputs are seeded: identical every run.
 */
import { readFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import type { Pdb } from "../../pe/pdb/types.js";
import type { ModuleRecord } from "../../tracefile/types.js";
import { codeViewDebugBlock, loadProjectModule, seededRandom } from "../project.js";
import { nowNs, secondsSince } from "../harness.js";

interface PdbModuleApi {
  parsePdb(bytes: Uint8Array, file?: string): Pdb;
  createSymbolizer(pdb: Pdb): { indexOf(rva: number): number; lookup(rva: number): unknown };
}
interface ReaderSymbolizer {
  name(id: number): string;
}
interface ReaderModuleApi {
  Symbolizer: { load(modules: readonly ModuleRecord[], options: { symbolPath?: string; warn?: (m: string) => void }): ReaderSymbolizer };
}

const [root, pdbPath, dllPath, eventsText, seedText] = process.argv.slice(2) as [string, string, string, string, string];
const events = Number(eventsText);
const seed = Number(seedText);

const pdbApi = await loadProjectModule<PdbModuleApi>(root, "pe/pdb/index.js", ["parsePdb", "createSymbolizer"], "PDB parser");
const out: Record<string, number | string> = {};

let t = nowNs();
const bytes = readFileSync(pdbPath);
const pdb = pdbApi.parsePdb(bytes, pdbPath);
out.parse = secondsSince(t);
out.procedures = pdb.procedures.length;
out.publics = pdb.publics.length;

// Inputs: function-start RVAs plus an offset inside the function, as the trace's raw addresses.
const procs = pdb.procedures.filter((p) => p.rva !== undefined && p.size > 0).sort((a, b) => a.rva! - b.rva!);
const rnd = seededRandom(seed);
const uniform = new Float64Array(events);
const skewedIds = new Int32Array(events);
for (let i = 0; i < events; i++) {
  const p = procs[Math.floor(rnd() * procs.length)]!;
  uniform[i] = p.rva! + Math.floor(rnd() * p.size);
  // Trace-like: a few hot functions take most events (u^6 puts ~half the events in 1% of them).
  skewedIds[i] = Math.floor(rnd() ** 6 * procs.length);
}

t = nowNs();
let hits = 0;
for (let i = 0; i < events; i++) if (pdb.lookup(uniform[i]!) !== null) hits++;
out.lookupUniform = secondsSince(t);
out.lookupUniformHits = hits;

t = nowNs();
hits = 0;
for (let i = 0; i < events; i++) if (pdb.lookup(procs[skewedIds[i]!]!.rva!) !== null) hits++;
out.lookupSkewed = secondsSince(t);

// The reader's way: the trace stores function ids; each id's name is resolved once.
try {
  const reader = await loadProjectModule<ReaderModuleApi>(root, "reader/symbols/symbolizer.js", ["Symbolizer"], "reader symbolizer");
  const module: ModuleRecord = {
    index: 0,
    name: basename(dllPath),
    path: dllPath,
    base: 0x10000000,
    size: 0x10000000,
    timeDateStamp: 0,
    checksum: 0,
    exportNames: [],
    debugBlock: codeViewDebugBlock(pdb.guid, pdb.age, basename(pdbPath)),
    functionRvas: procs.map((p) => p.rva!),
    firstFunctionId: 0,
  };
  const warnings: string[] = [];
  t = nowNs();
  const sym = reader.Symbolizer.load([module], { symbolPath: dirname(pdbPath), warn: (m) => warnings.push(m) });
  let chars = 0;
  for (let i = 0; i < events; i++) chars += sym.name(skewedIds[i]!).length;
  out.readerTotal = secondsSince(t);
  out.readerCheck = sym.name(procs.length - 1);
  out.readerChars = chars;
  if (warnings.length > 0) out.readerWarnings = warnings.join(" | ");
} catch (e) {
  out.readerSkipped = (e as Error).message;
}
process.stdout.write(`${JSON.stringify(out)}\n`);
