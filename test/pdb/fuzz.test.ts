/**
 * Fuzzing the PDB reader (issue 2, must-show 4, PDB part): seeded mutations and truncations
 * of every committed PDB — bit flips anywhere, boundary values in the superblock, the block
 * map and the stream directory, and (through the test MSF writer) in the info stream, the DBI
 * header and substreams, the symbol record stream and module symbol streams. Every outcome
 * must be a parse result (whose functions() and lookup() then also work) or our FormatError
 * with a structure and an offset: never a RangeError, TypeError, other exception or hang.
 */
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "../../base/index.js";
import { parsePdb, type PdbFile } from "../../pe/pdb/index.js";
import { prng, writeMsf } from "./msf-writer.js";

const ROOT = join(import.meta.dirname, "..", "..");
const SEED = 0x5eed2026;
const CASES = 8000;

function findPdbs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) return findPdbs(p);
    return e.endsWith(".pdb") ? [p] : [];
  });
}

interface Sample {
  name: string;
  bytes: Uint8Array;
  pdb: PdbFile;
  streams: (Uint8Array | null)[];
  /** File offsets of the directory's blocks (to aim at the directory). */
  directoryOffsets: number[];
}

const samples: Sample[] = [...findPdbs(join(ROOT, "samples")), ...findPdbs(join(ROOT, "test/fixtures/pdb"))].sort().map((path) => {
  const bytes = new Uint8Array(readFileSync(path));
  const pdb = parsePdb(bytes);
  const bs = pdb.pageSize;
  const dv = new DataView(bytes.buffer);
  const mapAt = pdb.msf.superBlock.blockMapAddr * bs;
  const directoryOffsets = Array.from({ length: Math.ceil(pdb.msf.superBlock.numDirectoryBytes / bs) }, (_, i) => dv.getUint32(mapAt + i * 4, true) * bs);
  return { name: path.slice(ROOT.length + 1), bytes, pdb, streams: pdb.msf.streamSizes.map((_, i) => pdb.msf.stream(i)), directoryOffsets };
});

const BOUNDARY = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

type Mutator = (s: Sample, rand: () => number) => Uint8Array;

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const int = (rand: () => number, n: number): number => Math.floor(rand() * n);
const value = (rand: () => number): number => (rand() < 0.6 ? pick(rand, BOUNDARY) : Math.floor(rand() * 0x100000000));

function put(bytes: Uint8Array, offset: number, v: number, width: 1 | 2 | 4): void {
  for (let i = 0; i < width && offset + i < bytes.length; i++) bytes[offset + i] = (v >>> (8 * i)) & 0xff;
}

function flipBits(bytes: Uint8Array, rand: () => number, count: number, from = 0, to = bytes.length): Uint8Array {
  for (let i = 0; i < count && to > from; i++) {
    const at = from + int(rand, to - from);
    bytes[at]! ^= 1 << int(rand, 8);
  }
  return bytes;
}

/** fib.pdb-like file with one stream mutated, laid out by the test writer. */
function mutateStream(s: Sample, index: number, rand: () => number, edit: (b: Uint8Array) => Uint8Array): Uint8Array {
  const streams = [...s.streams];
  const original = streams[index];
  if (!original) return new Uint8Array(s.bytes);
  streams[index] = edit(new Uint8Array(original));
  return writeMsf(streams, pick(rand, [512, 4096]), rand() < 0.5);
}

function streamEdit(rand: () => number, fieldOffsets: readonly number[]): (b: Uint8Array) => Uint8Array {
  return (b) => {
    const r = rand();
    if (r < 0.4 && fieldOffsets.length > 0) put(b, pick(rand, fieldOffsets), value(rand), pick(rand, [1, 2, 4] as const));
    else if (r < 0.6) return b.slice(0, int(rand, b.length + 1)); // truncated stream
    else if (r < 0.8) put(b, int(rand, Math.max(1, b.length)), value(rand), pick(rand, [1, 2, 4] as const));
    else flipBits(b, rand, 1 + int(rand, 8));
    return b;
  };
}

/** Offsets of every record's length/kind field in a CodeView symbol area (aim at the records). */
function recordOffsets(bytes: Uint8Array, start: number, end: number): number[] {
  const out: number[] = [];
  for (let at = start; at + 4 <= end && out.length < 10_000; ) {
    const len = bytes[at]! | (bytes[at + 1]! << 8);
    out.push(at, at + 2, at + 4, at + 8, at + 16, at + 32, at + 36);
    if (len < 2) break;
    at += 2 + len;
  }
  return out;
}

const DBI_FIELDS = [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 58, 64, 64 + 34, 64 + 36, 64 + 64];
const INFO_FIELDS = [0, 4, 8, 28, 32, 36, 40, 44, 48, 52];

const MUTATORS: readonly [string, Mutator][] = [
  ["bit flips anywhere", (s, rand) => flipBits(new Uint8Array(s.bytes), rand, 1 + int(rand, 16))],
  ["truncation", (s, rand) => s.bytes.slice(0, int(rand, s.bytes.length))],
  [
    "superblock field",
    (s, rand) => {
      const b = new Uint8Array(s.bytes);
      put(b, pick(rand, [32, 36, 40, 44, 48, 52]), value(rand), 4);
      return b;
    },
  ],
  [
    "block map / directory word",
    (s, rand) => {
      const b = new Uint8Array(s.bytes);
      const map = s.pdb.msf.superBlock.blockMapAddr * s.pdb.pageSize;
      const dir = pick(rand, s.directoryOffsets);
      const at = rand() < 0.2 ? map : dir + 4 * int(rand, Math.min(s.pdb.msf.superBlock.numDirectoryBytes, s.pdb.pageSize) / 4);
      put(b, at, value(rand), 4);
      return b;
    },
  ],
  ["info stream", (s, rand) => mutateStream(s, 1, rand, streamEdit(rand, INFO_FIELDS))],
  ["DBI header and substreams", (s, rand) => mutateStream(s, 3, rand, streamEdit(rand, DBI_FIELDS))],
  [
    "symbol records",
    (s, rand) => {
      const index = s.pdb.dbi?.symRecordStream ?? 8;
      const stream = s.streams[index];
      return mutateStream(s, index, rand, streamEdit(rand, stream ? recordOffsets(stream, 0, stream.length) : []));
    },
  ],
  [
    "module symbols",
    (s, rand) => {
      const modules = s.pdb.modules.filter((m) => s.streams[m.symbolStream]);
      if (modules.length === 0) return flipBits(new Uint8Array(s.bytes), rand, 4);
      const index = pick(rand, modules).symbolStream;
      const stream = s.streams[index]!;
      return mutateStream(s, index, rand, streamEdit(rand, [0, ...recordOffsets(stream, 4, stream.length)]));
    },
  ],
  [
    "section headers",
    (s, rand) => {
      const index = s.pdb.msf.streamSizes.findIndex((size, i) => i > 3 && size === s.pdb.sectionHeaders.length * 40 && s.pdb.sectionHeaders.length > 0);
      return index < 0 ? flipBits(new Uint8Array(s.bytes), rand, 4) : mutateStream(s, index, rand, streamEdit(rand, [8, 12, 36, 48, 52]));
    },
  ],
];

/** Uses a parse result the way callers do; returns nothing, must not throw. */
function exercise(pdb: PdbFile, rand: () => number): void {
  pdb.functions();
  void pdb.sectionContributions.length; // read lazily: must not fail after a successful parse
  for (let i = 0; i < 8; i++) pdb.lookup(rand() < 0.5 ? int(rand, 0x10000) : Math.floor(rand() * 0x100000000));
  for (const p of pdb.procedures.slice(0, 8)) if (p.rva !== undefined) pdb.lookup(p.rva + 1);
}

describe("PDB fuzz", () => {
  it(`${CASES} seeded mutated and truncated PDBs: a parse result or a FormatError with structure and offset`, () => {
    expect(samples.length).toBeGreaterThan(0);
    const rand = prng(SEED);
    const outcomes = new Map<string, number>();
    const bad: string[] = [];
    let slowest = 0;
    for (let n = 0; n < CASES; n++) {
      const sample = samples[n % samples.length]!;
      const [how, mutate] = MUTATORS[int(rand, MUTATORS.length)]!;
      const input = mutate(sample, rand);
      const started = performance.now();
      try {
        exercise(parsePdb(input, "fuzz.pdb"), rand);
        outcomes.set("parsed", (outcomes.get("parsed") ?? 0) + 1);
      } catch (err) {
        if (err instanceof FormatError && err.location.format === "PDB" && err.location.structure.length > 0 && Number.isInteger(err.location.offset) && err.location.offset >= 0 && err.location.file === "fuzz.pdb") {
          const key = `FormatError ${err.location.structure}`;
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        } else {
          bad.push(`case ${n} (${sample.name}, ${how}): ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
        }
      }
      slowest = Math.max(slowest, performance.now() - started);
    }
    if (process.env.PDB_FUZZ_VERBOSE) console.log(outcomes, slowest);
    expect(bad.slice(0, 10)).toEqual([]);
    // Both outcomes occur in quantity, and errors come from many structures.
    expect(outcomes.get("parsed") ?? 0).toBeGreaterThan(CASES / 20);
    expect([...outcomes.keys()].filter((k) => k.startsWith("FormatError")).length).toBeGreaterThan(8);
    expect(slowest).toBeLessThan(1000);
  });
});
