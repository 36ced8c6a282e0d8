/**
 * `npm run bench [-- --only <name>[,<name>…]] [--quick] [--list] [--repeats N]`
 *
 * Runs every benchmark (or the chosen ones) in one process, writes bench/results/latest.json
 * and regenerates BENCHMARKS.md. A benchmark that cannot run here is reported as skipped with
 * its reason; one that throws is reported as failed — none is ever dropped silently. With
 * `--only`, the other benchmarks' previous results are kept in latest.json (with their own
 * dates), so BENCHMARKS.md always shows the whole picture.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync, renameSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchContext, BenchReport, Measure } from "./harness.js";
import { SkipBenchmark, isMet, secondsSince, nowNs } from "./harness.js";
import { machineInfo } from "./machine.js";
import { extractNotes, renderMarkdown, type RunResults } from "./markdown.js";
import { BENCHMARKS } from "./benchmarks/index.js";

interface Options {
  only: string[] | null;
  quick: boolean;
  list: boolean;
  repeats: number | null;
}

function usage(message: string): never {
  process.stderr.write(`bench: ${message}\nusage: npm run bench -- [--only <name>[,<name>...]] [--quick] [--repeats N] [--list]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = { only: null, quick: false, list: false, repeats: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--quick") o.quick = true;
    else if (a === "--list") o.list = true;
    else if (a === "--only" || a === "--repeats") {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      if (a === "--only") o.only = [...(o.only ?? []), ...v.split(",").filter((s) => s !== "")];
      else {
        const n = Number.parseInt(v, 10);
        if (!(n >= 1)) usage(`--repeats must be a positive integer, got ${v}`);
        o.repeats = n;
      }
    } else if (a.startsWith("--only=")) o.only = [...(o.only ?? []), ...a.slice(7).split(",")];
    else usage(`unknown argument ${a}`);
  }
  return o;
}

type StoredReport = RunResults["benchmarks"][number];

function loadPrevious(path: string): StoredReport[] {
  if (!existsSync(path)) return [];
  try {
    const prev = JSON.parse(readFileSync(path, "utf8")) as RunResults;
    return Array.isArray(prev.benchmarks) ? prev.benchmarks : [];
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/bench/run.js → repository root two levels up; bench/run.ts run directly → one level.
  const root = existsSync(join(here, "..", "package.json")) ? resolve(here, "..") : resolve(here, "..", "..");
  if (opts.list) {
    for (const b of BENCHMARKS) process.stdout.write(`${b.name.padEnd(22)} ${b.title}\n`);
    return;
  }
  const known = new Set(BENCHMARKS.map((b) => b.name));
  for (const n of opts.only ?? []) if (!known.has(n)) usage(`no benchmark named ${n} (known: ${[...known].join(", ")})`);
  const chosen = BENCHMARKS.filter((b) => opts.only === null || opts.only.includes(b.name));
  const repeats = opts.repeats ?? (opts.quick ? 3 : 5);
  const cacheDir = join(root, "bench", ".cache");
  mkdirSync(cacheDir, { recursive: true });
  const memo = new Map<string, Promise<unknown>>();
  const machine = await machineInfo(root);
  const started = new Date().toISOString();
  const reports: StoredReport[] = [];

  for (const bench of chosen) {
    const report: BenchReport = { name: bench.name, title: bench.title, status: "ok", measures: [], commands: [], notes: [], markdown: [], seconds: 0 };
    const ctx: BenchContext = {
      quick: opts.quick,
      repeats,
      root,
      cacheDir,
      log: (msg) => process.stderr.write(`[${bench.name}] ${msg}\n`),
      // Commands are shown relative to the repository root, as a user would type them there.
      command: (text) => report.commands.push(text.split(`${root}/`).join("").split(root).join(".")),
      note: (text) => report.notes.push(text),
      markdown: (text) => report.markdown.push(text),
      measure: (m: Measure) => {
        if (m.target !== undefined) m.met = isMet(m.value, m.target);
        report.measures.push(m);
      },
      memo: <T>(key: string, make: () => Promise<T>): Promise<T> => {
        let p = memo.get(key) as Promise<T> | undefined;
        if (p === undefined) {
          p = make();
          memo.set(key, p);
        }
        return p;
      },
    };
    process.stderr.write(`== ${bench.name}: ${bench.title}\n`);
    const start = nowNs();
    try {
      await bench.run(ctx);
    } catch (e) {
      if (e instanceof SkipBenchmark) {
        report.status = "skipped";
        report.reason = e.message;
      } else {
        report.status = "failed";
        report.reason = e instanceof Error ? e.message : String(e);
        if (e instanceof Error && e.stack !== undefined) process.stderr.write(`${e.stack}\n`);
      }
    }
    report.seconds = secondsSince(start);
    process.stderr.write(`== ${bench.name}: ${report.status}${report.reason !== undefined ? ` (${report.reason})` : ""} in ${report.seconds.toFixed(1)} s\n`);
    for (const m of report.measures) process.stderr.write(`   ${m.label}: ${m.value} ${m.unit}${m.met === undefined ? "" : m.met ? " (met)" : " (MISSED)"}\n`);
    reports.push({ ...report, ranAt: started, quick: opts.quick });
  }

  const resultsDir = join(root, "bench", "results");
  mkdirSync(resultsDir, { recursive: true });
  const latestPath = join(resultsDir, "latest.json");
  // Keep the other benchmarks' previous results in BENCHMARKS.md order when only some ran.
  const previous = loadPrevious(latestPath);
  const merged: StoredReport[] = BENCHMARKS.flatMap((b) => {
    const now = reports.find((r) => r.name === b.name);
    if (now !== undefined) return [now];
    const old = previous.find((r) => r.name === b.name);
    return old !== undefined ? [old] : [];
  });
  const invocation = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
  const results: RunResults = { machine, invocation, quick: opts.quick, repeats, benchmarks: merged };
  writeFileSync(`${latestPath}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
  renameSync(`${latestPath}.tmp`, latestPath);

  const mdPath = join(root, "BENCHMARKS.md");
  const notes = existsSync(mdPath) ? extractNotes(readFileSync(mdPath, "utf8")) : null;
  writeFileSync(mdPath, renderMarkdown(results, notes));
  process.stderr.write(`wrote ${latestPath} and ${mdPath}\n`);
}

await main();
