/**
 * Reader commands: dump, replay, report (and report --diff), graph, stack, flamegraph
 * (reader/README.md). Each opens the trace, resolves the options it lists, and streams its
 * output to stdout or -o. Every command lists only the filters it applies (FILTERS_OF).
 */
import { Command, Option } from "commander";
import { UsageError } from "../../base/index.js";
import { openTrace, type TraceFile } from "../../tracefile/index.js";
import {
  CLOCK_UNITS_HELP,
  FdOutput,
  FLAMEGRAPH_FORMATS,
  OutputClosedError,
  REPORT_SORT_KEYS,
  prepareReader,
  runDiff,
  runDump,
  runFlamegraph,
  runGraph,
  runReplay,
  runReport,
  runStack,
  type ReaderContext,
  type TextOutput,
} from "../../reader/index.js";

interface CommonOptions {
  symbolPath?: string[];
  thread?: string[];
  depth?: string;
  threshold?: string;
  include?: string[];
  exclude?: string[];
  timeRange?: string;
  caller?: string[];
  output?: string;
}

type Filter = "thread" | "include" | "exclude" | "depth" | "threshold" | "timeRange" | "caller";

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), ...value.split(",").filter((v) => v !== "")];
const collectPath = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** The filter options, with uftrace's short flags. */
const FILTER_OPTIONS: Record<Filter, (cmd: Command, note: string) => void> = {
  thread: (cmd) => cmd.option("--thread <KTHREAD>", "only this thread (hex KTHREAD address); repeatable", collect),
  include: (cmd, note) => cmd.option("-F, --include <glob>", `show only these functions${note}; repeatable, comma-separated; module!name globs match the module too`, collect),
  exclude: (cmd, note) => cmd.option("-N, --exclude <glob>", `hide these functions${note}; repeatable, comma-separated`, collect),
  depth: (cmd) => cmd.option("-D, --depth <n>", "show calls at most n levels deep"),
  threshold: (cmd) => cmd.option("-t, --threshold <duration>", "hide calls shorter than this: a number in the trace's clock (insn or ns), or 20K / 1.5M instructions, or 10us / 1ms host time"),
  timeRange: (cmd) => cmd.option("-r, --time-range <start~stop>", "only calls that start in this range of the trace's clock (from the trace's start; e.g. 1M~2M, ~500us; either side may be left out)"),
  caller: (cmd) => cmd.option("-C, --caller <glob>", "show only the calls of these functions and their callers (the paths leading to them); repeatable", collect),
};

/** What each command applies; help lists exactly these. */
const FILTERS_OF: Record<string, { filters: readonly Filter[]; note?: string }> = {
  dump: { filters: ["thread", "include", "exclude", "depth", "timeRange"], note: " (each event's own function)" },
  replay: { filters: ["thread", "include", "exclude", "depth", "threshold", "timeRange", "caller"], note: " and the calls below them" },
  report: { filters: ["thread", "include", "exclude", "depth", "threshold", "timeRange", "caller"], note: " and the calls below them" },
  graph: { filters: ["thread", "exclude", "depth", "threshold", "timeRange"], note: " and the calls below them" },
  stack: { filters: ["thread", "include", "exclude"], note: " in the largest-frames table (stack use always counts every frame)" },
  flamegraph: { filters: ["thread", "include", "exclude", "depth", "threshold", "timeRange", "caller"], note: " and the calls below them" },
};

function readerCommand(program: Command, name: string, description: string): Command {
  const cmd = program.command(name).description(description).argument("<trace>", "trace file");
  cmd.option("--symbol-path <path>", "symbol path: ';'-separated local directories, srv*<store>*…, cache*<store> (symbol servers are never contacted); repeatable; default _NT_SYMBOL_PATH", collectPath);
  const { filters, note = "" } = FILTERS_OF[name]!;
  for (const f of filters) FILTER_OPTIONS[f](cmd, note);
  cmd.option("-o, --output <file>", "write to a file instead of standard output");
  cmd.addHelpText("after", `\nUnits: ${CLOCK_UNITS_HELP}.`);
  return cmd;
}

/**
 * Opens each trace, resolves the common options against it, runs `body` with the contexts,
 * and closes every trace it opened whatever happens (main(argv) runs many commands in one
 * process: an unclosed trace is a file descriptor lost).
 */
export function withReaders<T>(files: readonly string[], o: CommonOptions, body: (contexts: ReaderContext[]) => T): T {
  let depth: number | undefined;
  if (o.depth !== undefined) {
    depth = Number(o.depth);
    if (!Number.isInteger(depth) || depth < 1) throw new UsageError(`--depth ${o.depth}: expected a positive whole number`);
  }
  const opened: TraceFile[] = [];
  try {
    const contexts = files.map((file) => {
      const trace = openTrace(file);
      opened.push(trace);
      return prepareReader(trace, {
        ...(o.symbolPath !== undefined ? { symbolPath: o.symbolPath.join(";") } : {}),
        ...(o.thread !== undefined ? { threads: o.thread } : {}),
        ...(depth !== undefined ? { depth } : {}),
        ...(o.threshold !== undefined ? { threshold: o.threshold } : {}),
        ...(o.include !== undefined ? { include: o.include } : {}),
        ...(o.exclude !== undefined ? { exclude: o.exclude } : {}),
        ...(o.timeRange !== undefined ? { timeRange: o.timeRange } : {}),
        ...(o.caller !== undefined ? { caller: o.caller } : {}),
      });
    });
    return body(contexts);
  } finally {
    for (const trace of opened) trace.close();
  }
}

/** withReaders for one trace. */
export function withReader<T>(file: string, o: CommonOptions, body: (ctx: ReaderContext) => T): T {
  return withReaders([file], o, ([ctx]) => body(ctx!));
}

/** Runs a command body with the output open; reports damage found while reading. */
export function withOutput(contexts: ReaderContext | readonly ReaderContext[], output: string | undefined, body: (out: TextOutput) => void): void {
  const list = Array.isArray(contexts) ? contexts : [contexts as ReaderContext];
  const seen = list.map((c) => c.trace.damage.length);
  const out = output !== undefined ? FdOutput.file(output, list.flatMap((c) => (c.trace.path !== undefined ? [c.trace.path] : []))) : FdOutput.stdout();
  try {
    try {
      body(out);
    } catch (err) {
      out.discard(); // a failed command leaves an existing output file as it was
      throw err;
    }
    out.close();
  } catch (err) {
    if (err instanceof OutputClosedError) return; // `| head`: the reader has what it wanted
    throw err;
  }
  list.forEach((ctx, i) => {
    for (const d of ctx.trace.damage.slice(seen[i])) ctx.warn(`trace damaged at offset ${d.offset}: ${d.what}`);
  });
}

export function registerReaderCommands(program: Command): void {
  readerCommand(program, "dump", "every event, one per line, symbolized, threads merged in time order").action((file: string, o: CommonOptions) => {
    withReader(file, o, (ctx) => withOutput(ctx, o.output, (out) => runDump(ctx, out)));
  });

  readerCommand(program, "replay", "the call trees of all threads interleaved in time, with durations, arguments and return values (uftrace replay)")
    .option("--retval", "show return values (EAX at exit) also when the trace recorded no arguments")
    .action((file: string, o: CommonOptions & { retval?: boolean }) => {
      withReader(file, o, (ctx) => withOutput(ctx, o.output, (out) => runReplay(ctx, out, { retval: o.retval === true })));
    });

  readerCommand(program, "report", "per function: total, self, calls, average and maximum time (uftrace report); --diff compares two traces")
    .addOption(new Option("-s, --sort <key>", "sort by (with --diff: by the size of that key's change)").choices([...REPORT_SORT_KEYS]).default("total"))
    .option("--diff <base>", "compare with an older trace: ntrace report --diff <base> <new> shows per-function changes and ratios")
    .option("--json", "print [{function, module, calls, total, self, avg, max}] in clock units (with --diff: base, new, delta, ratio)")
    .action((file: string, o: CommonOptions & { sort: string; json?: boolean; diff?: string }) => {
      if (o.diff !== undefined) {
        withReaders([o.diff, file], o, ([base, next]) => withOutput([base!, next!], o.output, (out) => runDiff(base!, next!, out, { sort: o.sort, json: o.json === true })));
        return;
      }
      withReader(file, o, (ctx) => withOutput(ctx, o.output, (out) => runReport(ctx, out, { sort: o.sort, json: o.json === true })));
    });

  readerCommand(program, "graph", "one function's callers (backtraces) and callees with calls, total and self time (uftrace graph)")
    .argument("<function>", "function name or glob (module!name to pick a module)")
    .option("--json", "print JSON: [{function, backtraces: [{path, hits, time}], graph: {function, calls, total, self, children}}]")
    .action((file: string, fn: string, o: CommonOptions & { json?: boolean }) => {
      withReader(file, o, (ctx) => withOutput(ctx, o.output, (out) => runGraph(ctx, out, fn, { json: o.json === true })));
    });

  readerCommand(program, "stack", "stack use per frame from the entry ESP: deepest stack per thread, largest frames")
    .option("--json", "print JSON")
    .option("--top <n>", "largest-frame functions to list", "20")
    .option("--stack-jump <bytes>", "a callee ESP more than this below its caller's is on another stack", String(256 * 1024))
    .action((file: string, o: CommonOptions & { json?: boolean; top: string; stackJump: string }) => {
      const top = Number(o.top);
      const stackJump = Number(o.stackJump);
      if (!Number.isInteger(top) || top < 0) throw new UsageError(`--top ${o.top}: expected a whole number`);
      if (!Number.isInteger(stackJump) || stackJump < 1) throw new UsageError(`--stack-jump ${o.stackJump}: expected a positive number of bytes`);
      withReader(file, o, (ctx) => withOutput(ctx, o.output, (out) => runStack(ctx, out, { json: o.json === true, top, stackJump })));
    });

  readerCommand(program, "flamegraph", "flame graphs: folded stacks, interactive SVG, speedscope or Chrome trace-event JSON")
    .addOption(new Option("--format <format>", "output format").choices([...FLAMEGRAPH_FORMATS]).default("folded"))
    .option("--merge-threads", "folded/svg/speedscope: one tree for all threads (no thread root frame)")
    .option("--evented", "speedscope: every call as an event in time order (large: ~37 bytes per call) instead of one weighted sample per call path")
    .option("--title <text>", "title (svg, speedscope; default: the trace's image)")
    .action((file: string, o: CommonOptions & { format: string; mergeThreads?: boolean; title?: string; evented?: boolean }) => {
      if (o.evented === true && o.format !== "speedscope") throw new UsageError("--evented is for --format speedscope");
      withReader(file, o, (ctx) => {
        if (o.format === "chrome" && o.output !== undefined && /\.chrome\.json$/i.test(o.output)) {
          ctx.warn(`${o.output}: speedscope reads *.chrome.json as a Chrome performance profile and rejects trace events; name it *.trace.json to open it there`);
        }
        withOutput(ctx, o.output, (out) =>
          runFlamegraph(ctx, out, { format: o.format, mergeThreads: o.mergeThreads === true, evented: o.evented === true, ...(o.title !== undefined ? { title: o.title } : {}) }),
        );
      });
    });
}
