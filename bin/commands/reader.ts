/**
 * Reader commands: dump, replay, report, stack, flamegraph (reader/README.md). Each opens the
 * trace, resolves the common options, and streams its output to stdout or -o.
 */
import { Command, Option } from "commander";
import { UsageError } from "../../base/index.js";
import { openTrace } from "../../tracefile/index.js";
import {
  FdOutput,
  FLAMEGRAPH_FORMATS,
  OutputClosedError,
  REPORT_SORT_KEYS,
  prepareReader,
  runDump,
  runFlamegraph,
  runReplay,
  runReport,
  runStack,
  type ReaderContext,
  type TextOutput,
} from "../../reader/index.js";

interface CommonOptions {
  symbolPath?: string;
  thread?: string[];
  depth?: string;
  threshold?: string;
  include?: string[];
  exclude?: string[];
  output?: string;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), ...value.split(",").filter((v) => v !== "")];

function common(cmd: Command, withOutput: boolean): Command {
  cmd
    .argument("<trace>", "trace file")
    .option("--symbol-path <path>", "symbol path (';'-separated local directories, srv*<store>*…, cache*<store>); default _NT_SYMBOL_PATH")
    .option("--thread <KTHREAD>", "only this thread (hex KTHREAD address); repeatable", collect)
    .option("--depth <n>", "show frames at most n levels deep")
    .option("--threshold <duration>", "hide frames shorter than this (clock units, or 10us/1ms for ns clocks)")
    .option("--include <glob>", "show only these functions and their subtrees; repeatable, comma-separated", collect)
    .option("--exclude <glob>", "hide these functions and their subtrees; repeatable, comma-separated", collect);
  if (withOutput) cmd.option("-o, --output <file>", "write to a file instead of standard output");
  return cmd;
}

function open(file: string, o: CommonOptions): ReaderContext {
  let depth: number | undefined;
  if (o.depth !== undefined) {
    depth = Number(o.depth);
    if (!Number.isInteger(depth) || depth < 1) throw new UsageError(`--depth ${o.depth}: expected a positive whole number`);
  }
  const trace = openTrace(file);
  return prepareReader(trace, {
    ...(o.symbolPath !== undefined ? { symbolPath: o.symbolPath } : {}),
    ...(o.thread !== undefined ? { threads: o.thread } : {}),
    ...(depth !== undefined ? { depth } : {}),
    ...(o.threshold !== undefined ? { threshold: o.threshold } : {}),
    ...(o.include !== undefined ? { include: o.include } : {}),
    ...(o.exclude !== undefined ? { exclude: o.exclude } : {}),
  });
}

/** Runs a command body with the output open; reports damage found while reading. */
function withOutput(ctx: ReaderContext, o: CommonOptions, body: (out: TextOutput) => void): void {
  const seen = ctx.trace.damage.length;
  const out = o.output !== undefined ? FdOutput.file(o.output) : FdOutput.stdout();
  try {
    try {
      body(out);
    } finally {
      out.close();
    }
  } catch (err) {
    if (err instanceof OutputClosedError) return; // `| head`: the reader has what it wanted
    throw err;
  }
  for (const d of ctx.trace.damage.slice(seen)) ctx.warn(`trace damaged at offset ${d.offset}: ${d.what}`);
}

export function registerReaderCommands(program: Command): void {
  common(program.command("dump").description("every event, one per line, symbolized, threads merged in time order"), true).action(
    (file: string, o: CommonOptions) => {
      const ctx = open(file, o);
      withOutput(ctx, o, (out) => runDump(ctx, out));
    },
  );

  common(program.command("replay").description("per-thread call trees with durations (uftrace replay style)"), true).action(
    (file: string, o: CommonOptions) => {
      const ctx = open(file, o);
      withOutput(ctx, o, (out) => runReplay(ctx, out));
    },
  );

  common(program.command("report").description("per function: calls, total, self, average and maximum time"), true)
    .addOption(new Option("--sort <key>", "sort by").choices([...REPORT_SORT_KEYS]).default("total"))
    .option("--json", "print [{function, module, calls, total, self, avg, max}]")
    .action((file: string, o: CommonOptions & { sort: string; json?: boolean }) => {
      const ctx = open(file, o);
      withOutput(ctx, o, (out) => runReport(ctx, out, { sort: o.sort, json: o.json === true }));
    });

  common(program.command("stack").description("stack use per frame from the entry ESP: deepest stack per thread, largest frames"), true)
    .option("--json", "print JSON")
    .option("--top <n>", "largest-frame functions to list", "20")
    .option("--stack-jump <bytes>", "a callee ESP more than this below its caller's is on another stack", String(256 * 1024))
    .action((file: string, o: CommonOptions & { json?: boolean; top: string; stackJump: string }) => {
      const top = Number(o.top);
      const stackJump = Number(o.stackJump);
      if (!Number.isInteger(top) || top < 0) throw new UsageError(`--top ${o.top}: expected a whole number`);
      if (!Number.isInteger(stackJump) || stackJump < 1) throw new UsageError(`--stack-jump ${o.stackJump}: expected a positive number of bytes`);
      const ctx = open(file, o);
      withOutput(ctx, o, (out) => runStack(ctx, out, { json: o.json === true, top, stackJump }));
    });

  common(program.command("flamegraph").description("flame graphs: folded stacks, interactive SVG, speedscope or Chrome trace JSON"), true)
    .addOption(new Option("--format <format>", "output format").choices([...FLAMEGRAPH_FORMATS]).default("folded"))
    .option("--merge-threads", "folded/svg: one tree for all threads (no thread root frame)")
    .option("--title <text>", "title (svg, speedscope)")
    .action((file: string, o: CommonOptions & { format: string; mergeThreads?: boolean; title?: string }) => {
      const ctx = open(file, o);
      withOutput(ctx, o, (out) =>
        runFlamegraph(ctx, out, { format: o.format, mergeThreads: o.mergeThreads === true, ...(o.title !== undefined ? { title: o.title } : {}) }),
      );
    });
}
