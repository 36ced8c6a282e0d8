/**
 * Must show 1: `ntrace functions` lists every function of every sample's C source with the
 * right method and its PDB size; images built without padding are all detoured (issue 12).
 * References: the C sources (function definitions), the PDBs (parsePdb procedures) and the
 * prologue form each image is built with (samples/build.sh).
 */
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parsePdb } from "../../pe/pdb/index.js";
import { listImageFunctions } from "../../bin/commands/functions.js";

const ROOT = join(import.meta.dirname, "../..");

/** Image → (C source, the prologue form it is built with). */
const IMAGES: { image: string; source: string; form: "hotpatch-msvc" | "hotpatch-clang" | "detour" }[] = [
  { image: "samples/fib/fib.dll", source: "samples/fib/fib.c", form: "hotpatch-clang" },
  { image: "samples/fib/fib_msvc.dll", source: "samples/fib/fib.c", form: "hotpatch-msvc" },
  { image: "samples/fib/fib_nopad.dll", source: "samples/fib/fib.c", form: "detour" },
  { image: "samples/hotpatch/hotpatch.dll", source: "samples/hotpatch/hotpatch.c", form: "hotpatch-msvc" },
  { image: "samples/forwarders/forwarders.dll", source: "samples/forwarders/forwarders.c", form: "hotpatch-clang" },
  { image: "samples/seh/seh.dll", source: "samples/seh/seh.c", form: "hotpatch-msvc" },
  { image: "samples/threads/threads.exe", source: "samples/threads/threads.c", form: "hotpatch-msvc" },
  { image: "samples/compress/compress.dll", source: "samples/compress/compress.c", form: "hotpatch-clang" },
  { image: "samples/compress/compress_msvc.dll", source: "samples/compress/compress.c", form: "hotpatch-msvc" },
];

/** Names of the functions DEFINED in a C file (a top-level line with a parameter list followed by a body). */
export function cFunctionNames(source: string): string[] {
  const text = source
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "")
    .replace(/__attribute__\s*\(\((?:[^()]|\([^()]*\))*\)\)/g, "")
    .replace(/__declspec\s*\([^)]*\)/g, "");
  const names: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!/^[A-Za-z_]/.test(line) || line.startsWith("#") || /^(typedef|struct|enum|union)\b/.test(line) || /;\s*$/.test(line)) continue;
    // `inline` functions are folded into their callers: they are not functions of the image.
    if (/\b(inline|__inline|__forceinline)\b/.test(line)) continue;
    const m = /\b([A-Za-z_]\w*)\s*\(/.exec(line);
    if (m === null) continue;
    let j = i;
    while (j < lines.length && !lines[j]!.includes("{") && !lines[j]!.includes(";")) j++;
    if (j < lines.length && lines[j]!.includes("{")) names.push(m[1]!);
  }
  return [...new Set(names)];
}

const present = IMAGES.filter((s) => existsSync(join(ROOT, s.image)));

describe("ntrace functions on the samples", () => {
  it("finds the samples", () => {
    expect(present.map((s) => s.image)).toEqual(expect.arrayContaining(["samples/fib/fib.dll", "samples/fib/fib_msvc.dll", "samples/fib/fib_nopad.dll", "samples/hotpatch/hotpatch.dll"]));
  });

  for (const s of present) {
    it(`${s.image}: every C function listed as ${s.form}, sizes from the PDB`, () => {
      const listing = listImageFunctions(join(ROOT, s.image), []);
      const cNames = cFunctionNames(readFileSync(join(ROOT, s.source), "utf8"));
      expect(cNames.length).toBeGreaterThan(1);
      for (const name of cNames) {
        const f = listing.functions.find((x) => x.names.includes(name));
        expect(f, `${name} in ${s.image}`).toBeDefined();
        expect({ name, patch: f!.patch }).toEqual({ name, patch: s.form });
        expect(f!.reason).toBeUndefined();
      }
      // Sizes: exactly the PDB's procedure sizes, for every procedure.
      const pdbPath = join(ROOT, s.image).replace(/\.(dll|exe|sys)$/, ".pdb");
      if (existsSync(pdbPath)) {
        expect(listing.pdbPath).toBe(pdbPath);
        const pdb = parsePdb(new Uint8Array(readFileSync(pdbPath)));
        for (const p of pdb.procedures) {
          const f = listing.functions.find((x) => x.rva === p.rva);
          expect(f, p.name).toBeDefined();
          expect({ name: p.name, size: f!.size }).toEqual({ name: p.name, size: p.size });
          expect(f!.sources).toContain("pdb-procedure");
        }
      }
    });
  }

  it("keeps forwarders and data exports out, ordinal-only exports in", () => {
    const listing = listImageFunctions(join(ROOT, "samples/forwarders/forwarders.dll"), []);
    const all = listing.functions.flatMap((f) => f.names);
    for (const n of ["HotAdd", "HotByOrdinal", "MyGetTickCount", "Counter", "Table"]) expect(all).not.toContain(n);
    const local = listing.functions.find((f) => f.names.includes("Local1"));
    expect(local?.names).toEqual(expect.arrayContaining(["Local1", "Local1Alias"]));
    expect(listing.functions.find((f) => f.names.includes("#4"))?.rva).toBe(0x1030);
  });

  it("keeps decorated and undecorated names, primary name from the PDB procedure or export", () => {
    const listing = listImageFunctions(join(ROOT, "samples/fib/fib.dll"), []);
    const run = listing.functions.find((f) => f.name === "Run")!;
    expect(run.names).toEqual(["Run", "_Run@4"]);
    expect(run.sources).toEqual(["pdb-procedure", "export", "pdb-public"]);
  });
});
