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
import { decodeChunk, decodeChunkMeta } from "./chunk.js";
import { ColumnScratch, type ColumnSelection } from "./columns.js";
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
  private readonly chunkList: ChunkInfo[];
  private readonly recordOffsets: { readonly modules: number[]; readonly threads: number[] };
  /** Modules sorted by firstFunctionId, for functionAddress. */
  private readonly byFunctionId: ModuleRecord[];

  constructor(src: ByteSource, path: string | undefined) {
    this.src = src;
    this.path = path;
    const { header, end: headerEnd } = this.readHeader();
    this.header = header;

    const footer = this.readFooter(headerEnd);
    let modules: ModuleRecord[];
    let threads: ThreadRecord[];
    this.run = footer?.run;
    if (footer !== null) {
      this.complete = true;
      modules = [];
      this.recordOffsets = { modules: [], threads: [] };
      for (const off of footer.moduleOffsets) {
        const m = this.loadRecord(off, RecordKind.Module, decodeModule);
        if (m === undefined) continue;
        modules.push(m);
        this.recordOffsets.modules.push(off);
      }
      threads = [];
      for (const off of footer.threadOffsets) {
        const t = this.loadRecord(off, RecordKind.Thread, decodeThread);
        if (t === undefined) continue;
        threads.push(t);
        this.recordOffsets.threads.push(off);
      }
      this.chunkList = [...footer.chunks];
    } else {
      this.complete = false;
      const scan = this.scan(headerEnd);
      modules = scan.modules;
      threads = scan.threads;
      this.chunkList = scan.chunks;
      this.recordOffsets = { modules: scan.moduleOffsets, threads: scan.threadOffsets };
    }
    this.modules = modules;
    this.threads = threads;
    this.byFunctionId = [...modules].sort((a, b) => a.firstFunctionId - b.firstFunctionId);
  }

  /** Damage found so far: at open, plus chunks found broken while iterating (see verify()). */
  get damage(): readonly Damage[] {
    return this.damageList;
  }

  /** Index of the event chunks (footer or scan), in file order. */
  chunkIndex(key?: ThreadKey): readonly ChunkInfo[] {
    return key === undefined ? this.chunkList : this.chunkList.filter((c) => c.thread === key);
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
    for (const c of this.chunkList) items.push({ kind: "chunk", offset: c.offset, chunk: c });
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
   * Decoded event chunks of one thread (or all) in file order, one at a time. A chunk that
   * fails its CRC or does not decode is skipped and added to `damage`.
   *
   * With `{ reuse: true }` every chunk is decoded into the same buffers (no allocation per
   * chunk — much faster on big traces): a chunk is then only valid until the iteration
   * moves on, so callers that keep chunks must not ask for it. `esp: false`,
   * `exitValues: false`, `args: false` skip decoding those columns (see ColumnSelection).
   */
  *chunks(key?: ThreadKey, options?: ChunkIterationOptions): Generator<EventChunk> {
    const scratch = options?.reuse === true ? new ColumnScratch() : undefined;
    for (const info of this.chunkList) {
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

  private fail(structure: string, offset: number, detail: string, field?: string): never {
    throw new FormatError(
      { format: FORMAT, structure, offset, ...(field !== undefined ? { field } : {}) },
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
    return { header, end: r.end };
  }

  /** Footer via the trailer, or null (with damage noted) when the trace was not closed. */
  private readFooter(headerEnd: number): FooterData | null {
    const size = this.src.size;
    if (size - headerEnd < TRAILER_SIZE + FRAME_OVERHEAD) return null;
    const footerOffset = parseTrailer(this.src.read(size - TRAILER_SIZE, TRAILER_SIZE));
    if (footerOffset === null || footerOffset < headerEnd || footerOffset >= size - TRAILER_SIZE) return null;
    const r = this.readRecord(footerOffset);
    if (!r.ok || r.kind !== RecordKind.Footer || r.end !== size - TRAILER_SIZE) return null;
    let footer: FooterData;
    try {
      footer = decodeFooter(r.payload);
    } catch {
      return null;
    }
    // Every offset must point inside the record area; otherwise distrust the footer.
    const inside = (o: number) => Number.isSafeInteger(o) && o >= headerEnd && o < footerOffset;
    if (!footer.moduleOffsets.every(inside) || !footer.threadOffsets.every(inside)) return null;
    if (!footer.chunks.every((c) => inside(c.offset))) return null;
    return footer;
  }

  private loadRecord<T>(offset: number, kind: RecordKind, decode: (b: Uint8Array) => T): T | undefined {
    const r = this.readRecord(offset);
    if (r.ok && r.kind === kind) {
      try {
        return decode(r.payload);
      } catch (e) {
        this.addDamage(offset, r.end - offset, `${recordKindName(kind)} record at ${hexShort(offset)}: does not decode (${errorText(e)})`, true);
        return undefined;
      }
    }
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

  /** Forward scan of all records after the header (no usable footer). */
  private scan(from: number): {
    modules: ModuleRecord[];
    threads: ThreadRecord[];
    chunks: ChunkInfo[];
    moduleOffsets: number[];
    threadOffsets: number[];
  } {
    const modules: ModuleRecord[] = [];
    const threads: ThreadRecord[] = [];
    const moduleOffsets: number[] = [];
    const threadOffsets: number[] = [];
    const chunks: ChunkInfo[] = [];
    const size = this.src.size;
    let sawFooter = false;
    let sawTrailer = false;
    let p = from;
    while (p < size) {
      if (size - p === TRAILER_SIZE && parseTrailer(this.src.read(p, TRAILER_SIZE)) !== null) {
        sawTrailer = true;
        break;
      }
      const r = this.readRecord(p);
      if (r.ok) {
        try {
          if (r.kind === RecordKind.Module) {
            modules.push(decodeModule(r.payload));
            moduleOffsets.push(p);
          } else if (r.kind === RecordKind.Thread) {
            threads.push(decodeThread(r.payload));
            threadOffsets.push(p);
          }
          else if (r.kind === RecordKind.EventChunk) {
            const m = decodeChunkMeta(r.payload);
            chunks.push({ offset: p, thread: m.thread, seq: m.seq, count: m.count, firstTs: m.firstTs, lastTs: m.lastTs });
          } else if (r.kind === RecordKind.Footer) sawFooter = true;
          else if (r.kind === RecordKind.Header) {
            this.addDamage(p, r.end - p, `header record at ${hexShort(p)}: a second header (ignored)`);
          }
          // Unknown kinds: a newer minor version's records; skipped without damage.
        } catch (e) {
          this.addDamage(p, r.end - p, `${recordKindName(r.kind)} record at ${hexShort(p)}: does not decode (${errorText(e)})`);
        }
        p = r.end;
        continue;
      }
      const next = this.nextRecord(p + 1);
      this.addDamage(p, next - p, describeFailure(p, r));
      p = next;
    }
    if (!sawFooter) {
      this.addDamage(size, 0, `no footer: the trace was not closed (file ends at ${hexShort(size)}); events after the last intact chunk are lost`);
    } else if (!sawTrailer) {
      this.addDamage(size, 0, `no valid trailer at the end of the file (${hexShort(size)})`);
    }
    this.noteSequenceGaps(chunks);
    return { modules, threads, chunks, moduleOffsets, threadOffsets };
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

  /** Missing chunk sequence numbers of a thread mean whole chunks were lost. */
  private noteSequenceGaps(chunks: readonly ChunkInfo[]): void {
    const expected = new Map<number, number>();
    for (const c of chunks) {
      const want = expected.get(c.thread) ?? 0;
      if (c.seq > want) {
        const range = c.seq - want === 1 ? `chunk ${want}` : `chunks ${want}–${c.seq - 1}`;
        this.addDamage(c.offset, 0, `thread ${hexShort(c.thread)}: ${range} missing before the chunk at ${hexShort(c.offset)}`);
      }
      expected.set(c.thread, Math.max(want, c.seq + 1));
    }
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
        const m = decodeChunkMeta(r.payload);
        if (m.thread !== info.thread || m.count !== info.count) problem = "it does not match the index";
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
    const lost = `thread ${hexShort(info.thread)}, ${info.count} events lost`;
    if (!r.ok) {
      const why =
        r.why === "crc" ? "CRC mismatch" : r.why === "truncated" ? "truncated (file ends)" : "no valid record frame";
      this.addDamage(info.offset, r.length, `event chunk at ${hexShort(info.offset)}: ${why} (${lost})`, true);
      return undefined;
    }
    try {
      if (r.kind !== RecordKind.EventChunk) throw new Error(`the record there is a ${recordKindName(r.kind)}`);
      const chunk = decodeChunk(r.payload, this.header.argCount, scratch, select);
      if (chunk.thread !== info.thread || chunk.count !== info.count) {
        throw new Error(`it holds ${chunk.count} events of thread ${hexShort(chunk.thread)}, the index says otherwise`);
      }
      return chunk;
    } catch (e) {
      this.addDamage(info.offset, r.end - info.offset, `event chunk at ${hexShort(info.offset)}: ${errorText(e)} (${lost})`, true);
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
