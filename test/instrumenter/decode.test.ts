import { describe, expect, it } from "vitest";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { decodeInstruction, relativeTarget } from "../../instrumenter/x86/decode.js";
import { relocateInstruction, relocationProblem } from "../../instrumenter/x86/relocate.js";
import { parseObjdump } from "./objdump.js";

const GOLDEN = join(import.meta.dirname, "../golden/instrumenter");

/** Every instruction llvm-objdump decoded must have the same length with our decoder. */
function checkAgainstObjdump(file: string): number {
  let checked = 0;
  const mismatches: string[] = [];
  for (const run of parseObjdump(join(GOLDEN, file))) {
    for (const insn of run.instructions) {
      const offset = insn.address - run.start;
      const ours = decodeInstruction(run.bytes, offset);
      if (insn.text.startsWith("<unknown>") || insn.text.startsWith("(bad)")) continue;
      checked++;
      if (ours.length !== insn.length) {
        const hex = Array.from(run.bytes.subarray(offset, offset + Math.max(insn.length, 8)), (b) => b.toString(16).padStart(2, "0")).join(" ");
        mismatches.push(`${file} ${run.section} 0x${insn.address.toString(16)}: objdump ${insn.length} ours ${ours.length} (${ours.kind}${ours.note ? ": " + ours.note : ""}) [${hex}] ${insn.text}`);
      }
    }
  }
  expect(mismatches.slice(0, 20)).toEqual([]);
  return checked;
}

describe("x86 length decoder against llvm-objdump", () => {
  it("agrees on every hand-picked tricky encoding", () => {
    expect(checkAgainstObjdump("tricky.objdump.txt")).toBeGreaterThan(180);
  });

  const samples = existsSync(GOLDEN) ? readdirSync(GOLDEN).filter((f) => f.endsWith(".objdump.txt") && f !== "tricky.objdump.txt") : [];
  it("has golden disassemblies of the samples", () => {
    expect(samples.length).toBeGreaterThan(0);
  });
  for (const file of samples) {
    it(`agrees on every instruction of ${file.replace(".objdump.txt", "")}`, () => {
      expect(checkAgainstObjdump(file)).toBeGreaterThan(10);
    });
  }
});

const hex = (s: string): Uint8Array => Uint8Array.from(s.trim().split(/\s+/).map((h) => parseInt(h, 16)));

describe("x86 decoder classification", () => {
  const cases: [string, number, string][] = [
    ["8b ff", 2, "plain"],
    ["66 90", 2, "plain"],
    ["55", 1, "plain"],
    ["e8 00 01 00 00", 5, "call-rel32"],
    ["e9 fb ff ff ff", 5, "jmp-rel32"],
    ["eb f9", 2, "jmp-rel8"],
    ["74 10", 2, "jcc-rel8"],
    ["0f 85 10 00 00 00", 6, "jcc-rel32"],
    ["e2 fe", 2, "loop-rel8"],
    ["e3 00", 2, "loop-rel8"],
    ["66 e8 10 00", 4, "relative-other"],
    ["66 0f 84 10 00", 5, "relative-other"],
    ["c7 f8 00 03 00 00", 6, "relative-other"],
    ["cc", 1, "trap"],
    ["cd 2e", 2, "trap"],
    ["f4", 1, "trap"],
    ["0f 0b", 2, "trap"],
    ["0f 22 d8", 3, "trap"],
    ["0f 04", 0, "unknown"],
    ["62 c0", 0, "unknown"],
    ["8b", 0, "unknown"],
    ["66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", 0, "unknown"],
    ["c8 10 00 00", 4, "plain"],
    ["f6 00 01", 3, "plain"],
    ["f7 40 04 00 01 00 00", 7, "plain"],
    ["66 f7 00 00 01", 5, "plain"],
    ["f7 10", 2, "plain"],
    ["67 a1 34 12", 4, "plain"],
    ["67 8b 06 34 12", 5, "plain"],
  ];
  for (const [bytes, length, kind] of cases) {
    it(`${bytes} → ${length} bytes, ${kind}`, () => {
      const insn = decodeInstruction(hex(bytes), 0);
      expect(insn.length).toBe(length);
      expect(insn.kind).toBe(kind);
    });
  }

  it("reports relative targets and condition codes", () => {
    const jcc = decodeInstruction(hex("90 7c f0"), 1);
    expect(jcc.condition).toBe(0xc);
    expect(relativeTarget(jcc, 0x1001)).toBe(0x1001 + 2 - 16);
  });
});

describe("relocation of a displaced instruction", () => {
  const from = 0x10001000;
  const to = 0x20000000;
  const target = (code: Uint8Array, at: number) => relativeTarget(decodeInstruction(code, 0), at);

  it("copies position-independent instructions verbatim", () => {
    const code = hex("81 ec 78 56 34 12");
    expect(Array.from(relocateInstruction(code, decodeInstruction(code, 0), from, to))).toEqual(Array.from(code));
  });
  it("widens jmp rel8 to jmp rel32 with the same target", () => {
    const code = hex("eb 10");
    const out = relocateInstruction(code, decodeInstruction(code, 0), from, to);
    expect(out[0]).toBe(0xe9);
    expect(out.length).toBe(5);
    expect(target(out, to)).toBe(from + 2 + 0x10);
  });
  it("widens jcc rel8 to 0F 8x rel32 keeping the condition", () => {
    const code = hex("7e f0");
    const out = relocateInstruction(code, decodeInstruction(code, 0), from, to);
    expect(Array.from(out.subarray(0, 2))).toEqual([0x0f, 0x8e]);
    expect(target(out, to)).toBe(from + 2 - 16);
  });
  it("re-targets call rel32 and jcc rel32, prefixes kept", () => {
    for (const s of ["e8 00 01 00 00", "0f 84 00 01 00 00", "3e 0f 84 00 01 00 00"]) {
      const code = hex(s);
      const insn = decodeInstruction(code, 0);
      const out = relocateInstruction(code, insn, from, to);
      expect(out.length).toBe(code.length);
      expect(target(out, to)).toBe(relativeTarget(insn, from));
    }
  });
  it("refuses loop, rel16 and unknown instructions with a reason", () => {
    expect(relocationProblem(decodeInstruction(hex("e2 fe"), 0))).toMatch(/loop/);
    expect(relocationProblem(decodeInstruction(hex("66 e8 10 00"), 0))).toMatch(/rel16/);
    expect(relocationProblem(decodeInstruction(hex("0f 04"), 0))).toMatch(/undecodable/);
    expect(relocationProblem(decodeInstruction(hex("cc"), 0))).toMatch(/trap|privileged/);
  });
});
