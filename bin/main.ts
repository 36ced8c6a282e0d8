/**
 * The ntrace command line: a thin layer over the library. Each command lives in
 * bin/commands/<name>.ts and only parses options, calls the library and prints.
 *
 * Only the module of the command being run is imported: `ntrace report` never loads the
 * emulator (koffi, unicorn) or the PDB parser, which keeps start-up off the reader's time.
 * Help and unknown commands load them all.
 *
 * `main` is also the in-process entry point of tests that drive many command lines in one
 * process (the fuzz suites): it sets `process.exitCode` and writes to process.stdout/stderr
 * exactly as the installed command does.
 */
import { Command } from "commander";
import { runCli } from "./cli.js";
import { TOOL_VERSION } from "../version.js";

type Register = (program: Command) => void;

const loaders: Record<string, () => Promise<Register>> = {
  info: async () => (await import("./commands/info.js")).registerInfo,
  symbols: async () => (await import("./commands/symbols.js")).registerSymbols,
  functions: async () => (await import("./commands/functions.js")).registerFunctions,
  run: async () => (await import("./commands/run.js")).registerRun,
  live: async () => (await import("./commands/live.js")).registerLive,
  reader: async () => (await import("./commands/reader.js")).registerReaderCommands,
};
const READER_COMMANDS = new Set(["dump", "replay", "report", "graph", "stack", "flamegraph"]);

/** The registration modules the command line needs, in the order help lists them. */
function modulesFor(args: readonly string[]): string[] {
  const first = args.find((a) => !a.startsWith("-"));
  if (first === undefined) return Object.keys(loaders);
  if (first in loaders && first !== "reader") return [first];
  if (READER_COMMANDS.has(first)) return ["reader"];
  return Object.keys(loaders);
}

/** Runs one ntrace command line; `argv` is shaped like process.argv (node, script, args…). */
export async function main(argv: readonly string[]): Promise<void> {
  const args = argv.slice(2);
  // The engine is named only when asked: finding it loads the emulator library.
  const wantsVersion = args[0] === "--version" || args[0] === "-V";
  const program = new Command()
    .name("ntrace")
    .description("Function-boundary tracing of x86 Windows PE32 images in an emulated machine")
    .version(wantsVersion ? (await import("./version.js")).versionText() : TOOL_VERSION)
    .showHelpAfterError();

  for (const name of wantsVersion ? [] : modulesFor(args)) (await loaders[name]!())(program);

  const first = args.find((a) => !a.startsWith("-"));
  await runCli(program, argv, first === "run");
}
