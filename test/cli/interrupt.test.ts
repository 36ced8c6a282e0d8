/**
 * Issue 14 ("interruption keeps the record"): SIGINT, SIGTERM, --timeout, --max-instructions and
 * guest failures end the run with a closed trace (footer, threads, the footer's `interrupted`
 * record with the cause) and one line saying what was kept; SIGINT exits 130, SIGTERM 143.
 * SIGKILL leaves `<output>.<pid>.<n>.partial`, an exact prefix of the trace: its chunks are the
 * same chunks, byte for byte in content, as those of the same run bounded by
 * --max-instructions (the guest clock is deterministic).
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { openTrace, type EventChunk, type TraceFile } from "../../tracefile/index.js";
import { ROOT, ntraceAsync } from "./cli.js";

const dir = mkdtempSync(join(tmpdir(), "ntrace-interrupt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FIB = join(ROOT, "samples/fib/fib.dll");
/** fib(36) traced runs for minutes: every run here is ended from outside. */
const LONG_CALL = "Run:36";

interface Started {
  readonly child: ChildProcessByStdio<null, null, Readable>;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

function startRun(output: string): Started {
  const child = spawn(process.execPath, [join(ROOT, "dist/bin/ntrace.js"), "run", FIB, "--call", LONG_CALL, "-o", output], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (b: Buffer) => (err += b.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal !== null ? -1 : null))));
  return { child, stderr: () => err, exited };
}

/** Waits until `ready()` holds (polling), failing after `ms`. */
async function until(ready: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const partials = (): string[] => readdirSync(dir).filter((f) => f.endsWith(".partial"));
/** The run is recording: its partial trace has reached the file (the flush policy's first flush). */
const recording = (name: string) => () => partials().some((f) => f.startsWith(`${name}.`) && statSync(join(dir, f)).size > 0);

describe("a signal ends the run with a closed trace", () => {
  for (const [signal, status] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`${signal}: exit ${status}, one line saying what was kept, the footer's interrupted record`, async () => {
      const name = `${signal}.ntrace`;
      const run = startRun(join(dir, name));
      await until(recording(name), 60_000, "the first flush");
      run.child.kill(signal);
      expect(await run.exited).toBe(status);
      expect(run.stderr()).toMatch(new RegExp(`ntrace: run interrupted by ${signal}; closed with everything recorded: trace .*${name}: \\d+ events`));
      expect(run.stderr()).not.toMatch(/internal error|\n\s+at /);
      const trace = openTrace(join(dir, name));
      try {
        expect(trace.complete).toBe(true);
        expect(trace.damage).toEqual([]);
        expect(trace.run?.interrupted).toEqual({ cause: "signal", reason: signal });
        expect(trace.run?.failure).toBe(`interrupted by ${signal}`);
        expect(trace.threads.length).toBeGreaterThan(0);
        expect(trace.eventCount).toBeGreaterThan(65_536);
      } finally {
        trace.close();
      }
      expect(partials().filter((f) => f.startsWith(`${name}.`))).toEqual([]);
      const info = await ntraceAsync(["info", join(dir, name)]);
      expect(info.stdout.toString()).toMatch(new RegExp(`exit status: INTERRUPTED \\(signal\\): ${signal}`));
    }, 120_000);
  }
});

describe("Ctrl-C while the program waits for input", () => {
  it("Wine's find.exe blocked reading an open, silent stdin: SIGINT ends it (exit 130) with a closed trace", async () => {
    const out = join(dir, "find.ntrace");
    const child = spawn(process.execPath, [join(ROOT, "dist/bin/ntrace.js"), "run", "find.exe", "xyz", "-o", out], { cwd: dir, stdio: ["pipe", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (b: Buffer) => (err += b.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    // find.exe reads stdin, which stays open and silent: the run blocks in the host's read.
    await until(() => partials().some((f) => f.startsWith("find.ntrace.")), 60_000, "the run to start recording");
    await new Promise((r) => setTimeout(r, 1500));
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    child.stdin.end();
    expect(err).toMatch(/ntrace: run interrupted by SIGINT; closed with everything recorded: trace .*find\.ntrace/);
    const trace = openTrace(out);
    try {
      expect(trace.complete).toBe(true);
      expect(trace.run?.interrupted).toEqual({ cause: "signal", reason: "SIGINT" });
    } finally {
      trace.close();
    }
  }, 120_000);
});

describe("limits end the run with a closed trace", () => {
  it("--max-instructions: the interrupted record names the limit; exit 124", async () => {
    const out = join(dir, "limit.ntrace");
    const r = await ntraceAsync(["run", FIB, "--call", LONG_CALL, "--max-instructions", "3000000", "-o", out]);
    expect(r.status).toBe(124);
    expect(r.stderr).toMatch(/run interrupted by --max-instructions; closed with everything recorded: trace/);
    const trace = openTrace(out);
    try {
      expect(trace.complete).toBe(true);
      expect(trace.run?.interrupted?.cause).toBe("instruction-limit");
      expect(trace.run?.interrupted?.reason).toMatch(/^the guest reached the instruction limit \(3000000\) in thread 0x[0-9a-f]+ /);
    } finally {
      trace.close();
    }
  }, 60_000);

  it("--timeout inside one long engine slice: ends within the timeout plus start-up, exit 124", async () => {
    const out = join(dir, "timeout.ntrace");
    const started = Date.now();
    const r = await ntraceAsync(["run", FIB, "--call", LONG_CALL, "--timeout", "400", "-o", out]);
    const wall = Date.now() - started;
    expect(r.status).toBe(124);
    expect(r.stderr).toMatch(/run interrupted by --timeout; closed with everything recorded/);
    // Without the wall-time ticks this single-threaded call would run for minutes in one slice;
    // the bound is loose for busy machines (start-up is ~0.5 s here): the point is seconds, not minutes.
    expect(wall).toBeLessThan(10_000);
    const trace = openTrace(out);
    try {
      expect(trace.run?.interrupted?.cause).toBe("timeout");
    } finally {
      trace.close();
    }
  }, 60_000);
});

describe("a guest failure closes the trace too", () => {
  it("seh.dll BadRecord (an unhandled exception): the interrupted record says guest-failure with the exception", async () => {
    const out = join(dir, "fault.ntrace");
    const r = await ntraceAsync(["run", join(ROOT, "samples/seh/seh.dll"), "--call", "BadRecord", "-o", out]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).not.toMatch(/run interrupted by/); // the guest ended itself: not an interruption by ntrace or the user
    const trace = openTrace(out);
    try {
      expect(trace.complete).toBe(true);
      expect(trace.run?.interrupted?.cause).toBe("guest-failure");
      expect(trace.run?.interrupted?.reason).toMatch(/unhandled exception 0xe0000005/i);
      expect(trace.threads.length).toBeGreaterThan(0);
    } finally {
      trace.close();
    }
  }, 60_000);
});

describe("SIGKILL leaves an exact, readable prefix", () => {
  it("the .partial file holds the same chunks as the same run bounded by --max-instructions", async () => {
    const name = "killed.ntrace";
    const run = startRun(join(dir, name));
    await until(recording(name), 60_000, "the first flush");
    run.child.kill("SIGKILL");
    await run.exited;
    expect(existsSync(join(dir, name))).toBe(false);
    const [partial] = partials().filter((f) => f.startsWith(`${name}.`));
    expect(partial).toBeDefined();
    const killed = openTrace(join(dir, partial!));
    let reference: TraceFile | undefined;
    try {
      expect(killed.complete).toBe(false);
      const chunks = killed.chunkIndex();
      expect(chunks.length).toBeGreaterThan(0);
      // The reference run goes a little past the last recorded event.
      const lastTs = Math.max(...chunks.map((c) => c.lastTs));
      const refOut = join(dir, "reference.ntrace");
      expect((await ntraceAsync(["run", FIB, "--call", LONG_CALL, "--max-instructions", String(lastTs + 10_000), "-o", refOut])).status).toBe(124);
      reference = openTrace(refOut);
      const refChunks = reference.chunkIndex();
      for (const c of chunks) {
        const twin = refChunks.find((r) => r.thread === c.thread && r.seq === c.seq);
        expect(twin, `chunk ${c.seq} of thread ${c.thread}`).toBeDefined();
        expect([twin!.count, twin!.firstTs, twin!.lastTs]).toEqual([c.count, c.firstTs, c.lastTs]);
        expect(sameEvents(killed.readChunkAt(c)!, reference.readChunkAt(twin!)!)).toBe(true);
      }
    } finally {
      killed.close();
      reference?.close();
    }
  }, 120_000);
});

function sameEvents(a: EventChunk, b: EventChunk): boolean {
  if (a.count !== b.count) return false;
  for (let i = 0; i < a.count; i++) if (a.kind[i] !== b.kind[i] || a.ts[i] !== b.ts[i] || a.fn[i] !== b.fn[i] || a.esp[i] !== b.esp[i] || a.value[i] !== b.value[i]) return false;
  return true;
}
