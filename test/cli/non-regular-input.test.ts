/**
 * Issue 14: an input that is not a regular file — a FIFO (which blocks its reader until someone
 * writes), a device such as /dev/zero (which never ends), a /proc file (size 0, changing) — is
 * refused at once by every command that reads one, with one line naming the file and what it
 * is: traces, images and PDBs given on the command line, `run`'s image and --load DLLs, and the
 * PDBs found along --symbol-path. Each command line runs under a time limit, so a regression
 * fails instead of hanging.
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fibProcedures, newTrace, sampleModule } from "../reader/helpers.js";
import { ROOT } from "./cli.js";

const dir = mkdtempSync(join(tmpdir(), "ntrace-nonregular-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fifo = join(dir, "pipe.ntrace");
const fifoMade = spawnStatus("mkfifo", [fifo]);

/** A small closed trace of fib.dll (its CodeView names fib.pdb), written without running anything. */
const trace = join(dir, "fib.ntrace");
{
  const procs = fibProcedures();
  const t = newTrace();
  const mod = t.module(sampleModule("samples/fib/fib.dll", [procs.get("Run")!]));
  const w = t.thread(0x81001000);
  w.entry(1, mod.firstFunctionId, 0x12ff00);
  w.exit(2, mod.firstFunctionId, 0);
  t.writer.close();
  writeFileSync(trace, t.sink.bytes());
}
const fibDll = join(ROOT, "samples/fib/fib.dll");

function spawnStatus(command: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => spawn(command, args, { stdio: "ignore" }).on("close", resolve));
}

interface Bounded {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs the built CLI; kills it (status null) after 30 s. */
function ntraceBounded(args: readonly string[]): Promise<Bounded> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [join(ROOT, "dist/bin/ntrace.js"), ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ status: code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), ms: Date.now() - started });
    });
  });
}

const FIFO_SAYS = `${fifo}: cannot read: is a named pipe (FIFO), not a regular file`;

describe("a FIFO, a device or a /proc file given as input is refused at once", () => {
  const cases: { args: string[]; status: number; says: string }[] = [
    ...[["info"], ["info", "--json"], ["symbols"], ["functions"], ["dump"], ["replay"], ["report"], ["stack"], ["flamegraph", "--format", "svg"], ["live"]].map(([command, ...rest]) => ({ args: [command!, fifo, ...rest], status: 1, says: FIFO_SAYS })),
    { args: ["graph", fifo, "fib"], status: 1, says: FIFO_SAYS },
    { args: ["report", "--diff", fifo, trace], status: 1, says: FIFO_SAYS },
    { args: ["run", fifo, "--no-trace"], status: 125, says: FIFO_SAYS },
    { args: ["run", fibDll, "--load", fifo, "--no-trace"], status: 125, says: FIFO_SAYS },
    { args: ["info", "/dev/zero"], status: 1, says: "/dev/zero: cannot read: is a character device, not a regular file" },
    { args: ["report", "/dev/zero"], status: 1, says: "/dev/zero: cannot read: is a character device, not a regular file" },
    { args: ["symbols", "/proc/self/status"], status: 1, says: "/proc/self/status: cannot read: is a kernel pseudo-file (on /proc), not a regular file" },
    { args: ["run", "/proc/self/status"], status: 125, says: "/proc/self/status: cannot read: is a kernel pseudo-file (on /proc), not a regular file" },
  ];

  it(`${cases.length} command lines: one line naming the file and what it is, in bounded time`, async () => {
    expect(await fifoMade).toBe(0);
    const results = await Promise.all(cases.map((c) => ntraceBounded(c.args)));
    cases.forEach((c, i) => {
      const r = results[i]!;
      const what = `ntrace ${c.args.join(" ")}`;
      expect(r.status, `${what} (killed after ${r.ms} ms if null): ${r.stderr}`).toBe(c.status);
      expect(r.stderr, what).toBe(`ntrace: ${c.says}\n`);
    });
  });
});

describe("--symbol-path: a FIFO or a /proc file where a PDB or a directory is looked for", () => {
  const symbols = join(dir, "symbols");
  mkdirSync(symbols);
  symlinkSync("/proc/self/status", join(symbols, "fib.pdb")); // found first, refused
  const image = join(dir, "image");
  mkdirSync(image);
  copyFileSync(fibDll, join(image, "fib.dll")); // no PDB beside it

  it("the readers warn and go on with export names", async () => {
    expect(await fifoMade).toBe(0);
    const r = await ntraceBounded(["report", trace, "--symbol-path", symbols, "--symbol-path", fifo]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`ntrace: warning: symbol path element ${fifo} is a named pipe (FIFO), not a directory; ignored\n`);
    expect(r.stderr).toContain(`(directory ${symbols}) is not used: ${join(symbols, "fib.pdb")}: cannot read: is a kernel pseudo-file (on /proc), not a regular file`);
  });

  it("`functions` skips it with the reason", async () => {
    const r = await ntraceBounded(["functions", join(image, "fib.dll"), "--symbol-path", symbols, "--symbol-path", fifo]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`symbol path element ${fifo} is a named pipe (FIFO), not a directory; ignored`);
    expect(r.stdout).toContain(`skipped ${join(symbols, "fib.pdb")}: ${join(symbols, "fib.pdb")}: cannot read: is a kernel pseudo-file (on /proc), not a regular file`);
  });
});
