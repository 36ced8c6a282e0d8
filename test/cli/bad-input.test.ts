/**
 * Bad input through the CLI as a user gives it: a directory, an empty file, a truncated image,
 * garbage. Every command answers with one line naming the file (and for a damaged image the
 * structure and offset), exits 1 (`run`: 125, ntrace could not run it; bin/cli.ts), and never
 * prints an internal error or a stack trace.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, ntrace } from "./cli.js";

const dir = mkdtempSync(join(tmpdir(), "ntrace-bad-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fib = readFileSync(join(ROOT, "samples/fib/fib.dll"));
const empty = join(dir, "empty.dll");
writeFileSync(empty, new Uint8Array(0));
// "MZ" and a DOS header whose e_lfanew (0x78 in fib.dll) points past the end of the file.
const truncated = join(dir, "trunc64.dll");
writeFileSync(truncated, fib.subarray(0, 64));

function expectOneClearLine(args: readonly string[], mention: RegExp): void {
  const r = ntrace(args);
  expect(r.status, `${args.join(" ")}: ${r.stderr}`).toBe(args[0] === "run" ? 125 : 1);
  expect(r.stderr, args.join(" ")).not.toMatch(/internal error|\n\s+at /);
  expect(r.stderr.trimEnd().split("\n"), args.join(" ")).toHaveLength(1);
  expect(r.stderr, args.join(" ")).toMatch(mention);
}

describe("a directory given as the input file", () => {
  const commands: readonly (readonly string[])[] = [
    ["info"],
    ["info", "--json"],
    ["functions"],
    ["symbols"],
    ["run", "--no-trace"],
    ["dump"],
    ["replay"],
    ["report"],
    ["stack"],
    ["flamegraph", "--format", "folded"],
  ];
  for (const c of commands) {
    it(`ntrace ${c.join(" ")} <dir> says it is a directory`, () => {
      const [command, ...rest] = c;
      expectOneClearLine([command!, dir, ...rest], /directory|EISDIR/);
    });
  }
});

describe("an image cut short after the DOS header", () => {
  for (const command of ["info", "functions", "run"]) {
    it(`ntrace ${command} names the DOS header field and offset`, () => {
      const args = [command, truncated, ...(command === "run" ? ["--no-trace"] : [])];
      expectOneClearLine(args, /trunc64\.dll.*IMAGE_DOS_HEADER\.e_lfanew|IMAGE_DOS_HEADER\.e_lfanew.*trunc64\.dll/);
      expect(ntrace(args).stderr).toMatch(/offset 0x3c/);
    });
  }
});

it("ntrace info on an empty file says it is empty", () => {
  expectOneClearLine(["info", empty], /empty\.dll: the file is empty/);
});

describe("names with control characters (a damaged or hostile PDB)", () => {
  it("ntrace symbols writes them as \\xNN, never raw escape sequences", () => {
    // fib.pdb with every "leaf" name turned into ESC "ea" BEL.
    const pdb = Buffer.from(readFileSync(join(ROOT, "samples/fib/fib.pdb")));
    const from = Buffer.from("leaf\0", "latin1");
    for (let at = pdb.indexOf(from); at >= 0; at = pdb.indexOf(from, at + 1)) Buffer.from("\x1bea\x07", "latin1").copy(pdb, at);
    const hostile = join(dir, "escapes.pdb");
    writeFileSync(hostile, pdb);
    const r = ntrace(["symbols", hostile]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/procedure {2}\\x1bea\\x07\n/);
    expect([...r.stdout].filter((c) => c.charCodeAt(0) < 0x20 && c !== "\n")).toEqual([]);
    const json = JSON.parse(ntrace(["symbols", "--json", hostile]).stdout) as { functions: { name: string }[] };
    expect(json.functions.map((f) => f.name)).toContain("\\x1bea\\x07");
  });
});
