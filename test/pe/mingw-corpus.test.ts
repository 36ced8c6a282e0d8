/**
 * Must-show 3: the parser reads every PE32 DLL in Debian's gcc-mingw-w64-i686-win32-runtime,
 * gcc-mingw-w64-i686-posix-runtime and mingw-w64-i686-dev packages without error, agreeing with
 * llvm-readobj (committed as test/golden/pe/mingw-dlls.json) on export and import counts.
 * The DLLs come from `bash test/fixtures/fetch-mingw-dlls.sh` (apt-get download + dpkg-deb -x
 * into test/.cache/mingw/); without that cache the test is skipped with a message.
 */
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isPe, parsePe, parseDebugBlock, buildDebugBlock, readRva, parsePeLayout, findPeExports, exportRvasOf, parsePeExports } from "../../pe/index.js";
import { GOLDEN_PE, ROOT } from "./samples.js";

interface GoldenDll { file: string; package: string; exports: number; imports: number; dlls: number }
interface Golden { packages: Record<string, string>; dlls: GoldenDll[] }

const cache = join(ROOT, "test/.cache/mingw");
const manifestPath = join(cache, "manifest.tsv");
const golden = JSON.parse(readFileSync(join(GOLDEN_PE, "mingw-dlls.json"), "utf8")) as Golden;
const haveCache = existsSync(manifestPath);
if (!haveCache) {
  console.warn("test/pe/mingw-corpus: SKIPPED — no corpus in test/.cache/mingw; run: bash test/fixtures/fetch-mingw-dlls.sh");
}
const manifest = haveCache
  ? readFileSync(manifestPath, "utf8").trim().split("\n").map((l) => {
      const [pkg, version, file] = l.split("\t") as [string, string, string];
      return { pkg, version, file };
    })
  : [];

describe.skipIf(!haveCache)("mingw-w64 runtime DLLs (real-world corpus)", () => {
  it("the cached packages are the versions the golden counts were made from", () => {
    const versions = Object.fromEntries(manifest.map((m) => [m.pkg, m.version]));
    expect(versions, "package versions changed: regenerate with bash test/fixtures/fetch-mingw-dlls.sh --golden").toEqual(
      Object.fromEntries(Object.entries(golden.packages).filter(([p]) => p in versions)),
    );
    expect(Object.keys(golden.packages).sort()).toEqual(["gcc-mingw-w64-i686-posix-runtime", "gcc-mingw-w64-i686-win32-runtime", "mingw-w64-i686-dev"]);
  });

  it("every PE32 DLL in the packages is in the golden list, and the other way round", () => {
    const pe32 = manifest.filter((m) => {
      const b = readFileSync(join(cache, "root", m.pkg, m.file));
      return isPe(b) && b.readUInt16LE(b.readUInt32LE(0x3c) + 4) === 0x14c;
    });
    expect(pe32.map((m) => m.file).sort()).toEqual(golden.dlls.map((d) => d.file).sort());
    expect(golden.dlls.length).toBeGreaterThanOrEqual(15);
  });

  it.each(golden.dlls.map((d) => [d.file, d] as const))("%s", (_file, want) => {
    const path = join(cache, "root", want.package, want.file);
    const img = parsePe(readFileSync(path), want.file);
    expect(img.exports?.entries.length ?? 0).toBe(want.exports);
    expect(img.imports.reduce((n, d) => n + d.functions.length, 0)).toBe(want.imports);
    expect(img.imports.length).toBe(want.dlls);
    // mingw keeps a COFF symbol table and long section names (.debug_info is "/29" on disk).
    expect(img.coffSymbols.length).toBeGreaterThan(0);
    expect(img.sections.map((s) => s.name)).toContain(".text");
    // Every section maps (the loader's view), and the debug block round-trips.
    for (const s of img.sections) expect(readRva(img, s.rva, s.virtualSize || s.rawSize).length).toBe(s.virtualSize || s.rawSize);
    expect(parseDebugBlock(buildDebugBlock(img.debug)).map((e) => e.type)).toEqual(img.debug.map((e) => e.type));
  });

  // The lookup the tracer uses in every module (watching for libgcc's unwinder) finds what the
  // full parse finds: every code export by name (libgcc_s_dw2-1.dll has the _Unwind_* ones),
  // nothing for names that are not exported, and it says when it needs bytes it was not given.
  it.each(golden.dlls.map((d) => [d.file, d] as const))("%s: named-export lookup agrees with the full export table", (_file, want) => {
    const layout = parsePeLayout(readFileSync(join(cache, "root", want.package, want.file)), want.file);
    const table = parsePeExports(layout, want.file);
    const names = [...new Set((table?.entries ?? []).flatMap((e) => e.names)), "_Unwind_RaiseException", "__cxa_begin_catch", "NoSuchExport", "_"];
    const expected = exportRvasOf(table, names);
    expect(findPeExports(layout, names, want.file)).toEqual(expected);
    expect(findPeExports(layout, ["NoSuchExport"], want.file)).toEqual(new Map());
    if (want.file.startsWith("libgcc_s_dw2")) expect(expected.has("_Unwind_RaiseException")).toBe(true);
    if ((table?.entries.length ?? 0) > 0) expect(findPeExports(layout, names, want.file, [0, 1])).toBeUndefined();
  });
});
