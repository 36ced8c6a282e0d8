/**
 * End to end: real traces from the tracing runtime (runTraced = what `ntrace run … -o` does),
 * read back with the real symbol search: fib.dll Run(25) counts, Run(4) tree, hotpatch.dll's
 * stack hog measured from real ESPs.
 */
import { describe, expect, it, afterAll } from "vitest";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTraced } from "../support/runs.js";
import { openTraceBytes } from "../../tracefile/index.js";
import { parsePe } from "../../pe/index.js";
import { computeReport, computeStack, runReplay } from "../../reader/index.js";
import { ROOT, capture } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "ntrace-e2e-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Copies the image and its PDB to a temp dir (the tracer finds internal functions through the
 * PDB next to the image), traces it there, then deletes both: the reader must find the PDB
 * elsewhere.
 */
function traceDeleted(sample: string, call: { name: string; args: number[] }) {
  const dir = mkdtempSync(join(tmp, "run-"));
  const image = join(dir, sample.split("/").pop()!);
  copyFileSync(`${ROOT}${sample}`, image);
  copyFileSync(`${ROOT}${sample.replace(/\.dll$/, ".pdb")}`, image.replace(/\.dll$/, ".pdb"));
  const result = runTraced({ image, call });
  rmSync(dir, { recursive: true, force: true });
  const trace = openTraceBytes(result.bytes!);
  expect(trace.modules[0]!.path).toBe(image);
  return trace;
}

/** A one-tier symbol store holding the sample's PDB under its GUID/age key. */
function storeFor(sample: string): string {
  const cv = parsePe(readFileSync(`${ROOT}${sample}`)).debug.find((d) => d.codeview !== undefined)!.codeview!;
  const pdb = cv.path.split(/[\\/]/).pop()!;
  const root = mkdtempSync(join(tmp, "store-"));
  const key = cv.guid.replace(/-/g, "") + cv.age.toString(16).toUpperCase();
  mkdirSync(join(root, pdb, key), { recursive: true });
  copyFileSync(`${ROOT}${sample.replace(/\.dll$/, ".pdb")}`, join(root, pdb, key, pdb));
  return `srv*${root}*https://msdl.microsoft.com/download/symbols`;
}

describe("real traces (tracing runtime)", () => {
  it("fib.dll Run(25): exact call counts of fib and leaf, names from a symbol store", () => {
    const trace = traceDeleted("samples/fib/fib.dll", { name: "Run", args: [25] });
    const { ctx, warnings } = capture(trace, { symbolPath: storeFor("samples/fib/fib.dll") });
    const rows = computeReport(ctx);
    const calls = (n: string) => rows.find((r) => r.function === n)?.calls;
    expect(calls("fib")).toBe(242785);
    expect(calls("leaf")).toBe(121393);
    expect(calls("Run")).toBe(1);
    expect(warnings).toEqual(["symbol servers are not contacted; using the local cache only"]);
  });

  it("fib.dll Run(4): replay shows the tree of the golden file (durations aside)", () => {
    const trace = traceDeleted("samples/fib/fib.dll", { name: "Run", args: [4] });
    const { ctx, out } = capture(trace, { symbolPath: storeFor("samples/fib/fib.dll"), include: ["Run"] });
    runReplay(ctx, out);
    const shape = (text: string) =>
      text
        .split("\n")
        .filter((l) => l.includes(" | "))
        .map((l) => l.split(" | ")[1]);
    const golden = readFileSync(`${ROOT}test/golden/reader/replay-fib-run4.txt`, "utf8");
    expect(shape(out.text())).toEqual(shape(golden));
  });

  it("hotpatch.dll Run(5): stack finds stack_hog with the frame the disassembly gives", () => {
    const trace = traceDeleted("samples/hotpatch/hotpatch.dll", { name: "Run", args: [5] });
    const { ctx } = capture(trace, { symbolPath: storeFor("samples/hotpatch/hotpatch.dll") });
    const report = computeStack(ctx);
    expect(report.functions[0]).toMatchObject({ function: "stack_hog", maxFrame: 3012 });
    const byName = new Map(report.functions.map((f) => [f.function, f.maxFrame]));
    expect(byName.get("HogStack")).toBe(8);
    expect(byName.get("Run")).toBe(24);
  });
});
