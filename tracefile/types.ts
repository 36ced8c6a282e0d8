/**
 * The trace-file contract: what the runtime writes and the reader reads. The on-disk
 * encoding (protobuf records, columns, compression) is tracefile/'s business alone.
 */
import type { ThreadKey } from "../base/index.js";

export const TRACE_FORMAT_MAJOR = 1;

/** Most argument dwords an entry may capture (`Header.arg_count`, FORMAT.md). */
export const MAX_ARG_COUNT = 64;

/**
 * Function ids are below 2^22 (FORMAT.md): readers index per-function tables by id, so an id
 * from a damaged or forged file must not make them allocate gigabytes. A PE32 process has far
 * fewer functions.
 */
export const MAX_FUNCTION_IDS = 2 ** 22;

/** Event kinds, as stored. */
export const enum EventKind {
  Entry = 0,
  Exit = 1,
  /** A frame removed by SEH unwinding; `value` is the exception code. */
  Unwind = 2,
  /** A frame still open when its thread ended or the trace stopped. */
  Unclosed = 3,
  /** `value` events were lost (a bounded buffer overflowed). */
  Lost = 4,
  ThreadStart = 5,
  /** `value` is the thread's exit code. */
  ThreadEnd = 6,
}

export type ClockKind = "guest-instructions" | "host-monotonic";

export interface TraceClock {
  readonly kind: ClockKind;
  /** "instructions" or "ns". */
  readonly unit: string;
  /** Human description, e.g. "guest instructions retired, global across CPUs". */
  readonly description: string;
}

export interface TraceHeader {
  readonly formatMajor: number;
  readonly formatMinor: number;
  readonly clock: TraceClock;
  readonly cpus: number;
  readonly toolVersion: string;
  readonly commandLine: readonly string[];
  /** Argument dwords captured at each entry (`--args N`); 0 when none. */
  readonly argCount: number;
  /** "user" or "kernel". */
  readonly mode: string;
  /** Format 1.1: the engine that ran the guest, e.g. "unicorn 2.0.1" (absent: unknown). */
  readonly engine?: string;
}

/**
 * Format 1.1: how the traced run ended, written into the footer when the trace is closed.
 * Host time only with the host clock, so identical guest-clock runs give identical files.
 */
export interface RunSummary {
  /** Process exit code (EXE runs). */
  readonly exitCode?: number;
  /** Return value (EAX) of the export called in a DLL. */
  readonly result?: number;
  /** Why the guest failed. */
  readonly failure?: string;
  /** Guest instructions executed, all CPUs together. */
  readonly instructions: number;
  /** Host time of the run in ns (host clock only). */
  readonly elapsedNs?: number;
  /** Format 1.2: why the run was ended before the guest ended it. */
  readonly interrupted?: { readonly cause: string; readonly reason: string };
}

export interface ExportName {
  readonly rva: number;
  readonly name: string;
}

export interface ModuleRecord {
  /** Position in the trace's module list, assigned by the writer. */
  readonly index: number;
  readonly name: string;
  readonly path: string;
  readonly base: number;
  readonly size: number;
  readonly timeDateStamp: number;
  readonly checksum: number;
  readonly exportNames: readonly ExportName[];
  /**
   * All IMAGE_DEBUG_DIRECTORY entries followed by their blobs; in each entry
   * AddressOfRawData is 0 and PointerToRawData is the blob's offset from the start of this
   * block (pe/README.md "Debug-directory block"). Built and parsed by pe/debugblock.ts.
   */
  readonly debugBlock: Uint8Array;
  /** RVAs of the instrumented functions; function id = firstFunctionId + index. */
  readonly functionRvas: readonly number[];
  /** Assigned by the writer: ids of this module's functions start here. */
  readonly firstFunctionId: number;
}

export type ModuleRecordInit = Omit<ModuleRecord, "index" | "firstFunctionId">;

export interface ThreadRecord {
  /** KTHREAD address: the thread's identity. */
  readonly key: ThreadKey;
  readonly process: number;
  readonly thread: number;
  /** The CPU it is bound to (idle threads), if fixed. */
  readonly cpu?: number;
  readonly startAddress: number;
  readonly name?: string;
  readonly idle?: boolean;
}

/** One event, as the slow, convenient iteration API returns it. */
export interface TraceEvent {
  readonly kind: EventKind;
  readonly thread: ThreadKey;
  readonly ts: number;
  /** Function id (entry, exit, unwind, unclosed); -1 otherwise. */
  readonly fn: number;
  /** ESP at entry (entry only). */
  readonly esp: number;
  /** EAX at exit, exception code at unwind, count at lost, exit code at thread-end. */
  readonly value: number;
  /** Argument dwords read at entry (entry only, header.argCount of them). */
  readonly args?: readonly number[];
}

/** The per-event arrays of columnar events (the writer's buffers, decoded chunks, bulk appends). */
export interface ColumnArrays {
  readonly kind: Uint8Array;
  readonly ts: Float64Array;
  readonly fn: Int32Array;
  readonly esp: Uint32Array;
  readonly value: Uint32Array;
  /** argCount dwords per event; only entries' slots are meaningful. */
  readonly args: Uint32Array;
}

/** Columnar events of one thread: the fast path for readers. Arrays have `count` entries. */
export interface EventChunk extends ColumnArrays {
  readonly thread: ThreadKey;
  readonly count: number;
}

/** Per-thread recording interface the runtime calls on its hot path. */
export interface ThreadEventWriter {
  entry(ts: number, fn: number, esp: number, args?: ArrayLike<number>): void;
  exit(ts: number, fn: number, retval: number): void;
  unwind(ts: number, fn: number, code: number): void;
  unclosed(ts: number, fn: number): void;
  lost(ts: number, count: number): void;
  threadStart(ts: number): void;
  threadEnd(ts: number, exitCode: number): void;
  /**
   * Bulk append, for producers that fill typed arrays themselves (the native recorder):
   * room for at least min(`wanted`, what is left of the chunk) events at `start` of the
   * returned columns, each event set exactly as entry() / exit() … set it (kind and ts always;
   * fn for kinds with a function; esp and `argCount` args per event for entries; value for
   * exit, unwind, lost, thread end). `commit(count)` then appends them (a full chunk is written
   * at once, after which reserve again).
   */
  reserve(wanted: number): BulkColumns;
  commit(count: number): void;
}

/** Where a bulk append writes (ThreadEventWriter.reserve): valid until commit. */
export interface BulkColumns extends ColumnArrays {
  /** Index of the first free event. */
  readonly start: number;
  /** Events that fit from `start` before the chunk is full. */
  readonly room: number;
}

export interface Damage {
  /** File offset where the damage starts. */
  readonly offset: number;
  /** Bytes affected, when known. */
  readonly length?: number;
  /** What was lost, e.g. "event chunk of thread 0x81001000 (2048 events): CRC mismatch". */
  readonly what: string;
}
