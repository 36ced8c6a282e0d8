/**
 * `ntrace info <file> [--json]`: what a PE image or a trace file contains.
 * Dispatches on content, not on the file name.
 */
import { closeSync, readSync } from "node:fs";
import type { Command } from "commander";
import { FormatError, NtraceError, cidText, openInputFile, withCommas } from "../../base/index.js";
import { formatPeInfo, isPe, parsePe, peInfo } from "../../pe/index.js";
import { printJson } from "../cli.js";
import { readInputFile, startsWithMz } from "../input.js";
import { isTraceFile, openTrace, TRACE_MAGIC } from "../../tracefile/index.js";
import { traceInfo, type TraceInfo } from "../../reader/traceinfo.js";
import { formatCount, formatDuration } from "../../reader/units.js";
import { hex } from "../../base/index.js";

export { readInputFile } from "../input.js";

export interface InfoOptions {
  readonly json?: boolean;
}

/** The library side of `ntrace info`: the JSON value for a file's bytes. */
export function infoForBytes(bytes: Uint8Array, file: string): ReturnType<typeof peInfo> {
  // A file that starts with "MZ" is an image, perhaps a broken one: let the parser say what is
  // wrong and where (e_lfanew past the end, no PE signature, ...) instead of "not a PE image".
  if (isPe(bytes) || startsWithMz(bytes)) return peInfo(parsePe(bytes, file));
  if (bytes.length === 0) throw new NtraceError(`${file}: the file is empty (not a PE image or ntrace trace)`);
  throw new NtraceError(`${file}: not a PE image or ntrace trace`);
}

/** The first bytes of a file, enough to recognize a trace without reading all of it. */
function readMagic(file: string): Uint8Array {
  const { fd } = openInputFile(file); // a FIFO or a device is refused here, before any read
  try {
    const head = new Uint8Array(TRACE_MAGIC.length);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** `ntrace info <trace>`: streams the trace (chunk headers only), never loads it whole. */
export function traceInfoOfFile(file: string): TraceInfo {
  const trace = openTrace(file);
  try {
    // With a valid footer the reader trusts the index; check every chunk's CRC so damage
    // inside a closed trace is reported too (cheap: nothing is decompressed).
    trace.verify();
    return traceInfo(trace);
  } finally {
    trace.close();
  }
}

/** How the run ended, in words: "exit code 0 (0x00000000)", "returned 6765 (0x00001a6d)", "failed: …". */
function exitStatus(run: NonNullable<TraceInfo["run"]>): string {
  const parts: string[] = [];
  if (run.exitCode !== undefined) parts.push(`exit code ${run.exitCode} (${hex(run.exitCode)})`);
  if (run.result !== undefined) parts.push(`returned ${run.result} (${hex(run.result)})`);
  if (run.interrupted !== undefined && run.interrupted.cause !== "guest-failure") parts.push(`INTERRUPTED (${run.interrupted.cause}): ${run.interrupted.reason}; the trace was closed with everything recorded until then`);
  else if (run.failure !== undefined) parts.push(`FAILED: ${run.failure}`);
  return parts.length > 0 ? parts.join("; ") : "completed";
}

export function formatTraceInfo(info: TraceInfo, file: string): string {
  const run = info.run;
  const guestClock = info.clock.unit !== "ns";
  const lines = [
    `${file}: ntrace trace, format ${info.version}${info.complete ? "" : " (INCOMPLETE: no valid footer)"}`,
    `command line: ntrace ${info.commandLine.join(" ")}`,
    `recorded by: ntrace ${info.toolVersion}, ${info.mode} mode, engine ${info.engine ?? "not recorded (trace format 1.0)"}`,
    `exit status: ${run !== undefined ? exitStatus(run) : info.complete ? "not recorded (trace format 1.0)" : "unknown (the trace was not closed)"}`,
    `instructions: ${run !== undefined ? `${withCommas(run.instructions)} (${formatCount(run.instructions)}) guest instructions` : "not recorded"}`,
    `elapsed: ${
      run?.elapsedNs !== undefined
        ? `${formatDuration(run.elapsedNs, { kind: "host-monotonic", unit: "ns", description: "" })} (host time)`
        : guestClock && run !== undefined
          ? `${formatCount(run.instructions)} guest instructions (host time is not recorded with the guest clock, so identical runs give identical traces; record with --clock host for it)`
          : "not recorded"
    }`,
    `clock: ${info.clock.kind} (${info.clock.unit}) — ${info.clock.description}`,
    `cpus: ${info.cpus}`,
    `events: ${info.events}`,
    "modules:",
    ...info.modules.map(
      (m) =>
        `  ${m.name.padEnd(20)} ${hex(m.base)} size ${hex(m.size)}  ${m.functions} functions` +
        (m.codeview !== undefined ? `  PDB ${m.codeview.path} {${m.codeview.guid}} age ${m.codeview.age}` : "  (no CodeView record)"),
    ),
    "threads (key = KTHREAD address):",
    ...info.threads.map(
      (t) =>
        `  ${hex(t.key)}  CID ${cidText(t.cid.process, t.cid.thread)}${t.idle === true ? " (idle)" : ""}${t.name !== undefined ? ` ${t.name}` : ""}  ${t.events} events`,
    ),
  ];
  if (info.damage !== undefined) {
    lines.push("damage:");
    for (const d of info.damage) lines.push(`  at ${hex(d.offset)}${d.length !== undefined ? ` (${d.length} bytes)` : ""}: ${d.what}`);
  }
  return lines.join("\n") + "\n";
}

export function runInfo(file: string, options: InfoOptions): void {
  if (isTraceFile(readMagic(file))) {
    const info = traceInfoOfFile(file);
    if (options.json === true) printJson(info);
    else process.stdout.write(formatTraceInfo(info, file));
    return;
  }
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
    .description("show what a PE32 image or an ntrace trace contains")
    .argument("<file>", "a PE32 image (.dll, .exe, .sys) or a trace (.ntrace)")
    .option("--json", "print JSON instead of text")
    .action((file: string, options: InfoOptions) => runInfo(file, options));
}
