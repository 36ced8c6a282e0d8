import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePe } from "../../pe/index.js";
import { Symbolizer, parseSymbolPath, REMOTE_IGNORED_WARNING, runReport } from "../../reader/index.js";
import { ROOT, fibProcedures, sampleModule, newTrace, Script, scriptFibRun, capture } from "./helpers.js";

/** The CodeView record of fib.dll as llvm-readobj would print it (via pe/, checked there). */
const fibCv = parsePe(readFileSync(`${ROOT}samples/fib/fib.dll`)).debug.find((d) => d.codeview !== undefined)!.codeview!;
const KEY = fibCv.guid.replace(/-/g, "") + fibCv.age.toString(16).toUpperCase();

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "ntrace-sym-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function fibTrace(recordedPath?: string) {
  const procs = fibProcedures();
  const names = ["leaf", "fib", "deep", "Run", "Deep", "DllMain"];
  const t = newTrace();
  const mod = t.module(sampleModule("samples/fib/fib.dll", names.map((n) => procs.get(n)!), recordedPath));
  const id = (n: string) => mod.firstFunctionId + names.indexOf(n);
  const s = new Script(t.thread(0x81001000));
  scriptFibRun(s, 4, { Run: id("Run"), fib: id("fib"), leaf: id("leaf") });
  return { trace: t.finish(), id };
}

function store(layout: "one-tier" | "two-tier" | "file.ptr", pdbBytes?: Uint8Array): string {
  const root = mkdtempSync(join(tmp, "store-"));
  const bytes = pdbBytes ?? readFileSync(`${ROOT}samples/fib/fib.pdb`);
  if (layout === "two-tier") writeFileSync(join(root, "index2.txt"), "");
  const keyDir = layout === "two-tier" ? join(root, "fi", "fib.pdb", KEY) : join(root, "fib.pdb", KEY);
  mkdirSync(keyDir, { recursive: true });
  if (layout === "file.ptr") {
    const elsewhere = join(root, "real", "fib-copy.pdb");
    mkdirSync(join(root, "real"));
    writeFileSync(elsewhere, bytes);
    writeFileSync(join(keyDir, "file.ptr"), `PATH:${elsewhere}`);
  } else writeFileSync(join(keyDir, "fib.pdb"), bytes);
  return root;
}

describe("symbol path parsing", () => {
  it("turns srv*/cache* elements into local stores and ignores http with one warning", () => {
    const p = parseSymbolPath("srv*/a*https://msdl.microsoft.com/download/symbols;cache*/b;/c;http://x/y;SRV*/d*http://z");
    expect(p.locations).toEqual([
      { kind: "store", path: "/a" },
      { kind: "store", path: "/b" },
      { kind: "directory", path: "/c" },
      { kind: "store", path: "/d" },
    ]);
    expect(p.warnings).toEqual([REMOTE_IGNORED_WARNING]);
    expect(parseSymbolPath("/only/local").warnings).toEqual([]);
  });
});

describe("offline symbolization of a fib.dll trace (must show 1)", () => {
  it("finds the PDB in a one-tier symbol store although the image's recorded location is gone", () => {
    const { trace, id } = fibTrace();
    const warnings: string[] = [];
    const sym = Symbolizer.load(trace.modules, { symbolPath: `srv*${store("one-tier")}*https://msdl.microsoft.com/download/symbols`, env: {}, warn: (m) => warnings.push(m) });
    expect(sym.modules[0]!.source).toBe("pdb");
    expect([id("fib"), id("leaf"), id("Run"), id("deep")].map((i) => sym.name(i))).toEqual(["fib", "leaf", "Run", "deep"]);
    expect(sym.qualified(id("leaf"))).toBe("fib!leaf");
    expect(warnings).toEqual([REMOTE_IGNORED_WARNING]);
    // Arbitrary addresses: inside fib, and outside every module.
    const base = trace.modules[0]!.base;
    expect(sym.address(base + fibProcedures().get("fib")! + 5)).toBe("fib!fib+0x5");
    expect(sym.address(0x7000)).toBe("0x7000");
  });

  it("finds it in a two-tier store (index2.txt) and through file.ptr", () => {
    const { trace, id } = fibTrace();
    for (const layout of ["two-tier", "file.ptr"] as const) {
      const sym = Symbolizer.load(trace.modules, { symbolPath: store(layout), env: {} });
      expect(sym.modules[0]!.source, layout).toBe("pdb");
      expect(sym.name(id("fib"))).toBe("fib");
    }
  });

  it("uses _NT_SYMBOL_PATH when no --symbol-path is given, and cache* stores", () => {
    const { trace, id } = fibTrace();
    const sym = Symbolizer.load(trace.modules, { env: { _NT_SYMBOL_PATH: `cache*${store("one-tier")}` } });
    expect(sym.name(id("leaf"))).toBe("leaf");
  });

  it("finds the PDB next to the image path recorded in the trace, and in a plain directory", () => {
    const dir = mkdtempSync(join(tmp, "img-"));
    copyFileSync(`${ROOT}samples/fib/fib.pdb`, join(dir, "fib.pdb"));
    const { trace, id } = fibTrace(join(dir, "fib.dll"));
    const sym = Symbolizer.load(trace.modules, { env: {} });
    expect(sym.modules[0]!.source).toBe("pdb");
    expect(sym.name(id("fib"))).toBe("fib");
    const { trace: t2 } = fibTrace();
    expect(Symbolizer.load(t2.modules, { symbolPath: dir, env: {} }).modules[0]!.source).toBe("pdb");
  });

  it("refuses a PDB whose age does not match, naming it, and falls back to export names", () => {
    // Same PDB, but the trace's CodeView record claims another age: the store key is the
    // requested one, the PDB inside says the real age.
    const bytes = readFileSync(`${ROOT}samples/fib/fib.pdb`);
    const root = mkdtempSync(join(tmp, "store-age-"));
    const wrongKey = fibCv.guid.replace(/-/g, "") + (fibCv.age + 1).toString(16).toUpperCase();
    mkdirSync(join(root, "fib.pdb", wrongKey), { recursive: true });
    writeFileSync(join(root, "fib.pdb", wrongKey, "fib.pdb"), bytes);
    const { trace, id } = fibTrace();
    const mod = trace.modules[0]!;
    const block = Uint8Array.from(mod.debugBlock);
    // Patch the RSDS age (4 bytes after the 16-byte GUID) in the stored block.
    const rsds = Buffer.from(block).indexOf("RSDS");
    new DataView(block.buffer).setUint32(rsds + 20, fibCv.age + 1, true);
    const warnings: string[] = [];
    const sym = Symbolizer.load([{ ...mod, debugBlock: block }], { symbolPath: root, env: {}, warn: (m) => warnings.push(m) });
    expect(sym.modules[0]!.source).toBe("exports");
    const refusal = warnings.find((w) => w.includes("does not match"));
    expect(refusal).toBeDefined();
    expect(refusal).toContain(join(root, "fib.pdb", wrongKey, "fib.pdb"));
    expect(refusal).toContain(`expected GUID ${fibCv.guid} age ${fibCv.age + 1}`);
    expect(refusal).toContain(`found GUID ${fibCv.guid} age ${fibCv.age}`);
    expect(sym.name(id("Run"))).toBe("Run");
  });

  it("refuses a PDB with another GUID (another build's PDB under the right name)", () => {
    const { trace } = fibTrace();
    const root = store("one-tier", readFileSync(`${ROOT}samples/hotpatch/hotpatch.pdb`));
    const warnings: string[] = [];
    const sym = Symbolizer.load(trace.modules, { symbolPath: root, env: {}, warn: (m) => warnings.push(m) });
    expect(sym.modules[0]!.source).toBe("exports");
    expect(warnings.find((w) => w.includes("does not match"))).toMatch(new RegExp(`expected GUID ${fibCv.guid} age ${fibCv.age}, found GUID (?!${fibCv.guid})`));
  });

  it("reports file.ptr messages", () => {
    const { trace } = fibTrace();
    const root = mkdtempSync(join(tmp, "store-msg-"));
    mkdirSync(join(root, "fib.pdb", KEY), { recursive: true });
    writeFileSync(join(root, "fib.pdb", KEY, "file.ptr"), "MSG: withheld by the build lab");
    const warnings: string[] = [];
    Symbolizer.load(trace.modules, { symbolPath: root, env: {}, warn: (m) => warnings.push(m) });
    expect(warnings.some((w) => w.includes("withheld by the build lab"))).toBe(true);
  });

  it("with no PDB anywhere, exports still name Run and the rest are module+0xRVA", () => {
    const { trace, id } = fibTrace();
    const warnings: string[] = [];
    const { ctx, out } = capture(trace);
    runReport(ctx, out, { sort: "name" });
    const sym = Symbolizer.load(trace.modules, { symbolPath: mkdtempSync(join(tmp, "empty-")), env: {}, warn: (m) => warnings.push(m) });
    expect(sym.modules[0]!.source).toBe("exports");
    expect(sym.name(id("Run"))).toBe("Run");
    expect(sym.name(id("fib"))).toBe(`fib+0x${fibProcedures().get("fib")!.toString(16)}`);
    expect(warnings.some((w) => w.includes("fib.pdb") && w.includes("not found"))).toBe(true);
    expect(out.text()).toContain("  Run\n");
  });
});
