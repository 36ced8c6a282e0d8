/**
 * Must-show 4: seeded mutation fuzzing of every sample image. Every outcome is a parse result
 * or the project's own FormatError (UnsupportedFormatError is one) naming a structure and an
 * offset — never a RangeError, TypeError or a hang. At least 20,000 cases in all.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { FormatError } from "../../base/index.js";
import { buildDebugBlock, parseDebugBlock, parsePe, peInfo, readRva, rvaToFileOffset, type PeImage } from "../../pe/index.js";
import { ROOT, sampleImages } from "./samples.js";
import { buildSyntheticDll } from "./synthetic.js";
import { prng as mulberry32 } from "../support/prng.js";


const TOTAL_CASES = 21_000;
const SYNTHETIC = "synthetic (test/pe/synthetic.ts)";
/** The samples plus the hand-laid-out DLL, which has imports by ordinal and NB10 CodeView. */
const images = [...sampleImages(), SYNTHETIC];
const load = (path: string): Uint8Array => (path === SYNTHETIC ? buildSyntheticDll() : new Uint8Array(readFileSync(join(ROOT, path))));
const casesPerImage = Math.ceil(TOTAL_CASES / Math.max(1, images.length));

/** File offsets of the header and directory fields worth overwriting, from the intact image. */
function interestingFields(bytes: Uint8Array, img: PeImage): { offset: number; size: 2 | 4 }[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nt = dv.getUint32(0x3c, true);
  const oh = nt + 24;
  const f: { offset: number; size: 2 | 4 }[] = [
    { offset: 0x3c, size: 4 }, // e_lfanew
    { offset: nt + 6, size: 2 }, // NumberOfSections
    { offset: nt + 12, size: 4 }, // PointerToSymbolTable
    { offset: nt + 16, size: 4 }, // NumberOfSymbols
    { offset: nt + 20, size: 2 }, // SizeOfOptionalHeader
    { offset: oh, size: 2 }, // Magic
    { offset: oh + 60, size: 4 }, // SizeOfHeaders
    { offset: oh + 92, size: 4 }, // NumberOfRvaAndSizes
  ];
  for (let i = 0; i < 16; i++) f.push({ offset: oh + 96 + i * 8, size: 4 }, { offset: oh + 100 + i * 8, size: 4 });
  const sectionTable = oh + dv.getUint16(nt + 20, true);
  img.sections.forEach((_, i) => {
    for (const o of [8, 12, 16, 20, 36]) f.push({ offset: sectionTable + i * 40 + o, size: 4 });
  });
  const dirAt = (index: number): number | null => {
    const d = img.dataDirectories[index];
    return d === undefined || d.rva === 0 ? null : rvaToFileOffset(img, d.rva);
  };
  const exp = dirAt(0);
  if (exp !== null) for (let o = 12; o < 40; o += 4) f.push({ offset: exp + o, size: 4 });
  const imp = dirAt(1);
  if (imp !== null) for (let o = 0; o < 20 * Math.min(3, img.imports.length + 1); o += 4) f.push({ offset: imp + o, size: 4 });
  const dbg = dirAt(6);
  if (dbg !== null) for (let o = 0; o < 28 * img.debug.length; o += 4) f.push({ offset: dbg + o, size: 4 });
  const rel = dirAt(5);
  if (rel !== null) f.push({ offset: rel, size: 4 }, { offset: rel + 4, size: 4 });
  return f.filter((x) => x.offset + x.size <= bytes.length);
}

function randomValue(rand: () => number, fileLength: number): number {
  const pick = Math.floor(rand() * 8);
  switch (pick) {
    case 0: return 0;
    case 1: return 0xffffffff;
    case 2: return 0x7fffffff + Math.floor(rand() * 4);
    case 3: return Math.floor(rand() * 64);
    case 4: return Math.floor(rand() * fileLength * 2);
    case 5: return Math.floor(rand() * 0x10000);
    case 6: return fileLength - Math.floor(rand() * 16);
    default: return Math.floor(rand() * 0x100000000);
  }
}

function mutate(original: Uint8Array, img: PeImage, fields: { offset: number; size: 2 | 4 }[], rand: () => number): { bytes: Uint8Array; what: string } {
  const kind = Math.floor(rand() * 4);
  if (kind === 0) {
    const at = Math.floor(rand() * original.length);
    return { bytes: original.slice(0, at), what: `truncate at 0x${at.toString(16)}` };
  }
  const bytes = original.slice();
  const dv = new DataView(bytes.buffer);
  const edits: string[] = [];
  const n = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < n; i++) {
    if (kind === 1 && fields.length > 0) {
      const f = fields[Math.floor(rand() * fields.length)]!;
      const v = randomValue(rand, original.length);
      if (f.size === 2) dv.setUint16(f.offset, v & 0xffff, true);
      else dv.setUint32(f.offset, v >>> 0, true);
      edits.push(`field@0x${f.offset.toString(16)}=0x${(v >>> 0).toString(16)}`);
    } else {
      // Byte flips, mostly in the headers and directories where the structure is.
      const hot = rand() < 0.6 ? Math.min(original.length, Math.max(0x400, img.sizeOfHeaders)) : original.length;
      const at = Math.floor(rand() * hot);
      bytes[at] = kind === 2 ? bytes[at]! ^ (1 << Math.floor(rand() * 8)) : Math.floor(rand() * 256);
      edits.push(`byte@0x${at.toString(16)}`);
    }
  }
  if (rand() < 0.15) {
    const at = Math.floor(rand() * bytes.length);
    edits.push(`then truncate at 0x${at.toString(16)}`);
    return { bytes: bytes.slice(0, at), what: edits.join(" ") };
  }
  return { bytes, what: edits.join(" ") };
}

/** Runs everything a consumer would on a parsed image. */
function exercise(img: PeImage): void {
  const back = parseDebugBlock(buildDebugBlock(img.debug));
  if (back.length !== img.debug.length) throw new Error("debug block round trip lost entries");
  peInfo(img);
  for (const s of img.sections) {
    const size = s.virtualSize || s.rawSize;
    if (size <= 1 << 20) readRva(img, s.rva, size);
  }
}

describe("fuzz: mutated and truncated samples", () => {
  it(`runs at least ${TOTAL_CASES} cases over ${images.length} samples`, () => {
    expect(images.length).toBeGreaterThanOrEqual(5);
    expect(casesPerImage * images.length).toBeGreaterThanOrEqual(20_000);
  });

  it.each(images)("%s", (path) => {
    const original = load(path);
    const img = parsePe(original);
    const fields = interestingFields(original, img);
    const seed = [...basename(path)].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0, 0x811c9dc5);
    const rand = mulberry32(seed);
    const outcomes = { parsed: 0, formatError: 0 };
    const structures = new Set<string>();
    const started = Date.now();
    for (let i = 0; i < casesPerImage; i++) {
      const { bytes, what } = mutate(original, img, fields, rand);
      let parsed: PeImage | undefined;
      try {
        parsed = parsePe(bytes, path);
        outcomes.parsed++;
      } catch (e) {
        if (!(e instanceof FormatError)) throw new Error(`${path} case ${i} (${what}): parsePe threw ${String(e)}`, { cause: e });
        if (e.location.structure === "" || !Number.isInteger(e.location.offset) || e.location.offset < 0 || e.location.file !== path) {
          throw new Error(`${path} case ${i} (${what}): FormatError without a usable location: ${e.message}`, { cause: e });
        }
        outcomes.formatError++;
        structures.add(e.location.structure.replace(/\[\d+\]/g, "[]"));
      }
      if (parsed !== undefined) {
        try {
          exercise(parsed);
        } catch (e) {
          if (!(e instanceof FormatError) || e.location.structure === "") throw new Error(`${path} case ${i} (${what}): using the parsed image threw ${String(e)}`, { cause: e });
        }
      }
    }
    if (process.env.NTRACE_FUZZ_STATS) console.log(path, outcomes, [...structures].sort().join(" "));
    // Both outcomes occur: the mutations reach past the first header check.
    expect(outcomes.parsed).toBeGreaterThan(casesPerImage / 20);
    expect(outcomes.formatError).toBeGreaterThan(casesPerImage / 20);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe("fuzz: mutated debug-directory blocks", () => {
  it.each(images)("%s", (path) => {
    const block = buildDebugBlock(parsePe(load(path)).debug);
    if (block.length === 0) return;
    const rand = mulberry32(block.length * 7919);
    for (let i = 0; i < 500; i++) {
      const bad = rand() < 0.3 ? block.slice(0, Math.floor(rand() * block.length)) : block.slice();
      for (let k = 0; k < 3; k++) if (bad.length > 0) bad[Math.floor(rand() * bad.length)] = Math.floor(rand() * 256);
      try {
        parseDebugBlock(bad);
      } catch (e) {
        if (!(e instanceof FormatError) || e.location.structure === "") throw new Error(`${path} block case ${i}: ${String(e)}`, { cause: e });
      }
    }
  });
});
