/**
 * ntrace as a library: the typed API the `ntrace` CLI is a thin layer over.
 *
 *   import { runSession, openTrace, prepareReader, computeReport } from "ntrace";
 *   runSession({ target: { mode: "user", image: "fib.dll", call: { name: "Run", args: [20] } }, trace: { output: "fib.ntrace" } });
 *   runSession({ target: { mode: "user", image: "hello.exe", args: ["a"] } }).run.exitCode;
 *   const rows = computeReport(prepareReader(openTrace("fib.ntrace"), { symbolPath: "." }));
 *
 * The README's "Library" section has the full typed example (checked by test/install/).
 * package.json's "exports" map makes this module the only importable entry point.
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

// Offline analysis: the commonly used entry points at the top level, everything in `reader`.
export * as reader from "./reader/index.js";
export {
  prepareReader,
  computeReport,
  formatReportTable,
  computeGraphs,
  computeDiff,
  computeStack,
  runFlamegraph,
  runReplay,
  StringOutput,
  FdOutput,
  type ReaderContext,
  type ReaderOptions,
  type ReportRow,
  type TextOutput,
} from "./reader/index.js";
export { traceInfo } from "./reader/traceinfo.js";
export { TOOL_VERSION } from "./version.js";
