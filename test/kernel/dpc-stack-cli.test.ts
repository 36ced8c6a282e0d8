/**
 * Issue 7, must show 3, as a user sees it: `ntrace run` reports each CPU's DPC stack, and the
 * ESP `ntrace dump` shows at each DPC routine's entry lies inside one of those stacks, while the
 * event is attributed to a thread (KTHREAD) of the run: the stack switched, the thread did not.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ntrace } from "../cli/cli.js";

const dir = mkdtempSync(join(tmpdir(), "ntrace-dpc-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface RunJson {
  cpus: { index: number; idleThread: string; dpcStackLimit: number; dpcStackBase: number }[];
  threads: { key: string }[];
}

describe("DPC stacks through the CLI", () => {
  it("every DPC routine entry ESP is inside a CPU's reported DPC stack", () => {
    const trace = join(dir, "k.ntrace");
    const drivers = ["samples/kernel/kfunc.sys", "--load", "samples/kernel/kfilt1.sys", "--load", "samples/kernel/khog.sys"];
    const run = ntrace(["run", ...drivers, "--irp", "device_control:0x80002000:01020304", "--cpus", "2", "--json", "-o", trace]);
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout) as RunJson;
    expect(json.cpus).toHaveLength(2);
    for (const c of json.cpus) expect(c.dpcStackBase).toBeGreaterThan(c.dpcStackLimit);

    const dump = ntrace(["dump", trace, "--symbol-path", "samples/kernel"]);
    expect(dump.status).toBe(0);
    const dpcs = dump.stdout
      .split("\n")
      .map((l) => /^\s*\d+\s+(0x[0-9a-f]+)\s+entry\s+kfunc!DpcRoutine\s+esp=(0x[0-9a-f]+)/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ thread: m[1]!, esp: Number(m[2]) }));
    expect(dpcs.length).toBeGreaterThanOrEqual(2);
    const keys = new Set(json.threads.map((t) => t.key));
    for (const d of dpcs) {
      expect(keys.has(d.thread)).toBe(true);
      expect(json.cpus.some((c) => d.esp >= c.dpcStackLimit && d.esp < c.dpcStackBase)).toBe(true);
    }
  });
});
