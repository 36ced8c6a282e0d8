import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { computeStack, runStack } from "../../reader/index.js";
import { ROOT, sampleModule, newTrace, capture } from "./helpers.js";

/**
 * Stack bytes a function has used below its entry ESP when it calls `callee`, read from the
 * committed llvm-objdump disassembly (straight-line code up to the call): pushes, pops,
 * sub/add esp, callee-popped stdcall arguments (`_f@N`) of earlier calls, and the return
 * address the call pushes.
 */
function frameFromDisassembly(file: string, callee: string): number {
  let delta = 0;
  for (const line of readFileSync(`${ROOT}test/golden/reader/${file}`, "utf8").split("\n")) {
    const ins = line.split("\t").slice(1).join(" ").trim();
    let m: RegExpExecArray | null;
    if (/^pushl\b/.test(ins)) delta -= 4;
    else if (/^popl\b/.test(ins)) delta += 4;
    else if ((m = /^subl\s+\$(\d+), %esp/.exec(ins))) delta -= Number(m[1]);
    else if ((m = /^addl\s+\$(\d+), %esp/.exec(ins))) delta += Number(m[1]);
    else if ((m = /^calll\s+\S+\s+<([^>]+)>/.exec(ins))) {
      if (m[1] === callee) return -delta + 4;
      const popped = /@(\d+)$/.exec(m[1]!);
      if (popped) delta += Number(popped[1]);
    }
  }
  throw new Error(`${callee} is not called in ${file}`);
}

// hotpatch.dll RVAs (samples/hotpatch/README.md; the same in the disassembly golden files).
const RVA = { square: 0x1020, hog_helper: 0x1040, Add: 0x1070, Twice: 0x10a0, Combine: 0x10e0, Loop: 0x1130, stack_hog: 0x1190, HogStack: 0x11f0, Run: 0x1260 };
const NAMES = Object.keys(RVA) as (keyof typeof RVA)[];

describe("stack (must show 4)", () => {
  const expected = {
    Run: frameFromDisassembly("hotpatch-Run.txt", "_HogStack@4"),
    HogStack: frameFromDisassembly("hotpatch-HogStack.txt", "_stack_hog"),
    stack_hog: frameFromDisassembly("hotpatch-stack_hog.txt", "_hog_helper"),
  };

  it("reads the frame sizes from the disassembly", () => {
    expect(expected).toEqual({ Run: 24, HogStack: 8, stack_hog: 3012 });
  });

  it("finds stack_hog as the largest frame with the size the disassembly says, and the deepest path", () => {
    const t = newTrace();
    const mod = t.module(sampleModule("samples/hotpatch/hotpatch.dll", NAMES.map((n) => RVA[n])));
    const id = (n: keyof typeof RVA) => mod.firstFunctionId + NAMES.indexOf(n);
    const w = t.thread(0x81001000);
    let ts = 100;
    // Entry ESPs as samples/hotpatch/README.md states them for Run(n): Run at E, HogStack at
    // E−24, stack_hog at E−32, hog_helper at E−3044; the small callees 24 below Run too.
    const E = 0x0012ff70;
    const call = (fn: number, esp: number, body?: () => void) => {
      w.entry(ts++, fn, esp);
      body?.();
      w.exit(ts++, fn, 0);
    };
    call(id("Run"), E, () => {
      call(id("Combine"), E - 24, () => call(id("Add"), E - 24 - 16));
      call(id("Twice"), E - 24, () => call(id("Add"), E - 24 - 12));
      call(id("Loop"), E - 24, () => [1, 2, 3].forEach(() => call(id("Add"), E - 24 - 16)));
      call(id("HogStack"), E - 24, () => call(id("stack_hog"), E - 32, () => call(id("hog_helper"), E - 3044)));
    });
    const { ctx, out, warnings } = capture(t.finish(), { symbolPath: `${ROOT}samples/hotpatch` });
    const report = computeStack(ctx);
    expect(warnings).toEqual([]);
    expect(report.functions[0]).toMatchObject({ function: "stack_hog", maxFrame: expected.stack_hog });
    const byName = new Map(report.functions.map((f) => [f.function, f.maxFrame]));
    expect(byName.get("Run")).toBe(expected.Run);
    expect(byName.get("HogStack")).toBe(expected.HogStack);
    const deepest = report.threads[0]!;
    expect(deepest.bytes).toBe(expected.Run + expected.HogStack + expected.stack_hog);
    expect(deepest.frames.map((f) => [f.function.replace(/^hotpatch!/, ""), f.size])).toEqual([
      ["Run", 24],
      ["HogStack", 8],
      ["stack_hog", 3012],
      ["hog_helper", null], // static: named by the COFF symbols of the image found on the symbol path
    ]);
    runStack(ctx, out);
    const text = out.text();
    expect(text).toContain("deepest stack 3044 bytes");
    expect(text).toMatch(/^\s+3012\s+1\s+hotpatch!stack_hog$/m);
  });

  it("treats an ESP jump to another stack as a new stack, not a huge frame (reader/README.md, stack)", () => {
    const t = newTrace();
    const mod = t.module(sampleModule("samples/hotpatch/hotpatch.dll", NAMES.map((n) => RVA[n])));
    const id = (n: keyof typeof RVA) => mod.firstFunctionId + NAMES.indexOf(n);
    const w = t.thread(0x81001000);
    // Run on the thread stack calls Add, which is entered on a DPC stack far below, and then
    // Twice on a stack above the caller's.
    w.entry(1, id("Run"), 0xf8a0fe00);
    w.entry(2, id("Add"), 0x80003f00);
    w.exit(3, id("Add"), 0);
    w.entry(4, id("Twice"), 0xf8b00000);
    w.entry(5, id("Add"), 0xf8b00000 - 16);
    w.exit(6, id("Add"), 0);
    w.exit(7, id("Twice"), 0);
    w.exit(8, id("Run"), 0);
    const { ctx, out } = capture(t.finish(), {});
    const report = computeStack(ctx);
    expect(report.threads[0]!.switches).toBe(2);
    expect(report.threads[0]!.bytes).toBe(16);
    expect(report.functions.find((f) => f.function === "Run")).toBeUndefined();
    expect(report.functions.find((f) => f.function === "Twice")!.maxFrame).toBe(16);
    runStack(ctx, out);
    expect(out.text()).toContain("stack switch");
  });
});
