/** tracefile/: the ntrace trace format — writer, reader, contract types. */
export * from "./types.js";
export { TRACE_MAGIC, isTraceFile, MAX_RECORD_PAYLOAD } from "./framing.js";
export {
  TraceWriter,
  TRACE_FORMAT_MINOR,
  DEFAULT_CHUNK_EVENTS,
  DEFAULT_COMPRESSION_LEVEL,
  type TraceWriterOptions,
  type TraceWriterResult,
  type ChunkEncodingStats,
} from "./writer.js";
export { type TraceSink, FileSink, MemorySink } from "./sink.js";
export { openTrace, openTraceBytes, TraceFile, type FunctionAddress, type ChunkInfo, type ChunkIterationOptions } from "./reader.js";
export { crc32 } from "./crc32.js";
export { rewriteTrace } from "./rewrite.js";
