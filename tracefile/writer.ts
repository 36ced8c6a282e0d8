/**
 * TraceWriter: streams a trace file to a TraceSink with bounded memory. Each thread gets a
 * ThreadEventWriter whose append path is a few typed-array stores; a full buffer becomes one
 * event-chunk record (columns encoded, then deflated). close() writes the remaining chunks,
 * the footer index and the trailer.
 *
 * With `background`, full chunks are encoded by a worker thread (background.ts) while the
 * caller goes on. Records leave in the order they were made all the same: a chunk with the
 * worker holds its place in an output queue, and what was recorded after it waits behind it;
 * a record's file offset is taken when it reaches the sink.
 */
import { type ThreadKey, UsageError, hex } from "../base/index.js";
import { type BackgroundTuning, ChunkOffload, MAX_CHUNKS_IN_FLIGHT, isShared } from "./background.js";
import type { ChunkOutcome } from "./chunkprotocol.js";
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

/**
 * Full chunks a `background` writer encodes on its own thread before it starts the worker.
 * The worker's start costs the run ~30 ms (a Node isolate booting on the other CPU, ~4,400
 * page faults in the same process), more than a few chunks cost to encode (~1–3 ms each):
 * traced compress Run(10), 5 full chunks, took 0.46 s with the worker started with the writer
 * and 0.43 s without it; fib(30), 123 chunks, 0.78 and 0.79 s (BENCHMARKS.md, native-tracer).
 */
export const BACKGROUND_START_CHUNKS = 8;

/** Minor version this writer produces. */
export const TRACE_FORMAT_MINOR = 2;

export interface TraceWriterOptions {
  /** Events per chunk (default 65536); smaller chunks lose less on damage, compress worse. */
  readonly chunkEvents?: number;
  /** zlib deflate level 0–9 (default 3, DEFAULT_COMPRESSION_LEVEL); 0 stores the columns uncompressed. */
  readonly compressionLevel?: number;
  /**
   * Encode and deflate full chunks on a worker thread (default false). The file is byte for
   * byte the same; without the built worker script (dist/tracefile/chunkworker.js), or when
   * the worker fails, chunks are encoded on the calling thread. The worker starts once the
   * writer has encoded BACKGROUND_START_CHUNKS full chunks itself: a short trace is not worth
   * its start.
   */
  readonly background?: boolean;
  /** Test hooks of the background worker. @internal */
  readonly backgroundTuning?: BackgroundTuning;
}

/** Where a writer's chunks were encoded (TraceWriter.chunkEncoding). */
export interface ChunkEncodingStats {
  /** Chunks the worker thread encoded. */
  readonly inWorker: number;
  /** Chunks encoded on the writer's own thread (all of them without `background`). */
  readonly inline: number;
  /** Why a background writer stopped using (or never used) its worker. */
  readonly workerUnavailable?: string;
}

export interface TraceWriterResult {
  readonly bytes: number;
  readonly events: number;
}

export const DEFAULT_CHUNK_EVENTS = 65536;
/**
 * DEFLATE level 3: a chunk's columns are part regular (recursion) and part noise (return values,
 * arguments), and level 6's deeper match search costs 2–3× the time for 5–30 % fewer bytes
 * (traced compress Run(10): 43 → 23 ms for 411 → 439 KB; fib(30): 148 → 48 ms for 0.05 →
 * 0.07 bytes per event). A short trace's chunks are deflated on the thread that runs the
 * machine (BACKGROUND_START_CHUNKS), so this time is the run's.
 */
export const DEFAULT_COMPRESSION_LEVEL = 3;
/** Worst-case serialized column bytes per event besides arguments (kind, ts, fn, esp, value). */
const MAX_EVENT_BYTES = 1 + 10 + 5 + 5 + 5;
/** Chunks stay well below the 16 MiB record cap whatever the argument count. */
const MAX_CHUNK_COLUMN_BYTES = 8 * 1024 * 1024;

/** What the footer indexes of a chunk, but its offset (taken when the record is written). */
type ChunkPlace = Omit<ChunkInfo, "offset">;

/** A record on its way to the sink, behind a chunk the worker has not answered for. */
interface QueuedRecord {
  /** The framed record; undefined while the worker encodes its chunk. */
  frame: Uint8Array | undefined;
  /** Notes the record's offset (module, thread and chunk offsets for the footer). */
  readonly placed: ((offset: number) => void) | undefined;
}

/** A full chunk with the worker: its columns stay the writer's (shared memory) until answered. */
interface ChunkWithWorker extends QueuedRecord {
  readonly place: ChunkPlace;
  readonly columns: ColumnArrays;
}

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
  /** The worker side of `background`; undefined without it. */
  private readonly offload: ChunkOffload | undefined;
  /** Records not yet written, in file order; empty unless a chunk is with the worker. */
  private readonly queue: QueuedRecord[] = [];
  /** Chunks with the worker, by job id. */
  private readonly withWorker = new Map<number, ChunkWithWorker>();
  private chunksInWorker = 0;
  private chunksInline = 0;
  /** Full chunks the writer encodes itself before it starts the worker (BACKGROUND_START_CHUNKS). */
  private readonly startAfterChunks: number;
  /** Full chunks seen so far. */
  private fullChunks = 0;

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
    this.offload = options.background === true ? new ChunkOffload(this.chunkEvents, header.argCount, this.level, options.backgroundTuning) : undefined;
    this.startAfterChunks = options.backgroundTuning?.startAfterChunks ?? BACKGROUND_START_CHUNKS;
    if (this.startAfterChunks === 0) this.offload?.ready();
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
    w.record(RecordKind.Header, encodeHeader(full), undefined);
    return w;
  }

  get modules(): readonly ModuleRecord[] {
    return this.moduleList;
  }

  get threads(): readonly ThreadRecord[] {
    return this.threadList;
  }

  /** Events recorded so far (buffered, with the worker, or written). */
  get eventCount(): number {
    let n = this.events;
    for (const b of this.buffers.values()) n += b.used;
    return n;
  }

  threadEventCount(key: ThreadKey): number {
    return this.buffers.get(key)?.total() ?? 0;
  }

  /**
   * Bytes handed to the sink so far. With `background` this lags behind: records behind a
   * chunk the worker is still encoding are not handed over yet (flushWritten() catches up).
   */
  get bytesWritten(): number {
    return this.offset;
  }

  /** Where the chunks written so far were encoded. */
  get chunkEncoding(): ChunkEncodingStats {
    const why = this.offload?.failure;
    return { inWorker: this.chunksInWorker, inline: this.chunksInline, ...(why !== undefined ? { workerUnavailable: why } : {}) };
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
    this.record(RecordKind.Module, encodeModule(rec), this.placeModule);
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
    this.record(RecordKind.Module, encodeModule(copy), this.placeModule);
    return copy;
  }

  /** Records a thread; its events can then be written through thread(key). */
  addThread(rec: ThreadRecord): void {
    this.checkOpen("addThread");
    if (this.buffers.has(rec.key)) throw new UsageError(`trace writer: thread ${hex(rec.key)} added twice`);
    this.threadList.push(rec);
    this.record(RecordKind.Thread, encodeThread(rec), this.placeThread);
    this.buffers.set(rec.key, new ThreadBuffer(this, rec.key, this.chunkEvents, this.header.argCount));
  }

  /** The event writer of a thread added with addThread. */
  thread(key: ThreadKey): ThreadEventWriter {
    const b = this.buffers.get(key);
    if (b === undefined) throw new UsageError(`trace writer: thread ${hex(key)} was not added (addThread first)`);
    return b;
  }

  /**
   * Pushes the records already complete (the sink's buffer, and chunks with the worker: this
   * waits for them) to the file, leaving the threads' partly filled chunks in memory: the
   * bytes of the trace are the same whenever this is called, so a periodic flush keeps
   * identical runs' traces identical.
   */
  flushWritten(): void {
    this.checkOpen("flush");
    this.finishQueued();
    this.sink.flush();
  }

  /** Writes every thread's buffered events as chunks and flushes the sink. */
  flush(): void {
    this.checkOpen("flush");
    this.finishQueued();
    for (const b of this.buffers.values()) if (b.used > 0) this.writeChunk(b);
    this.sink.flush();
  }

  /**
   * Writes the remaining chunks, the footer (with how the run ended, when given) and the
   * trailer, and closes the sink.
   */
  close(run?: RunSummary): TraceWriterResult {
    this.checkOpen("close");
    try {
      this.finishQueued();
      for (const b of this.buffers.values()) if (b.used > 0) this.writeChunk(b);
    } finally {
      // The worker ends with the writer, even when the chunks fail (a caller that closes the
      // sink itself then is not left with a thread); anything later is encoded here.
      this.offload?.stop();
    }
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
      undefined,
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
    if (this.offload !== undefined && b.used === this.chunkEvents && this.handOff(this.offload, b)) return;
    this.writeColumns(b, b, b.used);
    b.used = 0;
  }

  /**
   * Columns for a thread's buffer of `capacity` events: a full chunk's in shared memory when
   * a worker may encode them, so they can be handed over without a copy. @internal
   */
  columnsFor(capacity: number): ColumnArrays {
    if (capacity === this.chunkEvents && this.offload !== undefined) return this.offload.takeColumns();
    return {
      kind: new Uint8Array(capacity),
      ts: new Float64Array(capacity),
      fn: new Int32Array(capacity),
      esp: new Uint32Array(capacity),
      value: new Uint32Array(capacity),
      args: new Uint32Array(capacity * this.header.argCount),
    };
  }

  /**
   * Appends a record of any kind (simulating a newer minor version's records in tests;
   * readers skip kinds they do not know). @internal
   */
  appendRecord(kind: number, payload: Uint8Array): void {
    this.checkOpen("appendRecord");
    this.record(kind, payload, undefined);
  }

  /**
   * Gives a full buffer's columns to the worker and the buffer a spare set; false when the
   * worker is not to be had (the caller encodes the chunk itself).
   */
  private handOff(offload: ChunkOffload, b: ThreadBuffer): boolean {
    if (++this.fullChunks <= this.startAfterChunks) return false;
    if (!isShared(b) || !offload.ready()) return false;
    // Take what the worker has finished, so the queue drains as the run goes. When it is as
    // far behind as memory allows (starting, or short of CPU), this thread encodes the chunk
    // itself: waiting would only idle it.
    this.takeOutcomes(offload);
    if (offload.inFlight >= MAX_CHUNKS_IN_FLIGHT || offload.unavailable !== undefined) return false;
    const count = b.used;
    const place: ChunkPlace = { thread: b.key >>> 0, seq: b.seq, count, firstTs: b.ts[0]!, lastTs: b.ts[count - 1]! };
    const columns = b.swapColumns(offload.takeColumns());
    b.used = 0;
    this.events += count;
    b.written += count;
    b.seq++;
    const entry: ChunkWithWorker = { frame: undefined, placed: this.placeChunk(place), place, columns };
    this.queue.push(entry);
    this.withWorker.set(offload.submit(columns, count), entry);
    return true;
  }

  /** Settles what the worker has posted, without waiting, and writes what is then in order. */
  private takeOutcomes(offload: ChunkOffload): void {
    for (let o = offload.receive(); o !== undefined; o = offload.receive()) this.settle(o);
    this.emitQueued();
  }

  /** Waits for the worker's next outcome; if the worker is gone, encodes its chunks here. */
  private awaitOutcome(offload: ChunkOffload): void {
    const o = offload.waitForOutcome();
    if (o !== undefined) this.settle(o);
    else for (const [id, entry] of this.withWorker) this.encodeHere(id, entry);
    this.emitQueued();
  }

  /** Waits for every chunk with the worker and writes the queue out. */
  private finishQueued(): void {
    const offload = this.offload;
    if (offload === undefined) return;
    this.takeOutcomes(offload);
    while (this.withWorker.size > 0) this.awaitOutcome(offload);
    this.emitQueued();
  }

  private settle(o: ChunkOutcome): void {
    const entry = this.withWorker.get(o.id);
    if (entry === undefined) return;
    if ("error" in o) {
      // The encoder threw in the worker (a timestamp it refuses): encoding here throws the
      // same error, as the synchronous writer would.
      this.encodeHere(o.id, entry);
      return;
    }
    this.withWorker.delete(o.id);
    entry.frame = this.chunkFrame(entry.place, o.columns, o.rawSize);
    this.offload!.recycle(entry.columns);
    this.chunksInWorker++;
  }

  /** Encodes a chunk the worker had on this thread; one that throws is dropped from the queue. */
  private encodeHere(id: number, entry: ChunkWithWorker): void {
    this.withWorker.delete(id);
    try {
      const { columns, rawSize } = encodeChunkColumns(this.encoder, entry.columns, entry.place.count, this.header.argCount, this.level);
      entry.frame = this.chunkFrame(entry.place, columns, rawSize);
      this.chunksInline++;
    } catch (e) {
      this.queue.splice(this.queue.indexOf(entry), 1);
      throw e;
    } finally {
      this.offload!.recycle(entry.columns);
    }
  }

  private writeColumns(b: ThreadBuffer, c: ColumnArrays, count: number): void {
    this.writePlaced({ thread: b.key >>> 0, seq: b.seq, count, firstTs: c.ts[0]!, lastTs: c.ts[count - 1]! }, c);
    this.events += count;
    b.written += count;
    b.seq++;
  }

  /** Encodes a chunk on this thread and writes it (or queues it behind chunks with the worker). */
  private writePlaced(place: ChunkPlace, c: ColumnArrays): void {
    const { columns, rawSize } = encodeChunkColumns(this.encoder, c, place.count, this.header.argCount, this.level);
    this.chunksInline++;
    this.put(this.chunkFrame(place, columns, rawSize), this.placeChunk(place));
  }

  private chunkFrame(place: ChunkPlace, columns: Uint8Array, rawSize: number): Uint8Array {
    const payload = pb.EventChunk.encode({
      ...place,
      encoding: this.level > 0 ? pb.ColumnEncoding.COLUMNS_DEFLATE_RAW : pb.ColumnEncoding.COLUMNS_PLAIN,
      rawSize,
      columns,
    }).finish();
    return frameRecord(RecordKind.EventChunk, payload);
  }

  private readonly placeModule = (offset: number): void => {
    this.moduleOffsets.push(offset);
  };

  private readonly placeThread = (offset: number): void => {
    this.threadOffsets.push(offset);
  };

  private placeChunk(place: ChunkPlace): (offset: number) => void {
    return (offset) => this.chunkIndex.push({ offset, ...place });
  }

  private record(kind: number, payload: Uint8Array, placed: ((offset: number) => void) | undefined): void {
    this.put(frameRecord(kind, payload), placed);
  }

  /** Writes a framed record now, or queues it when chunks with the worker come before it. */
  private put(frame: Uint8Array, placed: ((offset: number) => void) | undefined): void {
    if (this.queue.length > 0) {
      this.queue.push({ frame, placed });
      return;
    }
    placed?.(this.offset);
    this.emit(frame);
  }

  /** Writes the queue's records up to the first chunk the worker has not answered for. */
  private emitQueued(): void {
    const queue = this.queue;
    let n = 0;
    for (; n < queue.length; n++) {
      const r = queue[n]!;
      if (r.frame === undefined) break;
      r.placed?.(this.offset);
      this.emit(r.frame);
    }
    if (n > 0) queue.splice(0, n);
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
 * the owning TraceWriter encodes it as a chunk and it starts over (with `background`, in a
 * spare set of columns while the worker reads the full one).
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
    const c = owner.columnsFor(this.capacity);
    this.kind = c.kind;
    this.ts = c.ts;
    this.fn = c.fn;
    this.esp = c.esp;
    this.value = c.value;
    this.args = c.args;
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
    const c = this.owner.columnsFor(n);
    c.kind.set(this.kind);
    c.ts.set(this.ts);
    c.fn.set(this.fn);
    c.esp.set(this.esp);
    c.value.set(this.value);
    c.args.set(this.args);
    this.install(c);
    this.capacity = n;
  }

  /** Gives the full columns away (to the writer's worker) and takes `fresh` ones of the same capacity. */
  swapColumns(fresh: ColumnArrays): ColumnArrays {
    const full: ColumnArrays = { kind: this.kind, ts: this.ts, fn: this.fn, esp: this.esp, value: this.value, args: this.args };
    this.install(fresh);
    return full;
  }

  private install(c: ColumnArrays): void {
    this.kind = c.kind;
    this.ts = c.ts;
    this.fn = c.fn;
    this.esp = c.esp;
    this.value = c.value;
    this.args = c.args;
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
