/**
 * Issue 11: Wine's own console programs from the DLL set (cmd.exe and friends) give the same
 * output as under real Wine. The expected output was captured once with real 32-bit Wine 8.0
 * (the same Debian DLLs ntrace runs) by test/golden/wine-programs/regenerate.sh; real Wine is
 * not needed here. Each case runs through the CLI untraced and traced (some with --system, which
 * patches every Wine DLL), on 1 and 4 virtual processors: stdout must be byte-for-byte Wine's,
 * the exit status Wine's, the program's stderr Wine's, and no system call may be missing.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, ntraceAsync } from "../cli/cli.js";
import { requireSystemDlls } from "./system-dlls.js";

const CLI = join(ROOT, "dist/bin/ntrace.js");
const GOLDEN = join(ROOT, "test/golden/wine-programs");
const DATA = join(GOLDEN, "data");

/** One line of cases.json: a program of Wine's system directory, run with C:\data = data/. */
interface Case {
  readonly name: string;
  /** Program (a bare name: Wine's system directory) and its arguments. */
  readonly args: readonly [string, ...string[]];
  /** File piped to stdin, relative to the golden folder (default: an empty pipe). */
  readonly stdin?: string;
  /** Current directory (default C:\work, an empty writable directory). */
  readonly cwd?: string;
  /** C:\data writable (a copy of data/) instead of data/ itself read-only. */
  readonly writable?: boolean;
}

interface Variant {
  readonly label: string;
  readonly options: (trace: string) => string[];
}

/**
 * Each case runs twice: untraced, and traced to a file. They take turns with 1 and 4 virtual
 * processors (the untraced run on one count, the traced run on the other), and the first case
 * of each program is traced with --system (every Wine DLL patched, several seconds a run).
 */
function variants(index: number, firstOfProgram: boolean): Variant[] {
  const [untraced, traced] = index % 2 === 0 ? [1, 4] : [4, 1];
  const system = firstOfProgram ? ["--system"] : [];
  return [
    { label: `untraced, ${untraced} CPU${untraced > 1 ? "s" : ""}`, options: () => ["--no-trace", "--cpus", String(untraced)] },
    { label: `traced${firstOfProgram ? " --system" : ""}, ${traced} CPU${traced > 1 ? "s" : ""}`, options: (t) => ["-o", t, ...system, "--cpus", String(traced)] },
  ];
}

requireSystemDlls();
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run build)`);

const cases = JSON.parse(readFileSync(join(GOLDEN, "cases.json"), "utf8")) as Case[];
const scratch = mkdtempSync(join(tmpdir(), "ntrace-wine-programs-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let runs = 0;

describe.concurrent("Wine's console programs print what they print under real Wine", () => {
  cases.forEach((c, i) => {
    const golden = {
      stdout: readFileSync(join(GOLDEN, `${c.name}.stdout`)),
      stderr: readFileSync(join(GOLDEN, `${c.name}.stderr`), "latin1"),
      exit: Number(readFileSync(join(GOLDEN, `${c.name}.exit`), "utf8").trim()),
    };
    const [program, ...args] = c.args;
    const shown = c.args.map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(" ");
    const firstOfProgram = cases.findIndex((o) => o.args[0] === program) === i;
    for (const variant of variants(i, firstOfProgram)) {
      it(`${c.name}: ${shown} (${variant.label})`, async () => {
        const id = `${c.name}-${++runs}`;
        let data = DATA;
        if (c.writable === true) {
          data = join(scratch, `${id}-data`);
          cpSync(DATA, data, { recursive: true });
        }
        const trace = join(scratch, `${id}.ntrace`);
        const options = [
          ...variant.options(trace),
          "--mount",
          `${data}=C:\\data${c.writable === true ? ":rw" : ""}`,
          ...(c.cwd !== undefined ? ["--cwd", c.cwd] : []),
        ];
        const stdin = c.stdin !== undefined ? readFileSync(join(GOLDEN, c.stdin)) : Buffer.alloc(0);
        const run = await ntraceAsync(["run", ...options, program, "--", ...args], { cwd: scratch, input: stdin });
        const r = { ...run, stderr: run.stderrBytes.toString("latin1") };
        expect(r.stderr.split("\n").filter((l) => l.includes("unimplemented system call")), r.stderr).toEqual([]);
        // The program's stderr: what is left when ntrace's own lines are set aside.
        const theirs = r.stderr.split(/(?<=\n)/).filter((l) => !l.startsWith("ntrace:")).join("");
        // latin1: one character per byte, so the comparison is of the bytes (CRs and all).
        expect(r.stdout.toString("latin1"), r.stderr).toBe(golden.stdout.toString("latin1"));
        expect(theirs, r.stderr).toBe(golden.stderr);
        expect(r.status, r.stderr).toBe(golden.exit);
        if (options.includes("-o")) {
          expect(statSync(trace).size, r.stderr).toBeGreaterThan(0);
          // The summary names the patched images: the program's own, or with --system Wine's too.
          const patched = / functions in (\d+) module/.exec(r.stderr);
          expect(patched, r.stderr).not.toBeNull();
          if (options.includes("--system")) expect(Number(patched![1]), r.stderr).toBeGreaterThan(5);
        }
      });
    }
  });
});
