/**
 * Writes a synthetic fib-like trace with the project's trace writer:
 * `node dist/bench/workers/gentrace.js <root> <out.ntrace> <n>`.
 * The event stream is exactly what tracing samples/fib/fib.dll Run(n) records — Run, then the
 * fib/leaf recursion (fib calls = 2·F(n+1)−1, leaf calls = F(n+1)) on one thread — with a
 * guest-instruction clock (a fixed instruction count per step) and the ESP of each frame.
 * The module record names fib.pdb by GUID/age, so readers symbolize it with
 * `--symbol-path samples/fib`. Used for reader benchmarks at any size (n = 34: 55 M events).
 * Prints one JSON line: {events, bytes, seconds}.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Pdb } from "../../pe/pdb/types.js";
import type { ModuleRecord, ModuleRecordInit, ThreadEventWriter, ThreadRecord, TraceHeader } from "../../tracefile/types.js";
import type { ThreadKey } from "../../base/index.js";
import { codeViewDebugBlock, loadProjectModule } from "../project.js";
import { nowNs, secondsSince } from "../harness.js";

interface Writer {
  addModule(m: ModuleRecordInit): ModuleRecord;
  addThread(t: ThreadRecord): void;
  thread(key: ThreadKey): ThreadEventWriter;
  close(): { bytes: number; events: number };
}
interface TracefileApi {
  TraceWriter: { create(sink: unknown, header: Omit<TraceHeader, "formatMajor" | "formatMinor">, options?: object): Writer };
  FileSink: new (path: string) => unknown;
}
interface PdbApi {
  parsePdb(bytes: Uint8Array, file?: string): Pdb;
}

const [root, out, nText] = process.argv.slice(2) as [string, string, string];
const n = Number(nText);
const tf = await loadProjectModule<TracefileApi>(root, "tracefile/index.js", ["TraceWriter", "FileSink"], "trace writer");
const pdbApi = await loadProjectModule<PdbApi>(root, "pe/pdb/index.js", ["parsePdb"], "PDB parser");
const pdbPath = join(root, "samples", "fib", "fib.pdb");
const dllPath = join(root, "samples", "fib", "fib.dll");
const pdb = pdbApi.parsePdb(readFileSync(pdbPath), pdbPath);
const rvaOf = (name: string): number => {
  const p = pdb.procedures.find((x) => x.name === name || x.name === `_${name}@4`);
  if (p?.rva === undefined) throw new Error(`fib.pdb has no procedure ${name}`);
  return p.rva;
};
const names = ["Run", "fib", "leaf"];
const start = nowNs();
const w = tf.TraceWriter.create(new tf.FileSink(out), {
  clock: { kind: "guest-instructions", unit: "instructions", description: "synthetic: fixed instruction counts per step (bench/workers/gentrace.ts)" },
  cpus: 1,
  toolVersion: "bench",
  commandLine: ["bench/workers/gentrace", `Run(${n})`],
  argCount: 0,
  mode: "user",
});
const mod = w.addModule({
  name: "fib.dll",
  path: dllPath,
  base: 0x10000000,
  size: 0x10000,
  timeDateStamp: 0,
  checksum: 0,
  exportNames: [],
  debugBlock: codeViewDebugBlock(pdb.guid, pdb.age, "fib.pdb"),
  functionRvas: names.map(rvaOf),
});
const key = 0x8100_1000 as ThreadKey;
w.addThread({ key, process: 0x1c8, thread: 0x1cc, startAddress: 0 });
const t = w.thread(key);
const [RUN, FIB, LEAF] = [0, 1, 2].map((i) => mod.firstFunctionId + i) as [number, number, number];
let ts = 1000;

function leaf(v: number, esp: number): number {
  t.entry((ts += 5), LEAF, esp);
  t.exit((ts += 4), LEAF, v);
  return v;
}
function fib(v: number, esp: number): number {
  t.entry((ts += 5), FIB, esp);
  const r = v < 2 ? leaf(v, esp - 16) : fib(v - 1, esp - 16) + fib(v - 2, esp - 16);
  t.exit((ts += 6), FIB, r);
  return r;
}
t.threadStart(ts);
t.entry((ts += 3), RUN, 0x0012ff00);
const result = fib(n, 0x0012fef0);
t.exit((ts += 4), RUN, result);
t.threadEnd((ts += 2), 0);
const closed = w.close();
process.stdout.write(`${JSON.stringify({ events: closed.events, bytes: closed.bytes, seconds: secondsSince(start), result })}\n`);
