/**
 * Fuzzing the image and PDB inputs through the command line (issue 14): seeded mutations of
 * the sample images (samples/**) and of their PDBs, fed to `info`, `functions`, `symbols` and
 * — a few hundred of them — to `run` (DLL exports with --call and --load, EXEs, drivers; traced
 * and --no-trace; small --max-instructions and a --timeout) through `main(argv)` in this
 * process, as the installed command runs them. Every case must end the way a user may see:
 * no internal error (exit 70), no stack trace, no RangeError/TypeError, no raw engine message
 * (`uc_…`, `UC_ERR_…`), within its time bound. A watchdog names the seed and case of a hang.
 * A handful of cases also run the built CLI (dist/bin/ntrace.js) and must agree.
 *
 * Knobs (test/fuzz/README.md): NTRACE_FUZZ_SEED replays another seed; NTRACE_FUZZ_SCALE
 * multiplies the case counts (to hunt rare defects); NTRACE_FUZZ_STATS=1 prints the exit codes
 * per part; NTRACE_FUZZ_VERBOSE=1 prints each `run` case's outcome; NTRACE_FUZZ_CASE="dll case
 * 12" runs that case alone and keeps its files.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../bin/main.js";
import { parsePe, rvaToFileOffset, type PeImage } from "../../pe/index.js";
import { parsePdb, type PdbFile } from "../../pe/pdb/index.js";
import { locateSystemDlls } from "../../runtime/user/sysdlls.js";
import { writeMsf } from "../pdb/msf-writer.js";
import { ROOT, sampleImages } from "../pe/samples.js";
import { prng } from "../support/prng.js";

const SEED = Number(process.env["NTRACE_FUZZ_SEED"] ?? 0x14f0220);
const SCALE = Number(process.env["NTRACE_FUZZ_SCALE"] ?? 1);
const VERBOSE = process.env["NTRACE_FUZZ_VERBOSE"] !== undefined;
/** One case replayed alone ("image case 123"): the others are generated but not run. */
const ONLY = process.env["NTRACE_FUZZ_CASE"];
const count = (n: number): number => Math.round(n * SCALE);

/** Parse-level cases (info, functions over mutated images; symbols, functions over mutated PDBs). */
const IMAGE_CASES = count(7600);
const PDB_CASES = count(2400);
/** `run` cases: drivers are cheap (no Wine), user-mode runs start Wine's loader. */
const DRIVER_RUNS = count(160);
const DLL_RUNS = count(48);
const EXE_RUNS = count(20);
/** Time bounds of one case (host time, generous for a loaded 2-CPU machine). */
const PARSE_BOUND_MS = 5_000;
const RUN_BOUND_MS = 15_000;
/** The watchdog ends the test process when one case runs this long (a hang). */
const HANG_MS = 60_000;
/** A part's own limit (vitest's default is 60 s): cases are bounded one by one above. */
const PART_TIMEOUT_MS = Math.max(1, SCALE) * 600_000;

/** Never printed by a command that works as intended, whatever its input. */
const FORBIDDEN = [/\n?\s{4}at /, /internal error/i, /RangeError/, /TypeError/, /\buc_/, /UC_ERR/];

// ------------------------------------------------------------------ the command line in-process

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

const utf8 = new TextDecoder();
/** A write() replacement that collects what the command prints. */
function collector(into: string[]): typeof process.stdout.write {
  return ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    into.push(typeof chunk === "string" ? chunk : utf8.decode(chunk));
    const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof process.stdout.write;
}

/** Runs one command line through main(argv), capturing stdout, stderr and the exit code. */
async function cli(args: readonly string[]): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const { write: stdoutWrite } = process.stdout;
  const { write: stderrWrite } = process.stderr;
  process.exitCode = undefined;
  process.stdout.write = collector(out);
  process.stderr.write = collector(err);
  const started = performance.now();
  try {
    await main(["node", "ntrace", ...args]);
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, stdout: out.join(""), stderr: err.join(""), ms: performance.now() - started };
}

// ------------------------------------------------------------------ hang watchdog

/**
 * A worker thread that watches the case in progress (shared memory: its number, start time
 * and description). A case that runs past HANG_MS is a hang the test itself cannot interrupt
 * (the command runs synchronously): the worker prints the seed and case and kills the test
 * process, so the failure names what to replay.
 */
class Watchdog {
  private readonly state = new Float64Array(new SharedArrayBuffer(16));
  private readonly text = new Uint8Array(new SharedArrayBuffer(2048));
  private readonly worker: Worker;

  constructor() {
    this.worker = new Worker(
      `const { workerData } = require("node:worker_threads");
       const { writeSync } = require("node:fs");
       const state = new Float64Array(workerData.state);
       const text = new Uint8Array(workerData.text);
       setInterval(() => {
         // One read of the start time (the case may end, and the next begin, meanwhile); the
         // description counts only when the same case is still running after it was read.
         const started = state[0];
         if (started === 0 || Date.now() - started <= workerData.hangMs) return;
         const end = text.indexOf(0);
         const description = Buffer.from(text.subarray(0, end < 0 ? text.length : end)).toString("utf8");
         if (state[0] !== started) return;
         writeSync(2, "\\nfuzz watchdog: " + description + " has run for more than " + workerData.hangMs + " ms: a hang; ending the test process\\n");
         process.kill(process.pid, "SIGKILL");
       }, 1000);`,
      { eval: true, workerData: { state: this.state.buffer, text: this.text.buffer, hangMs: HANG_MS } },
    );
    this.worker.unref();
  }

  begin(description: string): void {
    const bytes = new TextEncoder().encode(description.slice(0, 2000));
    this.text.fill(0);
    this.text.set(bytes);
    this.state[0] = Date.now();
  }

  end(): void {
    this.state[0] = 0;
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

// ------------------------------------------------------------------ inputs

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const int = (rand: () => number, n: number): number => Math.floor(rand() * n);

interface Field {
  readonly name: string;
  readonly offset: number;
  readonly size: 2 | 4;
  /** Fields that decide where and how the image is mapped, relocated and bound. */
  readonly loader: boolean;
}

interface Sample {
  /** Path under the repository. */
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly image: PeImage;
  readonly fields: readonly Field[];
  /** The PDB its CodeView record names, when committed next to it. */
  readonly pdb?: { readonly name: string; readonly bytes: Uint8Array; readonly parsed: PdbFile; readonly streams: readonly (Uint8Array | null)[] };
}

const DIRECTORY_NAMES = ["Export", "Import", "Resource", "Exception", "Security", "BaseReloc", "Debug", "Architecture", "GlobalPtr", "TLS", "LoadConfig", "BoundImport", "IAT", "DelayImport", "CLR", "Reserved"];

/** The header and directory fields worth overwriting, found in the intact image. */
function fieldsOf(bytes: Uint8Array, img: PeImage): Field[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nt = dv.getUint32(0x3c, true);
  const oh = nt + 24;
  const f: Field[] = [];
  const add = (name: string, offset: number, size: 2 | 4, loader: boolean): void => {
    if (offset >= 0 && offset + size <= bytes.length) f.push({ name, offset, size, loader });
  };
  add("e_lfanew", 0x3c, 4, false);
  add("NumberOfSections", nt + 6, 2, true);
  add("PointerToSymbolTable", nt + 12, 4, false);
  add("NumberOfSymbols", nt + 16, 4, false);
  add("SizeOfOptionalHeader", nt + 20, 2, true);
  add("Characteristics", nt + 22, 2, true);
  add("Magic", oh, 2, false);
  add("AddressOfEntryPoint", oh + 16, 4, true);
  add("ImageBase", oh + 28, 4, true);
  add("SectionAlignment", oh + 32, 4, true);
  add("FileAlignment", oh + 36, 4, true);
  add("SizeOfImage", oh + 56, 4, true);
  add("SizeOfHeaders", oh + 60, 4, true);
  add("Subsystem", oh + 68, 2, false);
  add("DllCharacteristics", oh + 70, 2, false);
  add("SizeOfStackReserve", oh + 72, 4, true);
  add("SizeOfStackCommit", oh + 76, 4, true);
  add("NumberOfRvaAndSizes", oh + 92, 4, true);
  for (let i = 0; i < 16; i++) {
    const loader = [0, 1, 5, 9, 12].includes(i);
    add(`DataDirectory[${DIRECTORY_NAMES[i]}].VirtualAddress`, oh + 96 + i * 8, 4, loader);
    add(`DataDirectory[${DIRECTORY_NAMES[i]}].Size`, oh + 100 + i * 8, 4, loader);
  }
  const table = oh + dv.getUint16(nt + 20, true);
  img.sections.forEach((s, i) => {
    for (const [o, n] of [[8, "VirtualSize"], [12, "VirtualAddress"], [16, "SizeOfRawData"], [20, "PointerToRawData"], [36, "Characteristics"]] as const) add(`Section[${i}:${s.name}].${n}`, table + i * 40 + o, 4, true);
  });
  const fileOffset = (rvaValue: number): number | null => (rvaValue === 0 ? null : rvaToFileOffset(img, rvaValue));
  const at = (index: number): number | null => fileOffset(img.dataDirectories[index]?.rva ?? 0);
  const exp = at(0);
  if (exp !== null) {
    for (const [o, n] of [[12, "Name"], [16, "Base"], [20, "NumberOfFunctions"], [24, "NumberOfNames"], [28, "AddressOfFunctions"], [32, "AddressOfNames"], [36, "AddressOfNameOrdinals"]] as const) add(`IMAGE_EXPORT_DIRECTORY.${n}`, exp + o, 4, true);
    const functions = fileOffset(dv.getUint32(exp + 28, true));
    if (functions !== null) for (let i = 0; i < 3; i++) add(`ExportAddressTable[${i}]`, functions + 4 * i, 4, true);
  }
  const imp = at(1);
  if (imp !== null) {
    for (let d = 0; d < Math.min(3, img.imports.length); d++) {
      for (const [o, n] of [[0, "OriginalFirstThunk"], [12, "Name"], [16, "FirstThunk"]] as const) add(`IMAGE_IMPORT_DESCRIPTOR[${d}].${n}`, imp + 20 * d + o, 4, true);
      const ilt = fileOffset(dv.getUint32(imp + 20 * d, true));
      if (ilt !== null) add(`ImportLookupTable[${d}][0]`, ilt, 4, true);
      const iat = fileOffset(dv.getUint32(imp + 20 * d + 16, true));
      if (iat !== null) add(`ImportAddressTable[${d}][0]`, iat, 4, true);
    }
  }
  const dbg = at(6);
  if (dbg !== null) for (let o = 0; o < 28 * Math.min(2, img.debug.length); o += 4) add(`IMAGE_DEBUG_DIRECTORY+${o}`, dbg + o, 4, false);
  const rel = at(5);
  if (rel !== null) {
    add("IMAGE_BASE_RELOCATION[0].VirtualAddress", rel, 4, true);
    add("IMAGE_BASE_RELOCATION[0].SizeOfBlock", rel + 4, 4, true);
    for (let e = 0; e < 4; e++) add(`IMAGE_BASE_RELOCATION[0].TypeOffset[${e}]`, rel + 8 + 2 * e, 2, true);
  }
  const tls = at(9);
  if (tls !== null) {
    for (const [o, n] of [[0, "StartAddressOfRawData"], [4, "EndAddressOfRawData"], [8, "AddressOfIndex"], [12, "AddressOfCallBacks"], [16, "SizeOfZeroFill"]] as const) add(`IMAGE_TLS_DIRECTORY.${n}`, tls + o, 4, true);
    const callbacks = fileOffset((dv.getUint32(tls + 12, true) - img.imageBase) >>> 0);
    if (callbacks !== null) add("TlsCallbacks[0]", callbacks, 4, true);
  }
  return f;
}

/** A value for a field: boundaries, values near the original and near the image's own sizes, random. */
function valueFor(rand: () => number, original: number, img: PeImage, fileLength: number): number {
  switch (int(rand, 12)) {
    case 0: return 0;
    case 1: return 0xffffffff;
    case 2: return pick(rand, [0x7fffffff, 0x80000000, 0x7ffe0000, 0x7fff0000, 0xfffff000, 0x10000, 0x1000]);
    case 3: return (original ^ (1 << int(rand, 32))) >>> 0;
    case 4: return (original + pick(rand, [-0x1000, -4, -1, 1, 4, 0x1000, 0x10000])) >>> 0;
    case 5: return (img.sizeOfImage + pick(rand, [-4, -2, 0, 4, 0x1000, 0x100000])) >>> 0;
    case 6: return (img.imageBase + pick(rand, [0, img.sizeOfImage - 4, img.sizeOfImage, 0x1000])) >>> 0;
    case 7: return pick(rand, [0, 0x400000, 0x10000000, 0x7c000000, 0x80000000, 0xc0000000, 0xfff00000, 0x12345]);
    case 8: return int(rand, 64);
    case 9: return int(rand, fileLength * 2);
    case 10: return int(rand, 0x10000);
    default: return int(rand, 0x100000000);
  }
}

function put(bytes: Uint8Array, f: { offset: number; size: 2 | 4 }, v: number): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (f.size === 2) dv.setUint16(f.offset, v & 0xffff, true);
  else dv.setUint32(f.offset, v >>> 0, true);
}

/**
 * A mutated copy of a sample and what was done to it. `forRun` keeps to one loader-relevant
 * edit most of the time, so the image gets past the parser and reaches the loader's checks.
 */
function mutateImage(s: Sample, rand: () => number, forRun: boolean): { bytes: Uint8Array; what: string } {
  const original = s.bytes;
  const dv = new DataView(original.buffer, original.byteOffset, original.byteLength);
  const kind = forRun ? (rand() < 0.8 ? 1 : int(rand, 5)) : int(rand, 5);
  if (kind === 0) {
    const at = int(rand, original.length);
    return { bytes: original.slice(0, at), what: `truncated at 0x${at.toString(16)}` };
  }
  const bytes = original.slice();
  const edits: string[] = [];
  const fields = forRun ? s.fields.filter((f) => f.loader) : s.fields;
  const n = forRun ? (rand() < 0.75 ? 1 : 2) : 1 + int(rand, 3);
  for (let i = 0; i < n; i++) {
    if (kind === 1 || kind === 4) {
      const f = pick(rand, fields);
      const old = f.size === 2 ? dv.getUint16(f.offset, true) : dv.getUint32(f.offset, true);
      const v = valueFor(rand, old, s.image, original.length);
      put(bytes, f, v);
      edits.push(`${f.name}=0x${(f.size === 2 ? v & 0xffff : v >>> 0).toString(16)}`);
    } else if (kind === 2 && s.image.sections.length >= 2) {
      // A section moved onto (or just past) another one: overlaps, gaps, disorder.
      const nt = dv.getUint32(0x3c, true);
      const table = nt + 24 + dv.getUint16(nt + 20, true);
      const a = int(rand, s.image.sections.length);
      const b = int(rand, s.image.sections.length);
      const va = dv.getUint32(table + a * 40 + 12, true);
      put(bytes, { offset: table + b * 40 + 12, size: 4 }, (va + pick(rand, [0, 0x10, 0x800, 0x1000])) >>> 0);
      edits.push(`Section[${b}].VirtualAddress=Section[${a}].VirtualAddress+δ`);
    } else {
      const hot = rand() < 0.7 ? Math.min(original.length, Math.max(0x400, s.image.sizeOfHeaders)) : original.length;
      const at = int(rand, hot);
      bytes[at] = rand() < 0.5 ? bytes[at]! ^ (1 << int(rand, 8)) : int(rand, 256);
      edits.push(`byte@0x${at.toString(16)}`);
    }
  }
  if (!forRun && rand() < 0.1) {
    const at = int(rand, bytes.length);
    edits.push(`then truncated at 0x${at.toString(16)}`);
    return { bytes: bytes.slice(0, at), what: edits.join(", ") };
  }
  return { bytes, what: edits.join(", ") };
}

const BOUNDARY = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const boundaryOrRandom = (rand: () => number): number => (rand() < 0.6 ? pick(rand, BOUNDARY) : int(rand, 0x100000000));

/** A mutated copy of a PDB (the ideas of test/pdb/fuzz.test.ts, briefly). */
function mutatePdb(pdb: NonNullable<Sample["pdb"]>, rand: () => number): { bytes: Uint8Array; what: string } {
  const b = pdb.bytes.slice();
  const dv = new DataView(b.buffer);
  switch (int(rand, 6)) {
    case 0: {
      const n = 1 + int(rand, 16);
      for (let i = 0; i < n; i++) b[int(rand, b.length)]! ^= 1 << int(rand, 8);
      return { bytes: b, what: `${n} bit flips` };
    }
    case 1: {
      const at = int(rand, b.length);
      return { bytes: b.slice(0, at), what: `truncated at 0x${at.toString(16)}` };
    }
    case 2: {
      const at = pick(rand, [32, 36, 40, 44, 48, 52]);
      const v = boundaryOrRandom(rand);
      dv.setUint32(at, v >>> 0, true);
      return { bytes: b, what: `superblock+${at}=0x${(v >>> 0).toString(16)}` };
    }
    case 3: {
      const bs = pdb.parsed.pageSize;
      const dirBlock = dv.getUint32(pdb.parsed.msf.superBlock.blockMapAddr * bs, true);
      const at = dirBlock * bs + 4 * int(rand, Math.min(pdb.parsed.msf.superBlock.numDirectoryBytes, bs) / 4);
      const v = boundaryOrRandom(rand);
      if (at + 4 <= b.length) dv.setUint32(at, v >>> 0, true);
      return { bytes: b, what: `directory word @0x${at.toString(16)}=0x${(v >>> 0).toString(16)}` };
    }
    default: {
      // One stream edited (info, DBI, symbol records, a module's symbols), the file laid out again.
      const candidates = [1, 3, pdb.parsed.dbi?.symRecordStream ?? 8, ...pdb.parsed.modules.slice(0, 4).map((m) => m.symbolStream)].filter((i) => pdb.streams[i] != null);
      const index = pick(rand, candidates);
      const streams = [...pdb.streams];
      const s = new Uint8Array(streams[index]!);
      const r = rand();
      let edited: Uint8Array = s;
      if (r < 0.3) edited = s.slice(0, int(rand, s.length + 1));
      else if (r < 0.7 && s.length >= 4) {
        const at = int(rand, Math.min(s.length, 256)) & ~3;
        new DataView(s.buffer).setUint32(Math.min(at, s.length - 4), boundaryOrRandom(rand) >>> 0, true);
      } else for (let i = 0; i < 1 + int(rand, 8); i++) if (s.length > 0) s[int(rand, s.length)]! ^= 1 << int(rand, 8);
      streams[index] = edited;
      return { bytes: writeMsf(streams, pick(rand, [512, 4096]), rand() < 0.5), what: `stream ${index} edited (${r < 0.3 ? "truncated" : r < 0.7 ? "word" : "bit flips"})` };
    }
  }
}

function loadSample(path: string): Sample {
  const bytes = new Uint8Array(readFileSync(join(ROOT, path)));
  const image = parsePe(bytes, path);
  const cv = image.debug.find((d) => d.codeview !== undefined)?.codeview;
  const pdbName = cv?.path.split(/[\\/]/).pop();
  const pdbPath = pdbName !== undefined ? join(ROOT, path, "..", pdbName) : undefined;
  let pdb: Sample["pdb"];
  if (pdbPath !== undefined && existsSync(pdbPath)) {
    const pdbBytes = new Uint8Array(readFileSync(pdbPath));
    const parsed = parsePdb(pdbBytes, pdbPath);
    pdb = { name: pdbName!, bytes: pdbBytes, parsed, streams: parsed.msf.streamSizes.map((_, i) => parsed.msf.stream(i)) };
  }
  return { path, bytes, image, fields: fieldsOf(bytes, image), ...(pdb !== undefined ? { pdb } : {}) };
}

// ------------------------------------------------------------------ what the runs call

/** `--call` specs that complete on the intact samples (samples/expected.json), by image. */
function callsByImage(): Map<string, { call: string; load: string[] }[]> {
  const expected = JSON.parse(readFileSync(join(ROOT, "samples/expected.json"), "utf8")) as { image: string; call?: string; args?: number[]; load?: string[]; allowMissingImports?: boolean; expect?: string }[];
  const out = new Map<string, { call: string; load: string[] }[]>();
  for (const e of expected) {
    if (e.call === undefined || e.expect !== undefined || e.allowMissingImports === true) continue;
    // Small arguments only: a case is about loading, not about running long.
    if ((e.args ?? []).some((a) => a > 25)) continue;
    const spec = `${e.call}${(e.args ?? []).length > 0 ? `:${e.args!.join(",")}` : ""}`;
    const list = out.get(e.image) ?? [];
    list.push({ call: spec, load: e.load ?? [] });
    out.set(e.image, list);
  }
  return out;
}

/** EXEs that start quickly and never read their standard input. */
const RUN_EXES = ["samples/programs/hello.exe", "samples/programs/exitcode.exe", "samples/programs/ucrt.exe", "samples/threads/threads.exe"];

// ------------------------------------------------------------------ the suite

/**
 * Where the cases' files go: memory when the machine has it (rewriting a file on ext4 flushes
 * it to disk: ~3 ms a case, a third of the suite's time), else the temporary directory.
 */
const work = mkdtempSync(join(isWritableDir("/dev/shm") ? "/dev/shm" : tmpdir(), "ntrace-fuzz-images-"));
function isWritableDir(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
const watchdog = new Watchdog();
const samples = sampleImages().map(loadSample);
const byPath = new Map(samples.map((s) => [s.path, s]));
const wineAvailable = ((): boolean => {
  try {
    locateSystemDlls();
    return true;
  } catch {
    return false;
  }
})();

/** Directories whose intact PDB is written already (a program's PDB is 200 KB: write it once). */
const pdbWritten = new Set<string>();
/**
 * Writes a case's image into `dir` (under the work directory), with the sample's PDB next to it
 * — or a mutated one, `pdb`. Returns the image's path.
 */
function stage(s: Sample, dir: string, image: Uint8Array | undefined, pdb?: Uint8Array): string {
  const at = join(work, dir);
  mkdirSync(at, { recursive: true });
  const file = join(at, basename(s.path));
  if (image !== undefined || !existsSync(file)) writeFileSync(file, image ?? s.bytes);
  if (s.pdb !== undefined && (pdb !== undefined || !pdbWritten.has(at))) {
    writeFileSync(join(at, s.pdb.name), pdb ?? s.pdb.bytes);
    if (pdb === undefined) pdbWritten.add(at);
    else pdbWritten.delete(at);
  }
  return file;
}

/** A sample with u32 fields overwritten (offsets from the intact headers), staged under replay/. */
function variant(path: string, dir: string, edits: (h: { oh: number; section: (i: number, field: number) => number; at: (dir: number) => number }) => [number, number][], truncate?: number): string {
  const s = byPath.get(path)!;
  const v = new DataView(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength);
  const nt = v.getUint32(0x3c, true);
  const oh = nt + 24;
  const table = oh + v.getUint16(nt + 20, true);
  const h = { oh, section: (i: number, field: number) => table + 40 * i + field, at: (d: number) => rvaToFileOffset(s.image, s.image.dataDirectories[d]!.rva)! };
  const bytes = s.bytes.slice();
  for (const [offset, value] of edits(h)) new DataView(bytes.buffer).setUint32(offset, value >>> 0, true);
  return stage(s, `replay/${dir}`, truncate !== undefined ? bytes.slice(0, truncate) : bytes);
}

interface Tally {
  cases: number;
  byCode: Map<number, number>;
  failures: string[];
  slowest: number;
}
const tally = (): Tally => ({ cases: 0, byCode: new Map(), failures: [], slowest: 0 });
/** Cases run in this file (the last test checks there were at least 10,000). */
let executed = 0;

/**
 * Runs one case and checks the outcome; failures are collected with the seed and case.
 * `prepare` writes the case's files and gives the command line: called only when the case
 * runs, so replaying one case (NTRACE_FUZZ_CASE) leaves exactly its files behind.
 */
async function check(t: Tally, label: string, prepare: () => readonly string[], bound: number, parseLevel: boolean): Promise<Outcome> {
  if (ONLY !== undefined && !label.startsWith(`${ONLY} `)) return { code: 0, stdout: "", stderr: "", ms: 0 };
  const args = prepare();
  const description = `seed 0x${SEED.toString(16)} ${label}: ntrace ${args.join(" ")}`;
  if (ONLY !== undefined) console.log(description);
  watchdog.begin(description);
  let o: Outcome;
  try {
    o = await cli(args);
  } catch (err) {
    // main() itself never throws: runCli turns every error into an exit status.
    watchdog.end();
    t.failures.push(`${description}: main() threw ${String(err)}`);
    return { code: -1, stdout: "", stderr: "", ms: 0 };
  }
  watchdog.end();
  t.cases++;
  executed++;
  t.byCode.set(o.code, (t.byCode.get(o.code) ?? 0) + 1);
  t.slowest = Math.max(t.slowest, o.ms);
  const problems: string[] = [];
  if (o.code === 70) problems.push("exit code 70 (internal error)");
  for (const re of FORBIDDEN) if (re.test(o.stderr)) problems.push(`stderr matches ${re}`);
  if (o.ms > bound) problems.push(`took ${o.ms.toFixed(0)} ms (bound ${bound} ms)`);
  if (parseLevel) {
    if (o.code !== 0 && o.code !== 1) problems.push(`exit code ${o.code} (expected 0 or 1)`);
    // A failing parse-level command says why in one line.
    if (o.code === 1 && !/^ntrace: [^\n]+\n$/.test(o.stderr.replace(/^ntrace: warning: [^\n]*\n/gm, ""))) problems.push("not one clear error line");
  }
  if (VERBOSE && !parseLevel) console.log(`${label} -> exit ${o.code}, ${o.ms.toFixed(0)} ms: ${o.stderr.split("\n").find((l) => !l.startsWith("ntrace:   ")) ?? ""}`);
  if (problems.length > 0) t.failures.push(`${description}: ${problems.join("; ")}\n${o.stderr.slice(0, 2000)}`);
  return o;
}

function report(name: string, t: Tally): void {
  if (process.env["NTRACE_FUZZ_STATS"] !== undefined) {
    console.log(`${name}: ${t.cases} cases, exit codes ${JSON.stringify(Object.fromEntries([...t.byCode].sort((a, b) => a[0] - b[0])))}, slowest ${t.slowest.toFixed(0)} ms`);
  }
}

beforeAll(() => {
  expect(samples.length).toBeGreaterThanOrEqual(20);
});
afterAll(async () => {
  await watchdog.stop();
  if (ONLY === undefined) rmSync(work, { recursive: true, force: true });
});

describe("fuzz: images and PDBs through the CLI", () => {
  it(`${IMAGE_CASES} mutated images: info and functions`, async () => {
    const rand = prng(SEED);
    const t = tally();
    const info = [["info"], ["info", "--json"]] as const;
    const all = [...info, ["functions"], ["functions", "--json"]] as const;
    for (let n = 0; n < IMAGE_CASES; n++) {
      const s = pick(rand, samples);
      const { bytes, what } = mutateImage(s, rand, false);
      // `functions` follows every function's code: on the large programs it costs ~10 ms, so
      // most of their cases are `info`.
      const [command, ...options] = pick(rand, s.bytes.length > 40_000 && rand() < 0.7 ? info : all);
      await check(t, `image case ${n} (${s.path}: ${what})`, () => [command, stage(s, `parse/${basename(s.path)}`, bytes), ...options], PARSE_BOUND_MS, true);
    }
    report("images", t);
    expect(t.failures.slice(0, 10)).toEqual([]);
    // Both outcomes occur in quantity: the mutations get past the first header check.
    if (ONLY === undefined) expect(t.byCode.get(0) ?? 0).toBeGreaterThan(IMAGE_CASES / 10);
    if (ONLY === undefined) expect(t.byCode.get(1) ?? 0).toBeGreaterThan(IMAGE_CASES / 10);
  }, PART_TIMEOUT_MS);

  it(`${PDB_CASES} mutated PDBs: symbols, and functions of the image next to them`, async () => {
    const rand = prng(SEED ^ 0x9db);
    const t = tally();
    const withPdb = samples.filter((s) => s.pdb !== undefined);
    // The large program PDBs cost milliseconds each: most cases use the smaller ones.
    const small = withPdb.filter((s) => s.pdb!.bytes.length <= 100_000);
    for (let n = 0; n < PDB_CASES; n++) {
      const s = pick(rand, rand() < 0.85 ? small : withPdb);
      const { bytes, what } = mutatePdb(s.pdb!, rand);
      const dir = `pdb/${basename(s.path)}`;
      const [command, ...options] = pick(rand, [["symbols"], ["symbols", "--json"], ["functions"], ["functions", "--json"]]);
      const prepare = (): string[] => {
        const file = stage(s, dir, undefined, bytes);
        return [command!, command === "symbols" ? join(work, dir, s.pdb!.name) : file, ...options];
      };
      await check(t, `pdb case ${n} (${s.pdb!.name}: ${what})`, prepare, PARSE_BOUND_MS, true);
    }
    report("pdbs", t);
    expect(t.failures.slice(0, 10)).toEqual([]);
    if (ONLY === undefined) expect(t.byCode.get(0) ?? 0).toBeGreaterThan(PDB_CASES / 10);
    if (ONLY === undefined) expect(t.byCode.get(1) ?? 0).toBeGreaterThan(PDB_CASES / 20);
  }, PART_TIMEOUT_MS);

  it(`${DRIVER_RUNS} mutated drivers run (kernel mode)`, async () => {
    const rand = prng(SEED ^ 0x575);
    const t = tally();
    const drivers = samples.filter((s) => s.path.endsWith(".sys"));
    for (let n = 0; n < DRIVER_RUNS; n++) {
      const s = pick(rand, drivers);
      const { bytes, what } = mutateImage(s, rand, true);
      const caseId = `sys${n}`;
      const traced = rand() < 0.5;
      const irps = rand() < 0.3 ? ["--irp", "create", "--irp", "close"] : [];
      const prepare = (): string[] => {
        const file = stage(s, caseId, bytes);
        // The nts_* drivers import from each other: their intact partners sit next to them.
        if (s.path.includes("/drivers/")) for (const p of drivers.filter((d) => d.path.includes("/drivers/") && d !== s)) copyFileSync(join(ROOT, p.path), join(work, caseId, basename(p.path)));
        return ["run", file, "--max-instructions", "200000", "--timeout", "3000", ...(traced ? ["-o", join(work, caseId, "t.ntrace")] : ["--no-trace"]), ...irps];
      };
      await check(t, `driver case ${n} (${s.path}: ${what})`, prepare, RUN_BOUND_MS, false);
    }
    report("drivers", t);
    expect(t.failures.slice(0, 10)).toEqual([]);
  }, PART_TIMEOUT_MS);

  it.skipIf(!wineAvailable)(`${DLL_RUNS} mutated DLLs called (--call, --load)`, async () => {
    const rand = prng(SEED ^ 0xd11);
    const t = tally();
    const calls = callsByImage();
    const dlls = samples.filter((s) => calls.has(s.path));
    for (let n = 0; n < DLL_RUNS; n++) {
      const s = pick(rand, dlls);
      const { call, load } = pick(rand, calls.get(s.path)!);
      const caseId = `dll${n}`;
      const traced = rand() < 0.5;
      const limits = ["--max-instructions", "3000000", "--timeout", "5000", ...(traced ? ["-o", join(work, caseId, "t.ntrace")] : ["--no-trace"])];
      // Without the import check before the run, the loader's own checks are all there is.
      const lax = rand() < 0.2 ? ["--allow-missing-imports"] : [];
      if (traced && s.pdb !== undefined && rand() < 0.2) {
        // The intact DLL and a mutated PDB: the tracer discovers functions from it.
        const { bytes, what } = mutatePdb(s.pdb, rand);
        await check(t, `dll case ${n} (${s.pdb.name}: ${what})`, () => ["run", stage(s, caseId, s.bytes, bytes), "--call", call, ...load.flatMap((l) => ["--load", join(ROOT, l)]), ...limits], RUN_BOUND_MS, false);
        continue;
      }
      // Sometimes the mutated image is the --load DLL and the intact one is called.
      const mutateLoad = load.length > 0 && rand() < 0.5;
      const target = mutateLoad ? byPath.get(load[0]!)! : s;
      const { bytes, what } = mutateImage(target, rand, true);
      const prepare = (): string[] => {
        const mutated = stage(target, caseId, bytes);
        const file = mutateLoad ? join(ROOT, s.path) : mutated;
        const loads = load.map((l) => (mutateLoad && l === load[0] ? mutated : join(ROOT, l)));
        return ["run", file, "--call", call, ...loads.flatMap((l) => ["--load", l]), ...limits, ...lax];
      };
      await check(t, `dll case ${n} (${target.path}: ${what})`, prepare, RUN_BOUND_MS, false);
    }
    report("dlls", t);
    expect(t.failures.slice(0, 10)).toEqual([]);
  }, PART_TIMEOUT_MS);

  it.skipIf(!wineAvailable)(`${EXE_RUNS} mutated EXEs run`, async () => {
    const rand = prng(SEED ^ 0xe8e);
    const t = tally();
    for (let n = 0; n < EXE_RUNS; n++) {
      const s = byPath.get(pick(rand, RUN_EXES))!;
      const { bytes, what } = mutateImage(s, rand, true);
      const caseId = `exe${n}`;
      const traced = rand() < 0.5;
      const lax = rand() < 0.2 ? ["--allow-missing-imports"] : [];
      const prepare = (): string[] => ["run", stage(s, caseId, bytes), "--max-instructions", "1500000", "--timeout", "5000", ...(traced ? ["-o", join(work, caseId, "t.ntrace")] : ["--no-trace"]), ...lax];
      await check(t, `exe case ${n} (${s.path}: ${what})`, prepare, RUN_BOUND_MS, false);
    }
    report("exes", t);
    expect(t.failures.slice(0, 10)).toEqual([]);
  }, PART_TIMEOUT_MS);

  describe("defects the fuzzer found, replayed", () => {
    it("functions of an image claiming a 2 GiB code section: quick (it read and followed 2 GiB of zero fill)", async () => {
      const t = tally();
      const file = variant("samples/fib/fib.dll", "bigtext", (h) => [[h.section(0, 8), 0x7fffffff]]);
      const o = await check(t, "replay big .text", () => ["functions", file], 2_000, true);
      expect(t.failures).toEqual([]);
      // Listing reads the file (the loader would refuse the layout). The claimed .text covers
      // the other sections, so the directories read as its zero fill: the entry point is left.
      expect(o.code).toBe(0);
      expect(o.stdout).toMatch(/^0x000010d0 .* entry\n1 functions/m);
    });

    it("functions of a truncated image with a 256 MiB code section: no RangeError (an allocation of the claimed size)", async () => {
      const t = tally();
      const file = variant("samples/forwarders/multiname.dll", "truncated", (h) => [[h.section(0, 8), 0x10000000]], 0x31a);
      await check(t, "replay truncated", () => ["functions", file, "--json"], 2_000, true);
      expect(t.failures).toEqual([]);
    });

    it("a driver whose import address table lies outside its sections: the FormatError, not uc_mem_write", async () => {
      const t = tally();
      const file = variant("samples/kernel/kfunc.sys", "iat", (h) => [[h.at(1) + 16, 0x4000]]);
      const o = await check(t, "replay IAT", () => ["run", file, "--no-trace"], RUN_BOUND_MS, false);
      expect(t.failures).toEqual([]);
      expect(o.code).toBe(125);
      expect(o.stderr).toMatch(/^ntrace: PE32: IMAGE_IMPORT_DESCRIPTOR\[0\]\.FirstThunk at .*kfunc\.sys, offset 0x[0-9a-f]+: import address table of ntoskrnl\.exe .* is not inside a section of the image\n$/);
    });

    it.skipIf(!wineAvailable)("a traced DLL with a 256 MiB SizeOfImage: refused (reading it back aborted the emulator)", async () => {
      const t = tally();
      const file = variant("samples/fib/fib.dll", "soi", (h) => [[h.oh + 56, 0x10000000]]);
      const o = await check(t, "replay SizeOfImage", () => ["run", file, "--call", "Run:4", "-o", join(work, "replay/soi/t.ntrace")], RUN_BOUND_MS, false);
      expect(t.failures).toEqual([]);
      expect(o.stderr).toMatch(/^ntrace: PE32: IMAGE_OPTIONAL_HEADER\.SizeOfImage at .*fib\.dll, offset 0x[0-9a-f]+: 0x10000000 is not an image size ntrace maps/);
    });
  });

  it("the built CLI gives the same answers as main(argv) in-process", async () => {
    const cliPath = join(ROOT, "dist/bin/ntrace.js");
    expect(existsSync(cliPath), "npm run build first").toBe(true);
    const rand = prng(SEED ^ 0xc11);
    const t = tally();
    const fib = byPath.get("samples/fib/fib.dll")!;
    const driver = byPath.get("samples/kernel/kfunc.sys")!;
    const cases: string[][] = [];
    for (let n = 0; n < 4; n++) {
      const s = n < 2 ? fib : driver;
      const { bytes } = mutateImage(s, rand, n % 2 === 1);
      const file = stage(s, `spawn${n}`, bytes);
      cases.push(n % 2 === 0 ? ["info", file] : ["run", file, "--no-trace", "--max-instructions", "200000", ...(s === fib ? ["--call", "Run:4"] : [])]);
    }
    // And a refusal: the loader's FormatError, printed the same way by both.
    cases.push(["run", variant("samples/kernel/kfunc.sys", "spawn-iat", (h) => [[h.at(1) + 16, 0x4000]]), "--no-trace"]);
    for (const args of cases) {
      if (!wineAvailable && args.includes("--call")) continue;
      const inProcess = await check(t, `spawn case ${cases.indexOf(args)}`, () => args, RUN_BOUND_MS, false);
      const spawned = spawnSync(process.execPath, [cliPath, ...args], { encoding: "utf8" });
      expect({ code: spawned.status, stderr: spawned.stderr, stdout: spawned.stdout }, args.join(" ")).toEqual({ code: inProcess.code, stderr: inProcess.stderr, stdout: inProcess.stdout });
    }
    expect(t.failures).toEqual([]);
  });

  it.skipIf(ONLY !== undefined || SCALE < 1)("ran at least 10,000 cases", () => {
    expect(executed).toBeGreaterThanOrEqual(10_000);
  });
});
