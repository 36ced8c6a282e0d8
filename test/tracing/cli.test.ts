/**
 * The user path of must show 4: `ntrace run seh.dll --call <case> -o <trace>` then
 * `ntrace info <trace> --json`, through the built CLI (dist/, as `npm test` builds it first).
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, sample } from "./helpers.js";
import { namedTrace, strictReplay } from "./strict.js";

const tmp = mkdtempSync(join(tmpdir(), "ntrace-seh-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ntrace = (args: string[]) => spawnSync(process.execPath, ["dist/bin/ntrace.js", ...args], { cwd: ROOT, encoding: "utf8" });

interface InfoJson {
  kind: string;
  events: number;
  complete: boolean;
  modules: { name: string; functions: number; codeview?: { path: string } }[];
  threads: { key: number; cid: { process: number; thread: number }; events: number }[];
}

/** `ntrace run` + `ntrace info --json` on one seh.dll case; returns both outputs and the trace path. */
function runCase(call: string): { run: ReturnType<typeof ntrace>; info: InfoJson; file: string } {
  const file = join(tmp, `${call}.ntrace`);
  const run = ntrace(["run", "samples/seh/seh.dll", "--call", call, "-o", file, "--json"]);
  const info = ntrace(["info", file, "--json"]);
  expect(info.stderr).toBe("");
  expect(info.status).toBe(0);
  return { run, info: JSON.parse(info.stdout) as InfoJson, file };
}

describe("ntrace run + info on seh.dll (CLI)", () => {
  it("RaiseCaught: result 107, trace with 3 UNWIND events (code 0xE0000001), info counts every event", () => {
    const { run, info, file } = runCase("RaiseCaught");
    expect(run.status).toBe(0);
    expect((JSON.parse(run.stdout) as { result: number }).result).toBe(107);
    expect(run.stderr).toMatch(/ntrace: trace .*RaiseCaught\.ntrace: 20 events, .*3 unwound/);
    expect(info.kind).toBe("trace");
    expect(info.complete).toBe(true);
    // README: 26 C functions, all hot-patchable, and the asm helper seh_global_unwind (a
    // detour); seh_try and seh_resume return by jumping to their popped return address: not
    // traced.
    expect(info.modules.map((m) => [m.name, m.functions, m.codeview?.path])).toEqual([["seh.dll", 27, "seh.pdb"]]);
    expect(info.threads.length).toBe(1);
    // README path (a): entries DllMain ×2 (attach when the runner loads seh.dll, detach at its
    // ExitProcess), RaiseCaught, a_middle, a_inner, a_middle_handler ×2, a_outer_handler,
    // seh_global_unwind (9); exits DllMain ×2, a_middle_handler ×2, seh_global_unwind,
    // RaiseCaught (6); 3 UNWIND; THREAD_START + THREAD_END (2).
    expect(info.events).toBe(9 + 6 + 3 + 2);
    expect(info.threads[0]!.events).toBe(info.events);
    const trace = namedTrace(readFileSync(file), sample("seh/seh.dll"), "seh.dll");
    const t = strictReplay(info.threads[0]!.key, trace.eventsOf(info.threads[0]!.key));
    expect(t.unwound.map((u) => [trace.nameOf(u.fn), u.value >>> 0])).toEqual([
      ["a_outer_handler", 0xe0000001],
      ["a_inner", 0xe0000001],
      ["a_middle", 0xe0000001],
    ]);
  });

  it("AccessViolation: result 607, f_av_handler and f_read unwound with 0xC0000005", () => {
    const { run, info, file } = runCase("AccessViolation");
    expect(run.status).toBe(0);
    expect((JSON.parse(run.stdout) as { result: number }).result).toBe(607);
    const key = info.threads[0]!.key;
    const trace = namedTrace(readFileSync(file), sample("seh/seh.dll"), "seh.dll");
    const t = strictReplay(key, trace.eventsOf(key));
    expect(t.unwound.map((u) => [trace.nameOf(u.fn), u.value >>> 0])).toEqual([
      ["f_av_handler", 0xc0000005],
      ["f_read", 0xc0000005],
    ]);
    expect(t.unclosed).toEqual([]);
    expect(info.events).toBe(trace.eventsOf(key).length);
  });

  it("threads.exe --cpus 4: exit code 5371856 (status 5371856 & 0xff); info lists 6 threads, distinct KTHREAD keys and CIDs, events adding up", () => {
    const file = join(tmp, "threads.ntrace");
    const run = ntrace(["run", "samples/threads/threads.exe", "--cpus", "4", "-o", file, "--json"]);
    // ntrace exits with the program's exit code as a shell sees it: its low 8 bits.
    expect(run.status).toBe(5371856 & 0xff);
    const out = JSON.parse(run.stdout) as { exitCode: number; threads: { key: string; cid: { process: number; thread: number } }[] };
    expect(out.exitCode).toBe(5371856);
    const infoRun = ntrace(["info", file, "--json"]);
    expect(infoRun.status).toBe(0);
    const info = JSON.parse(infoRun.stdout) as InfoJson & { cpus: number };
    expect(info.cpus).toBe(4);
    // The trace's threads are the machine's threads: same KTHREAD keys with the same CIDs.
    const byKey = (a: { key: number }, b: { key: number }) => a.key - b.key;
    expect(info.threads.map((t) => ({ key: t.key, cid: t.cid })).sort(byKey)).toEqual(out.threads.map((t) => ({ key: Number(t.key), cid: t.cid })).sort(byKey));
    expect(info.threads.length).toBe(6);
    expect(new Set(info.threads.map((t) => t.key)).size).toBe(6);
    expect(new Set(info.threads.map((t) => t.cid.thread)).size).toBe(6);
    expect(info.threads.reduce((n, t) => n + t.events, 0)).toBe(info.events);
    const trace = namedTrace(readFileSync(file), sample("threads/threads.exe"), "threads.exe");
    for (const t of info.threads) {
      expect(trace.eventsOf(t.key).length).toBe(t.events);
      strictReplay(t.key, trace.eventsOf(t.key));
    }
  });

  it("BadRecord: exits with the exception code's low byte naming the unhandled exception, and the trace is still complete with 2 UNCLOSED", () => {
    const { run, info, file } = runCase("BadRecord");
    expect(run.status).toBe(0xe0000005 & 0xff);
    expect(run.stderr).toMatch(/2 unclosed/);
    // ExceptionAddress of a RaiseException is RtlRaiseException's return address, inside
    // kernelbase's RaiseException (as on Windows); the thread is the runner's only one.
    expect(run.stderr).toMatch(/^ntrace: unhandled exception 0xe0000005 \(software exception\) at kernelbase\.dll!RaiseException\+0x[0-9a-f]+ in thread 0x8[0-9a-f]{7} \(CID [0-9a-f]+:[0-9a-f]+\)$/m);
    expect(JSON.parse(run.stdout)).toMatchObject({ exitCode: 0xe0000005, failure: expect.stringMatching(/^unhandled exception 0xe0000005/) });
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(info.complete).toBe(true);
    const key = info.threads[0]!.key;
    const trace = namedTrace(readFileSync(file), sample("seh/seh.dll"), "seh.dll");
    const t = strictReplay(key, trace.eventsOf(key));
    expect(t.unclosed.map((u) => trace.nameOf(u.fn))).toEqual(["e_raise", "BadRecord"]);
    expect(t.exitCode >>> 0).toBe(0xe0000005);
  });
});
