/**
 * The command line as uftrace users meet it (issue 15): every filter a command lists in its
 * help changes what that command prints; short flags; graph, report --diff, live; info's run
 * summary; --version naming the engine; units explained in --help.
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ntrace, ROOT } from "./cli.js";
import { fibProcedures, sampleModule, newTrace, Script, scriptFibRun } from "../reader/helpers.js";

const FIB_NAMES = ["leaf", "fib", "deep", "Run", "Deep", "DllMain"];
const dir = mkdtempSync(join(tmpdir(), "ntrace-uftrace-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SP = ["--symbol-path", join(ROOT, "samples/fib")];

/** Two threads: Run(5) and Run(3), with ESPs (stack) and a Deep → deep path on the first. */
function writeTwoThreadTrace(): string {
  const procs = fibProcedures();
  const t = newTrace();
  const mod = t.module(sampleModule("samples/fib/fib.dll", FIB_NAMES.map((x) => procs.get(x)!)));
  const id = (x: string) => mod.firstFunctionId + FIB_NAMES.indexOf(x);
  const ids = { Run: id("Run"), fib: id("fib"), leaf: id("leaf") };
  const a = new Script(t.thread(0x81001000, 4, 8));
  const b = new Script(t.thread(0x81002000, 4, 12), 0x0022ff00);
  scriptFibRun(a, 5, ids);
  a.call(id("Deep"), 40, () => a.call(id("deep"), 24));
  b.ts = a.ts + 100;
  scriptFibRun(b, 3, ids);
  t.writer.close();
  const file = join(dir, "two.ntrace");
  writeFileSync(file, t.sink.bytes());
  return file;
}

const trace = writeTwoThreadTrace();

/** A value for each filter flag that must change any command's output on this trace. */
const FILTER_ARGS: Record<string, string> = {
  "--thread": "0x81002000",
  "-F": "leaf",
  "-N": "leaf",
  "-D": "1",
  "-t": "100",
  "-r": "1200~",
  "-C": "deep",
};

function run(args: string[]): string {
  const r = ntrace(args);
  expect(r.status, `${args.join(" ")}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe("every filter a command lists works on that command", () => {
  for (const command of ["dump", "replay", "report", "graph", "stack", "flamegraph"]) {
    it(command, () => {
      const help = run([command, "--help"]);
      const listed = Object.keys(FILTER_ARGS).filter((flag) => new RegExp(`(^|\\s)${flag}[ ,]`, "m").test(help));
      expect(listed.length, help).toBeGreaterThan(2);
      const extra = command === "graph" ? ["fib"] : [];
      const plain = run([command, trace, ...extra, ...SP]);
      for (const flag of listed) {
        // stack's table has no innermost frames (nothing measured them): exclude an outer one.
        const value = command === "stack" && flag === "-N" ? "fib" : FILTER_ARGS[flag]!;
        const filtered = run([command, trace, ...extra, flag, value, ...SP]);
        expect(filtered, `${command} ${flag} ${value} changes nothing`).not.toBe(plain);
      }
      // Help explains the units.
      expect(help).toMatch(/insn = guest instructions executed/);
    });
  }

  it("dump and stack no longer list filters they cannot apply", () => {
    expect(run(["dump", "--help"])).not.toMatch(/--threshold|--caller/);
    expect(run(["stack", "--help"])).not.toMatch(/--depth|--threshold|--time-range|--caller/);
  });
});

describe("new commands", () => {
  it("graph prints the backtrace and the call graph", () => {
    const out = run(["graph", trace, "fib", ...SP]);
    expect(out).toContain("========== BACKTRACE ==========");
    expect(out).toContain("========== FUNCTION CALL GRAPH ==========");
    expect(out).toMatch(/^\s+\S+ insn\s+\S+ insn\s+2\s+fib$/m); // two outermost calls: one per thread
    expect(out).toMatch(/\+-leaf$/m);
    const bad = ntrace(["graph", trace, "nosuch", ...SP]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr.trim().split("\n")).toEqual(['ntrace: no function of this trace is named "nosuch"']);
  });

  it("report --diff compares two traces", () => {
    const base = join(dir, "base.ntrace");
    const next = join(dir, "next.ntrace");
    run(["run", "samples/fib/fib.dll", "--call", "Run:8", "-o", base]);
    run(["run", "samples/fib/fib.dll", "--call", "Run:10", "-o", next]);
    const rows = JSON.parse(run(["report", "--diff", base, next, "--json", ...SP])) as { function: string; delta: { calls: number }; base: { calls: number } }[];
    const fib = rows.find((r) => r.function === "fib")!;
    expect([fib.base.calls, fib.delta.calls]).toEqual([67, 177 - 67]); // 2·F(9)−1, 2·F(11)−1
    const text = run(["report", "--diff", base, next, ...SP]);
    expect(text).toMatch(/Total \(base\)\s+Total \(new\)\s+Diff\s+Ratio/);
    expect(text).toMatch(/\+110\s+fib$/m);
  });

  it("live runs, replays and keeps no trace; -o keeps it; --report shows the report", () => {
    const cwd = mkdtempSync(join(tmpdir(), "ntrace-live-cwd-"));
    try {
      const before = readdirSync(tmpdir()).filter((f) => f.startsWith("ntrace-live-") && !f.startsWith("ntrace-live-cwd-")).length;
      const r = ntrace(["live", join(ROOT, "samples/fib/fib.dll"), "--call", "Run:4", ...SP]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain("result: 3 (0x00000003)");
      expect(r.stdout).toMatch(/\[0x[0-9a-f]{8}\] \|\s+Run\(\) \{/);
      expect(readdirSync(tmpdir()).filter((f) => f.startsWith("ntrace-live-") && !f.startsWith("ntrace-live-cwd-")).length).toBe(before);
      const kept = join(cwd, "kept.ntrace");
      const k = ntrace(["live", join(ROOT, "samples/fib/fib.dll"), "--call", "Run:6", "--report", "-o", kept, ...SP]);
      expect(k.status, k.stderr).toBe(0);
      expect(k.stdout).toMatch(/Total\s+Self\s+Calls\s+Avg\s+Max\s+Function/);
      expect(existsSync(kept)).toBe(true);
      const bad = ntrace(["live", join(ROOT, "samples/fib/fib.dll"), "--no-trace"]);
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toMatch(/^ntrace: live shows a trace/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe("info and --version", () => {
  it("info shows command line, exit status, elapsed time, engine and instruction count", () => {
    const file = join(dir, "info.ntrace");
    run(["run", "samples/fib/fib.dll", "--call", "Run:10", "-o", file]);
    const text = run(["info", file]);
    expect(text).toContain(`command line: ntrace run samples/fib/fib.dll --call Run:10 -o ${file}`);
    expect(text).toMatch(/engine unicorn \d+\.\d+\.\d+/);
    expect(text).toContain("exit status: returned 55 (0x00000037)");
    expect(text).toMatch(/^instructions: [\d,]+ \([\d.]+ K\) guest instructions$/m);
    expect(text).toMatch(/^elapsed: [\d.]+ K guest instructions \(host time is not recorded with the guest clock/m);
    const json = JSON.parse(run(["info", file, "--json"])) as { run: { result: number; instructions: number }; engine: string };
    // The same traced run again (the guest clock is deterministic): its own count.
    const runJson = JSON.parse(run(["run", "samples/fib/fib.dll", "--call", "Run:10", "--json", "-o", join(dir, "again.ntrace")])) as { instructions: number };
    expect(json.run.result).toBe(55);
    expect(json.run.instructions).toBe(runJson.instructions);
    const host = join(dir, "host.ntrace");
    run(["run", "samples/fib/fib.dll", "--call", "Run:10", "--clock", "host", "-o", host]);
    expect(run(["info", host])).toMatch(/^elapsed: [\d.]+ (ns|us|ms|s) \(host time\)$/m);
  });

  it("--version prints the version and the engine", () => {
    const out = run(["--version"]);
    // the engine fetched into the cache (scripts/fetch-engine.sh) when there, else the system's
    expect(out).toMatch(/^ntrace \d+\.\d+\.\d+\nengine: unicorn \d+\.\d+\.\d+ \((\/.*\/engine\/)?libunicorn\.so\.2\)\n/);
    const system = ntrace(["--version"], { NTRACE_ENGINE: "system" }).stdout;
    expect(system).toMatch(/^engine: unicorn 2\.\d+\.\d+ \(libunicorn\.so\.2\)$/m);
    // the one-line note on an engine older than 2.1 (bookworm's 2.0.1)
    if (/unicorn 2\.0\./.test(system)) expect(system).toMatch(/^note: unicorn 2\.0 is slower .*scripts\/fetch-engine\.sh/m);
    else expect(system).not.toMatch(/^note:/m);
    const none = ntrace(["--version"], { NTRACE_UNICORN_LIB: "/nonexistent/libunicorn.so.2" });
    expect(none.stdout).toMatch(/^engine: none — \/nonexistent\/libunicorn\.so\.2 does not load/m);
  });
});
