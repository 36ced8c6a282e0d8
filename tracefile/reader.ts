/**
 * Trace reader: opens a trace file without loading it, lists its header, modules and
 * threads, and iterates event chunks one at a time (memory does not grow with the file).
 * Uses the footer index when the trace was closed properly, a forward scan otherwise; a
 * damaged or truncated file yields every intact record plus a damage report.
 */
import {
  FormatError,
  type ThreadKey,
  UnsupportedFormatError,
  hexShort,
  threadKey,
} from "../base/index.js";
import { decodeChunkColumns, decodeChunkMeta } from "./chunk.js";
import { ColumnContradiction, ColumnScratch, TIMESTAMP_LIMIT, type ColumnSelection } from "./columns.js";
import {
  FRAME_CRC_SIZE,
  FRAME_HEADER_SIZE,
  FRAME_OVERHEAD,
  RECORD_SYNC,
  RecordKind,
  TRACE_MAGIC,
  TRAILER_SIZE,
  isTraceFile,
  parseFrameHeader,
  parseTrailer,
  recordKindName,
} from "./framing.js";
import { crc32 } from "./crc32.js";
import { type ChunkInfo, type FooterData, decodeFooter, decodeHeader, decodeModule, decodeThread } from "./records.js";
import { type ByteSource, FileSource, MemorySource } from "./source.js";
import {
  type Damage,
  type EventChunk,
  EventKind,
  MAX_ARG_COUNT,
  MAX_FUNCTION_IDS,
  type ModuleRecord,
  TRACE_FORMAT_MAJOR,
  type RunSummary,
  type ThreadRecord,
  type TraceEvent,
  type TraceHeader,
} from "./types.js";

export type { ChunkInfo } from "./records.js";

/** How chunks() decodes: buffer reuse, and columns the caller can do without. */
export interface ChunkIterationOptions extends ColumnSelection {
  /** Decode every chunk into the same buffers: each chunk is valid only until the next. */
  readonly reuse?: boolean;
}

export interface FunctionAddress {
  readonly module: ModuleRecord;
  /** Index of the function in the module's functionRvas. */
  readonly index: number;
  readonly rva: number;
  readonly va: number;
}

/** Result of reading one record at an offset. */
type RecordRead =
  | { readonly ok: true; readonly kind: number; readonly payload: Uint8Array; readonly end: number }
  | {
      readonly ok: false;
      /** "frame": no valid frame header here; "truncated": file ends inside; "crc": payload CRC mismatch. */
      readonly why: "frame" | "truncated" | "crc";
      readonly kind?: number;
      readonly length?: number;
      /** Whatever payload bytes are there (for best-effort damage descriptions). */
      readonly partial?: Uint8Array;
    };

const FORMAT = "trace";

/** A record and the file offset it was read at. */
interface Located<T> {
  readonly offset: number;
  readonly record: T;
}

/** A footer record, decoded when it decodes, and why it cannot serve as the index (if it cannot). */
type FooterCheck =
  | { readonly footer: FooterData; readonly problem?: undefined }
  | { readonly footer?: FooterData; readonly problem: string };

/** Bytes of a chunk's payload read to check it against the footer: its metadata fields come first. */
const CHUNK_META_BYTES = 64;

/** What the footer or the forward scan found, before duplicates and order are settled. */
interface Found {
  readonly modules: Located<ModuleRecord>[];
  readonly threads: Located<ThreadRecord>[];
  /** In file order (the footer lists them so). */
  readonly chunks: ChunkInfo[];
}

/** Opens a trace file for streaming reads. Close it when done. */
export function openTrace(path: string): TraceFile {
  const src = new FileSource(path);
  try {
    return new TraceFile(src, path);
  } catch (e) {
    src.close();
    throw e instanceof FormatError ? e.withFile(path) : e;
  }
}

/** Opens a trace held in memory. */
export function openTraceBytes(bytes: Uint8Array): TraceFile {
  return new TraceFile(new MemorySource(bytes), undefined);
}

export class TraceFile {
  readonly path: string | undefined;
  readonly header: TraceHeader;
  readonly modules: readonly ModuleRecord[];
  readonly threads: readonly ThreadRecord[];
  /** True when the footer and trailer are present and valid (the writer closed the trace). */
  readonly complete: boolean;
  /** How the run ended (format 1.1 footer); undefined for older or unclosed traces. */
  readonly run: RunSummary | undefined;
  private readonly src: ByteSource;
  private readonly damageList: Damage[] = [];
  /** Records already reported as damaged (each is reported once). */
  private readonly damagedRecords = new Set<number>();
  /**
   * True once damage may have taken whole records with it (unreadable bytes, a record that
   * fails its CRC or does not decode): a chunk's thread record may then be among them.
   */
  private recordsLost = false;
  /** The chunks in file order, duplicates dropped. */
  private readonly chunkList: ChunkInfo[];
  /** The same chunks in reading order: each thread's by sequence number, threads interleaved as in the file. */
  private readonly readOrder: ChunkInfo[];
  private readonly recordOffsets: { readonly modules: number[]; readonly threads: number[] };
  /** Modules sorted by firstFunctionId, for functionAddress. */
  private readonly byFunctionId: ModuleRecord[];
  /**
   * Events may name function ids below this: the end of the modules' ids, or the format's
   * limit when damage may have taken a module record (its ids are then unknown).
   */
  private readonly functionIdLimit: number;

  constructor(src: ByteSource, path: string | undefined) {
    this.src = src;
    this.path = path;
    const { header, end: headerEnd } = this.readHeader();
    this.header = header;

    const footer = this.readFooter(headerEnd);
    let found: Found;
    if (footer !== null && footer.check.problem === undefined) {
      this.complete = true;
      this.run = footer.check.footer.run;
      found = this.loadIndexed(footer.check.footer, footer.offset);
    } else {
      const scan = this.scan(headerEnd);
      this.complete = scan.closed;
      this.run = scan.run;
      found = scan;
    }
    const modules = this.settleModules(found.modules);
    const threads = this.settleThreads(found.threads);
    this.modules = modules.map((m) => m.record);
    this.threads = threads.map((t) => t.record);
    this.recordOffsets = { modules: modules.map((m) => m.offset), threads: threads.map((t) => t.offset) };
    this.chunkList = this.settleChunks(found.chunks);
    this.readOrder = this.sequenceOrder(this.chunkList);
    this.noteSequenceGaps(this.readOrder);
    this.checkChunkThreads(this.readOrder);
    this.byFunctionId = [...this.modules].sort((a, b) => a.firstFunctionId - b.firstFunctionId);
    this.functionIdLimit = this.recordsLost ? MAX_FUNCTION_IDS : Math.max(0, ...this.modules.map((m) => m.firstFunctionId + m.functionRvas.length));
  }

  /** Damage found so far: at open, plus chunks found broken while iterating (see verify()). */
  get damage(): readonly Damage[] {
    return this.damageList;
  }

  /**
   * Index of the event chunks (footer or scan) in reading order: each thread's chunks by
   * sequence number, whatever their place in the file (FORMAT.md: `seq`); the threads'
   * chunks interleave as they do in the file. Duplicates are dropped (and reported).
   */
  chunkIndex(key?: ThreadKey): readonly ChunkInfo[] {
    return key === undefined ? this.readOrder : this.readOrder.filter((c) => c.thread === key);
  }

  /**
   * The records in file order (modules, threads, chunks), for copying a trace record by
   * record (rewriteTrace).
   */
  layout(): ({ kind: "module"; offset: number; module: ModuleRecord } | { kind: "thread"; offset: number; thread: ThreadRecord } | { kind: "chunk"; offset: number; chunk: ChunkInfo })[] {
    type Item = ReturnType<TraceFile["layout"]>[number];
    const items: Item[] = [];
    this.modules.forEach((m, i) => items.push({ kind: "module", offset: this.recordOffsets.modules[i]!, module: m }));
    this.threads.forEach((t, i) => items.push({ kind: "thread", offset: this.recordOffsets.threads[i]!, thread: t }));
    // Chunks take the file's chunk positions in reading order, so a copy writes each thread's
    // chunks in sequence even when the file had them out of order.
    this.chunkList.forEach((slot, i) => items.push({ kind: "chunk", offset: slot.offset, chunk: this.readOrder[i]! }));
    return items.sort((a, b) => a.offset - b.offset);
  }

  /** Reads one indexed chunk; undefined (and a damage entry) if it is broken. */
  readChunkAt(info: ChunkInfo, scratch?: ColumnScratch): EventChunk | undefined {
    return this.readChunk(info, scratch);
  }

  /** Events in the indexed chunks (chunks found damaged while reading are included). */
  get eventCount(): number {
    let n = 0;
    for (const c of this.chunkList) n += c.count;
    return n;
  }

  threadEventCount(key: ThreadKey): number {
    let n = 0;
    for (const c of this.chunkList) if (c.thread === key) n += c.count;
    return n;
  }

  /** Thread keys in trace order: thread records first, then keys seen only in chunks. */
  threadKeys(): ThreadKey[] {
    const keys: ThreadKey[] = [];
    const seen = new Set<number>();
    const add = (k: number) => {
      if (seen.has(k)) return;
      seen.add(k);
      keys.push(threadKey(k));
    };
    for (const t of this.threads) add(t.key);
    for (const c of this.chunkList) add(c.thread);
    return keys;
  }

  /** The module and address of a function id, or undefined if no module holds it. */
  functionAddress(id: number): FunctionAddress | undefined {
    const mods = this.byFunctionId;
    let lo = 0;
    let hi = mods.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = mods[mid]!;
      if (id < m.firstFunctionId) hi = mid - 1;
      else if (id >= m.firstFunctionId + m.functionRvas.length) lo = mid + 1;
      else {
        const index = id - m.firstFunctionId;
        const rva = m.functionRvas[index]!;
        return { module: m, index, rva, va: (m.base + rva) >>> 0 };
      }
    }
    return undefined;
  }

  /**
   * Decoded event chunks of one thread (or all) in reading order (chunkIndex), one at a time.
   * A chunk that fails its CRC or does not decode is skipped and added to `damage`; one that
   * decodes to what the format forbids (a timestamp outside [0, 2^53), a function id no
   * module has) throws a FormatError naming it.
   *
   * With `{ reuse: true }` every chunk is decoded into the same buffers (no allocation per
   * chunk — much faster on big traces): a chunk is then only valid until the iteration
   * moves on, so callers that keep chunks must not ask for it. `esp: false`,
   * `exitValues: false`, `args: false` skip decoding those columns (see ColumnSelection).
   */
  *chunks(key?: ThreadKey, options?: ChunkIterationOptions): Generator<EventChunk> {
    const scratch = options?.reuse === true ? new ColumnScratch() : undefined;
    for (const info of this.readOrder) {
      if (key !== undefined && info.thread !== key) continue;
      const chunk = this.readChunk(info, scratch, options);
      if (chunk !== undefined) yield chunk;
    }
  }

  /** Events one by one (the convenient, slower API; use chunks() on hot paths). */
  *events(key?: ThreadKey): Generator<TraceEvent> {
    const argCount = this.header.argCount;
    for (const c of this.chunks(key, { reuse: true })) {
      for (let i = 0; i < c.count; i++) yield eventAt(c, i, argCount);
    }
  }

  /**
   * Events of all threads in timestamp order: a k-way merge of the threads' chunk streams.
   * Equal timestamps: thread order (threadKeys()), then file order.
   */
  *mergedEvents(): Generator<TraceEvent> {
    const argCount = this.header.argCount;
    const cursors: Cursor[] = [];
    for (const [order, key] of this.threadKeys().entries()) {
      const c = new Cursor(this.chunks(key, { reuse: true }), order);
      if (c.chunk !== undefined) cursors.push(c);
    }
    const heap = new CursorHeap(cursors);
    while (heap.size > 0) {
      const top = heap.top();
      yield eventAt(top.chunk!, top.i, argCount);
      top.advance();
      if (top.chunk === undefined) heap.pop();
      else heap.siftDown(0);
    }
  }

  /**
   * Checks every indexed chunk record (frame, CRC, and that it is the chunk the index says),
   * adding what is broken to `damage`; returns the damage list. With `decode`, also decodes
   * every chunk's columns (slower). Streams: one chunk in memory at a time.
   */
  verify(options: { decode?: boolean } = {}): readonly Damage[] {
    for (const info of this.chunkList) {
      if (options.decode === true) this.readChunk(info);
      else this.checkChunk(info);
    }
    return this.damageList;
  }

  close(): void {
    this.src.close();
  }

  // ---- internals ----

  /** A FormatError naming the structure, its offset and (when known) the file. */
  private fail(structure: string, offset: number, detail: string, field?: string): never {
    throw new FormatError(
      { format: FORMAT, structure, offset, ...(field !== undefined ? { field } : {}), ...(this.path !== undefined ? { file: this.path } : {}) },
      detail,
    );
  }

  private readHeader(): { header: TraceHeader; end: number } {
    const magic = this.src.read(0, TRACE_MAGIC.length);
    if (!isTraceFile(magic)) {
      const prefixOk = magic.every((b, i) => b === TRACE_MAGIC[i]);
      if (prefixOk) this.fail("magic", 0, `file ends after ${magic.length} byte(s), inside the magic`);
      this.fail("magic", 0, "not an ntrace trace file (the first 8 bytes are not \"NTRACE\\0\\x01\")");
    }
    const at = TRACE_MAGIC.length;
    const r = this.readRecord(at);
    if (!r.ok) {
      const detail =
        r.why === "truncated"
          ? "file ends inside the header record"
          : r.why === "crc"
            ? "header record fails its CRC check"
            : "no valid record frame where the header record must start";
      this.fail("header record", at, detail);
    }
    if (r.kind !== RecordKind.Header) {
      this.fail("header record", at, `the first record is a ${recordKindName(r.kind)}, not a header`);
    }
    let header: TraceHeader;
    try {
      header = decodeHeader(r.payload);
    } catch (e) {
      this.fail("header record", at + FRAME_HEADER_SIZE, `header does not decode: ${errorText(e)}`);
    }
    if (header.formatMajor > TRACE_FORMAT_MAJOR) {
      throw new UnsupportedFormatError(
        { format: FORMAT, structure: "header record", field: "format_major", offset: at + FRAME_HEADER_SIZE },
        `trace format ${header.formatMajor}.x is newer than this ntrace (reads ${TRACE_FORMAT_MAJOR}.x); upgrade ntrace`,
      );
    }
    if (header.formatMajor < 1) {
      this.fail("header record", at + FRAME_HEADER_SIZE, `format version ${header.formatMajor} is invalid`, "format_major");
    }
    if (header.argCount > MAX_ARG_COUNT) {
      this.fail("header record", at + FRAME_HEADER_SIZE, `${header.argCount} argument dwords per entry; the format allows at most ${MAX_ARG_COUNT}`, "arg_count");
    }
    return { header, end: r.end };
  }

  /** The footer the trailer at the end of the file points at, checked (footerAt); null when there is none. */
  private readFooter(headerEnd: number): { check: FooterCheck; offset: number } | null {
    const size = this.src.size;
    if (size - headerEnd < TRAILER_SIZE + FRAME_OVERHEAD) return null;
    const footerOffset = parseTrailer(this.src.read(size - TRAILER_SIZE, TRAILER_SIZE));
    if (footerOffset === null) return null;
    const check = this.footerAt(footerOffset, headerEnd, size - TRAILER_SIZE);
    return check === null ? null : { check, offset: footerOffset };
  }

  /**
   * The footer record at `offset` ending at `end` (where its trailer is), decoded, and why it
   * cannot serve as the index if it cannot; null when no footer record ends there.
   */
  private footerAt(offset: number, headerEnd: number, end: number): FooterCheck | null {
    if (offset < headerEnd || offset >= end) return null;
    const r = this.readRecord(offset);
    if (!r.ok || r.kind !== RecordKind.Footer || r.end !== end) return null;
    let footer: FooterData;
    try {
      footer = decodeFooter(r.payload);
    } catch (e) {
      return { problem: `it does not decode (${errorText(e)})` };
    }
    // Every offset must point inside the record area; otherwise distrust the footer.
    const inside = (o: number) => Number.isSafeInteger(o) && o >= headerEnd && o < offset;
    if (!footer.moduleOffsets.every(inside) || !footer.threadOffsets.every(inside) || !footer.chunks.every((c) => inside(c.offset))) {
      return { footer, problem: "it lists offsets outside the records" };
    }
    const problem = this.indexProblem(footer);
    return problem === undefined ? { footer } : { footer, problem };
  }

  /**
   * Whether the records are where the footer says: a record of the listed kind at every
   * offset, and at each chunk offset the chunk (thread, sequence number, count) it lists.
   * Only frame headers and the first bytes of each chunk are read, so this stays cheap on big
   * traces; it catches a footer left stale by records moved, added or removed (a reordered
   * file would otherwise read as intact chunks lost). Payload CRCs are checked on reading.
   */
  private indexProblem(footer: FooterData): string | undefined {
    const kindAt = (o: number): number | undefined => {
      const b = this.src.read(o, FRAME_HEADER_SIZE);
      return b.length === FRAME_HEADER_SIZE ? parseFrameHeader(b, 0)?.kind : undefined;
    };
    for (const [offsets, kind] of [[footer.moduleOffsets, RecordKind.Module], [footer.threadOffsets, RecordKind.Thread]] as const) {
      for (const o of offsets) {
        if (kindAt(o) !== kind) return `it lists a ${recordKindName(kind)} record at ${hexShort(o)}, where there is none`;
      }
    }
    for (const c of footer.chunks) {
      const listed = `chunk ${c.seq} of thread ${hexShort(c.thread)}`;
      const b = this.src.read(c.offset, FRAME_HEADER_SIZE + CHUNK_META_BYTES);
      const fh = b.length >= FRAME_HEADER_SIZE ? parseFrameHeader(b, 0) : null;
      if (fh === null || fh.kind !== RecordKind.EventChunk) return `it lists ${listed} at ${hexShort(c.offset)}, where there is no event chunk`;
      const m = decodeChunkMeta(b.subarray(FRAME_HEADER_SIZE, FRAME_HEADER_SIZE + Math.min(fh.length, CHUNK_META_BYTES)), true);
      if (m.thread !== c.thread || m.seq !== c.seq || m.count !== c.count) {
        return `it lists ${listed} at ${hexShort(c.offset)}, where chunk ${m.seq} of thread ${hexShort(m.thread)} is`;
      }
    }
    return undefined;
  }

  /**
   * Loads the records a valid footer indexes. An offset listed twice is read once (and
   * reported); an index entry that contradicts the format is a FormatError.
   */
  private loadIndexed(footer: FooterData, footerOffset: number): Found {
    const modules: Located<ModuleRecord>[] = [];
    const threads: Located<ThreadRecord>[] = [];
    const listed = new Set<number>();
    const once = (offset: number, what: string): boolean => {
      if (listed.has(offset)) {
        this.addDamage(offset, undefined, `the footer lists the ${what} record at ${hexShort(offset)} more than once; read once`);
        return false;
      }
      listed.add(offset);
      return true;
    };
    for (const offset of footer.moduleOffsets) {
      if (!once(offset, "module")) continue;
      const record = this.loadRecord(offset, RecordKind.Module, decodeModule);
      if (record !== undefined) modules.push({ offset, record });
    }
    for (const offset of footer.threadOffsets) {
      if (!once(offset, "thread")) continue;
      const record = this.loadRecord(offset, RecordKind.Thread, decodeThread);
      if (record !== undefined) threads.push({ offset, record });
    }
    const chunks: ChunkInfo[] = [];
    for (const c of footer.chunks) {
      if (!once(c.offset, "event chunk")) continue;
      for (const [field, ts] of [["first_ts", c.firstTs], ["last_ts", c.lastTs]] as const) {
        if (!(ts < TIMESTAMP_LIMIT)) {
          this.fail("footer record", footerOffset, `the index entry of the event chunk at ${hexShort(c.offset)} has ${field} ${ts}; timestamps are below 2^53`, "chunks");
        }
      }
      chunks.push(c);
    }
    return { modules, threads, chunks };
  }

  private loadRecord<T>(offset: number, kind: RecordKind, decode: (b: Uint8Array) => T): T | undefined {
    const r = this.readRecord(offset);
    if (r.ok && r.kind === kind) {
      try {
        return decode(r.payload);
      } catch (e) {
        this.addDamage(offset, r.end - offset, `${recordKindName(kind)} record at ${hexShort(offset)}: does not decode (${errorText(e)})`, true);
        this.recordsLost = true;
        return undefined;
      }
    }
    this.recordsLost = true;
    if (r.ok) {
      this.addDamage(offset, r.end - offset, `${recordKindName(kind)} record expected at ${hexShort(offset)}, found a ${recordKindName(r.kind)}`, true);
    } else {
      this.addDamage(offset, r.length, describeFailure(offset, r, kind), true);
    }
    return undefined;
  }

  /** Reads and checks the record at `offset`. */
  private readRecord(offset: number): RecordRead {
    const size = this.src.size;
    if (offset + FRAME_HEADER_SIZE > size) {
      const have = this.src.read(offset, FRAME_HEADER_SIZE);
      // A truncated frame header still counts as a (truncated) record if what is there is a sync.
      const syncPrefix = have.length > 0 && have.every((b, i) => i >= RECORD_SYNC.length || b === RECORD_SYNC[i]);
      return { ok: false, why: syncPrefix ? "truncated" : "frame" };
    }
    const fh = parseFrameHeader(this.src.read(offset, FRAME_HEADER_SIZE), 0);
    if (fh === null) return { ok: false, why: "frame" };
    const end = offset + FRAME_OVERHEAD + fh.length;
    if (end > size) {
      return {
        ok: false,
        why: "truncated",
        kind: fh.kind,
        length: size - offset,
        partial: this.src.read(offset + FRAME_HEADER_SIZE, fh.length),
      };
    }
    const body = this.src.read(offset + FRAME_HEADER_SIZE, fh.length + FRAME_CRC_SIZE);
    const payload = body.subarray(0, fh.length);
    const stored =
      (body[fh.length]! | (body[fh.length + 1]! << 8) | (body[fh.length + 2]! << 16) | (body[fh.length + 3]! << 24)) >>> 0;
    if (crc32(payload) !== stored) {
      return { ok: false, why: "crc", kind: fh.kind, length: end - offset, partial: payload };
    }
    return { ok: true, kind: fh.kind, payload, end };
  }

  /**
   * Forward scan of all records after the header (no usable footer at the end of the file).
   * A footer followed by its trailer ends the trace even before the end of the file: what
   * follows is reported, not read (`closed` then holds).
   */
  private scan(from: number): Found & { closed: boolean; run: RunSummary | undefined } {
    const modules: Located<ModuleRecord>[] = [];
    const threads: Located<ThreadRecord>[] = [];
    const chunks: ChunkInfo[] = [];
    const size = this.src.size;
    /** The last footer record met. */
    let footer: { offset: number; end: number } | undefined;
    let run: RunSummary | undefined;
    let closed = false;
    let sawTrailer = false;
    let p = from;
    while (p < size) {
      if (footer !== undefined && footer.end === p && p + TRAILER_SIZE <= size && parseTrailer(this.src.read(p, TRAILER_SIZE)) === footer.offset) {
        // A footer and its trailer: the writer closed the trace here. At the end of the file
        // readFooter has refused this footer as the index: say why. Anything after it is not
        // part of the trace.
        closed = true;
        const end = p + TRAILER_SIZE;
        const check = this.footerAt(footer.offset, from, p);
        run = check?.footer?.run;
        if (check?.problem !== undefined) {
          this.addDamage(footer.offset, p - footer.offset, `footer record at ${hexShort(footer.offset)}: not used as the index, ${check.problem}; the records were found by scanning`);
        }
        if (end < size) {
          this.addDamage(end, size - end, `${size - end} byte(s) after the trailer at ${hexShort(p)}, where the trace ends: not read`);
        }
        sawTrailer = true;
        break;
      }
      const lastTrailer = size - p === TRAILER_SIZE ? parseTrailer(this.src.read(p, TRAILER_SIZE)) : null;
      if (lastTrailer !== null) {
        if (footer !== undefined && footer.end === p) {
          this.addDamage(p, TRAILER_SIZE, `the trailer at ${hexShort(p)} points at ${hexShort(lastTrailer)}, not at the footer record at ${hexShort(footer.offset)}`);
        }
        sawTrailer = true;
        break;
      }
      const r = this.readRecord(p);
      if (r.ok) {
        try {
          if (r.kind === RecordKind.Module) modules.push({ offset: p, record: decodeModule(r.payload) });
          else if (r.kind === RecordKind.Thread) threads.push({ offset: p, record: decodeThread(r.payload) });
          else if (r.kind === RecordKind.EventChunk) chunks.push(this.chunkInfoOf(p, r.payload));
          else if (r.kind === RecordKind.Footer) footer = { offset: p, end: r.end };
          else if (r.kind === RecordKind.Header) {
            this.addDamage(p, r.end - p, `header record at ${hexShort(p)}: a second header (ignored)`);
          }
          // Unknown kinds: a newer minor version's records; skipped without damage.
        } catch (e) {
          if (e instanceof FormatError) throw e;
          this.addDamage(p, r.end - p, `${recordKindName(r.kind)} record at ${hexShort(p)}: does not decode (${errorText(e)})`);
          this.recordsLost = true;
        }
        p = r.end;
        continue;
      }
      const next = this.nextRecord(p + 1);
      this.addDamage(p, next - p, describeFailure(p, r));
      this.recordsLost = true;
      p = next;
    }
    if (footer === undefined) {
      this.addDamage(size, 0, `no footer: the trace was not closed (file ends at ${hexShort(size)}); events after the last intact chunk are lost`);
    } else if (!sawTrailer) {
      this.addDamage(size, 0, `no valid trailer at the end of the file (${hexShort(size)})`);
    }
    return { modules, threads, chunks, closed, run };
  }

  /** The index entry of a chunk record the scan found; a FormatError if it contradicts the format. */
  private chunkInfoOf(offset: number, payload: Uint8Array): ChunkInfo {
    const m = decodeChunkMeta(payload);
    for (const [field, ts] of [["first_ts", m.firstTs], ["last_ts", m.lastTs]] as const) {
      if (!(ts < TIMESTAMP_LIMIT)) this.fail("event chunk", offset, `${field} is ${ts}; timestamps are below 2^53`, field);
    }
    return { offset, thread: m.thread, seq: m.seq, count: m.count, firstTs: m.firstTs, lastTs: m.lastTs };
  }

  /** True when the records at `a` and `b` read intact and hold the same bytes. */
  private sameRecord(a: number, b: number): boolean {
    const x = this.readRecord(a);
    const y = this.readRecord(b);
    return x.ok && y.ok && x.kind === y.kind && Buffer.compare(x.payload, y.payload) === 0;
  }

  /** A copy of an earlier record is dropped with a note; another record in its place is a contradiction. */
  private isCopy(kind: string, offset: number, earlier: number, what: string): boolean {
    if (this.sameRecord(earlier, offset)) {
      this.addDamage(offset, undefined, `${kind} record at ${hexShort(offset)}: a copy of the one at ${hexShort(earlier)} (${what}); dropped`);
      return true;
    }
    return false;
  }

  /**
   * Modules: a copy of a record is dropped; two different records with one index, or
   * function-id ranges that overlap, contradict the format (FORMAT.md, Module).
   */
  private settleModules(found: readonly Located<ModuleRecord>[]): Located<ModuleRecord>[] {
    const kept: Located<ModuleRecord>[] = [];
    for (const m of found) {
      const r = m.record;
      const sameIndex = kept.find((k) => k.record.index === r.index);
      if (sameIndex !== undefined) {
        if (this.isCopy("module", m.offset, sameIndex.offset, `module ${r.index}, ${r.name}`)) continue;
        this.fail("module record", m.offset, `module index ${r.index} (${r.name}) is also that of the different module record at ${hexShort(sameIndex.offset)} (${sameIndex.record.name})`, "index");
      }
      const first = r.firstFunctionId;
      const end = first + r.functionRvas.length;
      if (end > MAX_FUNCTION_IDS) {
        this.fail("module record", m.offset, `function ids ${first}–${end - 1} of ${r.name} reach beyond the format's limit of 2^22`, "first_function_id");
      }
      const overlap = kept.find((k) => {
        const kFirst = k.record.firstFunctionId;
        return first < kFirst + k.record.functionRvas.length && kFirst < end;
      });
      if (overlap !== undefined && end > first) {
        this.fail("module record", m.offset, `function ids ${first}–${end - 1} of ${r.name} overlap those of ${overlap.record.name} (module record at ${hexShort(overlap.offset)})`, "first_function_id");
      }
      kept.push(m);
    }
    return kept;
  }

  /** Threads: a copy of a record is dropped; two different records for one KTHREAD contradict the format. */
  private settleThreads(found: readonly Located<ThreadRecord>[]): Located<ThreadRecord>[] {
    const kept: Located<ThreadRecord>[] = [];
    const byKey = new Map<number, Located<ThreadRecord>>();
    for (const t of found) {
      const earlier = byKey.get(t.record.key);
      if (earlier !== undefined) {
        if (this.isCopy("thread", t.offset, earlier.offset, `thread ${hexShort(t.record.key)}`)) continue;
        this.fail("thread record", t.offset, `thread ${hexShort(t.record.key)} already has the different thread record at ${hexShort(earlier.offset)}`, "key");
      }
      byKey.set(t.record.key, t);
      kept.push(t);
    }
    return kept;
  }

  /**
   * Chunks: one chunk per thread and sequence number. A copy (same bytes) is dropped with a
   * note naming both; two different chunks with one number contradict the format.
   */
  private settleChunks(found: readonly ChunkInfo[]): ChunkInfo[] {
    const kept: ChunkInfo[] = [];
    const bySeq = new Map<string, ChunkInfo>();
    for (const c of found) {
      const id = `${c.thread}:${c.seq}`;
      const earlier = bySeq.get(id);
      if (earlier !== undefined) {
        const what = `thread ${hexShort(c.thread)}, chunk ${c.seq}, ${c.count} events`;
        if (this.isCopy("event chunk", c.offset, earlier.offset, what)) continue;
        // A damaged record cannot be compared: keep both; reading reports the broken one.
        if (this.readRecord(c.offset).ok && this.readRecord(earlier.offset).ok) {
          this.fail("event chunk", c.offset, `thread ${hexShort(c.thread)} chunk ${c.seq} is also the different chunk at ${hexShort(earlier.offset)}`, "seq");
        }
      } else {
        bySeq.set(id, c);
      }
      kept.push(c);
    }
    return kept;
  }

  /**
   * Reading order: each thread's chunks by sequence number (stable, so equal numbers keep file
   * order), placed in the slots that thread's chunks occupy in the file.
   */
  private sequenceOrder(fileOrder: readonly ChunkInfo[]): ChunkInfo[] {
    const perThread = new Map<number, ChunkInfo[]>();
    for (const c of fileOrder) {
      const list = perThread.get(c.thread);
      if (list === undefined) perThread.set(c.thread, [c]);
      else list.push(c);
    }
    for (const list of perThread.values()) list.sort((a, b) => a.seq - b.seq);
    const next = new Map<number, number>();
    return fileOrder.map((slot) => {
      const i = next.get(slot.thread) ?? 0;
      next.set(slot.thread, i + 1);
      return perThread.get(slot.thread)![i]!;
    });
  }

  /** Missing sequence numbers of a thread (reading order) mean whole chunks were lost. */
  private noteSequenceGaps(ordered: readonly ChunkInfo[]): void {
    const expected = new Map<number, number>();
    for (const c of ordered) {
      const want = expected.get(c.thread) ?? 0;
      if (c.seq > want) {
        const range = c.seq - want === 1 ? `chunk ${want}` : `chunks ${want}–${c.seq - 1}`;
        this.addDamage(c.offset, 0, `thread ${hexShort(c.thread)}: ${range} missing before the chunk at ${hexShort(c.offset)}`);
      }
      expected.set(c.thread, Math.max(want, c.seq + 1));
    }
  }

  /**
   * Every thread with events has its thread record (FORMAT.md: written before its first
   * chunk). Without one, the trace contradicts the format — unless damage may have taken
   * the record, and then its events are kept under the bare key, with a note.
   */
  private checkChunkThreads(ordered: readonly ChunkInfo[]): void {
    const known = new Set<number>(this.threads.map((t) => t.key));
    for (const c of ordered) {
      if (known.has(c.thread)) continue;
      known.add(c.thread);
      if (!this.recordsLost) {
        this.fail("event chunk", c.offset, `thread ${hexShort(c.thread)} has events but no thread record`, "thread");
      }
      this.addDamage(c.offset, 0, `thread ${hexShort(c.thread)}: no thread record (lost to the damage); its events are kept`);
    }
  }

  /** Offset of the next valid record (or trailer) at or after `from`; the file size if none. */
  private nextRecord(from: number): number {
    const size = this.src.size;
    const trailerAt = size - TRAILER_SIZE;
    let at = from;
    while (at < size) {
      const c = this.src.indexOf(RECORD_SYNC, at);
      const limit = c < 0 ? size : c;
      if (trailerAt >= from && trailerAt < limit && parseTrailer(this.src.read(trailerAt, TRAILER_SIZE)) !== null) {
        return trailerAt;
      }
      if (c < 0) return size;
      if (this.readRecord(c).ok) return c;
      at = c + 1;
    }
    return size;
  }

  /** The cheap part of readChunk: frame, CRC and metadata, no decompression. */
  private checkChunk(info: ChunkInfo): void {
    if (this.damagedRecords.has(info.offset)) return;
    const r = this.readRecord(info.offset);
    if (!r.ok) {
      this.readChunk(info); // reports it
      return;
    }
    let problem: string | undefined;
    if (r.kind !== RecordKind.EventChunk) problem = `the record there is a ${recordKindName(r.kind)}`;
    else {
      try {
        problem = indexMismatch(decodeChunkMeta(r.payload), info);
      } catch (e) {
        problem = errorText(e);
      }
    }
    if (problem !== undefined) {
      const lost = `thread ${hexShort(info.thread)}, ${info.count} events lost`;
      this.addDamage(info.offset, r.end - info.offset, `event chunk at ${hexShort(info.offset)}: ${problem} (${lost})`, true);
    }
  }

  private readChunk(info: ChunkInfo, scratch?: ColumnScratch, select?: ColumnSelection): EventChunk | undefined {
    if (this.damagedRecords.has(info.offset)) return undefined;
    const r = this.readRecord(info.offset);
    const lost = () => `thread ${hexShort(info.thread)}, ${info.count} events lost`; // only on damage: this is the hot path
    if (!r.ok) {
      const why =
        r.why === "crc" ? "CRC mismatch" : r.why === "truncated" ? "truncated (file ends)" : "no valid record frame";
      this.addDamage(info.offset, r.length, `event chunk at ${hexShort(info.offset)}: ${why} (${lost()})`, true);
      return undefined;
    }
    try {
      if (r.kind !== RecordKind.EventChunk) throw new Error(`the record there is a ${recordKindName(r.kind)}`);
      const meta = decodeChunkMeta(r.payload);
      const mismatch = indexMismatch(meta, info);
      if (mismatch !== undefined) throw new Error(mismatch);
      return decodeChunkColumns(meta, this.header.argCount, scratch, select, this.functionIdLimit);
    } catch (e) {
      // Intact bytes that say what the format forbids: an error, not damage to recover from.
      if (e instanceof ColumnContradiction) this.fail("event chunk", info.offset, `${e.message} (thread ${hexShort(info.thread)}, chunk ${info.seq})`, "columns");
      this.addDamage(info.offset, r.end - info.offset, `event chunk at ${hexShort(info.offset)}: ${errorText(e)} (${lost()})`, true);
      return undefined;
    }
  }

  /** `record`: the damage is that of the record starting at `offset` (reported once). */
  private addDamage(offset: number, length: number | undefined, what: string, record = false): void {
    if (record) {
      if (this.damagedRecords.has(offset)) return;
      this.damagedRecords.add(offset);
    }
    this.damageList.push(length !== undefined && length > 0 ? { offset, length, what } : { offset, what });
  }
}

/** How a chunk record differs from its index entry (footer), or undefined. */
function indexMismatch(m: { thread: number; seq: number; count: number }, info: ChunkInfo): string | undefined {
  if (m.thread === info.thread && m.seq === info.seq && m.count === info.count) return undefined;
  return `it is chunk ${m.seq} of thread ${hexShort(m.thread)} with ${m.count} events; the index says chunk ${info.seq} of thread ${hexShort(info.thread)} with ${info.count}`;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Human description of a record that failed to read. */
function describeFailure(offset: number, r: Extract<RecordRead, { ok: false }>, expected?: RecordKind): string {
  const kind = r.kind ?? expected;
  const name = kind !== undefined ? recordKindName(kind) : "record";
  let lost = "";
  if (kind === RecordKind.EventChunk && r.partial !== undefined) {
    // Best effort: the chunk's first fields (thread, count) may have survived.
    try {
      const m = decodeChunkMeta(r.partial, true);
      if (m.count > 0) lost = ` (thread ${hexShort(m.thread)}, ${m.count} events lost${r.why === "crc" ? "?" : ""})`;
    } catch {
      // nothing recognizable
    }
  }
  const at = hexShort(offset);
  switch (r.why) {
    case "truncated":
      return `truncated ${name} at ${at} (file ends)${lost}`;
    case "crc":
      return `${name} at ${at}: CRC mismatch${lost}`;
    case "frame":
      return expected !== undefined
        ? `${name} at ${at}: no valid record frame`
        : `unrecognized bytes at ${at} (no valid record frame)`;
  }
}

function eventAt(c: EventChunk, i: number, argCount: number): TraceEvent {
  const kind = c.kind[i]! as EventKind;
  const ev: TraceEvent = {
    kind,
    thread: c.thread,
    ts: c.ts[i]!,
    fn: c.fn[i]!,
    esp: c.esp[i]!,
    value: c.value[i]!,
    ...(argCount > 0 && kind === EventKind.Entry
      ? { args: Array.from(c.args.subarray(i * argCount, (i + 1) * argCount)) }
      : {}),
  };
  return ev;
}

/** One thread's position in the merge. */
class Cursor {
  chunk: EventChunk | undefined;
  i = 0;
  readonly order: number;
  private readonly it: Iterator<EventChunk>;
  constructor(it: Iterator<EventChunk>, order: number) {
    this.it = it;
    this.order = order;
    this.chunk = this.pull();
  }
  get ts(): number {
    return this.chunk!.ts[this.i]!;
  }
  advance(): void {
    if (++this.i < this.chunk!.count) return;
    this.i = 0;
    this.chunk = this.pull();
  }
  private pull(): EventChunk | undefined {
    const n = this.it.next();
    return n.done === true ? undefined : n.value;
  }
}

/** Min-heap of cursors by (timestamp, thread order). */
class CursorHeap {
  private readonly a: Cursor[];
  constructor(items: Cursor[]) {
    this.a = items;
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }
  get size(): number {
    return this.a.length;
  }
  top(): Cursor {
    return this.a[0]!;
  }
  pop(): void {
    const last = this.a.pop()!;
    if (this.a.length > 0) {
      this.a[0] = last;
      this.siftDown(0);
    }
  }
  siftDown(i: number): void {
    const a = this.a;
    const n = a.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && less(a[l]!, a[m]!)) m = l;
      if (r < n && less(a[r]!, a[m]!)) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
  }
}

function less(x: Cursor, y: Cursor): boolean {
  const tx = x.ts;
  const ty = y.ts;
  return tx < ty || (tx === ty && x.order < y.order);
}
