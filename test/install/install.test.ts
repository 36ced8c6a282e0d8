/**
 * Installing ntrace as a new user would (issue 15): the `npm pack` tarball installed in another
 * directory, with and without a C compiler, and `npm install -g .` from a fresh clone. Each
 * must give a working `ntrace`; the package exposes only its public API (exports map); the
 * README's typed library example compiles and runs against the installed package.
 * Uses the npm registry (the package's dependencies) like any install does.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../cli/cli.js";

const dir = mkdtempSync(join(tmpdir(), "ntrace-install-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The environment of a user's shell: none of the npm settings of the `npm test` running us. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(config|lifecycle|package)_/i.test(k) && k !== "INIT_CWD"));
  return { ...env, ...extra };
}

function sh(command: string, args: readonly string[], cwd: string, extra: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: "utf8", env: userEnv(extra), timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  expect(r.status, `${what}:\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

let tarball: string;

beforeAll(() => {
  ok(sh("npm", ["pack", "--pack-destination", dir, "--loglevel=error"], ROOT), "npm pack");
  tarball = join(dir, readdirSync(dir).find((f) => f.endsWith(".tgz"))!);
}, 300_000);

/** A project directory with the tarball installed into it. */
function installInto(name: string, extra: Record<string, string> = {}): { project: string; output: string } {
  const project = join(dir, name);
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: `try-${name}`, version: "1.0.0", private: true, type: "module" }));
  const r = sh("npm", ["install", "--no-audit", "--no-fund", "--foreground-scripts", tarball], project, extra);
  return { project, output: ok(r, `npm install ${tarball}`) + r.stderr };
}

describe("the npm pack tarball, installed in another directory", () => {
  it("ships the built CLI, the native helper's source and build script, and no bench code", () => {
    const files = ok(sh("tar", ["tzf", tarball], dir), "tar").split("\n");
    for (const f of ["package/dist/bin/ntrace.js", "package/dist/index.d.ts", "package/runtime/tracing/native/build.sh", "package/runtime/tracing/native/ntrace_hooks.c", "package/scripts/postinstall.mjs", "package/samples/fib/fib.dll"]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => f.startsWith("package/dist/bench/"))).toEqual([]);
  });

  it("gives a working ntrace with the native helper built at install; only the public API is importable; the README example runs", () => {
    const { project, output } = installInto("with-cc");
    expect(output).toContain("ntrace: built the native hook helper");
    const bin = join(project, "node_modules/.bin/ntrace");
    expect(ok(sh(bin, ["--version"], project), "--version")).toMatch(/^ntrace \d+\.\d+\.\d+\nengine: unicorn \d+\.\d+\.\d+ .*\n(note: unicorn 2\.0 is slower.*\n)?recorder: native hook helper$/m);
    const sample = join(project, "node_modules/ntrace/samples/fib/fib.dll");
    expect(ok(sh(bin, ["run", sample, "--call", "Run:10", "-o", join(project, "t.ntrace")], project), "run")).toContain("result: 55 (0x00000037)");
    // exports: the package's entry point imports; its internals do not.
    const entry = sh(process.execPath, ["--input-type=module", "-e", 'const m = await import("ntrace"); console.log(typeof m.runSession, typeof m.openTrace, typeof m.computeReport)'], project);
    expect(ok(entry, "import ntrace").trim()).toBe("function function function");
    const internal = sh(process.execPath, ["--input-type=module", "-e", 'await import("ntrace/dist/bench/run.js")'], project);
    expect(internal.status).not.toBe(0);
    expect(internal.stderr).toContain("ERR_PACKAGE_PATH_NOT_EXPORTED");
    // The README's library example, type-checked against the installed package's types and run.
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const example = /<!-- library-example[^>]*-->\s*```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    writeFileSync(join(project, "example.ts"), example);
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    ok(
      sh(process.execPath, [tsc, "--strict", "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext", "--skipLibCheck", "--types", "node", "--typeRoots", join(ROOT, "node_modules/@types"), "example.ts"], project),
      "tsc example.ts",
    );
    // Run where the example's relative paths (samples/fib/…) exist: the installed package.
    const out = ok(sh(process.execPath, [join(project, "example.js")], join(project, "node_modules/ntrace")), "node example.js");
    expect(out).toMatch(/^Run\(20\) = 6765, \d+ events$/m);
    expect(out).toContain("fib: 21891 calls"); // 2·F(21) − 1
    expect(out).toMatch(/Total\s+Self\s+Calls\s+Avg\s+Max\s+Function/);
  }, 300_000);

  it("without a C compiler: the install succeeds with a note, tracing falls back to JS hooks and names the script that builds the helper", () => {
    const { project, output } = installInto("no-cc", { CC: "/nonexistent/cc" });
    expect(output).toMatch(/ntrace: note: the native hook helper was not built: no C compiler \(\/nonexistent\/cc not found\)\. Tracing works through the JS hooks, about 3x slower; to build it later: sh \S+build\.sh/);
    const pkg = join(project, "node_modules/ntrace");
    expect(existsSync(join(pkg, "runtime/tracing/native/libntrace_hooks.so"))).toBe(false);
    const bin = join(project, "node_modules/.bin/ntrace");
    const r = sh(bin, ["run", join(pkg, "samples/fib/fib.dll"), "--call", "Run:10", "-o", join(project, "t.ntrace")], project);
    expect(ok(r, "run")).toContain("result: 55 (0x00000037)");
    const script = join(pkg, "runtime/tracing/native/build.sh");
    expect(r.stderr).toContain(`ntrace: note: native hook helper not built (build it: sh ${script}); using JS hooks, about 3× slower`);
    // The script it names exists and works once a compiler is there.
    ok(sh("sh", [script], project), "build.sh");
    expect(ok(sh(bin, ["--version"], project), "--version")).toMatch(/recorder: native hook helper$/m);
  }, 300_000);
});

describe("npm install -g . from a fresh clone", () => {
  it("puts a working ntrace on PATH", () => {
    const clone = join(dir, "clone");
    const prefix = join(dir, "prefix");
    ok(sh("git", ["clone", "--quiet", "--no-checkout", ROOT, clone], dir), "git clone");
    const head = ok(sh("git", ["rev-parse", "HEAD"], ROOT), "rev-parse").trim();
    ok(sh("git", ["checkout", "--quiet", head], clone), "git checkout");
    ok(sh("npm", ["install", "-g", ".", "--prefix", prefix, "--no-audit", "--no-fund"], clone), "npm install -g .");
    const path = `${join(prefix, "bin")}:${process.env["PATH"] ?? ""}`;
    const version = sh("ntrace", ["--version"], dir, { PATH: path });
    expect(ok(version, "ntrace --version")).toMatch(/^ntrace \d+\.\d+\.\d+\nengine: unicorn /);
    const run = sh("ntrace", ["run", join(clone, "samples/fib/fib.dll"), "--call", "Run:10", "-o", join(dir, "g.ntrace")], dir, { PATH: path });
    expect(ok(run, "ntrace run")).toContain("result: 55 (0x00000037)");
    expect(run.stderr).not.toContain("note:"); // the helper was built at install
  }, 400_000);
});
