/**
 * Issue 14: options that match nothing give an error or a warning, never silence. `run`: a
 * --module no loaded image answers to, an --include / --exclude glob matching no function of the
 * traced images (warnings: the run and trace are still made), an invalid glob and --irp on a DLL
 * (usage errors before anything runs). The reader commands warn about their globs too.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openTrace } from "../../tracefile/index.js";
import { ROOT, ntraceAsync } from "./cli.js";

const dir = mkdtempSync(join(tmpdir(), "ntrace-unmatched-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FIB = join(ROOT, "samples/fib/fib.dll");
const run = (args: readonly string[], out: string) => ntraceAsync(["run", FIB, "--call", "Run:5", ...args, "-o", join(dir, out)]);

describe("run: options that select nothing are warned about", () => {
  it("--module nosuch.dll: a warning naming the modules that were loaded; the run and trace are made", async () => {
    const r = await run(["--module", "nosuch.dll,kernel32"], "module.ntrace");
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^ntrace: warning: --module nosuch\.dll names no image the program loaded \(loaded: .*kernel32\.dll.*fib\.dll.*\)$/m);
    expect(r.stderr).not.toMatch(/--module kernel32/); // that one was loaded (and traced)
    expect(existsSync(join(dir, "module.ntrace"))).toBe(true);
  }, 60_000);

  it("--include / --exclude matching no function: one warning each; a matching one is silent and selects", async () => {
    const r = await run(["--include", "nosuch*", "--include", "fib!f?b", "--exclude", "zz*"], "globs.ntrace");
    expect(r.status).toBe(0);
    const warnings = r.stderr.split("\n").filter((l) => l.startsWith("ntrace: warning:"));
    expect(warnings).toEqual(["ntrace: warning: --include nosuch* matches no function of the traced images", "ntrace: warning: --exclude zz* matches no function of the traced images"]);
    const trace = openTrace(join(dir, "globs.ntrace"));
    try {
      // fib!f?b (a module-qualified glob, as the reader takes it) selected fib alone.
      expect(trace.modules.map((m) => [m.name, m.functionRvas.length])).toEqual([["fib.dll", 1]]);
    } finally {
      trace.close();
    }
  }, 60_000);

  it("an invalid glob and --irp on a DLL are usage errors: exit 125, one line, no trace", async () => {
    for (const [args, message] of [
      [["--include", "["], /^ntrace: --include glob "\[": '\[' at 0 is not closed by '\]'$/],
      [["--exclude", "a[b"], /^ntrace: --exclude glob "a\[b": '\[' at 1 is not closed by '\]'$/],
      [["--irp", "read"], /^ntrace: --irp sends requests to drivers \(\.sys images\); .*fib\.dll is not one$/],
    ] as const) {
      const r = await run(args, "usage.ntrace");
      expect(r.status).toBe(125);
      expect(r.stderr.trimEnd()).toMatch(message);
      expect(existsSync(join(dir, "usage.ntrace"))).toBe(false);
    }
  }, 60_000);
});

describe("reader commands warn about globs that match nothing", () => {
  it("report --include zzz*: a warning, an empty report, exit 0", async () => {
    const out = join(dir, "r.ntrace");
    expect((await run([], "r.ntrace")).status).toBe(0);
    const r = await ntraceAsync(["report", out, "--include", "zzz*"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^ntrace: warning: --include zzz\* matches no function of this trace$/m);
  }, 60_000);
});
