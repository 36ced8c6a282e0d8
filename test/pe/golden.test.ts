/**
 * Must-show 1: for every committed sample image, what `ntrace info --json` reports agrees with
 * the committed golden output of llvm-readobj (and llvm-objdump -p for forwarder targets),
 * field by field. Regenerate the golden files with test/golden/pe/regenerate.sh.
 */
import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { spawnSync } from "node:child_process";
import { parsePe, peInfo } from "../../pe/index.js";
import { parseObjdumpForwarders, parseReadobj, parseReadobjSymbols } from "./readobj-text.js";
import { GOLDEN_PE, ROOT, sampleImages } from "./samples.js";

const images = sampleImages();
const goldenNames = readdirSync(GOLDEN_PE).filter((f) => f.endsWith(".readobj.txt")).map((f) => f.replace(/\.readobj\.txt$/, ""));

describe("golden coverage", () => {
  it("has the core samples", () => {
    for (const required of ["fib.dll", "fib_msvc.dll", "hotpatch.dll", "forwarders.dll", "threads.exe", "seh.dll"]) {
      expect(images.map((p) => basename(p))).toContain(required);
    }
  });
  it("every sample image has golden files and every golden file has a sample", () => {
    const sampleNames = images.map((p) => basename(p)).sort();
    const missing = sampleNames.filter((n) => !goldenNames.includes(n) || !existsSync(join(GOLDEN_PE, `${n}.objdump-p.txt`)) || !existsSync(join(GOLDEN_PE, `${n}.symbols.txt`)));
    expect(missing, `samples without golden output: run bash test/golden/pe/regenerate.sh`).toEqual([]);
    expect(goldenNames.filter((n) => !sampleNames.includes(n)), "golden files for samples that no longer exist").toEqual([]);
    expect(new Set(sampleNames).size, "sample image names must be unique").toBe(sampleNames.length);
  });
});

describe.each(images)("%s agrees with llvm-readobj", (path) => {
  const name = basename(path);
  const goldenFile = join(GOLDEN_PE, `${name}.readobj.txt`);
  const has = existsSync(goldenFile);
  const g = has ? parseReadobj(readFileSync(goldenFile, "utf8")) : undefined;
  const forwarders = has ? parseObjdumpForwarders(readFileSync(join(GOLDEN_PE, `${name}.objdump-p.txt`), "utf8")) : new Map<number, string>();
  const image = parsePe(readFileSync(join(ROOT, path)), path);
  const info = peInfo(image);

  it.runIf(has)("headers", () => {
    expect(info.machine).toBe(g!.machine);
    expect(info.imageBase).toBe(g!.imageBase);
    expect(info.entryRva).toBe(g!.entryRva);
    expect(info.subsystem).toBe(g!.subsystem);
  });

  it.runIf(has)("sections", () => {
    expect(g!.sections.length).toBeGreaterThan(0);
    expect(info.sections.map(({ name, rva, virtualSize, characteristics }) => ({ name, rva, virtualSize, characteristics }))).toEqual(g!.sections);
  });

  it.runIf(has)("imports", () => {
    expect(info.imports.map((d) => d.dll)).toEqual(g!.imports.map((d) => d.dll));
    info.imports.forEach((d, i) => {
      // llvm-readobj prints "name (hint)" for a by-name import and " (ordinal)" for one by ordinal.
      const want = g!.imports[i]!.symbols.map((s) => (s.name !== "" ? { name: s.name, hint: s.number } : { ordinal: s.number }));
      expect(d.functions).toEqual(want);
    });
  });

  it.runIf(has)("exports (ordinals, names, RVAs, forwarders, code/data)", () => {
    const slots = g!.exports.filter((e) => e.rva !== 0);
    expect(info.exports.map((e) => e.ordinal)).toEqual(slots.map((e) => e.ordinal));
    for (const want of slots) {
      const got = info.exports.find((e) => e.ordinal === want.ordinal)!;
      expect(got.rva, `ordinal ${want.ordinal}`).toBe(want.rva);
      // llvm-readobj shows one name per ordinal (the first in the name table); we keep all.
      if (want.name === "") expect(got.names).toEqual([]);
      else expect(got.names).toContain(want.name);
      const isForwarder = want.rva >= g!.exportTableRva && want.rva < g!.exportTableRva + g!.exportTableSize;
      expect(got.forwarder, `ordinal ${want.ordinal} forwarder`).toBe(isForwarder ? forwarders.get(want.ordinal) : undefined);
      if (isForwarder) expect(forwarders.get(want.ordinal)).toBeDefined();
      const sec = g!.sections.find((s) => want.rva >= s.rva && want.rva < s.rva + s.virtualSize);
      const exec = sec !== undefined && (sec.characteristics & 0x20000020) !== 0;
      expect(got.code, `ordinal ${want.ordinal} code`).toBe(!isForwarder && exec);
    }
    // The same set of forwarders as llvm-objdump lists.
    expect([...forwarders.keys()].sort()).toEqual(info.exports.filter((e) => e.forwarder !== undefined).map((e) => e.ordinal).sort());
  });

  it.runIf(has)("debug directory (types, CodeView GUID, age, path)", () => {
    expect(info.debug.map((d) => d.type)).toEqual(g!.debug.map((d) => d.type));
    info.debug.forEach((d, i) => {
      const want = g!.debug[i]!.pdb;
      if (want === undefined) expect(d.codeview).toBeUndefined();
      else expect({ guid: d.codeview?.guid, age: d.codeview?.age, path: d.codeview?.path }).toEqual(want);
    });
  });
});

describe.each(images)("%s COFF symbols agree with llvm-readobj --symbols", (path) => {
  const golden = join(GOLDEN_PE, `${basename(path)}.symbols.txt`);
  it.runIf(existsSync(golden))("names, values, sections, function type, storage class, RVA", () => {
    const want = parseReadobjSymbols(readFileSync(golden, "utf8"));
    const image = parsePe(readFileSync(join(ROOT, path)), path);
    expect(image.coffSymbols.map(({ name, value, sectionNumber, isFunction, storageClass }) => ({ name, value, sectionNumber, isFunction, storageClass }))).toEqual(want);
    for (const s of image.coffSymbols) {
      if (s.sectionNumber >= 1) expect(s.rva).toBe(image.sections[s.sectionNumber - 1]!.rva + s.value);
      else expect(s.rva).toBeUndefined();
    }
  });
});

describe("ntrace info CLI", () => {
  const cli = join(ROOT, "dist/bin/ntrace.js");
  it("prints the same JSON as the library for fib.dll", () => {
    expect(existsSync(cli), "dist/ is missing: the test command builds with tsc first").toBe(true);
    const run = spawnSync(process.execPath, [cli, "info", "samples/fib/fib.dll", "--json"], { cwd: ROOT, encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json).toEqual(JSON.parse(JSON.stringify(peInfo(parsePe(readFileSync(join(ROOT, "samples/fib/fib.dll")))))));
    expect(json.kind).toBe("pe");
    expect(json.exports.map((e: { names: string[] }) => e.names).flat()).toContain("Run");
  });
  it("text output shows forwarders with their target and the CodeView GUID", () => {
    const run = spawnSync(process.execPath, [cli, "info", "samples/forwarders/forwarders.dll"], { cwd: ROOT, encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/-> kernel32\.GetTickCount\s+MyGetTickCount/);
    expect(run.stdout).toMatch(/GUID [0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\s+age \d+/);
    expect(run.stdout).toMatch(/image base\s+0x[0-9a-f]{8}/);
  });
  it("names a missing file and a non-PE file", () => {
    const missing = spawnSync(process.execPath, [cli, "info", "no/such/file.dll"], { cwd: ROOT, encoding: "utf8" });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe("ntrace: no/such/file.dll: cannot read: no such file\n");
    const notPe = spawnSync(process.execPath, [cli, "info", "samples/fib/fib.c"], { cwd: ROOT, encoding: "utf8" });
    expect(notPe.status).toBe(1);
    expect(notPe.stderr).toBe("ntrace: samples/fib/fib.c: not a PE image or ntrace trace\n");
  });
});
