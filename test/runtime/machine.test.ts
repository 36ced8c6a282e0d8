/**
 * The emulated machine against the samples' written-down results (samples/expected.json) and
 * the CLI's exit status and messages (spawned from dist/, built by `npm test`).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runImage, createMachine, EngineUnavailableError } from "../../runtime/index.js";

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

describe("samples give their written-down results (untraced)", () => {
  it("has user-mode samples to run", () => {
    expect(userMode.length).toBeGreaterThan(0);
  });
  for (const e of userMode) {
    it(`${e.image} ${e.call ?? "(entry)"}(${(e.args ?? []).join(", ")})`, () => {
      const r = runImage({ image: e.image, allowMissingImports: e.allowMissingImports ?? false, ...(e.load !== undefined ? { load: e.load } : {}), ...(e.call !== undefined ? { call: { name: e.call, args: e.args ?? [] } } : {}), maxInstructions: 500_000_000 });
      expect(r.failure).toBeUndefined();
      if (e.result !== undefined) expect(r.result).toBe(e.result >>> 0);
      if (e.exitCode !== undefined) expect(r.exitCode).toBe(e.exitCode >>> 0);
    });
  }
});

describe("machine", () => {
  it("runs user code at CPL 3 with FS = TEB of the current thread", () => {
    const um = createMachine();
    try {
      const m = um.machine;
      const t = um.mainThread();
      // mov eax, fs:[0x18] (TEB.Self); mov ecx, cs; ret
      const code = m.allocate(0x1000, 7, "test code");
      m.memory.write(code.base, new Uint8Array([0x64, 0xa1, 0x18, 0, 0, 0, 0x8c, 0xc9, 0xc3]));
      let eax = 0;
      m.callGuest(t, code.base, [], (v) => {
        eax = v;
        m.parkHostThread(t);
      });
      m.run(() => t.state === "blocked");
      expect(eax).toBe(t.teb);
      expect(t.ctx[1]! & 3).toBe(3); // ECX = CS selector, RPL 3
      expect(m.memory.u32(t.teb + 0x24)).toBe(t.cid.thread);
      expect(t.cid.thread % 4).toBe(0);
      expect(t.key).toBeGreaterThanOrEqual(0x80000000);
    } finally {
      um.close();
    }
  });

  it("counts instructions exactly and deterministically", () => {
    const a = runImage({ image: "samples/fib/fib.dll", call: { name: "Run", args: [15] } });
    const b = runImage({ image: "samples/fib/fib.dll", call: { name: "Run", args: [15] } });
    expect(a.result).toBe(610);
    expect(a.instructions).toBe(b.instructions);
    expect(a.instructions).toBeGreaterThan(10_000);
  });

  it("relocates an image whose preferred base is taken", () => {
    const um = createMachine();
    try {
      const first = um.loadImage("samples/fib/fib.dll");
      // A second copy under another name cannot share the base.
      const again = um.process.loader.loadFile("samples/fib/fib_nopad.dll");
      expect(again.base).not.toBe(first.base);
      expect(um.callExport(again, "Run", [20])).toBe(6765);
    } finally {
      um.close();
    }
  });

  it("stops a runaway guest at maxInstructions with a report", () => {
    const r = runImage({ image: "samples/hotpatch/hotpatch.dll", call: { name: "Spin", args: [] }, maxInstructions: 2_000_000 });
    expect(r.failure).toMatch(/instruction limit \(2000000\).*hotpatch\.dll\+0x/);
    expect(r.instructions).toBe(2_000_000);
  });
});

describe("ntrace run (CLI)", () => {
  const cli = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, ["dist/bin/ntrace.js", "run", ...args], { encoding: "utf8", env: { ...process.env, ...env } });

  it("prints the result as JSON", () => {
    const r = cli(["samples/fib/fib.dll", "--call", "Run:20", "--no-trace", "--json"]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { result: number; threads: { key: string; cid: { thread: number } }[] };
    expect(out.result).toBe(6765);
    expect(out.threads[0]!.key).toMatch(/^0x8/);
  });

  it("exits non-zero at --max-instructions with a clear message and no stack trace", () => {
    const r = cli(["samples/hotpatch/hotpatch.dll", "--call", "Spin", "--no-trace", "--max-instructions", "1000000"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ntrace: the guest reached the instruction limit \(1000000\) in thread 0x8[0-9a-f]+ .* at hotpatch\.dll\+0x/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("says what to install when the unicorn library is missing", () => {
    const r = cli(["samples/fib/fib.dll", "--call", "Run:20", "--no-trace"], { NTRACE_UNICORN_LIB: "/nonexistent/libunicorn.so.2" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("the unicorn engine library (libunicorn.so.2) is not installed: apt-get install libunicorn2");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(EngineUnavailableError.name).toBe("EngineUnavailableError");
  });
});

describe("threads.exe", () => {
  // threads.c: counter = 200*(1+2+3+4) = 2000, tls_ok_mask 0xF << 12, main_tls_ok << 16, late_ran 5 << 20
  const expectedExit = 2000 + (0xf << 12) + (1 << 16) + (5 << 20);
  const run = (cpus: number) => {
    const um = createMachine({ cpus, quantum: 5000 });
    try {
      const mod = um.loadImage("samples/threads/threads.exe");
      um.runEntry(mod);
      return { summary: um.summary(), schedule: um.machine.schedule.map((s) => `${s.cpu}:${s.thread.toString(16)}@${s.clock}`) };
    } finally {
      um.close();
    }
  };
  for (const cpus of [1, 2, 4]) {
    it(`gives the same result with ${cpus} CPU(s) and the same schedule twice`, () => {
      const a = run(cpus);
      const b = run(cpus);
      expect(a.summary.failure).toBeUndefined();
      expect(a.summary.exitCode).toBe(expectedExit);
      expect(a.summary.threads.length).toBe(6);
      expect(new Set(a.summary.threads.map((t) => t.key)).size).toBe(6);
      expect(a.schedule.length).toBeGreaterThan(6);
      expect(b.schedule).toEqual(a.schedule);
      if (cpus > 1) expect(new Set(a.schedule.map((s) => s.split(":")[0])).size).toBeGreaterThan(1);
    });
  }
});

describe("seh.dll (results from samples/seh/README.md)", () => {
  const cases: [string, number][] = [["RaiseCaught", 107], ["DivideByZero", 303], ["ContinueExecution", 417], ["AccessViolation", 607]];
  for (const [name, result] of cases) {
    it(`${name} ends in the handler the source says (${result})`, () => {
      const r = runImage({ image: "samples/seh/seh.dll", call: { name, args: [] } });
      expect(r.failure).toBeUndefined();
      expect(r.result).toBe(result);
    });
  }
  it("refuses a registration record outside the stack (unhandled 0xE0000005)", () => {
    const r = runImage({ image: "samples/seh/seh.dll", call: { name: "BadRecord", args: [] } });
    expect(r.result).toBeUndefined();
    expect(r.exitCode).toBe(0xe0000005);
    expect(r.failure).toMatch(/unhandled exception 0xe0000005 at 0x[0-9a-f]{8} \(seh\.dll\+0x/);
  });
});

describe("missing imports", () => {
  it("fail to load naming every missing API", () => {
    expect(() => runImage({ image: "samples/missing/missing.dll", call: { name: "Works", args: [3] } })).toThrow(
      /samples\/missing\/missing\.dll imports functions that do not exist: kernel32\.dll!NtraceDoesNotExist/,
    );
  });
  it("with allowMissingImports, calling one stops only that thread, naming the API and its caller", () => {
    const r = runImage({ image: "samples/missing/missing.dll", allowMissingImports: true, call: { name: "CallsMissing", args: [1] } });
    expect(r.result).toBeUndefined();
    expect(r.exitCode).toBeUndefined();
    expect(r.failure).toMatch(/called missing import kernel32\.dll!NtraceDoesNotExist .*from missing\.dll\+0x/);
  });
});
