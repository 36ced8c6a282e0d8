/**
 * Scale: a synthetic PDB with 100,000 functions (the size issue 8 benchmarks) round-trips
 * through the reader, and every function resolves at its start, middle and last byte.
 */
import { describe, expect, it } from "vitest";
import { parsePdb } from "../../pe/pdb/index.js";
import { manyFunctions, synthPdb } from "./synth-pdb.js";

describe("100,000-function PDB", () => {
  const functions = manyFunctions(100_000);
  const bytes = synthPdb({ functions, textRva: 0x1000, age: 3 });

  it("round-trips: every procedure and public with its size and RVA", () => {
    const pdb = parsePdb(bytes);
    expect(pdb.age).toBe(3);
    expect(pdb.procedures.length).toBe(functions.length);
    expect(pdb.publics.length).toBe(functions.length);
    for (let i = 0; i < functions.length; i += 997) {
      const f = functions[i]!;
      expect(pdb.procedures[i]).toMatchObject({ name: f.name, rva: 0x1000 + f.offset, size: f.size, kind: "S_GPROC32" });
      expect(pdb.publics[i]).toMatchObject({ name: `_${f.name}`, rva: 0x1000 + f.offset, isFunction: true });
    }
    expect(pdb.functions().every((f) => f.source === "procedure")).toBe(true);
  });

  it("resolves every function at its start, middle and last byte; gaps fall to the public", () => {
    const sym = parsePdb(bytes).symbolizer;
    const wrong: string[] = [];
    for (const f of functions) {
      const start = 0x1000 + f.offset;
      for (const at of [start, start + (f.size >> 1), start + f.size - 1]) {
        const e = sym.entries[sym.indexOf(at)];
        if (e?.name !== f.name || e.rva !== start) wrong.push(`0x${at.toString(16)} resolved to ${e?.name}, expected ${f.name}`);
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    const gap = functions[1]!;
    expect(sym.lookup(0x1000 + gap.offset + gap.size)).toEqual({ name: `_${gap.name}`, rva: 0x1000 + gap.offset, offset: gap.size, source: "public" });
  });
});
