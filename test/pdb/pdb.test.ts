/**
 * The PDB reader against llvm-pdbutil (committed golden dumps), its lookup rule, the
 * `ntrace symbols` command, and page sizes (a lld-built 8192-byte-page fixture plus sample
 * PDBs re-laid out in the test with 512- and 65536-byte blocks, interleaved).
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { parsePdb, MsfFile, type PdbFile } from "../../pe/pdb/index.js";
import { parsePdbutilGolden } from "./pdbutil-golden.js";
import { writeMsf } from "./msf-writer.js";

const ROOT = join(import.meta.dirname, "..", "..");
const GOLDEN = join(ROOT, "test", "golden", "pdb");

function findPdbs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) return findPdbs(p);
    return e.toLowerCase().endsWith(".pdb") ? [p] : [];
  });
}

const samplePdbs = findPdbs(join(ROOT, "samples"));
const fixturePdbs = findPdbs(join(ROOT, "test", "fixtures", "pdb"));
const allPdbs = [...samplePdbs, ...fixturePdbs].sort();
const rel = (p: string) => p.slice(ROOT.length + 1);
const goldenPath = (pdb: string) => join(GOLDEN, basename(pdb, ".pdb") + ".pdbutil.txt");
const load = (pdb: string) => parsePdb(readFileSync(pdb), rel(pdb));
const golden = (pdb: string) => parsePdbutilGolden(readFileSync(goldenPath(pdb), "utf8"));

describe("sample PDBs", () => {
  it("exist, each with an llvm-pdbutil golden file", () => {
    expect(samplePdbs.map(rel)).toContain("samples/fib/fib.pdb");
    const missing = allPdbs.filter((p) => !existsSync(goldenPath(p))).map(rel);
    expect(missing, "run test/golden/pdb/regenerate.sh").toEqual([]);
  });
});

// PDBs without a golden file fail the test above; compare the others.
const withGolden = allPdbs.filter((p) => existsSync(goldenPath(p)));

describe.each(withGolden.map((p) => [rel(p), p]))("%s agrees with llvm-pdbutil", (_name, path) => {
  const pdb = load(path);
  const g = golden(path);

  it("summary: GUID, age, signature, page size", () => {
    expect(pdb.guid).toBe(g.summary.guid);
    expect(pdb.infoAge).toBe(g.summary.age);
    expect(pdb.signature).toBe(g.summary.signature);
    expect(pdb.pageSize).toBe(g.summary.blockSize);
  });

  it("section headers", () => {
    // llvm-pdbutil prints an 8-character name without its terminator and runs into the
    // next field; compare the first 8 characters.
    expect(pdb.sectionHeaders.map((s) => ({ ...s, name: s.name.slice(0, 8) }))).toEqual(g.sections.map((s) => ({ ...s, name: s.name.slice(0, 8) })));
  });

  it("every S_PUB32: name, flags, segment:offset (and RVA through the section headers)", () => {
    const ours = pdb.publics.map((p) => ({ recordOffset: p.recordOffset, name: p.name, flags: p.flags, segment: p.section, offset: p.offset }));
    const byOffset = (a: { recordOffset?: number }, b: { recordOffset?: number }) => a.recordOffset! - b.recordOffset!;
    expect(ours.sort(byOffset)).toEqual([...g.publics].sort(byOffset));
    for (const p of pdb.publics) expect(p.rva).toBe(g.sections[p.section - 1]!.virtualAddress + p.offset);
    expect(pdb.publics.every((p) => p.isFunction === ((p.flags & 3) !== 0))).toBe(true);
  });

  it("every S_*PROC32*: name, kind, segment:offset, code size", () => {
    const ours = pdb.procedures.map((p) => ({ moduleIndex: p.moduleIndex, recordOffset: p.recordOffset, kind: p.kind, name: p.name, segment: p.section, offset: p.offset, codeSize: p.size }));
    expect(ours).toEqual(g.procedures);
    for (const p of pdb.procedures) expect(p.rva).toBe(g.sections[p.section - 1]!.virtualAddress + p.offset);
  });

  it("section contributions", () => {
    expect(g.contributions.length).toBeGreaterThan(0);
    expect(pdb.sectionContributions.map(({ moduleIndex, section, offset, size }) => ({ moduleIndex, section, offset, size }))).toEqual(g.contributions);
  });

  it("modules", () => {
    expect(new Map(pdb.modules.map((m) => [m.index, m.name]))).toEqual(g.modules);
  });

  it("lookup(rva) at start, middle, end-1 and one past the end of every procedure", () => {
    for (const p of pdb.procedures) {
      const start = p.rva!;
      for (const at of [start, start + (p.size >> 1), start + p.size - 1]) {
        expect(pdb.lookup(at), `${p.name} + ${at - start}`).toEqual({ name: p.name, rva: start, offset: at - start, size: p.size, source: "procedure" });
      }
      const past = pdb.lookup(start + p.size);
      const next = pdb.procedures.find((q) => q.rva === start + p.size && q.size > 0);
      if (next) expect(past?.name).toBe(next.name);
      else if (past !== null) {
        // Padding after a function: only a public (nearest preceding) can claim it.
        expect(past.source).toBe("public");
        expect(past.offset).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it("lookup(rva) falls back to the nearest preceding function public", () => {
    const procStarts = new Set(pdb.procedures.map((p) => p.rva));
    for (const pub of pdb.publics.filter((p) => p.isFunction && !procStarts.has(p.rva))) {
      const hit = pdb.lookup(pub.rva! + 1);
      if (pdb.procedures.some((p) => p.rva! <= pub.rva! + 1 && pub.rva! + 1 < p.rva! + p.size)) continue;
      expect(hit).toMatchObject({ rva: pub.rva, offset: 1, source: "public" });
    }
  });

  it("lookup(rva) is null before the first symbol and outside every section", () => {
    const first = Math.min(...[...pdb.procedures, ...pdb.publics.filter((p) => p.isFunction)].map((p) => p.rva!));
    expect(pdb.lookup(first - 1)).toBeNull();
    expect(pdb.lookup(0)).toBeNull();
    const end = Math.max(...pdb.sectionHeaders.map((s) => s.virtualAddress + s.virtualSize));
    expect(pdb.lookup(end)).toBeNull();
    expect(pdb.lookup(0xfffffff0)).toBeNull();
  });
});

describe("known function tables", () => {
  it("fib.pdb: procedures as written down in samples/fib/README.md", () => {
    const fns = load(join(ROOT, "samples/fib/fib.pdb")).functions().map((f) => [f.name, f.rva, f.size, f.source]);
    expect(fns).toEqual([
      ["leaf", 0x1010, 11, "procedure"],
      ["fib", 0x1020, 55, "procedure"],
      ["deep", 0x1060, 39, "procedure"],
      ["Run", 0x1090, 15, "procedure"],
      ["Deep", 0x10b0, 15, "procedure"],
      ["DllMain", 0x10d0, 8, "procedure"],
    ]);
  });

  it("fib_msvc.pdb (GNU ld, publics only): functions come from publics without sizes", () => {
    const pdb = load(join(ROOT, "samples/fib/fib_msvc.pdb"));
    expect(pdb.procedures).toEqual([]);
    const fns = pdb.functions();
    expect(fns.every((f) => f.source === "public" && f.size === undefined)).toBe(true);
    expect(fns.map((f) => f.name)).toContain("_fib");
    const fib = fns.find((f) => f.name === "_fib")!;
    expect(pdb.lookup(fib.rva + 5)).toEqual({ name: "_fib", rva: fib.rva, offset: 5, source: "public" });
  });
});

describe("procedure record kinds", () => {
  const kindsPath = join(ROOT, "test/fixtures/pdb/kinds.pdb");

  it("kinds.pdb: a static function is S_LPROC32, the others S_GPROC32", () => {
    const kinds = Object.fromEntries(load(kindsPath).procedures.map((p) => [p.name, p.kind]));
    expect(kinds).toEqual({ global_add: "S_GPROC32", local_twice: "S_LPROC32", Entry: "S_GPROC32", DllMain: "S_GPROC32" });
  });

  it("S_GPROC32_ID / S_LPROC32_ID records read like their non-ID forms", () => {
    const pdb = load(kindsPath);
    const streams = streamsOf(pdb.msf).map((s) => (s === null ? null : new Uint8Array(s)));
    const toId: Record<string, number> = { S_GPROC32: 0x1147, S_LPROC32: 0x1146 };
    for (const p of pdb.procedures) {
      const stream = streams[pdb.modules[p.moduleIndex]!.symbolStream]!;
      new DataView(stream.buffer).setUint16(p.recordOffset! + 2, toId[p.kind]!, true);
    }
    const again = parsePdb(writeMsf(streams, 4096, true));
    expect(again.procedures.map((p) => p.kind)).toEqual(pdb.procedures.map((p) => (p.kind === "S_GPROC32" ? "S_GPROC32_ID" : "S_LPROC32_ID")));
    expect(again.procedures.map(({ kind: _k, ...rest }) => rest)).toEqual(pdb.procedures.map(({ kind: _k, ...rest }) => rest));
  });
});

describe("ntrace symbols", () => {
  it("--json on fib.pdb agrees with llvm-pdbutil", () => {
    const pdbPath = join(ROOT, "samples/fib/fib.pdb");
    const out = execFileSync(process.execPath, [join(ROOT, "dist/bin/ntrace.js"), "symbols", "samples/fib/fib.pdb", "--json"], { cwd: ROOT, encoding: "utf8" });
    const json = JSON.parse(out) as {
      kind: string;
      guid: string;
      age: number;
      pageSize: number;
      modules: { name: string; objectName: string }[];
      functions: { name: string; rva: number; size?: number; source: string; kind?: string }[];
      publics: { name: string; rva?: number; section: number; offset: number; isFunction: boolean }[];
    };
    const g = golden(pdbPath);
    expect(json.kind).toBe("pdb");
    expect(json.guid).toBe(g.summary.guid);
    expect(json.age).toBe(g.summary.age);
    expect(json.pageSize).toBe(g.summary.blockSize);
    expect(json.modules.map((m) => m.name)).toEqual([...g.modules.values()]);
    const procs = json.functions.filter((f) => f.source === "procedure");
    expect(procs.map((f) => ({ name: f.name, rva: f.rva, size: f.size, kind: f.kind })).sort((a, b) => a.rva - b.rva)).toEqual(
      g.procedures.map((p) => ({ name: p.name, rva: g.sections[p.segment - 1]!.virtualAddress + p.offset, size: p.codeSize, kind: p.kind })).sort((a, b) => a.rva - b.rva),
    );
    expect(json.publics.map((p) => [p.name, p.section, p.offset]).sort()).toEqual(g.publics.map((p) => [p.name, p.segment, p.offset]).sort());
  });

  it("prints a one-line error for a file that is not a PDB", () => {
    let stderr = "";
    let status = 0;
    try {
      execFileSync(process.execPath, [join(ROOT, "dist/bin/ntrace.js"), "symbols", "samples/fib/fib.c"], { cwd: ROOT, encoding: "utf8", stdio: "pipe" });
    } catch (err) {
      const e = err as { stderr: string; status: number };
      stderr = e.stderr;
      status = e.status;
    }
    expect(status).toBe(1);
    expect(stderr.trim()).toBe("ntrace: PDB: MSF superblock.Magic at samples/fib/fib.c, offset 0x0: not a PDB (MSF 7.00) file");
  });
});

/** Everything a parse yields, minus the container. */
function content(pdb: PdbFile): unknown {
  return {
    guid: pdb.guid,
    age: pdb.age,
    infoAge: pdb.infoAge,
    signature: pdb.signature,
    modules: pdb.modules,
    sectionContributions: pdb.sectionContributions,
    sectionHeaders: pdb.sectionHeaders,
    publics: pdb.publics,
    procedures: pdb.procedures,
    functions: pdb.functions(),
    namedStreams: [...pdb.info.namedStreams],
  };
}

function streamsOf(msf: MsfFile): (Uint8Array | null)[] {
  return msf.streamSizes.map((_, i) => msf.stream(i));
}

describe("page sizes", () => {
  it("reads lld's /pdbpagesize:8192 fixture: same functions as fib.pdb", () => {
    const big = load(join(ROOT, "test/fixtures/pdb/fib_pagesize8192.pdb"));
    expect(big.pageSize).toBe(8192);
    const fib = load(join(ROOT, "samples/fib/fib.pdb"));
    expect(big.functions()).toEqual(fib.functions());
  });

  it("reads GNU ld's 1024-byte pages (fib_msvc.pdb)", () => {
    expect(load(join(ROOT, "samples/fib/fib_msvc.pdb")).pageSize).toBe(1024);
  });

  describe.each(samplePdbs.map((p) => [rel(p), p]))("%s re-laid out", (_name, path) => {
    const original = load(path);
    it.each([512, 1024, 65536])("with %i-byte interleaved blocks parses identically", (blockSize) => {
      // 300 trailing empty streams make the directory span several 512-byte blocks.
      const bytes = writeMsf([...streamsOf(original.msf), ...Array.from({ length: 300 }, () => new Uint8Array(0))], blockSize, true);
      const again = parsePdb(bytes);
      expect(again.pageSize).toBe(blockSize);
      expect(content(again)).toEqual(content(original));
      expect(again.lookup(original.procedures[0]?.rva ?? 0)).toEqual(original.lookup(original.procedures[0]?.rva ?? 0));
      // The layout really is scattered: some multi-block stream is not contiguous.
      if (blockSize === 512) {
        const scattered = again.msf.streamSizes.some((_, i) => {
          const b = again.msf.blocksOf(i);
          return b.some((x, j) => j > 0 && x !== b[j - 1]! + 1);
        });
        expect(scattered).toBe(true);
        // and the directory itself spans more than one block
        expect(again.msf.superBlock.numDirectoryBytes).toBeGreaterThan(2 * 512);
      }
    });
  });
});
