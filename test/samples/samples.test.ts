/**
 * The committed sample images are what samples/README.md and samples/expected.json say:
 * every expectation names an image and an export that exist, the hot-patch forms have the
 * prologues and padding the instrumenter relies on (and fib_nopad has none), fib really
 * recurses, the stack hog's frame is the documented `sub esp, 3008`, RSDS records match their
 * PDBs, and — when the toolchain is installed — a rebuild gives byte-identical files.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parsePe, readRva } from "../../pe/index.js";
import type { PeImage } from "../../pe/types.js";
import { parsePdb } from "../../pe/pdb/index.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SAMPLES = join(ROOT, "samples");

interface Expectation {
  image: string;
  call?: string;
  args?: number[];
  result?: number;
  exitCode?: number;
  forwarder?: string;
  calls?: Record<string, number>;
  expect?: string;
}

const expectations = JSON.parse(readFileSync(join(SAMPLES, "expected.json"), "utf8")) as Expectation[];

const images = new Map<string, PeImage>();
function image(rel: string): PeImage {
  let img = images.get(rel);
  if (!img) {
    img = parsePe(readFileSync(join(ROOT, rel)), rel);
    images.set(rel, img);
  }
  return img;
}

/** Every committed image, relative to the repository root. */
function committedImages(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(SAMPLES, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(SAMPLES, dir.name)).sort())
      if (/\.(dll|exe|sys)$/i.test(f)) out.push(`samples/${dir.name}/${f}`);
  }
  return out;
}

const PADDING = new Set([0xcc, 0x90, 0x00]);
const bytesAt = (img: PeImage, rva: number, n: number): number[] => [...readRva(img, rva, n)];

/** Functions from the COFF symbol table (mingw images): name -> RVA. */
function coffFunctions(img: PeImage): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of img.coffSymbols) if (s.isFunction && s.rva !== undefined) m.set(s.name, s.rva);
  return m;
}

/** Functions from the PDB's S_*PROC32 records (clang images): name -> {rva, size}. */
function pdbProcedures(rel: string): Map<string, { rva: number; size: number }> {
  const pdbPath = join(ROOT, rel.replace(/\.(dll|exe|sys)$/i, ".pdb"));
  const pdb = parsePdb(readFileSync(pdbPath), pdbPath);
  const m = new Map<string, { rva: number; size: number }>();
  for (const p of pdb.procedures) m.set(p.name, { rva: p.rva!, size: p.size });
  return m;
}

/** Targets of every `E8 rel32` inside [start, start+size). */
function callTargets(img: PeImage, start: number, size: number): number[] {
  const code = bytesAt(img, start, size);
  const out: number[] = [];
  for (let i = 0; i + 5 <= code.length; i++) {
    if (code[i] !== 0xe8) continue;
    const rel = (code[i + 1]! | (code[i + 2]! << 8) | (code[i + 3]! << 16) | (code[i + 4]! << 24)) | 0;
    out.push(start + i + 5 + rel);
  }
  return out;
}

const MSVC_FORM = [
  "samples/fib/fib_msvc.dll",
  "samples/hotpatch/hotpatch.dll",
  "samples/seh/seh.dll",
  "samples/threads/threads.exe",
  "samples/missing/missing.dll",
  "samples/compress/compress_msvc.dll",
];
const CLANG_FORM = [
  "samples/fib/fib.dll",
  "samples/forwarders/forwarders.dll",
  "samples/forwarders/multiname.dll",
  "samples/compress/compress.dll",
  "samples/drivers/nts_func.sys",
  "samples/drivers/nts_lower.sys",
  "samples/drivers/nts_upper.sys",
];
/** setjmp-like plumbing in seh_asm.S, deliberately not hot-patchable. */
const SEH_PLUMBING = new Set(["_seh_try", "_seh_resume", "_seh_global_unwind"]);

describe("samples/expected.json", () => {
  it("names existing images and exports", () => {
    expect(expectations.length).toBeGreaterThan(30);
    for (const e of expectations) {
      expect(existsSync(join(ROOT, e.image)), e.image).toBe(true);
      if (e.call === undefined) continue;
      const exports = image(e.image).exports?.entries ?? [];
      const entry = e.call.startsWith("#")
        ? exports.find((x) => x.ordinal === Number(e.call!.slice(1)))
        : exports.find((x) => x.names.includes(e.call!));
      expect(entry, `${e.image} ${e.call}`).toBeDefined();
      if (e.forwarder) expect(entry!.forwarder).toBe(e.forwarder);
      else expect(entry!.code, `${e.image} ${e.call} is code`).toBe(true);
      if (e.result !== undefined) {
        expect(Number.isInteger(e.result)).toBe(true);
        expect(e.result).toBe(e.result | 0); // signed 32-bit
      }
    }
  });

  it("has the fib call counts of the closed formula (fib = 2F(n+1)-1, leaf = F(n+1))", () => {
    const F = (n: number): number => {
      let a = 0, b = 1;
      for (let i = 0; i < n; i++) [a, b] = [b, a + b];
      return a;
    };
    const fibRuns = expectations.filter((e) => e.image.includes("/fib/") && e.call === "Run" && e.calls);
    expect(fibRuns.length).toBeGreaterThanOrEqual(6);
    for (const e of fibRuns) {
      const n = e.args![0]!;
      expect(e.result).toBe(F(n));
      expect(e.calls).toEqual({ fib: 2 * F(n + 1) - 1, leaf: F(n + 1) });
    }
  });
});

describe("every sample image", () => {
  it("is PE32 i386 with an RSDS record matching the PDB next to it", () => {
    const all = committedImages();
    expect(all.length).toBeGreaterThanOrEqual(10);
    for (const rel of all) {
      const img = image(rel);
      expect(img.machine, rel).toBe(0x14c);
      if (/-stripped\.(dll|exe)$/i.test(rel)) {
        // stripped on purpose (discovery without symbols): no debug directory, no COFF symbols
        expect(img.debug, rel).toEqual([]);
        expect(img.coffSymbols, rel).toEqual([]);
        continue;
      }
      const cv = img.debug.find((d) => d.codeview)?.codeview;
      expect(cv?.signature, rel).toBe("RSDS");
      const pdbPath = join(ROOT, dirname(rel), cv!.path);
      expect(cv!.path, rel).toBe(basename(rel).replace(/\.(dll|exe|sys)$/i, ".pdb"));
      const pdb = parsePdb(readFileSync(pdbPath), pdbPath);
      expect(pdb.guid, rel).toBe(cv!.guid);
      expect(pdb.age, rel).toBe(cv!.age);
    }
  });

  it("sits in a sample directory with its C source and a README", () => {
    for (const rel of committedImages()) {
      const dir = join(ROOT, dirname(rel));
      const files = readdirSync(dir);
      expect(files, rel).toContain("README.md");
      expect(files.some((f) => f.endsWith(".c")), rel).toBe(true);
    }
  });
});

describe("hot-patch forms", () => {
  it.each(MSVC_FORM)("%s: every C function starts with 8B FF 55 8B EC after >= 5 bytes of CC", (rel) => {
    const img = image(rel);
    const fns = coffFunctions(img);
    expect(fns.size).toBeGreaterThanOrEqual(4);
    for (const [name, rva] of fns) {
      if (SEH_PLUMBING.has(name)) continue;
      expect(bytesAt(img, rva, 5), name).toEqual([0x8b, 0xff, 0x55, 0x8b, 0xec]);
      expect(bytesAt(img, rva - 5, 5), name).toEqual([0xcc, 0xcc, 0xcc, 0xcc, 0xcc]);
    }
  });

  it("seh.dll: the setjmp-like plumbing is not patchable (1-byte first instruction, no padding)", () => {
    const img = image("samples/seh/seh.dll");
    const pdb = parsePdb(readFileSync(join(SAMPLES, "seh/seh.pdb")), "seh.pdb");
    for (const name of SEH_PLUMBING) {
      const pub = pdb.publics.find((p) => p.name === name);
      expect(pub, name).toBeDefined();
      const [first] = bytesAt(img, pub!.rva!, 1);
      expect([0x58, 0x5a, 0x55], name).toContain(first); // pop eax / pop edx / push ebp
      expect(PADDING.has(bytesAt(img, pub!.rva! - 1, 1)[0]!), name).toBe(false);
    }
  });

  it.each(CLANG_FORM)("%s: every PDB procedure has >= 5 padding bytes and no 1-byte first instruction", (rel) => {
    const img = image(rel);
    const procs = pdbProcedures(rel);
    expect(procs.size).toBeGreaterThanOrEqual(4);
    expect(procs.has("DllMain") || procs.has("DriverEntry") || procs.has("start"), rel).toBe(true);
    // one-byte opcodes a /hotpatch prologue must not start with: inc/dec/push/pop reg, nop,
    // cdq, ret, int3
    const oneByte = (b: number): boolean =>
      (b >= 0x40 && b <= 0x5f) || b === 0x90 || b === 0x99 || b === 0xc3 || b === 0xcc;
    for (const [name, { rva }] of procs) {
      expect(bytesAt(img, rva - 5, 5).every((b) => PADDING.has(b)), name).toBe(true);
      expect(oneByte(bytesAt(img, rva, 1)[0]!), name).toBe(false);
    }
  });

  it("fib_nopad.dll: no procedure is preceded by 5 padding bytes inside .text", () => {
    const img = image("samples/fib/fib_nopad.dll");
    const text = img.sections.find((s) => s.name === ".text")!;
    const procs = pdbProcedures("samples/fib/fib_nopad.dll");
    expect(procs.size).toBe(6);
    for (const [name, { rva }] of procs) {
      if (rva === text.rva) {
        // starts .text (only the zero-filled header page before it): 1-byte first instruction
        expect(name).toBe("fib");
        expect(bytesAt(img, rva, 1)).toEqual([0x57]); // push edi
        continue;
      }
      expect(bytesAt(img, rva - 5, 5).every((b) => PADDING.has(b)), name).toBe(false);
    }
  });
});

describe("shapes the tests rely on", () => {
  it("fib calls itself twice and leaf once in every fib image (no loop transformation)", () => {
    const clangLike = ["samples/fib/fib.dll", "samples/fib/fib_nopad.dll"];
    for (const rel of clangLike) {
      const p = pdbProcedures(rel);
      const fib = p.get("fib")!, leaf = p.get("leaf")!, deep = p.get("deep")!;
      const calls = callTargets(image(rel), fib.rva, fib.size);
      expect(calls.filter((t) => t === fib.rva).length, rel).toBe(2);
      expect(calls.filter((t) => t === leaf.rva).length, rel).toBe(1);
      expect(callTargets(image(rel), deep.rva, deep.size).filter((t) => t === deep.rva).length, rel).toBe(1);
    }
    const msvc = image("samples/fib/fib_msvc.dll");
    const fns = coffFunctions(msvc);
    const calls = callTargets(msvc, fns.get("_fib")!, fns.get("_deep")! - fns.get("_fib")!);
    expect(calls.filter((t) => t === fns.get("_fib")).length).toBe(2);
    expect(calls.filter((t) => t === fns.get("_leaf")).length).toBe(1);
  });

  it("hotpatch.dll: stack_hog's frame is sub esp, 3008 — the largest sub esp in the image", () => {
    const img = image("samples/hotpatch/hotpatch.dll");
    const fns = coffFunctions(img);
    const hog = fns.get("_stack_hog")!;
    expect(hog).toBe(0x1190);
    // mov edi,edi; push ebp; mov ebp,esp; pop ebp; xor eax,eax; sub esp, 0xBC0
    expect(bytesAt(img, hog + 8, 6)).toEqual([0x81, 0xec, 0xc0, 0x0b, 0x00, 0x00]);
    const text = img.sections.find((s) => s.name === ".text")!;
    const code = bytesAt(img, text.rva, text.virtualSize);
    let largest = 0;
    for (let i = 0; i + 6 <= code.length; i++) {
      if (code[i] === 0x81 && code[i + 1] === 0xec)
        largest = Math.max(largest, code[i + 2]! | (code[i + 3]! << 8) | (code[i + 4]! << 16));
      if (code[i] === 0x83 && code[i + 1] === 0xec) largest = Math.max(largest, code[i + 2]!);
    }
    expect(largest).toBe(3008);
  });

  it("forwarders.dll: forwarders, an ordinal-only export and data exports", () => {
    const ex = image("samples/forwarders/forwarders.dll").exports!;
    const byName = (n: string) => ex.entries.find((e) => e.names.includes(n));
    expect(byName("MyGetTickCount")?.forwarder).toBe("kernel32.GetTickCount");
    expect(byName("HotAdd")?.forwarder).toBe("hotpatch.Add");
    expect(byName("HotByOrdinal")?.forwarder).toBe("hotpatch.#7");
    expect(ex.entries.find((e) => e.ordinal === 4)?.names).toEqual([]);
    expect(byName("Counter")?.code).toBe(false);
    expect(byName("Table")?.code).toBe(false);
    expect(byName("Local1")?.rva).toBe(byName("Local1Alias")?.rva);
  });

  it("multiname.dll: three names on ordinal 1, a NONAME ordinal, a forwarder to fib.Run", () => {
    const ex = image("samples/forwarders/multiname.dll").exports!;
    expect(ex.ordinalBase).toBe(1);
    expect(ex.entries.map((e) => [e.ordinal, e.names])).toEqual([
      [1, ["Alpha", "Beta", "Primary"]],
      [2, ["Square"]],
      [3, []],
      [4, ["Zeta"]],
    ]);
    expect(ex.entries[3]!.forwarder).toBe("fib.Run");
  });

  it("drivers: native images; the hog is sub esp, 3000 and calls its helper with the buffer", () => {
    for (const name of ["nts_func", "nts_lower", "nts_upper", "nts_missing"]) {
      const rel = `samples/drivers/${name}.sys`;
      const img = image(rel);
      expect(img.subsystem, rel).toBe(1); // IMAGE_SUBSYSTEM_NATIVE
      expect(img.isDll, rel).toBe(false);
      expect(img.entryRva, rel).toBe(pdbProcedures(rel).get("DriverEntry")!.rva);
      expect(img.imports.map((d) => d.dll.toLowerCase()), rel).toContain("ntoskrnl.exe");
    }
    const lower = image("samples/drivers/nts_lower.sys");
    const p = pdbProcedures("samples/drivers/nts_lower.sys");
    const hog = p.get("lower_hog_inspect")!;
    // 66 90 (hot-patch nop), push ebx, push esi, sub esp, 3000
    expect(bytesAt(lower, hog.rva, 10)).toEqual([0x66, 0x90, 0x53, 0x56, 0x81, 0xec, 0xb8, 0x0b, 0x00, 0x00]);
    expect(callTargets(lower, hog.rva, hog.size)).toEqual([p.get("lower_sum_every_fifth")!.rva]);
    const fnImports = image("samples/drivers/nts_lower.sys").imports.find((d) => d.dll === "nts_func.sys");
    expect(fnImports?.functions.map((f) => f.name)).toEqual(["NtsFunctionDevice"]);
    const missing = image("samples/drivers/nts_missing.sys").imports.flatMap((d) => d.functions.map((f) => f.name));
    expect(missing).toContain("NtraceNoSuchKernelApi");
  });

  it("missing.dll imports KERNEL32.dll!NtraceDoesNotExist", () => {
    const imports = image("samples/missing/missing.dll").imports;
    const names = imports.flatMap((d) => d.functions.map((f) => `${d.dll}!${f.name}`));
    expect(names).toContain("KERNEL32.dll!NtraceDoesNotExist");
  });
});

const haveGcc = spawnSync("sh", ["-c", "command -v gcc"]).status === 0;

describe("expected results recomputed natively (samples/tools/native-check.sh)", () => {
  it.skipIf(!haveGcc)("agree with expected.json for fib, hotpatch and compress", () => {
    const r = spawnSync("bash", [join(SAMPLES, "tools/native-check.sh")], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(20);
    let compared = 0;
    for (const line of lines) {
      const [sample, call, args, result] = line.split(" ");
      const argv = args!.split(",").map(Number);
      const matching = expectations.filter(
        (e) => e.image.startsWith(`samples/${sample}/`) && e.call === call && JSON.stringify(e.args) === JSON.stringify(argv),
      );
      for (const e of matching) {
        expect(e.result, `${e.image} ${call}(${args})`).toBe(Number(result));
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(20);
  });
});

const TOOLS = ["clang", "lld-link", "i686-w64-mingw32-gcc", "i686-w64-mingw32-g++-posix", "i686-w64-mingw32-ld", "llvm-dlltool"];
const haveToolchain = TOOLS.every((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status === 0);

describe("samples/build.sh", () => {
  it.skipIf(!haveToolchain)("rebuilds every committed image and PDB byte for byte", () => {
    const out = mkdtempSync(join(tmpdir(), "ntrace-samples-"));
    try {
      const r = spawnSync("bash", [join(SAMPLES, "build.sh")], {
        env: { ...process.env, NTRACE_SAMPLES_OUT: out },
        encoding: "utf8",
      });
      expect(r.status, r.stderr).toBe(0);
      const committed = [
        ...committedImages().flatMap((rel) => (/-stripped\.(dll|exe)$/i.test(rel) ? [rel] : [rel, rel.replace(/\.(dll|exe|sys)$/i, ".pdb")])),
        // the build's analysis for the call-count reference (samples/programs/callcounts/README.md)
        ...readdirSync(join(SAMPLES, "programs/callcounts"))
          .filter((f) => /\.(functions|inlined)\.txt$/.test(f))
          .map((f) => `samples/programs/callcounts/${f}`),
      ];
      for (const rel of committed) {
        const rebuilt = join(out, rel.slice("samples/".length));
        expect(existsSync(rebuilt), rel).toBe(true);
        expect(readFileSync(rebuilt).equals(readFileSync(join(ROOT, rel))), `${rel} differs from a rebuild`).toBe(true);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
