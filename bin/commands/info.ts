/**
 * `ntrace info <file> [--json]`: what a PE image (or, once wired, a trace file) contains.
 * Dispatches on content, not on the file name.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { FormatError, NtraceError } from "../../base/index.js";
import { formatPeInfo, isPe, parsePe, peInfo } from "../../pe/index.js";
import { printJson } from "../cli.js";

export interface InfoOptions {
  readonly json?: boolean;
}

/** Reads a file for a command; a missing or unreadable file is an NtraceError naming it. */
export function readInputFile(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : "";
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : e instanceof Error ? e.message : String(e);
    throw new NtraceError(`${file}: cannot read: ${why}`);
  }
}

/** The library side of `ntrace info`: the JSON value for a file's bytes. */
export function infoForBytes(bytes: Uint8Array, file: string): ReturnType<typeof peInfo> {
  if (isPe(bytes)) return peInfo(parsePe(bytes, file));
  // Trace files: the lead wires tracefile/'s isTraceFile + the reader's summary in here.
  throw new NtraceError(`${file}: not a PE image or ntrace trace`);
}

export function runInfo(file: string, options: InfoOptions): void {
  const bytes = readInputFile(file);
  let info;
  try {
    info = infoForBytes(bytes, file);
  } catch (e) {
    throw e instanceof FormatError ? e.withFile(file) : e;
  }
  if (options.json === true) printJson(info);
  else process.stdout.write(formatPeInfo(info, file));
}

export function registerInfo(program: Command): void {
  program
    .command("info")
    .description("show what a PE32 image contains: headers, sections, imports, exports, debug directory")
    .argument("<file>", "a PE32 image (.dll, .exe, .sys)")
    .option("--json", "print JSON instead of text")
    .action((file: string, options: InfoOptions) => runInfo(file, options));
}
