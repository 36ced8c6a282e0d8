/**
 * The ordinary programs of samples/programs/ (mingw-w64 gcc/g++ -O2 builds: msvcrt and the
 * UCRT, C++ exceptions, threads, OpenMP, zlib) run through the CLI on Wine's DLLs and give
 * exactly the stdout bytes and exit codes of samples/programs/expected.json, which were
 * captured under a real 32-bit Wine 8.0 — untraced on one CPU, traced on four.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, ntraceAsync } from "../cli/cli.js";
import { mingwRuntimeDir, requireSystemDlls } from "./system-dlls.js";

requireSystemDlls();

interface ExpectedRun {
  readonly image: string;
  readonly args: readonly string[];
  /** The command line the program was started with under Wine (CreateProcessA, verbatim). */
  readonly commandLine: string;
  /** The command line was written by hand: ntrace gets it verbatim (--command-line). */
  readonly rawCommandLine?: boolean;
  readonly env?: Readonly<Record<string, string>>;
  readonly runtime?: "mingw-win32" | "mingw-posix" | "zlib";
  readonly stdout: string;
  readonly exitCode: number;
  readonly note: string;
}

const cases = JSON.parse(readFileSync(join(ROOT, "samples", "programs", "expected.json"), "utf8")) as ExpectedRun[];
const out = mkdtempSync(join(tmpdir(), "ntrace-programs-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const RUNTIME_DIRS: Record<NonNullable<ExpectedRun["runtime"]>, string> = {
  "mingw-win32": mingwRuntimeDir("win32"),
  "mingw-posix": mingwRuntimeDir("posix"),
  zlib: mingwRuntimeDir("win32"), // the fetch puts zlib1.dll into both runtime sets
};

function commandFor(c: ExpectedRun, extra: readonly string[]): string[] {
  const image = join(ROOT, c.image);
  const args = ["run", ...extra];
  if (c.runtime !== undefined) args.push("--dll-dir", RUNTIME_DIRS[c.runtime]);
  for (const [name, value] of Object.entries(c.env ?? {})) args.push("--env", `${name}=${value}`);
  if (c.rawCommandLine === true) args.push("--command-line", c.commandLine, image);
  else args.push(image, "--", ...c.args);
  return args;
}

/**
 * Under Wine the runner started each program by its bare name; ntrace starts it by its Windows
 * path (Z:\...\envargs.exe), as `wine envargs.exe` does: argv[0] and GetCommandLineA differ
 * in that word only.
 */
function asStartedByName(stdout: string, c: ExpectedRun): string {
  if (c.rawCommandLine === true) return stdout;
  const guestPath = `Z:${join(ROOT, c.image).replaceAll("/", "\\")}`;
  return stdout.replaceAll(guestPath, c.image.split("/").pop()!);
}

const title = (c: ExpectedRun) => `${c.image.split("/").pop()} ${c.args.map((a) => JSON.stringify(a)).join(" ")} → ${c.exitCode}`;

describe.concurrent("samples/programs on Wine's DLLs, as under real Wine", () => {
  it("expected.json covers every program of the directory", () => {
    const images = new Set(cases.map((c) => c.image.split("/").pop()));
    expect([...images].sort()).toEqual(["cpp.exe", "crt.exe", "envargs.exe", "exitcode.exe", "files.exe", "hello.exe", "openmp.exe", "stdthread.exe", "ucrt.exe", "win32threads.exe", "zlib.exe"]);
  });

  for (const c of cases) {
    it(`untraced, 1 CPU: ${title(c)}`, async () => {
      const run = await ntraceAsync(commandFor(c, ["--no-trace"]), { cwd: out });
      expect(run.stderr).toContain(`ntrace: exit code ${c.exitCode} (0x${(c.exitCode >>> 0).toString(16).padStart(8, "0")})`);
      expect(asStartedByName(run.stdout.toString("latin1"), c)).toBe(c.stdout);
    });
    it(`traced, 4 CPUs: ${title(c)}`, async () => {
      const trace = join(out, `${c.image.split("/").pop()}-${c.args.join("_").replace(/[^\w.-]/g, "")}.ntrace`);
      const run = await ntraceAsync(commandFor(c, ["--cpus", "4", "-o", trace]), { cwd: out });
      expect(run.stderr).toContain(`ntrace: exit code ${c.exitCode} (`);
      expect(run.stderr).toMatch(/ntrace: trace .*: [\d,]+ events/);
      expect(asStartedByName(run.stdout.toString("latin1"), c)).toBe(c.stdout);
      // The trace reads back: the report has rows of the program's traced functions.
      const report = await ntraceAsync(["report", trace], { cwd: out });
      expect(report.status, report.stderr).toBe(0);
      expect(report.stdout.toString().match(/ insn +\S+$/gm)?.length ?? 0).toBeGreaterThan(0);
    });
  }
});
