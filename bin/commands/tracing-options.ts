/**
 * The tracing options of `ntrace run`, for bin/commands/run.ts to add:
 *   addTracingOptions(command); … const tracing = tracingOptionsFrom(opts, imagePath);
 *   if (tracing.enabled) runSession({ ...sessionOptions, trace: { ...tracing.options, output: tracing.output } })
 */
import type { Command } from "commander";
import { UsageError, globToRegExp } from "../../base/index.js";
import { defaultTracePath, type ClockChoice, type TracerOptions } from "../../runtime/tracing/index.js";
import { symbolPathText } from "../../pe/symstore/index.js";

export interface RawTracingOptions {
  output?: string;
  trace?: boolean;
  args?: string;
  include?: string[];
  exclude?: string[];
  module?: string[];
  system?: boolean;
  attachAt?: string;
  detachAt?: string;
  clock?: string;
  recorder?: string;
  method?: string;
  symbolPath?: string[];
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function addTracingOptions(command: Command): Command {
  return command
    .option("-o, --output <trace>", "trace file to write (default: <image stem>.ntrace in the current directory, e.g. hello.ntrace)")
    .option("--args <n>", "argument dwords to record at each function entry", "0")
    .option("--include <glob>", "trace only functions with a name matching (repeatable; * ? [a-z] [!x]; a glob with ! such as kernel32!Create* matches module!function; one that matches nothing is warned about)", collect, [])
    .option("--exclude <glob>", "do not trace functions with a name matching (repeatable; same globs as --include)", collect, [])
    .option("--module <name>", "also trace these system DLLs, e.g. kernel32.dll or kernel32,kernelbase (repeatable, or comma-separated; the program and its own DLLs are always traced; system calls are then recorded too)", collect, [])
    .option("--system", "also trace every system DLL (Wine's kernel32, kernelbase, ntdll, msvcrt, ...) and the system calls")
    .option("--attach-at <n>", "patch when the guest has executed n instructions (default: at load)")
    .option("--detach-at <n>", "unpatch when the guest has executed n instructions")
    .option("--clock <kind>", "timestamps: guest (instructions, deterministic) or host (ns)", "guest")
    .option("--method <kind>", "how functions are instrumented: auto (hot-patch, else detour, else probe), detour (detours wherever possible, else probe) or probe (engine hooks only)", "auto")
    .option("--recorder <kind>", "how events are recorded: native (C hooks) or hooks (JS hooks, about 3x slower)", "native")
    .option("--symbol-path <path>", "where to look for PDBs besides next to each image: ';'-separated local directories, srv*<store>*…, cache*<store> (never contacted over the network); repeatable; default _NT_SYMBOL_PATH", collect, []);
}

function count(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} must be a non-negative integer, not '${v}'`);
  return n;
}

export function tracingOptionsFrom(raw: RawTracingOptions, image: string): { enabled: boolean; output: string; options: TracerOptions } {
  const clock = raw.clock ?? "guest";
  if (clock !== "guest" && clock !== "host") throw new UsageError(`--clock must be guest or host, not '${clock}'`);
  const recorder = raw.recorder ?? "native";
  if (recorder !== "native" && recorder !== "hooks") throw new UsageError(`--recorder must be native or hooks, not '${recorder}'`);
  const method = raw.method ?? "auto";
  if (method !== "auto" && method !== "detour" && method !== "probe") throw new UsageError(`--method must be auto, detour or probe, not '${method}'`);
  const args = count("--args", raw.args) ?? 0;
  if (args > 64) throw new UsageError("--args must be at most 64");
  const attachAt = count("--attach-at", raw.attachAt);
  const detachAt = count("--detach-at", raw.detachAt);
  if (attachAt !== undefined && detachAt !== undefined && detachAt < attachAt) throw new UsageError("--detach-at must not come before --attach-at");
  // An invalid glob (an unclosed '[') is a usage error before anything runs.
  for (const [option, globs] of [["--include", raw.include], ["--exclude", raw.exclude]] as const) {
    for (const g of globs ?? []) {
      try {
        globToRegExp(g);
      } catch (err) {
        throw new UsageError(`${option} ${(err as Error).message}`);
      }
    }
  }
  return {
    enabled: raw.trace !== false,
    output: raw.output ?? defaultTracePath(image),
    options: {
      args,
      clock: clock as ClockChoice,
      recorder,
      method,
      include: raw.include ?? [],
      exclude: raw.exclude ?? [],
      modules: (raw.module ?? []).flatMap((m) => m.split(",")).map((m) => m.trim()).filter((m) => m !== ""),
      ...(raw.system === true ? { system: true } : {}),
      // The readers' symbol path: srv*/cache* stores and _NT_SYMBOL_PATH too (pe/symstore/).
      symbolPath: symbolPathText(raw.symbolPath).split(";").filter((p) => p.trim() !== ""),
      ...(attachAt !== undefined ? { attachAt } : {}),
      ...(detachAt !== undefined ? { detachAt } : {}),
    },
  };
}
