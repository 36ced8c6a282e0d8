/**
 * `ntrace live <image> [run options] [--report] [display options]`: uftrace live — run the
 * image traced, then show the trace (replay by default, the report with --report) and throw
 * the trace away, unless -o names a file to keep it in.
 *
 * Built on `ntrace run`'s own functions (runTracedCommand, printRunResult), so every run option
 * means the same here; the trace-time --include/--exclude of run also decide what is shown.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Option, type Command } from "commander";
import { UsageError } from "../../base/index.js";
import { CLOCK_UNITS_HELP, REPORT_SORT_KEYS, runReplay, runReport } from "../../reader/index.js";
import { GuestFailure } from "../cli.js";
import { withOutput, withReader } from "./reader.js";
import { addRunOptions, printRunResult, runTracedCommand, type RunCommandOptions } from "./run.js";

interface LiveOptions extends RunCommandOptions {
  report?: boolean;
  sort: string;
  depth?: string;
  threshold?: string;
  timeRange?: string;
  caller?: string[];
  thread?: string[];
  retval?: boolean;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), ...value.split(",").filter((v) => v !== "")];

export function registerLive(program: Command): void {
  const command = addRunOptions(program.command("live").description("run an image traced, then show its replay (or --report) without keeping the trace unless -o is given (uftrace live)"));
  command
    .option("--report", "show the report instead of the replay")
    .addOption(new Option("-s, --sort <key>", "--report: sort by").choices([...REPORT_SORT_KEYS]).default("total"))
    .option("--retval", "replay: show return values also when no arguments were recorded")
    .option("-D, --depth <n>", "show calls at most n levels deep")
    .option("-t, --threshold <duration>", "hide calls shorter than this (e.g. 20K instructions, 10us with --clock host)")
    .option("-r, --time-range <start~stop>", "only calls that start in this range of the trace's clock")
    .option("-C, --caller <glob>", "show only the calls of these functions and their callers; repeatable", collect)
    .option("--thread <KTHREAD>", "only this thread (hex KTHREAD address); repeatable", collect)
    .addHelpText("after", `\nUnits: ${CLOCK_UNITS_HELP}.`)
    .action((image: string, programArgs: string[], options: LiveOptions) => runLive(image, options, programArgs));
}

export function runLive(image: string, options: LiveOptions, programArgs: readonly string[] = []): void {
  if (options.trace === false) throw new UsageError("live shows a trace: --no-trace makes no sense here (use ntrace run --no-trace)");
  if (options.json === true) throw new UsageError("live prints text; for JSON use ntrace run -o t.ntrace, then ntrace report t.ntrace --json");
  const keep = options.output !== undefined;
  const dir = keep ? undefined : mkdtempSync(join(tmpdir(), "ntrace-live-"));
  const trace = options.output ?? join(dir!, `${basename(image).replace(/\.[^.]*$/, "")}.ntrace`);
  try {
    const result = runTracedCommand(image, { ...options, output: trace }, process.argv.slice(2), programArgs).run;
    let failure: GuestFailure | undefined;
    try {
      printRunResult(result, false);
    } catch (err) {
      // The guest failed: its trace is still worth showing; the failure decides the exit status.
      if (!(err instanceof GuestFailure)) throw err;
      failure = err;
    }
    process.stdout.write("\n");
    const readerOptions = {
      ...(options.symbolPath !== undefined && options.symbolPath.length > 0 ? { symbolPath: options.symbolPath } : {}),
      ...(options.depth !== undefined ? { depth: options.depth } : {}),
      ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
      ...(options.timeRange !== undefined ? { timeRange: options.timeRange } : {}),
      ...(options.caller !== undefined ? { caller: options.caller } : {}),
      ...(options.thread !== undefined ? { thread: options.thread } : {}),
    };
    withReader(trace, readerOptions, (ctx) =>
      withOutput(ctx, undefined, (out) => (options.report === true ? runReport(ctx, out, { sort: options.sort }) : runReplay(ctx, out, { retval: options.retval === true }))),
    );
    if (failure !== undefined) throw failure;
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}
