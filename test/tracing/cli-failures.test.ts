/**
 * A failed `ntrace run` never leaves an empty trace behind and never loses what was recorded
 * (runtime/session.ts): failing before the image is loaded (refused image, engine missing,
 * usage) → exit 125 (ntrace could not run it), one clear line, no trace file; failing after
 * tracing started (limit) → exit 124 (ntrace stopped it) and the complete, closed trace. Also the native helper's fallback note. Through the
 * built CLI (`npm test` builds dist/ first), in a fresh directory, with the default output
 * path (<image>.ntrace in the current directory) and with -o.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, sample } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "ntrace-fail-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ntrace(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, "dist/bin/ntrace.js"), ...args], { cwd, encoding: "utf8", env: { ...process.env, ...env } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A new working directory holding `files` only. */
function workdir(name: string, files: Record<string, Uint8Array> = {}): string {
  const path = mkdtempSync(join(dir, `${name}-`));
  for (const [f, bytes] of Object.entries(files)) writeFileSync(join(path, f), bytes);
  return path;
}

/** `ntrace run` could not run the program at all (bin/cli.ts EXIT_CANNOT_RUN). */
const CANNOT_RUN = 125;
/** `ntrace run` stopped the program (a limit; bin/cli.ts EXIT_STOPPED). */
const STOPPED = 124;

function expectOneClearLine(r: { status: number; stderr: string }, mention: RegExp): void {
  expect(r.status, r.stderr).toBe(CANNOT_RUN);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(mention);
}

const fib = readFileSync(sample("fib/fib.dll"));
/** fib.dll turned into a PE32+ (x86-64) header: refused when the image is parsed at load. */
const x64 = (() => {
  const b = Uint8Array.from(fib);
  const dv = new DataView(b.buffer);
  const nt = dv.getUint32(0x3c, true);
  dv.setUint16(nt + 4, 0x8664, true);
  dv.setUint16(nt + 24, 0x20b, true);
  return b;
})();

describe("failing before the image is loaded: no trace file", () => {
  it("a PE32+ image: exit 125, one line saying PE32+ is not supported, no x64.ntrace", () => {
    const cwd = workdir("pe64", { "x64.dll": x64 });
    expectOneClearLine(ntrace(["run", "x64.dll"], cwd), /x64\.dll.*PE32\+ \(64-bit\) images are not supported/);
    expect(readdirSync(cwd)).toEqual(["x64.dll"]);
  });

  it("a truncated image with -o: exit 125, the structure named, no trace file", () => {
    const cwd = workdir("trunc", { "trunc.dll": fib.subarray(0, 64) });
    expectOneClearLine(ntrace(["run", "trunc.dll", "--call", "Run:5", "-o", "out.ntrace"], cwd), /trunc\.dll.*IMAGE_DOS_HEADER\.e_lfanew|IMAGE_DOS_HEADER\.e_lfanew.*trunc\.dll/);
    expect(readdirSync(cwd)).toEqual(["trunc.dll"]);
  });

  it("NTRACE_UNICORN_LIB=/nonexistent: exit 125, the install hint, no trace file", () => {
    const cwd = workdir("noengine");
    const r = ntrace(["run", sample("fib/fib.dll"), "--call", "Run:5"], cwd, { NTRACE_UNICORN_LIB: "/nonexistent" });
    expectOneClearLine(r, /apt-get install libunicorn2/);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe("failing after tracing started: the complete, closed trace is kept", () => {
  // The limit lies past the runner's start-up on Wine's DLLs (about 0.8 M instructions before
  // the export is called), so Spin is running when it is reached.
  it("hotpatch.dll Spin --max-instructions 2000000: exit 124 naming the limit; info --json says complete, Spin UNCLOSED", () => {
    const cwd = workdir("spin");
    const r = ntrace(["run", sample("hotpatch/hotpatch.dll"), "--call", "Spin", "--max-instructions", "2000000"], cwd);
    expect(r.status).toBe(STOPPED);
    expect(r.stderr).toMatch(/^ntrace: the guest reached the instruction limit \(2000000\) in thread 0x8[0-9a-f]+ .* at hotpatch\.dll\+0x/m);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.stderr).toMatch(/ntrace: run interrupted by --max-instructions; closed with everything recorded: trace hotpatch\.ntrace: \d+ events, .*1 unclosed/);
    const file = join(cwd, "hotpatch.ntrace");
    expect(existsSync(file)).toBe(true);
    const info = ntrace(["info", file, "--json"], cwd);
    expect(info.status, info.stderr).toBe(0);
    const j = JSON.parse(info.stdout) as { complete: boolean; events: number; threads: unknown[] };
    expect(j.complete).toBe(true);
    expect(j.threads).toHaveLength(1);
    // THREAD_START, DllMain entry + exit, Spin entry, Spin UNCLOSED (nothing lost, all closed).
    expect(j.events).toBe(5);
  });
});

describe("the native hook helper's fallback is visible", () => {
  it.runIf(process.platform === "linux" && process.arch === "x64")("helper missing: one note on stderr, the run and trace still succeed (JS hooks)", () => {
    const cwd = workdir("fallback");
    const r = ntrace(["run", sample("fib/fib.dll"), "--call", "Run:5", "--json"], cwd, { NTRACE_NATIVE_LIB: "/nonexistent" });
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { result: number }).result).toBe(5);
    const notes = r.stderr.split("\n").filter((l) => l.includes("native hook helper"));
    // The note names the build script where it is, which exists (the npm package ships it too).
    expect(notes).toEqual([`ntrace: note: native hook helper not built (build it: sh ${join(ROOT, "runtime/tracing/native/build.sh")}); using JS hooks, about 3× slower`]);
    expect(existsSync(join(cwd, "fib.ntrace"))).toBe(true);
  });

  it("helper present (or --recorder hooks asked for): no note", () => {
    const cwd = workdir("nonote");
    const r = ntrace(["run", sample("fib/fib.dll"), "--call", "Run:5", "--recorder", "hooks"], cwd);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/native hook helper/);
  });

  it("--recorder guest is gone: one line naming the choices, no trace file", () => {
    const cwd = workdir("usage");
    expectOneClearLine(ntrace(["run", sample("fib/fib.dll"), "--call", "Run:5", "--recorder", "guest"], cwd), /--recorder must be native or hooks, not 'guest'/);
    expect(readdirSync(cwd)).toEqual([]);
  });
});
