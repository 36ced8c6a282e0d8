/**
 * Tracing ordinary programs on Wine's DLLs, through the CLI: calls into system DLLs named by
 * Wine's exports, the path from the program down to the system call, system calls recorded
 * only when system libraries are traced, and byte-identical traces of identical runs on 1, 2
 * and 4 CPUs.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, ntraceAsync } from "../cli/cli.js";
import { requireSystemDlls } from "./system-dlls.js";

const PROGRAMS = join(ROOT, "samples", "programs");
const out = mkdtempSync(join(tmpdir(), "ntrace-tracing-user-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

requireSystemDlls();

interface DumpEvent {
  readonly kind: string;
  readonly fn: string;
  readonly thread: string;
}

/** `ntrace dump` lines → events (kind, module!function, thread). */
function parseDump(text: string): DumpEvent[] {
  const events: DumpEvent[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*\d+\s+(0x[0-9a-f]+)\s+(entry|exit|unwind|unclosed)\s+(\S+)/.exec(line);
    if (m !== null) events.push({ thread: m[1]!, kind: m[2]!, fn: m[3]! });
  }
  return events;
}

/** Every call path (outermost first) at the moment `fn` is entered. */
function pathsTo(events: readonly DumpEvent[], fn: string): string[][] {
  const stacks = new Map<string, string[]>();
  const found: string[][] = [];
  for (const e of events) {
    const stack = stacks.get(e.thread) ?? [];
    stacks.set(e.thread, stack);
    if (e.kind === "entry") {
      stack.push(e.fn);
      if (e.fn === fn) found.push([...stack]);
    } else {
      const i = stack.lastIndexOf(e.fn);
      if (i >= 0) stack.length = i;
    }
  }
  return found;
}

describe.concurrent("hello.exe traced into the system DLLs", () => {
  it("--module kernel32.dll --module kernelbase.dll: the CRT's write goes kernel32 → kernelbase → NtWriteFile", async () => {
    const trace = join(out, "h.ntrace");
    const run = await ntraceAsync(["run", join(PROGRAMS, "hello.exe"), "-o", trace, "--module", "kernel32.dll", "--module", "kernelbase.dll"], { cwd: out });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.toString("latin1")).toBe("Hello, world!\r\nhello.exe: printf and puts\r\n2 + 3 = 5\r\n");
    expect(run.stderr).toMatch(/ntrace: trace .*h\.ntrace: \d+ events, \d+ bytes \(\d+ functions in 4 module\(s\): [^)]*, \d+ system calls/);
    const dump = await ntraceAsync(["dump", trace]);
    const events = parseDump(dump.stdout.toString("utf8"));
    const writes = pathsTo(events, "ntdll!NtWriteFile");
    // msvcrt buffers stdout (a pipe): every flush passes through both DLLs' WriteFile.
    expect(writes.length).toBeGreaterThanOrEqual(1);
    for (const path of writes) expect(path.slice(-3)).toEqual(["kernel32!WriteFile", "kernelbase!WriteFile", "ntdll!NtWriteFile"]);
    // Each system call returned STATUS_SUCCESS into kernelbase.
    const exits = dump.stdout.toString("utf8").split("\n").filter((l) => /\bexit\s+ntdll!NtWriteFile\b/.test(l));
    expect(exits.length).toBe(writes.length);
    for (const l of exits) expect(l).toMatch(/ret=0x00000000/);
    // replay shows the same path by name.
    const replay = (await ntraceAsync(["replay", trace])).stdout.toString("utf8");
    expect(replay).toMatch(/WriteFile\(\) \{\n[^\n]*WriteFile\(\) \{\n[^\n]*NtWriteFile\(\);/);
  });

  it("without --module or --system: the program's own functions only, no system-call events", async () => {
    const trace = join(out, "own.ntrace");
    const run = await ntraceAsync(["run", join(PROGRAMS, "hello.exe"), "-o", trace], { cwd: out });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/system calls/);
    const info = JSON.parse((await ntraceAsync(["info", "--json", trace])).stdout.toString("utf8")) as { modules: { name: string }[] };
    expect(info.modules.map((m) => m.name)).toEqual(["hello.exe"]);
  });
});

describe.concurrent("determinism: identical runs give byte-identical traces", () => {
  for (const cpus of [1, 2, 4]) {
    it(`win32threads.exe traced with its system DLLs on ${cpus} CPU(s), twice`, async () => {
      // The same command line twice (the trace header records it), in two directories.
      const dirs = [join(out, `det${cpus}a`), join(out, `det${cpus}b`)];
      for (const d of dirs) mkdirSync(d);
      const args = ["run", join(PROGRAMS, "win32threads.exe"), "--cpus", String(cpus), "--module", "kernelbase.dll", "-o", "det.ntrace"];
      const [ra, rb] = await Promise.all(dirs.map((cwd) => ntraceAsync(args, { cwd })));
      expect(ra!.status).toBe(206);
      expect(rb!.status).toBe(206);
      expect(ra!.stdout.equals(rb!.stdout)).toBe(true);
      const [ta, tb] = dirs.map((d) => readFileSync(join(d, "det.ntrace")));
      expect(ta!.length).toBeGreaterThan(1000);
      expect(ta!.equals(tb!)).toBe(true);
    });
  }
});
