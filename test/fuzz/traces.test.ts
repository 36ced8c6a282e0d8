/**
 * Issue 14: seeded fuzzing of trace inputs through the command line. Real traces (the small
 * format test trace, the format 1.0 golden, a fib trace with a PDB on the symbol path, and an
 * unclosed one) are mutated — bit flips, truncations, chunk reorder / duplicate / splice, varint
 * and length overwrites with CRCs fixed, event-column rewrites, chunk identities changed,
 * records dropped, appended garbage (mutate.ts) — and fed to `info`, `dump`, `replay`, `report`,
 * `stack` and `flamegraph` (every format) through bin/main.ts's `main(argv)` in this process.
 * Every case must end with status 0 or 1 (never 70, an internal error), one clear error line
 * naming the trace when it fails, no stack trace or JavaScript error name on stderr, valid JSON
 * when JSON was asked for, no file descriptor left open, no runaway memory, and within a time
 * bound (a watchdog kills the run and names the case if one hangs).
 *
 * A second part runs a handful of cases through the real `ntrace` (dist/bin/ntrace.js) and
 * checks that it answers exactly as the in-process path did.
 *
 * Replay a case: FUZZ_CASE=<n> npx vitest run test/fuzz/traces.test.ts (it prints the case's
 * trace path and command line, and keeps the file); FUZZ_SEED=<n> runs other cases.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { threadKey } from "../../base/index.js";
import { MemorySink, TraceWriter } from "../../tracefile/index.js";
import { prng } from "../support/prng.js";
import { fibProcedures, sampleModule } from "../reader/helpers.js";
import { FakeClock, recordFib } from "../tracefile/synthetic.js";
import { buildSmallTrace } from "../tracefile/small.js";
import { runMain, type CommandResult } from "./inprocess.js";
import { mutate, parseTrace, type ParsedTrace } from "./mutate.js";
import { Watchdog } from "./watchdog.js";

const ROOT = new URL("../../", import.meta.url).pathname;
/** The run's seed (FUZZ_SEED overrides it, to explore beyond the committed run). */
const SEED = Number(process.env.FUZZ_SEED ?? 0x14f022);
const CASES = Number(process.env.FUZZ_CASES ?? 10_200);
/** A case slower than this fails (they take a few ms); the watchdog kills a case at HANG_MS. */
const CASE_LIMIT_MS = 3_000;
const HANG_MS = 20_000;
/** The whole loop (about 25 s here); each case is bounded by CASE_LIMIT_MS and the watchdog. */
const RUN_TIMEOUT_MS = Math.max(180_000, CASES * 20);
/** Tiny traces: a case that leaves the process this big allocated from a forged size. */
const RSS_LIMIT = 1536 * 2 ** 20;
/** Commands must close what they open: main(argv) runs them all in this process. */
const FD_SLACK = 16;
const openFileDescriptors = (): number => readdirSync("/proc/self/fd").length;
let fdBaseline = 0;
/** FUZZ_STATS=1: print how often each (number-less) stderr line appeared, to see what the mutations reach. */
const STATS = process.env.FUZZ_STATS === "1";
const ONLY = process.env.FUZZ_CASE === undefined ? undefined : Number(process.env.FUZZ_CASE);

/** fib(n) on two threads of fib.dll (real debug block, PDB in samples/fib), host clock, one argument. */
function fibTrace(close: boolean): Uint8Array {
  const sink = new MemorySink();
  const w = TraceWriter.create(
    sink,
    { clock: { kind: "host-monotonic", unit: "ns", description: "fuzz" }, cpus: 2, toolVersion: "fuzz", commandLine: ["run", "fib.dll"], argCount: 1, mode: "user" },
    { chunkEvents: 16 },
  );
  const procs = fibProcedures();
  const mod = w.addModule(sampleModule("samples/fib/fib.dll", ["Run", "fib", "leaf"].map((n) => procs.get(n)!)));
  const ids = { fib: mod.firstFunctionId + 1, leaf: mod.firstFunctionId + 2 };
  const clock = new FakeClock(5_000);
  for (const [key, n] of [[0x81001000, 5], [0x81002000, 4]] as const) {
    w.addThread({ key: threadKey(key), process: 4, thread: key >>> 12, startAddress: 0x10001000 });
    const t = w.thread(threadKey(key));
    t.threadStart(clock.tick(1));
    t.entry(clock.tick(3), mod.firstFunctionId, 0x12ff00, [n]);
    recordFib(t, ids, n, 0x12fef0, clock, 1);
    t.exit(clock.tick(2), mod.firstFunctionId, 0);
    t.threadEnd(clock.tick(1), 0);
  }
  if (close) w.close({ exitCode: 0, instructions: 99_999, elapsedNs: 1_234_567 });
  else w.flush();
  return sink.bytes();
}

const corpus: readonly ParsedTrace[] = [
  parseTrace("small (format 1.1)", buildSmallTrace({ chunkEvents: 7 })),
  parseTrace("golden v1.ntrace (format 1.0)", new Uint8Array(readFileSync(join(ROOT, "test/golden/tracefile/v1.ntrace")))),
  parseTrace("fib (host clock, PDB)", fibTrace(true)),
  parseTrace("fib, not closed", fibTrace(false)),
];

interface CommandSpec {
  readonly name: string;
  readonly args: (trace: string, out: string, symbols: string) => string[];
  /** Where JSON output goes when the command succeeds. */
  readonly json?: "stdout" | "file";
}

const reader = (command: string, ...extra: string[]) => (trace: string, out: string, symbols: string) => [command, trace, "--symbol-path", symbols, ...extra, "-o", out];
const COMMANDS: readonly CommandSpec[] = [
  { name: "info", args: (t) => ["info", t] },
  { name: "info --json", args: (t) => ["info", t, "--json"], json: "stdout" },
  { name: "dump", args: reader("dump") },
  { name: "replay", args: reader("replay") },
  { name: "report", args: reader("report") },
  { name: "report --json", args: reader("report", "--json"), json: "file" },
  { name: "stack", args: reader("stack") },
  { name: "stack --json", args: reader("stack", "--json"), json: "file" },
  { name: "flamegraph folded", args: reader("flamegraph", "--format", "folded") },
  { name: "flamegraph svg", args: reader("flamegraph", "--format", "svg") },
  { name: "flamegraph speedscope", args: reader("flamegraph", "--format", "speedscope"), json: "file" },
  { name: "flamegraph chrome", args: reader("flamegraph", "--format", "chrome"), json: "file" },
];

const dir = mkdtempSync(join(tmpdir(), "ntrace-fuzz-"));
const fibSymbols = join(ROOT, "samples/fib");
const tracePath = join(dir, "case.ntrace");
const outPath = join(dir, "out.txt");
let watchdog: Watchdog;

beforeAll(() => {
  watchdog = new Watchdog(HANG_MS, join(dir, "hang.txt"));
  fdBaseline = openFileDescriptors();
});
afterAll(async () => {
  await watchdog.stop();
  if (ONLY === undefined) rmSync(dir, { recursive: true, force: true });
});

interface Case {
  readonly index: number;
  readonly seed: number;
  readonly trace: ParsedTrace;
  readonly mutation: string;
  readonly bytes: Uint8Array;
  readonly command: CommandSpec;
  readonly args: string[];
}

/** Case `index` of the run: everything follows from its seed. */
function makeCase(index: number): Case {
  const seed = (SEED + index * 0x9e3779b1) >>> 0;
  const rand = prng(seed);
  const trace = corpus[Math.floor(rand() * corpus.length)]!;
  const m = mutate(trace, rand, corpus);
  const command = COMMANDS[Math.floor(rand() * COMMANDS.length)]!;
  // An empty symbol path (not _NT_SYMBOL_PATH) for most: the reader then looks only beside the recorded image paths.
  const symbols = trace.name.startsWith("fib") && rand() < 0.3 ? fibSymbols : "";
  return { index, seed, trace, mutation: m.what, bytes: m.bytes, command, args: command.args(tracePath, outPath, symbols) };
}

function describeCase(c: Case): string {
  return `case ${c.index} (seed 0x${c.seed.toString(16)}): ${c.trace.name}, ${c.mutation}; ntrace ${c.args.join(" ")}`;
}

const FORBIDDEN = ["    at ", "internal error", "RangeError", "TypeError"];

/** What is wrong with a case's outcome; empty when nothing. */
function problems(c: Case, r: CommandResult): string[] {
  const found: string[] = [];
  if (r.status !== 0 && r.status !== 1) found.push(`exit status ${r.status}`);
  for (const f of FORBIDDEN) if (r.stderr.includes(f)) found.push(`stderr contains "${f.trim()}"`);
  if (r.ms > CASE_LIMIT_MS) found.push(`took ${Math.round(r.ms)} ms`);
  const rss = process.memoryUsage.rss();
  if (rss > RSS_LIMIT) found.push(`the process grew to ${Math.round(rss / 2 ** 20)} MB`);
  const fds = openFileDescriptors();
  if (fds > fdBaseline + FD_SLACK) found.push(`${fds - fdBaseline} more file descriptors open than before the cases (one left open per command?)`);
  if (r.status === 1) {
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("ntrace: ") && !l.startsWith("ntrace: warning: "));
    if (errors.length !== 1) found.push(`${errors.length} error lines`);
    else if (!errors[0]!.includes(tracePath)) found.push("the error does not name the trace file");
  }
  if (r.status === 0 && c.command.json !== undefined) {
    const text = c.command.json === "stdout" ? r.stdout : readFileSync(outPath, "utf8");
    try {
      JSON.parse(text);
    } catch (e) {
      found.push(`output is not JSON: ${(e as Error).message}`);
    }
  }
  return found;
}

const messages = new Map<string, number>();
function countMessages(stderr: string): void {
  for (const line of stderr.split("\n")) {
    if (line === "") continue;
    const shape = line.replaceAll(tracePath, "<trace>").replace(/0x[0-9a-f]+|\d+/g, "N");
    messages.set(shape, (messages.get(shape) ?? 0) + 1);
  }
}

async function runCase(c: Case): Promise<CommandResult> {
  // A new file each time: rewriting one in place makes ext4 flush it to disk (auto_da_alloc), 2 ms a case.
  rmSync(tracePath, { force: true });
  writeFileSync(tracePath, c.bytes);
  rmSync(outPath, { force: true });
  watchdog.begin(describeCase(c));
  try {
    return await runMain(c.args);
  } finally {
    watchdog.end();
  }
}

describe("fuzz: mutated traces through the command line", () => {
  it("the corpus reads cleanly before it is mutated", async () => {
    for (const t of corpus) {
      writeFileSync(tracePath, t.bytes);
      const r = await runMain(["report", tracePath, "--symbol-path", fibSymbols, "--json", "-o", outPath]);
      expect(r.status, `${t.name}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(readFileSync(outPath, "utf8")).length, t.name).toBeGreaterThan(0);
    }
  });

  it(`${CASES} cases in process: status 0 or 1, one clear error line, no stack trace, bounded time`, async () => {
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const indexes = ONLY !== undefined ? [ONLY] : Array.from({ length: CASES }, (_, i) => i);
    for (const index of indexes) {
      const c = makeCase(index);
      const r = await runCase(c);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      const p = problems(c, r);
      if (STATS) countMessages(r.stderr);
      if (ONLY !== undefined) console.log(`${describeCase(c)}\nstatus ${r.status}, ${Math.round(r.ms)} ms\n${r.stderr}`);
      if (p.length > 0 && failures.length < 25) failures.push(`${describeCase(c)}: ${p.join("; ")}\n${r.stderr.split("\n").slice(-4).join("\n")}`);
    }
    if (STATS) console.log([...messages].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n}\t${k}`).join("\n"), statuses);
    expect(failures, failures.join("\n\n")).toEqual([]);
    if (ONLY === undefined) {
      // Both outcomes must be common, or the mutations are not reaching the reader.
      expect(statuses.get(0) ?? 0).toBeGreaterThan(CASES / 10);
      expect(statuses.get(1) ?? 0).toBeGreaterThan(CASES / 10);
    }
  }, RUN_TIMEOUT_MS);
});

describe("fuzz: the installed command answers as main(argv) does", () => {
  const cli = join(ROOT, "dist/bin/ntrace.js");
  it("a handful of cases through dist/bin/ntrace.js", async () => {
    expect(existsSync(cli), "dist/bin/ntrace.js is missing: npm run build").toBe(true);
    // Cases from far beyond the in-process range, one for each of six command forms.
    const forms = ["info", "info --json", "dump", "report --json", "stack", "flamegraph speedscope"].map((n) => COMMANDS.find((c) => c.name === n)!);
    const picked: Case[] = [];
    for (let i = 1_000_000; picked.length < forms.length; i++) {
      const c = makeCase(i);
      if (c.command === forms[picked.length]) picked.push(c);
    }
    for (const c of picked) {
      const inProcess = await runCase(c);
      const fileOutput = existsSync(outPath) ? readFileSync(outPath) : undefined;
      rmSync(outPath, { force: true });
      const spawned = spawnSync(process.execPath, [cli, ...c.args], { encoding: "utf8", timeout: 60_000 });
      const what = describeCase(c);
      expect(spawned.status, what).toBe(inProcess.status);
      expect(spawned.stderr, what).toBe(inProcess.stderr);
      expect(spawned.stdout, what).toBe(inProcess.stdout);
      expect(existsSync(outPath) ? readFileSync(outPath) : undefined, what).toEqual(fileOutput);
    }
  });
});
