#!/usr/bin/env node
/**
 * The ntrace command line: a thin layer over the library. Each command lives in
 * bin/commands/<name>.ts and only parses options, calls the library and prints.
 */
import { Command } from "commander";
import { runCli } from "./cli.js";
import { registerInfo } from "./commands/info.js";
import { registerSymbols } from "./commands/symbols.js";
import { registerFunctions } from "./commands/functions.js";
import { registerRun } from "./commands/run.js";
import { registerReaderCommands } from "./commands/reader.js";
import { TOOL_VERSION } from "../version.js";

const program = new Command()
  .name("ntrace")
  .description("Function-boundary tracing of x86 Windows PE32 images in an emulated machine")
  .version(TOOL_VERSION)
  .showHelpAfterError();

registerInfo(program);
registerSymbols(program);
registerFunctions(program);
registerRun(program);
registerReaderCommands(program);

await runCli(program, process.argv);
