/** reader/: offline analysis of traces. See reader/README.md. */
export type { TraceSource } from "./source.js";
export { prepareReader, parseThreadKey, defaultWarn, type ReaderOptions, type ReaderContext } from "./context.js";
export { Symbolizer, type SymbolizerOptions, type ModuleSymbolInfo, type SymbolSource } from "./symbols/symbolizer.js";
export { parseSymbolPath, REMOTE_IGNORED_WARNING, type SymbolLocation } from "./symbols/symbolpath.js";
export { FrameEnd, MarkerKind, type FrameSink, type ThreadInfo } from "./calltree/frames.js";
export { StrictThreadBuilder, CallTreeError } from "./calltree/strict.js";
export { RepairingCallTreeBuilder, formatCallTreeWarning, type CallTreeWarning } from "./calltree/repair.js";
export { FrameFilter, NO_FILTER, type FrameFilterOptions } from "./calltree/filter.js";
export { walkFrames } from "./calltree/walk.js";
export { FdOutput, StringOutput, OutputClosedError, type TextOutput } from "./output.js";
export { runDump } from "./commands/dump.js";
export { runReplay } from "./commands/replay.js";
export { runReport, computeReport, sortReport, REPORT_SORT_KEYS, type ReportRow } from "./commands/report.js";
export { runStack, computeStack, DEFAULT_STACK_JUMP, type StackReport } from "./commands/stack.js";
export { runFlamegraph, buildCallPathTree, FLAMEGRAPH_FORMATS } from "./flamegraph/index.js";
export { traceInfo, type TraceInfo } from "./traceinfo.js";
export { parseDuration, formatDuration } from "./units.js";
