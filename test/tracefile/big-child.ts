/**
 * Child process of big.test.ts (run with a fresh heap so resident memory is measured
 * honestly): writes N events of 4 threads to a trace file, then streams them back, checking
 * count and a checksum of every field, sampling process RSS throughout. Prints one JSON line.
 * Usage: node big-child.js <file> <events>
 */
import { threadKey } from "../../base/index.js";
import { EventKind, FileSink, TraceWriter, openTrace } from "../../tracefile/index.js";

const [path, countArg] = process.argv.slice(2);
const total = Number(countArg);
let maxRss = 0;
const sample = () => {
  maxRss = Math.max(maxRss, process.memoryUsage.rss());
};

const THREADS = 4;
const keys = Array.from({ length: THREADS }, (_, i) => threadKey(0x81000000 + i * 0x1000));
let seed = 12345;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);

let sum = 0;
const mix = (x: number) => {
  sum = (Math.imul(sum, 31) + (x | 0)) | 0;
};

// ---- write ----
const t0 = performance.now();
const w = TraceWriter.create(new FileSink(path), {
  clock: { kind: "guest-instructions", unit: "instructions", description: "big test" },
  cpus: 4,
  toolVersion: "test",
  commandLine: ["big-child"],
  argCount: 0,
  mode: "user",
});
w.addModule({
  name: "big.dll", path: "big.dll", base: 0x10000000, size: 0x100000, timeDateStamp: 0, checksum: 0,
  exportNames: [], debugBlock: new Uint8Array(0), functionRvas: Array.from({ length: 5000 }, (_, i) => 0x1000 + i * 16),
});
for (const key of keys) w.addThread({ key, process: 1, thread: key & 0xffff, startAddress: 0x10001000 });
const writers = keys.map((k) => w.thread(k));
const depth = new Int32Array(THREADS);
const ts = new Float64Array(THREADS).fill(1000);
const esp = new Uint32Array(THREADS).fill(0x00800000);
const stacks = keys.map(() => new Int32Array(1024));
// Per-thread checksums (the merged file order differs from the generation order).
const sums = new Int32Array(THREADS);
for (let i = 0; i < total; i++) {
  const t = (i >> 10) % THREADS;
  const r = rand();
  ts[t] += 1 + (r & 63);
  sum = sums[t]!;
  if (depth[t] === 0 || ((r >>> 8) & 1) === 0 && depth[t]! < 1000) {
    const fn = (r >>> 12) % 5000;
    esp[t] -= 16;
    stacks[t]![depth[t]!++] = fn;
    writers[t]!.entry(ts[t]!, fn, esp[t]!);
    mix(EventKind.Entry); mix(ts[t]! % 4294967296); mix(fn); mix(esp[t]!); mix(0);
  } else {
    const fn = stacks[t]![--depth[t]!]!;
    esp[t] += 16;
    const ret = r >>> 20;
    writers[t]!.exit(ts[t]!, fn, ret);
    mix(EventKind.Exit); mix(ts[t]! % 4294967296); mix(fn); mix(0); mix(ret);
  }
  sums[t] = sum;
  if ((i & 0xfffff) === 0) sample();
}
const written = w.close();
const writeMs = performance.now() - t0;
const writeRss = maxRss;

// ---- read ----
maxRss = 0;
const t1 = performance.now();
const tf = openTrace(path);
let events = 0;
const readSums = new Int32Array(THREADS);
for (const [ti, key] of keys.entries()) {
  sum = 0;
  for (const c of tf.chunks(key)) {
    for (let i = 0; i < c.count; i++) {
      mix(c.kind[i]!); mix(c.ts[i]! % 4294967296); mix(c.fn[i]!); mix(c.esp[i]!); mix(c.value[i]!);
    }
    events += c.count;
    sample();
  }
  readSums[ti] = sum;
}
const readMs = performance.now() - t1;
tf.close();
console.log(
  JSON.stringify({
    events: written.events,
    bytes: written.bytes,
    readEvents: events,
    checksumsMatch: sums.every((s, i) => s === readSums[i]),
    writeMs: Math.round(writeMs),
    readMs: Math.round(readMs),
    writeRssMB: Math.round(writeRss / 2 ** 20),
    readRssMB: Math.round(maxRss / 2 ** 20),
    damage: tf.damage.length,
  }),
);
