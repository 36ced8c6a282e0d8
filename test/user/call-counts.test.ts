/**
 * Issue 12: exact call counts against an independent reference, and a stripped image.
 *
 * The reference (samples/programs/callcounts/README.md): crt.c and cpp.cpp built a second time
 * with gcc -finstrument-functions, whose counting runtime (samples/programs/callcount.c)
 * printed the calls of every function when run under real 32-bit Wine (callcounts/<p>.wine.txt).
 * callcounts/<p>.json lists each of <p>.exe's own functions whose every source-level call is a
 * call of an out-of-line copy (not inlined anywhere, per the -g build's DWARF) with its RVAs
 * in <p>.exe and those counts. A trace of the uninstrumented <p>.exe, every function of it
 * traced, must count exactly as many entries at those RVAs.
 *
 * cpp-stripped.exe is cpp.exe's object linked with -s and no PDB: functions are discovered from
 * the entry point by following calls and named by address; each one's entry count equals the
 * count at the same RVA in the trace of cpp.exe (and the reference's where it has one).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EventKind, openTraceBytes } from "../../tracefile/index.js";
import { ROOT, ntraceAsync } from "../cli/cli.js";
import { mingwRuntimeDir, requireSystemDlls } from "./system-dlls.js";

requireSystemDlls();

interface Reference {
  readonly functions: readonly { readonly function: string; readonly rvas: readonly string[]; readonly calls: number }[];
  readonly notCompared: readonly { readonly function: string; readonly why: string }[];
}
interface Listed {
  readonly name: string;
  readonly rva: number;
  readonly patch: string;
}

const programs = join(ROOT, "samples/programs");
const out = mkdtempSync(join(tmpdir(), "ntrace-callcounts-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const dllDir = { crt: [], cpp: ["--dll-dir", mingwRuntimeDir("win32")] } as const;
const reference = (p: string) => JSON.parse(readFileSync(join(programs, "callcounts", `${p}.json`), "utf8")) as Reference;

/** Runs `image` traced (every function of the program) and counts entries per RVA of its module. */
async function entriesByRva(image: string, extra: readonly string[]): Promise<{ counts: Map<number, number>; stdout: string; status: number | null }> {
  const trace = join(out, `${image}.ntrace`);
  const run = await ntraceAsync(["run", ...extra, "-o", trace, join(programs, image)], { cwd: out });
  const t = openTraceBytes(readFileSync(trace));
  const module = t.modules.find((m) => `${m.name}.exe`.toLowerCase() === image.toLowerCase() || m.name.toLowerCase() === image.toLowerCase());
  expect(module, `module of ${image} in its trace`).toBeDefined();
  const counts = new Map<number, number>();
  for (const e of t.events()) {
    if (e.kind !== EventKind.Entry) continue;
    const i = e.fn - module!.firstFunctionId;
    const rva = module!.functionRvas[i];
    if (rva !== undefined) counts.set(rva, (counts.get(rva) ?? 0) + 1);
  }
  return { counts, stdout: run.stdout.toString("latin1"), status: run.status };
}

describe.each(["crt", "cpp"] as const)("%s.exe: call counts against gcc -finstrument-functions under real Wine", (p) => {
  it("counts every compared function's calls exactly", async () => {
    const ref = reference(p);
    const { counts } = await entriesByRva(`${p}.exe`, dllDir[p]);
    const got = ref.functions.map((f) => ({ function: f.function, calls: f.rvas.reduce((sum, rva) => sum + (counts.get(Number(rva)) ?? 0), 0) }));
    expect(got).toEqual(ref.functions.map((f) => ({ function: f.function, calls: f.calls })));
    // every function left out says why; the comparison covers calls that happened
    expect(ref.notCompared.every((f) => f.why.length > 0)).toBe(true);
    expect(ref.functions.filter((f) => f.calls > 0).length).toBeGreaterThanOrEqual(p === "crt" ? 6 : 15);
  });

  it(`runs ${p}-callcount.exe untraced to the counts real Wine printed`, async () => {
    const run = await ntraceAsync(["run", "--no-trace", ...dllDir[p], join(programs, `${p}-callcount.exe`)], { cwd: out });
    const lines = run.stderr
      .split("\n")
      .filter((l) => l.startsWith("callcount "))
      .sort();
    const wine = readFileSync(join(programs, "callcounts", `${p}.wine.txt`), "utf8")
      .split("\n")
      .filter((l) => l.startsWith("callcount "));
    expect(lines).toEqual(wine);
  });
});

describe("cpp-stripped.exe: no symbols, functions found by following calls", () => {
  it("gives the same call counts as cpp.exe for every function discovery finds, named by address", async () => {
    const listed = JSON.parse((await ntraceAsync(["functions", "--json", join(programs, "cpp-stripped.exe")], { cwd: out })).stdout.toString()) as Listed[];
    expect(listed.every((f) => f.name === `sub_${f.rva.toString(16).padStart(8, "0")}`)).toBe(true);
    // from the entry point, through mainCRTStartup's tail jump to __tmainCRTStartup, to main and on
    expect(listed.length).toBeGreaterThanOrEqual(60);
    expect(listed.map((f) => f.name)).toContain("sub_00004190"); // main
    const [stripped, plain] = await Promise.all([entriesByRva("cpp-stripped.exe", dllDir.cpp), entriesByRva("cpp.exe", dllDir.cpp)]);
    expect(stripped.stdout).toBe(plain.stdout);
    expect(stripped.status).toBe(plain.status);
    const traced = listed.filter((f) => f.patch !== "none");
    expect(traced.map((f) => [f.name, stripped.counts.get(f.rva) ?? 0])).toEqual(traced.map((f) => [f.name, plain.counts.get(f.rva) ?? 0]));

    // The reference's functions that discovery found (those reached by direct calls): the same counts.
    const found = new Set(listed.map((f) => f.rva));
    const compared = reference("cpp").functions.filter((f) => f.rvas.every((rva) => found.has(Number(rva))));
    expect(compared.length).toBeGreaterThanOrEqual(12);
    expect(compared.map((f) => [f.function, f.rvas.reduce((sum, rva) => sum + (stripped.counts.get(Number(rva)) ?? 0), 0)])).toEqual(compared.map((f) => [f.function, f.calls]));

    // The reader names them by address.
    const report = (await ntraceAsync(["report", join(out, "cpp-stripped.exe.ntrace")], { cwd: out })).stdout.toString();
    expect(report).toMatch(/cpp-stripped\+0x1e30\b/); // parse_digit
  });
});
