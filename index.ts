/**
 * ntrace as a library: the typed API the `ntrace` CLI is a thin layer over.
 *
 *   import { parsePe, runSession, openTrace } from "ntrace";
 *   const image = parsePe(readFileSync("fib.dll"));              // open an image
 *   runSession({ target: { mode: "user", image: "fib.dll", call: { name: "Run", args: [20] } }, trace: { output: "fib.ntrace" } });
 *   runSession({ target: { mode: "user", image: "hello.exe", args: ["a"] } }).run.exitCode;
 *   const trace = openTrace("fib.ntrace");                        // open and query a trace
 */
export * as base from "./base/index.js";
export { NtraceError, FormatError, UnsupportedFormatError, UsageError } from "./base/index.js";
export type { Va, Rva, FileOffset, ThreadKey } from "./base/index.js";

// Images and symbols (pure parsers).
export * from "./pe/index.js";

// The emulated machine and the tracer.
export { runSession, runProgram, locateSystemDlls } from "./runtime/index.js";
export type { SessionOptions, SessionResult, TraceSummary, UserTarget, KernelTarget, RunResult } from "./runtime/index.js";
export type { TracerOptions } from "./runtime/tracing/index.js";

// The trace file.
export { openTrace, openTraceBytes, TraceWriter, FileSink, MemorySink, isTraceFile } from "./tracefile/index.js";
export type { TraceHeader, ModuleRecord, ThreadRecord, TraceEvent, EventChunk, Damage } from "./tracefile/index.js";
export { EventKind } from "./tracefile/index.js";

// Offline analysis.
export * as reader from "./reader/index.js";
export { traceInfo } from "./reader/traceinfo.js";
export { TOOL_VERSION } from "./version.js";
