/**
 * TraceWriter: streams a trace file to a TraceSink with bounded memory. Each thread gets a
 * ThreadEventWriter whose append path is a few typed-array stores; a full buffer becomes one
 * event-chunk record (columns encoded, then deflated). close() writes the remaining chunks,
 * the footer index and the trailer.
 */
import { type ThreadKey, UsageError, hex } from "../base/index.js";
import { encodeChunkColumns } from "./chunkencode.js";
import { type ColumnArrays, ColumnEncoder } from "./columns.js";
import { RecordKind, TRACE_MAGIC, frameRecord, trailer } from "./framing.js";
import { type ChunkInfo, encodeFooter, encodeHeader, encodeModule, encodeThread, pb } from "./records.js";
import type { TraceSink } from "./sink.js";
import {
  type BulkColumns,
  type EventChunk,
  EventKind,
  MAX_ARG_COUNT,
  MAX_FUNCTION_IDS,
  TRACE_FORMAT_MAJOR,
  type ModuleRecord,
  type ModuleRecordInit,
  type ThreadEventWriter,
  type RunSummary,
  type ThreadRecord,
  type TraceHeader,
} from "./types.js";

/** Minor version this writer produces. */
export const TRACE_FORMAT_MINOR = 2;

export interface TraceWriterOptions {
  /** Events per chunk (default 65536); smaller chunks lose less on damage, compress worse. */
  readonly chunkEvents?: number;
  /** zlib deflate level 0–9 (default 6); 0 stores the columns uncompressed. */
  readonly compressionLevel?: number;
}

export interface TraceWriterResult {
  readonly bytes: number;
  readonly events: number;
}

export const DEFAULT_CHUNK_EVENTS = 65536;
export const DEFAULT_COMPRESSION_LEVEL = 6;
/** Worst-case serialized column bytes per event besides arguments (kind, ts, fn, esp, value). */
const MAX_EVENT_BYTES = 1 + 10 + 5 + 5 + 5;
/** Chunks stay well below the 16 MiB record cap whatever the argument count. */
const MAX_CHUNK_COLUMN_BYTES = 8 * 1024 * 1024;

export class TraceWriter {
  readonly header: TraceHeader;
  private readonly sink: TraceSink;
  private readonly chunkEvents: number;
  private readonly level: number;
  private readonly encoder = new ColumnEncoder();
  private offset = 0;
  private closed = false;
  private nextFunctionId = 0;
  private readonly moduleList: ModuleRecord[] = [];
  private readonly threadList: ThreadRecord[] = [];
  private readonly buffers = new Map<number, ThreadBuffer>();
  private readonly moduleOffsets: number[] = [];
  private readonly threadOffsets: number[] = [];
  private readonly chunkIndex: ChunkInfo[] = [];
  private events = 0;

  private constructor(sink: TraceSink, header: TraceHeader, options: TraceWriterOptions) {
    this.sink = sink;
    this.header = header;
    const perEvent = MAX_EVENT_BYTES + 5 * header.argCount;
    const requested = options.chunkEvents ?? DEFAULT_CHUNK_EVENTS;
    if (!Number.isInteger(requested) || requested < 1) {
      throw new UsageError(`trace writer: chunkEvents must be a positive integer, not ${requested}`);
    }
    this.chunkEvents = Math.max(1, Math.min(requested, Math.floor(MAX_CHUNK_COLUMN_BYTES / perEvent)));
    this.level = options.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL;
    if (!Number.isInteger(this.level) || this.level < 0 || this.level > 9) {
      throw new UsageError(`trace writer: compressionLevel must be 0–9, not ${this.level}`);
    }
  }

  /** Starts a trace: writes the magic and the header record. */
  static create(
    sink: TraceSink,
    header: Omit<TraceHeader, "formatMajor" | "formatMinor">,
    options: TraceWriterOptions = {},
  ): TraceWriter {
    if (!Number.isInteger(header.argCount) || header.argCount < 0 || header.argCount > MAX_ARG_COUNT) {
      throw new UsageError(`trace writer: argCount must be 0–${MAX_ARG_COUNT}, not ${header.argCount}`);
    }
    const full: TraceHeader = { ...header, formatMajor: TRACE_FORMAT_MAJOR, formatMinor: TRACE_FORMAT_MINOR };
    const w = new TraceWriter(sink, full, options);
    w.emit(TRACE_MAGIC);
    w.record(RecordKind.Header, encodeHeader(full));
    return w;
  }

  get modules(): readonly ModuleRecord[] {
    return this.moduleList;
  }

  get threads(): readonly ThreadRecord[] {
    return this.threadList;
  }

  /** Events recorded so far (buffered or written). */
  get eventCount(): number {
    let n = this.events;
    for (const b of this.buffers.values()) n += b.used;
    return n;
  }

  threadEventCount(key: ThreadKey): number {
    return this.buffers.get(key)?.total() ?? 0;
  }

  /** Bytes handed to the sink so far. */
  get bytesWritten(): number {
    return this.offset;
  }

  /** Records a loaded module; assigns its index and its function ids. */
  addModule(init: ModuleRecordInit): ModuleRecord {
    this.checkOpen("addModule");
    if (this.nextFunctionId + init.functionRvas.length > MAX_FUNCTION_IDS) {
      throw new UsageError(`trace writer: module ${init.name} would take function ids beyond the format's limit of ${MAX_FUNCTION_IDS}`);
    }
    const rec: ModuleRecord = {
      ...init,
      index: this.moduleList.length,
      firstFunctionId: this.nextFunctionId,
    };
    this.nextFunctionId += init.functionRvas.length;
    this.moduleList.push(rec);
    this.moduleOffsets.push(this.offset);
    this.record(RecordKind.Module, encodeModule(rec));
    return rec;
  }

  /**
   * Records a module that already has its index and firstFunctionId (copying a trace);
   * its ids must not overlap those assigned before.
   */
  addModuleRecord(rec: ModuleRecord): ModuleRecord {
    this.checkOpen("addModuleRecord");
    if (rec.firstFunctionId + rec.functionRvas.length > MAX_FUNCTION_IDS) {
      throw new UsageError(`trace writer: module ${rec.name} function ids reach beyond the format's limit of ${MAX_FUNCTION_IDS}`);
    }
    if (rec.firstFunctionId < this.nextFunctionId) {
      throw new UsageError(`trace writer: module ${rec.name} function ids start at ${rec.firstFunctionId}, below ${this.nextFunctionId}`);
    }
    const copy: ModuleRecord = { ...rec };
    this.nextFunctionId = rec.firstFunctionId + rec.functionRvas.length;
    this.moduleList.push(copy);
    this.moduleOffsets.push(this.offset);
    this.record(RecordKind.Module, encodeModule(copy));
    return copy;
  }

  /** Records a thread; its events can then be written through thread(key). */
  addThread(rec: ThreadRecord): void {
    this.checkOpen("addThread");
    if (this.buffers.has(rec.key)) throw new UsageError(`trace writer: thread ${hex(rec.key)} added twice`);
    this.threadList.push(rec);
    this.threadOffsets.push(this.offset);
    this.record(RecordKind.Thread, encodeThread(rec));
    this.buffers.set(rec.key, new ThreadBuffer(this, rec.key, this.chunkEvents, this.header.argCount));
  }

  /** The event writer of a thread added with addThread. */
  thread(key: ThreadKey): ThreadEventWriter {
    const b = this.buffers.get(key);
    if (b === undefined) throw new UsageError(`trace writer: thread ${hex(key)} was not added (addThread first)`);
    return b;
  }

  /**
   * Pushes the records already complete (the sink's buffer) to the file, leaving the threads'
   * partly filled chunks in memory: the bytes of the trace are the same whenever this is
   * called, so a periodic flush keeps identical runs' traces identical.
   */
  flushWritten(): void {
    this.checkOpen("flush");
    this.sink.flush();
  }

  /** Writes every thread's buffered events as chunks and flushes the sink. */
  flush(): void {
    this.checkOpen("flush");
    for (const b of this.buffers.values()) if (b.used > 0) this.writeChunk(b);
    this.sink.flush();
  }

  /**
   * Writes the remaining chunks, the footer (with how the run ended, when given) and the
   * trailer, and closes the sink.
   */
  close(run?: RunSummary): TraceWriterResult {
    this.checkOpen("close");
    for (const b of this.buffers.values()) if (b.used > 0) this.writeChunk(b);
    const footerOffset = this.offset;
    this.record(
      RecordKind.Footer,
      encodeFooter({
        moduleOffsets: this.moduleOffsets,
        threadOffsets: this.threadOffsets,
        chunks: this.chunkIndex,
        totalEvents: this.events,
        ...(run !== undefined ? { run } : {}),
      }),
    );
    this.emit(trailer(footerOffset));
    this.closed = true;
    this.sink.close();
    return { bytes: this.offset, events: this.events };
  }

  /**
   * Writes already-columnar events of an added thread as one chunk record (copying or
   * repairing a trace); that thread's buffered events are written first to keep the order.
   */
  appendChunk(chunk: EventChunk): void {
    this.checkOpen("appendChunk");
    const b = this.buffers.get(chunk.thread);
    if (b === undefined) throw new UsageError(`trace writer: thread ${hex(chunk.thread)} was not added (addThread first)`);
    if (chunk.count < 1) return;
    if (b.used > 0) this.writeChunk(b);
    this.writeColumns(b, chunk, chunk.count);
  }

  /** Called by a ThreadBuffer when it is full (and by flush/close). @internal */
  writeChunk(b: ThreadBuffer): void {
    this.checkOpen("record events");
    this.writeColumns(b, b, b.used);
    b.used = 0;
  }

  /**
   * Appends a record of any kind (simulating a newer minor version's records in tests;
   * readers skip kinds they do not know). @internal
   */
  appendRecord(kind: number, payload: Uint8Array): void {
    this.checkOpen("appendRecord");
    this.record(kind, payload);
  }

  private writeColumns(b: ThreadBuffer, c: ColumnArrays, count: number): void {
    const firstTs = c.ts[0]!;
    const lastTs = c.ts[count - 1]!;
    const { columns, rawSize } = encodeChunkColumns(this.encoder, c, count, this.header.argCount, this.level);
    const payload = pb.EventChunk.encode({
      thread: b.key >>> 0,
      seq: b.seq,
      count,
      firstTs,
      lastTs,
      encoding: this.level > 0 ? pb.ColumnEncoding.COLUMNS_DEFLATE_RAW : pb.ColumnEncoding.COLUMNS_PLAIN,
      rawSize,
      columns,
    }).finish();
    this.chunkIndex.push({ offset: this.offset, thread: b.key >>> 0, seq: b.seq, count, firstTs, lastTs });
    this.record(RecordKind.EventChunk, payload);
    this.events += count;
    b.written += count;
    b.seq++;
  }

  private record(kind: number, payload: Uint8Array): void {
    this.emit(frameRecord(kind, payload));
  }

  private emit(bytes: Uint8Array): void {
    this.sink.write(bytes);
    this.offset += bytes.length;
  }

  private checkOpen(what: string): void {
    if (this.closed) throw new UsageError(`trace writer: ${what} after close()`);
  }
}

/**
 * One thread's event buffer: columns in typed arrays, no per-event objects. When it fills,
 * the owning TraceWriter encodes it as a chunk and it starts over.
 */
/** Events a thread's columns hold at first; they grow fourfold up to the chunk size as needed. */
const INITIAL_THREAD_EVENTS = 256;

class ThreadBuffer implements ThreadEventWriter {
  readonly key: ThreadKey;
  // Column arrays of `capacity` events. A chunk is `cap` events; the columns start small so a
  // run of many short threads does not hold a full chunk's columns (1.4 MB) for each.
  kind: Uint8Array;
  ts: Float64Array;
  fn: Int32Array;
  esp: Uint32Array;
  value: Uint32Array;
  args: Uint32Array;
  used = 0;
  written = 0;
  seq = 0;
  private capacity: number;
  private readonly cap: number;
  private readonly argCount: number;
  private readonly owner: TraceWriter;

  constructor(owner: TraceWriter, key: ThreadKey, cap: number, argCount: number) {
    this.owner = owner;
    this.key = key;
    this.cap = cap;
    this.argCount = argCount;
    this.capacity = Math.min(cap, INITIAL_THREAD_EVENTS);
    this.kind = new Uint8Array(this.capacity);
    this.ts = new Float64Array(this.capacity);
    this.fn = new Int32Array(this.capacity);
    this.esp = new Uint32Array(this.capacity);
    this.value = new Uint32Array(this.capacity);
    this.args = new Uint32Array(this.capacity * argCount);
  }

  reserve(wanted: number): BulkColumns {
    const need = Math.min(this.cap, this.used + Math.max(1, wanted));
    while (this.capacity < need) this.grow();
    return { kind: this.kind, ts: this.ts, fn: this.fn, esp: this.esp, value: this.value, args: this.args, start: this.used, room: this.capacity - this.used };
  }

  commit(count: number): void {
    if (!Number.isInteger(count) || count < 0 || this.used + count > this.capacity) {
      throw new UsageError(`trace writer: commit of ${count} events at ${this.used} exceeds the ${this.capacity} reserved`);
    }
    if ((this.used += count) === this.cap) this.owner.writeChunk(this);
  }

  /** Makes room for one more event (the columns are full below the chunk size). */
  private grow(): void {
    const n = Math.min(this.cap, this.capacity * 4);
    const more = <T extends Uint8Array | Float64Array | Int32Array | Uint32Array>(a: T, make: (len: number) => T, per = 1): T => {
      const b = make(n * per);
      b.set(a);
      return b;
    };
    this.kind = more(this.kind, (l) => new Uint8Array(l));
    this.ts = more(this.ts, (l) => new Float64Array(l));
    this.fn = more(this.fn, (l) => new Int32Array(l));
    this.esp = more(this.esp, (l) => new Uint32Array(l));
    this.value = more(this.value, (l) => new Uint32Array(l));
    this.args = more(this.args, (l) => new Uint32Array(l), this.argCount);
    this.capacity = n;
  }

  total(): number {
    return this.written + this.used;
  }

  entry(ts: number, fn: number, esp: number, args?: ArrayLike<number>): void {
    const i = this.used;
    if (i === this.capacity) this.grow();
    this.kind[i] = EventKind.Entry;
    this.ts[i] = ts;
    this.fn[i] = fn;
    this.esp[i] = esp;
    const n = this.argCount;
    if (n > 0) {
      const base = i * n;
      const given = args === undefined ? 0 : Math.min(args.length, n);
      for (let a = 0; a < given; a++) this.args[base + a] = args![a]!;
      for (let a = given; a < n; a++) this.args[base + a] = 0;
    }
    if ((this.used = i + 1) === this.cap) this.owner.writeChunk(this);
  }

  exit(ts: number, fn: number, retval: number): void {
    this.put(EventKind.Exit, ts, fn, retval);
  }

  unwind(ts: number, fn: number, code: number): void {
    this.put(EventKind.Unwind, ts, fn, code);
  }

  unclosed(ts: number, fn: number): void {
    this.put(EventKind.Unclosed, ts, fn, 0);
  }

  lost(ts: number, count: number): void {
    this.put(EventKind.Lost, ts, -1, count);
  }

  threadStart(ts: number): void {
    this.put(EventKind.ThreadStart, ts, -1, 0);
  }

  threadEnd(ts: number, exitCode: number): void {
    this.put(EventKind.ThreadEnd, ts, -1, exitCode);
  }

  private put(kind: EventKind, ts: number, fn: number, value: number): void {
    const i = this.used;
    if (i === this.capacity) this.grow();
    this.kind[i] = kind;
    this.ts[i] = ts;
    this.fn[i] = fn;
    this.value[i] = value;
    if ((this.used = i + 1) === this.cap) this.owner.writeChunk(this);
  }
}
