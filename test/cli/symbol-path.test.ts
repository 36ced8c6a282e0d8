/**
 * `ntrace run` and `ntrace functions` find PDBs along the same symbol path as the readers:
 * srv and cache stores and _NT_SYMBOL_PATH (pe/symstore/). The image is copied alone into a
 * directory, so its PDB is found only through the symbol path.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { symbolStoreKey } from "../../base/index.js";
import { parsePe } from "../../pe/index.js";
import { readFileSync } from "node:fs";
import { ntrace, ROOT } from "./cli.js";

const dir = mkdtempSync(join(tmpdir(), "ntrace-sympath-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const image = join(dir, "alone", "fib.dll");
const store = join(dir, "store");
mkdirSync(join(dir, "alone"));
copyFileSync(join(ROOT, "samples/fib/fib.dll"), image);
const cv = parsePe(readFileSync(image)).debug.find((d) => d.codeview !== undefined)!.codeview!;
const keyDir = join(store, "fib.pdb", symbolStoreKey(cv.guid, cv.age));
mkdirSync(keyDir, { recursive: true });
copyFileSync(join(ROOT, "samples/fib/fib.pdb"), join(keyDir, "fib.pdb"));
const SRV = `srv*${store}*https://msdl.microsoft.com/download/symbols`;

/** "6 functions in 1 module(s): 4 hotpatch-clang, 2 detour" from run's summary line. */
function patched(stderr: string): string {
  return /(\d+ functions in \d+ module\(s\): [^)]*)\)/.exec(stderr)?.[1] ?? stderr;
}

describe("record-time symbol path", () => {
  it("functions: only exports without the PDB; every PDB function with srv*store or _NT_SYMBOL_PATH", () => {
    const bare = ntrace(["functions", image, "--json"]);
    expect(bare.status, bare.stderr).toBe(0);
    const names = (out: string) => (JSON.parse(out) as { name: string }[]).map((f) => f.name).sort();
    expect(names(bare.stdout)).not.toContain("leaf");
    const viaSrv = ntrace(["functions", image, "--json", "--symbol-path", SRV]);
    expect(viaSrv.status, viaSrv.stderr).toBe(0);
    expect(names(viaSrv.stdout)).toEqual(expect.arrayContaining(["Run", "fib", "leaf"]));
    expect(viaSrv.stderr).toContain("symbol servers are not contacted");
    const viaEnv = ntrace(["functions", image, "--json"], { _NT_SYMBOL_PATH: `cache*${store}` });
    expect(names(viaEnv.stdout)).toEqual(names(viaSrv.stdout));
    const text = ntrace(["functions", image, "--symbol-path", SRV]);
    expect(text.stdout).toContain(`symbols: ${join(keyDir, "fib.pdb")}`);
  });

  it("run: patches the PDB's functions found through srv*store or _NT_SYMBOL_PATH", () => {
    const next = ntrace(["run", join(ROOT, "samples/fib/fib.dll"), "--call", "Run:5", "-o", join(dir, "a.ntrace")]);
    expect(next.status, next.stderr).toBe(0);
    const bare = ntrace(["run", image, "--call", "Run:5", "-o", join(dir, "b.ntrace")]);
    const viaSrv = ntrace(["run", image, "--call", "Run:5", "-o", join(dir, "c.ntrace"), "--symbol-path", SRV]);
    const viaEnv = ntrace(["run", image, "--call", "Run:5", "-o", join(dir, "d.ntrace")], { _NT_SYMBOL_PATH: SRV });
    expect(patched(viaSrv.stderr)).toBe(patched(next.stderr));
    expect(patched(viaEnv.stderr)).toBe(patched(next.stderr));
    // Without the PDB, call-target discovery finds the same functions (named by address).
    expect(patched(bare.stderr)).toBe(patched(next.stderr));
  });
});
