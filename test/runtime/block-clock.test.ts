/**
 * Issue 13: the deterministic clock without unicorn's per-instruction counting
 * (runtime/engine/README.md, "Clock"). The native block clock must count exactly what
 * unicorn's own instruction counter counts (NTRACE_CLOCK=count, the independent reference), and
 * a traced run must retire exactly the instructions of the untraced run, whatever the patching
 * method: the tracer's thunks, trampolines and entry jumps count nothing, the instructions it
 * moved out of a function count as the function's. Per-function self counts agree across
 * methods; with probes (no guest code changed at all) they are the untraced program's.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { clockLibraryPath } from "../../runtime/engine/unicorn.js";
import { runSession, type ExceptionInfo, type RunResult } from "../../runtime/index.js";
import { ROOT, ntraceAsync } from "../cli/cli.js";
import { mingwRuntimeDir, requireSystemDlls } from "../user/system-dlls.js";

requireSystemDlls();

const out = mkdtempSync(join(tmpdir(), "ntrace-clock-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const RUNS: readonly { readonly name: string; readonly args: readonly string[] }[] = [
  { name: "fib.dll Run(20)", args: [join(ROOT, "samples/fib/fib.dll"), "--call", "Run:20"] },
  { name: "fib_msvc.dll Run(18)", args: [join(ROOT, "samples/fib/fib_msvc.dll"), "--call", "Run:18"] },
  { name: "compress.dll Run(1)", args: [join(ROOT, "samples/compress/compress.dll"), "--call", "Run:1"] },
  { name: "hello.exe", args: [join(ROOT, "samples/programs/hello.exe")] },
  { name: "crt.exe", args: [join(ROOT, "samples/programs/crt.exe")] },
  { name: "cpp.exe (C++ exceptions)", args: ["--dll-dir", mingwRuntimeDir("win32"), join(ROOT, "samples/programs/cpp.exe")] },
];

async function instructions(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ count: number; stdout: string; stderr: string }> {
  const r = await ntraceAsync(["run", ...args], { cwd: out, env });
  const m = /([\d,]+) instructions/.exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  return { count: Number(m![1]!.replace(/,/g, "")), stdout: r.stdout.toString("latin1"), stderr: r.stderr };
}

describe.runIf(clockLibraryPath() !== undefined)("the block clock", () => {
  it.each(RUNS)("$name: untraced, counts what unicorn's own instruction counter counts", async ({ args }) => {
    const [block, unicorn] = await Promise.all([instructions(["--no-trace", ...args]), instructions(["--no-trace", ...args], { NTRACE_CLOCK: "count" })]);
    expect(block.count).toBeGreaterThan(100_000);
    expect(block.count).toBe(unicorn.count);
    expect(block.stdout).toBe(unicorn.stdout);
  });

  it.each(RUNS.map((r, i) => ({ ...r, i })))("$name: traced with every method, retires exactly the untraced instructions", async ({ args, i }) => {
    const untraced = await instructions(["--no-trace", ...args]);
    const traced = await Promise.all(
      ["auto", "detour", "probe"].map((method) => instructions([...(method === "auto" ? [] : ["--method", method]), "-o", join(out, `${method}-${i}.ntrace`), ...args])),
    );
    for (const t of traced) {
      expect(t.count).toBe(untraced.count);
      expect(t.stdout).toBe(untraced.stdout);
    }
  });

  it("Wine's cmd.exe with kernelbase traced (a system DLL patched as it loads, modules loading after it): retires exactly the untraced instructions", async () => {
    const args = ["cmd.exe", "/c", "echo hi& ver"];
    const [untraced, traced] = await Promise.all([instructions(["--no-trace", ...args]), instructions(["--module", "kernelbase", "-o", join(out, "cmd-kernelbase.ntrace"), ...args])]);
    expect(traced.stdout).toContain("hi");
    expect(traced.count).toBe(untraced.count);
    expect(traced.stdout).toBe(untraced.stdout);
  });

  it("fib.dll Run(15): per-function self and total instructions agree across hot patch, detour, probe and the JS recorder", async () => {
    const report = async (extra: readonly string[], name: string, env: NodeJS.ProcessEnv = {}) => {
      const trace = join(out, `${name}.ntrace`);
      await ntraceAsync(["run", ...extra, "-o", trace, join(ROOT, "samples/fib/fib.dll"), "--call", "Run:15"], { cwd: out, env });
      const rows = JSON.parse((await ntraceAsync(["report", "--json", "-s", "name", trace], { cwd: out })).stdout.toString()) as { function: string; calls: number; total: number; self: number }[];
      return rows.map(({ function: fn, calls, total, self }) => ({ fn, calls, total, self }));
    };
    const hotpatch = await report([], "hotpatch");
    expect(hotpatch.find((r) => r.fn === "fib")?.calls).toBe(1973); // 2F(16) - 1
    expect(await report(["--method", "detour"], "detour")).toEqual(hotpatch);
    expect(await report(["--method", "probe"], "probe")).toEqual(hotpatch);
    expect(await report(["--recorder", "hooks"], "hooks")).toEqual(hotpatch);
  });

  it("keeps faults precise without a per-instruction hook: the address of the faulting load, as with unicorn's count", () => {
    // seh.dll AccessViolation: f_read dereferences 0x10 in the middle of its block.
    const fault = (env: string | undefined): { at: number; result: number | undefined; instructions: number } => {
      const saved = process.env["NTRACE_CLOCK"];
      if (env === undefined) delete process.env["NTRACE_CLOCK"];
      else process.env["NTRACE_CLOCK"] = env;
      try {
        const seen: ExceptionInfo[] = [];
        const run = runSession({ target: { mode: "user", image: "samples/seh/seh.dll", call: { name: "AccessViolation", args: [] } }, observer: { onException: (_t, r) => void seen.push(r) } }).run as RunResult;
        const av = seen.find((e) => e.code === 0xc0000005);
        expect(av).toBeDefined();
        return { at: av!.address, result: run.result, instructions: run.instructions };
      } finally {
        if (saved === undefined) delete process.env["NTRACE_CLOCK"];
        else process.env["NTRACE_CLOCK"] = saved;
      }
    };
    const block = fault(undefined);
    const counted = fault("count");
    expect(block.result).toBe(607);
    expect(block).toEqual(counted);
  });
});
