/**
 * Issue 14 ("files are never destroyed"): every output is written beside its target and renamed
 * over it when complete (base/atomicfile.ts). A failed command leaves an existing file as it
 * was, an output naming an input is refused, and two runs on one output leave one complete
 * trace, never a mix. Traces on the guest clock are deterministic, so "complete" is checked
 * byte for byte against the same run written alone.
 */
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, ntraceAsync } from "./cli.js";

const dir = mkdtempSync(join(tmpdir(), "ntrace-outputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fib = join(dir, "fib.dll");
copyFileSync(join(ROOT, "samples/fib/fib.dll"), fib);
const leftovers = () => readdirSync(dir).filter((f) => f.endsWith(".tmp") || f.endsWith(".partial"));

describe("outputs never destroy a file", () => {
  it("refuses `run x.dll -o x.dll` and leaves the input as it was", async () => {
    const r = await ntraceAsync(["run", fib, "--call", "Run:5", "-o", fib], { cwd: dir });
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/refusing to write the output over the input .*fib\.dll/);
    expect(readFileSync(fib).equals(readFileSync(join(ROOT, "samples/fib/fib.dll")))).toBe(true);
  });

  it("a failed run (not an image, a misspelt export) leaves an existing trace untouched", async () => {
    const trace = join(dir, "kept.ntrace");
    expect((await ntraceAsync(["run", fib, "--call", "Run:10", "-o", trace], { cwd: dir })).status).toBe(0);
    const before = readFileSync(trace);
    const notImage = join(dir, "notes.txt");
    writeFileSync(notImage, "not a PE image\n");
    expect((await ntraceAsync(["run", notImage, "-o", trace], { cwd: dir })).status).toBe(125);
    expect((await ntraceAsync(["run", fib, "--call", "Nope:1", "-o", trace], { cwd: dir })).status).toBe(125);
    expect(readFileSync(trace).equals(before)).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it("refuses a reader output that names its input trace (`flamegraph t -o t`)", async () => {
    const trace = join(dir, "self.ntrace");
    expect((await ntraceAsync(["run", fib, "--call", "Run:8", "-o", trace], { cwd: dir })).status).toBe(0);
    const before = readFileSync(trace);
    const r = await ntraceAsync(["flamegraph", trace, "--format", "folded", "-o", trace], { cwd: dir });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/refusing to write the output over the input/);
    expect(readFileSync(trace).equals(before)).toBe(true);
  });

  it("two runs on one output leave one of the two complete traces, never a mix", async () => {
    // the same command lines alone first (the trace records its command line)
    const shared = join(dir, "shared.ntrace");
    const alone = async (n: number) => {
      expect((await ntraceAsync(["run", fib, "--call", `Run:${n}`, "-o", shared], { cwd: dir })).status).toBe(0);
      return readFileSync(shared);
    };
    const [a, b] = [await alone(22), await alone(23)];
    expect(a.equals(b)).toBe(false);
    const runs = await Promise.all([22, 23].map((n) => ntraceAsync(["run", fib, "--call", `Run:${n}`, "-o", shared], { cwd: dir })));
    expect(runs.map((r) => r.status)).toEqual([0, 0]);
    const got = readFileSync(shared);
    expect(got.equals(a) || got.equals(b)).toBe(true);
    expect(leftovers()).toEqual([]);
  });
});
