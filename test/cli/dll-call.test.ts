/**
 * Record-time names for DLL runs (issue 15): `--call` takes an export's undecorated name when
 * it is unique (Compute → _Compute@4), suggests close names otherwise and checks
 * ordinals before the run (exit 125, nothing recorded); a DLL run without `--call` says that
 * only DllMain ran; the default trace is named after the image's stem.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ntrace, ROOT } from "./cli.js";
import { resolveCallExport, undecoratedExportName } from "../../runtime/user/dllcall.js";

// test/user/fixtures/decorated.c, built by clang for the MSVC target without a .def file.
const DECORATED = join(ROOT, "test/user/fixtures/decorated.dll");
const dir = mkdtempSync(join(tmpdir(), "ntrace-dll-call-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("--call names", () => {
  it("undecorates stdcall, fastcall and cdecl names", () => {
    expect(["_Compute@4", "@Mix@8", "_Tally", "Run", "_ComputeAll@8"].map(undecoratedExportName)).toEqual(["Compute", "Mix", "Tally", "Run", "ComputeAll"]);
  });

  it("resolves a unique undecorated name and names the candidates of an ambiguous one", () => {
    expect(resolveCallExport("x.dll", ["_Compute@4", "_ComputeAll@8"], "Compute")).toBe("_Compute@4");
    expect(resolveCallExport("x.dll", ["_Compute@4"], "_Compute@4")).toBe("_Compute@4");
    expect(() => resolveCallExport("x.dll", ["_Mix@4", "@Mix@8"], "Mix")).toThrow("x.dll exports several functions of that name: _Mix@4, @Mix@8");
  });

  it("calls _Compute@4 as Compute and _ComputeAll@8 as ComputeAll through the CLI", () => {
    const compute = ntrace(["run", DECORATED, "--call", "Compute:4", "-o", join(dir, "c.ntrace")]);
    expect(compute.status, compute.stderr).toBe(0);
    expect(compute.stdout).toBe("result: 13 (0x0000000d)\n");
    const all = ntrace(["run", "--no-trace", DECORATED, "--call", "ComputeAll:1,2"]);
    expect(all.stdout).toBe("result: 11 (0x0000000b)\n");
  });

  it("a misspelt name: exit 125 with close names, before anything runs or is recorded", () => {
    const cwd = mkdtempSync(join(dir, "miss-"));
    const r = ntrace(["run", DECORATED, "--call", "Comptue:1"], {}, cwd);
    expect(r.status).toBe(125);
    expect(r.stderr).toBe("ntrace: --call Comptue: decorated.dll has no export named Comptue; did you mean _Compute@4?\n");
    expect(readdirSync(cwd)).toEqual([]);
    const far = ntrace(["run", DECORATED, "--call", "Zebra"], {}, cwd);
    expect(far.stderr).toBe("ntrace: --call Zebra: decorated.dll has no export named Zebra (it exports 4 name(s); ntrace info decorated.dll lists them)\n");
    const ordinal = ntrace(["run", join(ROOT, "samples/fib/fib.dll"), "--call", "#9"], {}, cwd);
    expect(ordinal.status).toBe(125);
    expect(ordinal.stderr).toMatch(/^ntrace: --call #9: fib\.dll has no export with ordinal 9 \(its ordinals are \d+\.\.\d+\)\n$/);
  });

  it("without --call: a note that only DllMain ran, and the trace named after the stem", () => {
    const cwd = mkdtempSync(join(dir, "main-"));
    const r = ntrace(["run", join(ROOT, "samples/fib/fib.dll")], {}, cwd);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("ntrace: note: no export called (no --call): only fib.dll's DllMain ran, for process attach and detach\n");
    expect(existsSync(join(cwd, "fib.ntrace"))).toBe(true);
  });
});
