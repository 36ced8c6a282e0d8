/**
 * The emulated machine against the samples' written-down results (samples/expected.json) and
 * the CLI's exit status and messages (spawned from dist/, built by `npm test`). Programs and DLL
 * calls run as real processes on Wine's DLLs (runtime/session.ts); an observer reads the
 * machine's state where a test needs it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EngineUnavailableError, X86Reg, runSession, type Machine, type RunResult } from "../../runtime/index.js";
import { listImageFunctions } from "../../bin/commands/functions.js";
import { runImage, type RunOptions } from "../support/runs.js";

interface Expectation {
  image: string;
  call?: string;
  args?: number[];
  result?: number;
  exitCode?: number;
  expect?: string;
  load?: string[];
  allowMissingImports?: boolean;
}

const expected: Expectation[] = existsSync("samples/expected.json") ? (JSON.parse(readFileSync("samples/expected.json", "utf8")) as Expectation[]) : [];
const userMode = expected.filter((e) => !e.image.endsWith(".sys") && existsSync(e.image) && e.expect === undefined && (e.result !== undefined || e.exitCode !== undefined));

// threads.c: counter = 200*(1+2+3+4) = 2000, tls_ok_mask 0xF << 12, main_tls_ok << 16, late_ran 5 << 20
const THREADS_EXIT = 2000 + (0xf << 12) + (1 << 16) + (5 << 20);

/** Untraced runs, shared by the tests of this file that ask for the same call. */
const done = new Map<string, RunResult>();
function run(o: RunOptions): RunResult {
  const key = JSON.stringify(o);
  return done.get(key) ?? done.set(key, runImage(o)).get(key)!;
}
const sampleOptions = (e: Expectation): RunOptions => ({
  image: e.image,
  allowMissingImports: e.allowMissingImports ?? false,
  ...(e.load !== undefined ? { load: e.load } : {}),
  ...(e.call !== undefined ? { call: { name: e.call, args: e.args ?? [] } } : {}),
  maxInstructions: 500_000_000,
});

describe("samples give their written-down results (untraced)", () => {
  it("has user-mode samples to run", () => {
    expect(userMode.length).toBeGreaterThan(0);
  });
  for (const e of userMode) {
    it(`${e.image} ${e.call ?? "(entry)"}(${(e.args ?? []).join(", ")})`, () => {
      const r = run(sampleOptions(e));
      expect(r.failure).toBeUndefined();
      if (e.result !== undefined) expect(r.result).toBe(e.result >>> 0);
      if (e.exitCode !== undefined) expect(r.exitCode).toBe(e.exitCode >>> 0);
    });
  }
});

describe("machine", () => {
  it("runs user code at CPL 3 with FS = TEB of the current thread (threads.exe: every tls_is call, in 5 threads)", () => {
    // tls_is (threads.c) calls TlsGetValue, which Wine's kernelbase answers from
    // fs:[0x18]->TlsSlots: at the instruction after the call, EAX is what the guest read
    // through FS. It must be the slot of the TEB of the thread the machine is running, with
    // CS, SS and FS the ring-3 selectors (CPL 3) and that TEB's Self and ClientId its own.
    let machine: Machine | undefined;
    const seen: { thread: number; teb: number; cs: number; ss: number; fs: number; eax: number; slot: number; self: number; cid: [number, number]; threadCid: [number, number] }[] = [];
    const r = runSession({
      target: { mode: "user", image: "samples/threads/threads.exe" },
      observer: {
        onMachineReady: (m) => void (machine = m),
        onModuleLoaded: (mod) => {
          if (mod.name.toLowerCase() !== "threads.exe") return;
          const m = machine!;
          const tlsIs = mod.base + listImageFunctions("samples/threads/threads.exe", []).functions.find((f) => f.name === "tls_is")!.rva;
          const code = m.memory.read(tlsIs, 0x20);
          const call = code.findIndex((b, i) => b === 0xff && code[i + 1] === 0x15); // call [__imp_TlsGetValue]
          expect(call).toBeGreaterThan(0);
          m.engine.addCodeHook(tlsIs + call + 6, tlsIs + call + 6, () => {
            const t = m.currentThread()!;
            const esp = m.reg(t, X86Reg.ESP);
            const index = m.memory.u32(esp - 4); // TlsGetValue's argument (stdcall: popped)
            seen.push({
              thread: t.key,
              teb: t.teb,
              cs: m.engine.readRegister(X86Reg.CS),
              ss: m.engine.readRegister(X86Reg.SS),
              fs: m.engine.readRegister(X86Reg.FS),
              eax: m.engine.readRegister(X86Reg.EAX),
              slot: m.memory.u32(t.teb + 0xe10 + 4 * index),
              self: m.memory.u32(t.teb + 0x18),
              cid: [m.memory.u32(t.teb + 0x20), m.memory.u32(t.teb + 0x24)],
              threadCid: [t.cid.process, t.cid.thread],
            });
          });
        },
      },
    }).run;
    expect(r.failure).toBeUndefined();
    expect(r.exitCode).toBe(THREADS_EXIT); // includes every thread's own TLS check
    expect(seen).toHaveLength(801); // 4 workers × 200 + main (samples/expected.json calls.tls_is)
    expect(new Set(seen.map((s) => s.thread)).size).toBe(5);
    for (const s of seen) {
      expect(s.cs & 3).toBe(3);
      expect(s.ss & 3).toBe(3);
      expect(s.fs).toBe(0x3b);
      expect(s.eax).toBe(s.slot);
      expect(s.self).toBe(s.teb);
      expect(s.cid).toEqual(s.threadCid);
      expect(s.cid[1] % 4).toBe(0);
      expect(s.thread).toBeGreaterThanOrEqual(0x80000000);
    }
    // The values differ per thread (worker i stores 100·i + 7, main 0x42): a wrong FS would show.
    expect(new Set(seen.map((s) => s.eax))).toEqual(new Set([7, 107, 207, 307, 0x42]));
    expect(new Set(seen.map((s) => s.teb)).size).toBe(5);
  });

  it("counts instructions exactly and deterministically", () => {
    const a = runImage({ image: "samples/fib/fib.dll", call: { name: "Run", args: [15] } });
    const b = runImage({ image: "samples/fib/fib.dll", call: { name: "Run", args: [15] } });
    expect(a.result).toBe(610);
    expect(a.instructions).toBe(b.instructions);
    expect(a.instructions).toBeGreaterThan(10_000);
  });

  // "relocates an image whose preferred base is taken": machine-extra.test.ts "base relocations"
  // loads fib.dll and fib_nopad.dll (same preferred base) in one process and checks the moved
  // image's base, every fixup and Run(20) = 6765.

  it("stops a runaway guest at maxInstructions with a report", () => {
    // The limit lies past the runner's start-up on Wine's DLLs (about 0.8 M instructions).
    const r = runImage({ image: "samples/hotpatch/hotpatch.dll", call: { name: "Spin", args: [] }, maxInstructions: 2_000_000 });
    expect(r.failure).toMatch(/^the guest reached the instruction limit \(2000000\) in thread 0x8[0-9a-f]+ .*at hotpatch\.dll\+0x/);
    // the block clock stops at the first block start at or past the limit (a block holds at
    // most 512 instructions, TCG_MAX_INSNS); unicorn's instruction count stops exactly on it
    expect(r.instructions).toBeGreaterThanOrEqual(2_000_000);
    expect(r.instructions).toBeLessThan(2_000_512);
    expect(r.result).toBeUndefined();
  });
});

describe("ntrace run (CLI)", () => {
  const cli = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, ["dist/bin/ntrace.js", "run", ...args], { encoding: "utf8", env: { ...process.env, ...env } });

  it("prints the result as JSON (the last thing on stdout), the summary lines on stderr", () => {
    const r = cli(["samples/fib/fib.dll", "--call", "Run:20", "--no-trace", "--json"]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { result: number; threads: { key: string; cid: { thread: number } }[] };
    expect(out.result).toBe(6765);
    expect(out.threads[0]!.key).toMatch(/^0x8/);
    const text = cli(["samples/fib/fib.dll", "--call", "Run:20", "--no-trace"]);
    expect(text.status).toBe(0);
    expect(text.stdout).toBe("result: 6765 (0x00001a6d)\n");
    expect(text.stderr.trimEnd().split("\n").every((l) => l.startsWith("ntrace: "))).toBe(true);
  });

  it("exits 124 at --max-instructions with a clear message and no stack trace", () => {
    const r = cli(["samples/hotpatch/hotpatch.dll", "--call", "Spin", "--no-trace", "--max-instructions", "2000000"]);
    expect(r.status).toBe(124);
    expect(r.stderr).toMatch(/ntrace: the guest reached the instruction limit \(2000000\) in thread 0x8[0-9a-f]+ .* at hotpatch\.dll\+0x/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("says what to install when the unicorn library is missing (exit 125: could not run it)", () => {
    const r = cli(["samples/fib/fib.dll", "--call", "Run:20", "--no-trace"], { NTRACE_UNICORN_LIB: "/nonexistent/libunicorn.so.2" });
    expect(r.status).toBe(125);
    expect(r.stderr).toContain("the unicorn engine library (libunicorn.so.2) is not installed: apt-get install libunicorn2");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(EngineUnavailableError.name).toBe("EngineUnavailableError");
  });
});

describe("threads.exe", () => {
  const runThreads = (cpus: number) => {
    let machine: Machine | undefined;
    const summary = runSession({ cpus, quantum: 5000, target: { mode: "user", image: "samples/threads/threads.exe" }, observer: { onMachineReady: (m) => void (machine = m) } }).run;
    return { summary, schedule: machine!.schedule.map((s) => `${s.cpu}:${s.thread.toString(16)}@${s.clock}`) };
  };
  for (const cpus of [1, 2, 4]) {
    it(`gives the same result with ${cpus} CPU(s) and the same schedule twice`, () => {
      const a = runThreads(cpus);
      const b = runThreads(cpus);
      expect(a.summary.failure).toBeUndefined();
      expect(a.summary.exitCode).toBe(THREADS_EXIT);
      expect(a.summary.threads.length).toBe(6);
      expect(new Set(a.summary.threads.map((t) => t.key)).size).toBe(6);
      expect(a.schedule.length).toBeGreaterThan(6);
      expect(b.schedule).toEqual(a.schedule);
      expect(b.summary.instructions).toBe(a.summary.instructions);
      if (cpus > 1) expect(new Set(a.schedule.map((s) => s.split(":")[0])).size).toBeGreaterThan(1);
    });
  }
});

describe("seh.dll (results from samples/seh/README.md)", () => {
  const cases: [string, number][] = [["RaiseCaught", 107], ["DivideByZero", 303], ["ContinueExecution", 417], ["AccessViolation", 607]];
  for (const [name, result] of cases) {
    it(`${name} ends in the handler the source says (${result})`, () => {
      const r = run(sampleOptions({ image: "samples/seh/seh.dll", call: name })); // the samples' run of it above
      expect(r.failure).toBeUndefined();
      expect(r.result).toBe(result);
    });
  }
  it("refuses a registration record outside the stack (unhandled 0xE0000005)", () => {
    const r = run({ image: "samples/seh/seh.dll", call: { name: "BadRecord", args: [] } });
    expect(r.result).toBeUndefined();
    expect(r.exitCode).toBe(0xe0000005);
    // ExceptionAddress of a RaiseException: RtlRaiseException's return address, in kernelbase's
    // RaiseException (as on Windows).
    expect(r.failure).toMatch(/^unhandled exception 0xe0000005 \(software exception\) at kernelbase\.dll!RaiseException\+0x[0-9a-f]+ in thread 0x8[0-9a-f]{7} \(CID [0-9a-f]+:[0-9a-f]+\)$/);
  });
});

describe("missing imports", () => {
  it("fail to load naming every missing API", () => {
    expect(() => runImage({ image: "samples/missing/missing.dll", call: { name: "Works", args: [3] } })).toThrow(
      /samples\/missing\/missing\.dll imports functions that do not exist: kernel32\.dll!NtraceDoesNotExist/,
    );
  });
  it("with allowMissingImports, calling one ends the process with Wine's stub exception, naming the API and its caller", () => {
    const r = runImage({ image: "samples/missing/missing.dll", allowMissingImports: true, call: { name: "CallsMissing", args: [1] } });
    expect(r.result).toBeUndefined();
    // Wine binds an import nothing provides to a stub raising EXCEPTION_WINE_STUB (0x80000100);
    // nothing handles it, so the process ends with that code.
    expect(r.exitCode).toBe(0x80000100);
    expect(r.failure).toMatch(/^called the missing import kernel32\.dll!NtraceDoesNotExist \(nothing provides it\) from missing\.dll!CallsMissing\+0x[0-9a-f]+ in thread 0x8/i);
  });
});
