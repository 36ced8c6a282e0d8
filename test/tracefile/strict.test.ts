/**
 * Issue 14, reader strictness: chunks are read in the order of their sequence numbers, not of
 * their place in the file; a copy of a record is dropped with a note naming both; bytes after
 * the trailer are reported, not read; records whose CRC holds but whose content contradicts
 * the format are FormatErrors naming the record and its offset; only regular files are opened.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FormatError, NtraceError } from "../../base/index.js";
import { MemorySink, TraceWriter, openTrace, openTraceBytes, rewriteTrace, type TraceFile } from "../../tracefile/index.js";
import { decodeChunkMeta } from "../../tracefile/chunk.js";
import { RecordKind, frameRecord, trailer } from "../../tracefile/framing.js";
import { decodeFooter, decodeModule, decodeThread, encodeFooter, encodeHeader, encodeModule, encodeThread, pb } from "../../tracefile/records.js";
import { assemble, parseTrace, type ParsedTrace, type TraceRecord } from "./layout.js";
import { IDLE0, IDLE1, MODULE_A, SMALL_HEADER, T1, buildSmallTrace } from "./small.js";

const original = buildSmallTrace({ chunkEvents: 7 });
const small = parseTrace("small", original);
const KEYS = [T1, IDLE0, IDLE1];

/** Every thread's events, as the reader returns them. */
function eventsOf(tf: TraceFile) {
  return KEYS.map((k) => [...tf.events(k)]);
}
const reference = eventsOf(openTraceBytes(original));

const isChunk = (r: TraceRecord) => r.kind === RecordKind.EventChunk;
const metaOf = (r: TraceRecord) => decodeChunkMeta(r.payload);
/** The records with every event chunk in reverse file order (modules and threads stay). */
function chunksReversed(t: ParsedTrace): TraceRecord[] {
  const chunks = t.records.filter(isChunk).reverse();
  return t.records.map((r) => (isChunk(r) ? chunks.shift()! : r));
}

/** Whether opening (and reading every chunk of) `bytes` throws a FormatError; its message. */
function formatErrorOf(bytes: Uint8Array): string {
  try {
    const tf = openTraceBytes(bytes);
    for (const _ of tf.chunks()) {
      // read them all
    }
  } catch (e) {
    if (e instanceof FormatError) return e.message;
    throw e;
  }
  return "(no error)";
}

describe("chunk order follows the recorded sequence numbers", () => {
  const reversed = chunksReversed(small);

  it("a scanned trace with chunks in reverse order reads as the original, with no chunk reported lost", () => {
    const tf = openTraceBytes(assemble(small, reversed, { kind: "none" }));
    expect(eventsOf(tf)).toEqual(reference);
    expect(tf.damage.map((d) => d.what)).toEqual([expect.stringMatching(/^no footer: the trace was not closed/)]);
    for (const k of KEYS) expect(tf.chunkIndex(k).map((c) => c.seq)).toEqual(tf.chunkIndex(k).map((_, i) => i));
  });

  it("with a footer indexing the reversed layout, the trace is complete and undamaged", () => {
    const tf = openTraceBytes(assemble(small, reversed, { kind: "reindex" }));
    expect(tf.complete).toBe(true);
    expect(tf.verify({ decode: true })).toEqual([]);
    expect(eventsOf(tf)).toEqual(reference);
    expect([...tf.mergedEvents()]).toEqual([...openTraceBytes(original).mergedEvents()]);
  });

  it("a footer left stale by the reorder is not used as the index: the scan finds every chunk intact", () => {
    const tf = openTraceBytes(assemble(small, reversed, { kind: "stale", footer: small.footer! }));
    expect(tf.complete).toBe(true);
    expect(eventsOf(tf)).toEqual(reference);
    expect(tf.damage).toHaveLength(1);
    // late.dll's module record moved with the chunks: the first record not where the footer says
    expect(tf.damage[0]!.what).toMatch(/^footer record at 0x[0-9a-f]+: not used as the index, it lists a module record at 0x[0-9a-f]+, where there is none; the records were found by scanning$/);
    expect(tf.damage.join()).not.toMatch(/lost/);
  });

  it("a copy of the reordered trace (rewriteTrace) has each thread's chunks in sequence in the file", () => {
    const sink = new MemorySink();
    rewriteTrace(openTraceBytes(assemble(small, reversed, { kind: "reindex" })), sink, { chunkEvents: 7 });
    const copy = parseTrace("copy", sink.bytes());
    for (const k of KEYS) {
      const seqs = copy.records.filter(isChunk).map(metaOf).filter((m) => m.thread === k).map((m) => m.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i));
    }
    expect(eventsOf(openTraceBytes(sink.bytes()))).toEqual(reference);
  });

  it("a missing sequence number is still reported, once, where the next chunk is", () => {
    const dropped = small.records.filter(isChunk)[4]!;
    const m = metaOf(dropped);
    const tf = openTraceBytes(assemble(small, reversed.filter((r) => r !== dropped), { kind: "reindex" }));
    const gaps = tf.damage.filter((d) => /missing/.test(d.what));
    expect(gaps.map((d) => d.what)).toEqual([expect.stringMatching(new RegExp(`^thread 0x${m.thread.toString(16)}: chunk ${m.seq} missing before the chunk at`))]);
  });
});

describe("copies of records are dropped, with a note naming both", () => {
  const chunks = small.records.filter(isChunk);

  it("a duplicated chunk (scan and footer) is read once", () => {
    const copy = chunks[3]!;
    const records = [...small.records];
    records.splice(records.indexOf(chunks[9]!), 0, copy);
    for (const ending of [{ kind: "none" }, { kind: "reindex" }] as const) {
      const tf = openTraceBytes(assemble(small, records, ending));
      expect(eventsOf(tf)).toEqual(reference);
      expect(tf.eventCount).toBe(170);
      const notes = tf.damage.filter((d) => /copy/.test(d.what));
      expect(notes).toHaveLength(1);
      const m = metaOf(copy);
      expect(notes[0]!.what).toMatch(new RegExp(`^event chunk record at 0x[0-9a-f]+: a copy of the one at 0x[0-9a-f]+ \\(thread 0x${m.thread.toString(16)}, chunk ${m.seq}, 7 events\\); dropped$`));
    }
  });

  it("a footer listing one chunk twice reads it once", () => {
    const f = decodeFooter(small.footer!);
    const footer = encodeFooter({ ...f, chunks: [...f.chunks, f.chunks[2]!] });
    const body = assemble(small, small.records, { kind: "none" });
    const tf = openTraceBytes(Buffer.concat([body, frameRecord(RecordKind.Footer, footer), trailer(body.length)]));
    expect(tf.complete).toBe(true);
    expect(eventsOf(tf)).toEqual(reference);
    expect(tf.damage.map((d) => d.what)).toEqual([`the footer lists the event chunk record at 0x${f.chunks[2]!.offset.toString(16)} more than once; read once`]);
  });

  it("copies of module and thread records are dropped; different records in their place are errors", () => {
    const [mod, thr] = [small.records.find((r) => r.kind === RecordKind.Module)!, small.records.find((r) => r.kind === RecordKind.Thread)!];
    const tf = openTraceBytes(assemble(small, [...small.records, mod, thr], { kind: "reindex" }));
    expect(tf.modules).toHaveLength(3);
    expect(tf.threads).toHaveLength(3);
    expect(tf.damage.map((d) => d.what)).toEqual([
      expect.stringMatching(/^module record at 0x[0-9a-f]+: a copy of the one at 0x[0-9a-f]+ \(module 0, drv\.sys\); dropped$/),
      expect.stringMatching(/^thread record at 0x[0-9a-f]+: a copy of the one at 0x[0-9a-f]+ \(thread 0x81001000\); dropped$/),
    ]);
    const otherModule = { kind: RecordKind.Module, payload: encodeModule({ ...decodeModule(mod.payload), name: "other.sys" }) };
    expect(formatErrorOf(assemble(small, [...small.records, otherModule], { kind: "reindex" }))).toMatch(
      /^trace: module record\.index at offset 0x[0-9a-f]+: module index 0 \(other\.sys\) is also that of the different module record at 0x[0-9a-f]+ \(drv\.sys\)$/,
    );
    const otherThread = { kind: RecordKind.Thread, payload: encodeThread({ ...decodeThread(thr.payload), name: "impostor" }) };
    expect(formatErrorOf(assemble(small, [...small.records, otherThread], { kind: "reindex" }))).toMatch(
      /^trace: thread record\.key at offset 0x[0-9a-f]+: thread 0x81001000 already has the different thread record at 0x[0-9a-f]+$/,
    );
    const overlapping = { kind: RecordKind.Module, payload: encodeModule({ ...decodeModule(mod.payload), index: 9, firstFunctionId: 2 }) };
    expect(formatErrorOf(assemble(small, [...small.records, overlapping], { kind: "reindex" }))).toMatch(/module record\.first_function_id at offset 0x[0-9a-f]+: function ids 2–5 of drv\.sys overlap those of drv\.sys/);
  });

  it("two different chunks with one thread and sequence number are an error naming both", () => {
    const c = chunks[5]!;
    const m = metaOf(c);
    const forged = { kind: RecordKind.EventChunk, payload: pb.EventChunk.encode({ ...pb.EventChunk.decode(c.payload), lastTs: m.lastTs + 1 }).finish() };
    expect(formatErrorOf(assemble(small, [...small.records, forged], { kind: "none" }))).toMatch(
      new RegExp(`^trace: event chunk\\.seq at offset 0x[0-9a-f]+: thread 0x${m.thread.toString(16)} chunk ${m.seq} is also the different chunk at 0x[0-9a-f]+$`),
    );
  });
});

describe("bytes after the trailer", () => {
  it("are reported and not read: the trace is complete", () => {
    const tf = openTraceBytes(Buffer.concat([original, Buffer.from("trailing garbage")]));
    expect(tf.complete).toBe(true);
    expect(tf.run).toEqual(openTraceBytes(original).run);
    expect(eventsOf(tf)).toEqual(reference);
    expect(tf.damage.map((d) => [d.offset, d.length, d.what])).toEqual([[original.length, 16, `16 byte(s) after the trailer at 0x${(original.length - 24).toString(16)}, where the trace ends: not read`]]);
  });

  it("a trace followed by a copy of itself is read once", () => {
    const tf = openTraceBytes(Buffer.concat([original, original]));
    expect(eventsOf(tf)).toEqual(reference);
    expect(tf.modules).toHaveLength(3);
    expect(tf.damage.map((d) => d.what)).toEqual([`${original.length} byte(s) after the trailer at 0x${(original.length - 24).toString(16)}, where the trace ends: not read`]);
  });
});

describe("records that contradict the format are errors naming the record and its offset", () => {
  const threadRecords = small.records.filter((r) => r.kind === RecordKind.Thread);

  it("events of a thread with no thread record", () => {
    const withoutIdle1 = small.records.filter((r) => r !== threadRecords[2]);
    for (const ending of [{ kind: "none" }, { kind: "reindex" }] as const) {
      expect(formatErrorOf(assemble(small, withoutIdle1, ending))).toMatch(/^trace: event chunk\.thread at offset 0x[0-9a-f]+: thread 0x8055b000 has events but no thread record$/);
    }
  });

  it("…unless damage may have taken the thread record: its events are kept, with a note", () => {
    const bytes = assemble(small, small.records, { kind: "none" }).slice();
    // break the payload CRC of IDLE1's thread record
    const at = Buffer.from(bytes).indexOf(Buffer.from(frameRecord(RecordKind.Thread, threadRecords[2]!.payload)));
    bytes[at + 20]! ^= 0xff;
    const tf = openTraceBytes(bytes);
    expect(eventsOf(tf)).toEqual(reference);
    expect(tf.damage.map((d) => d.what)).toContain("thread 0x8055b000: no thread record (lost to the damage); its events are kept");
  });

  /** A one-event chunk record of T1 with the given metadata and timestamp deltas. */
  function chunkRecord(seq: number, firstTs: number, tsDelta: number[], fn = 0): TraceRecord {
    const columns = pb.EventColumns.encode({ kind: tsDelta.map(() => 0), tsDelta, fn: tsDelta.map(() => fn), espDelta: tsDelta.map(() => 0), args: tsDelta.flatMap(() => [0, 0]) }).finish();
    const payload = pb.EventChunk.encode({ thread: T1, seq, count: tsDelta.length, firstTs, lastTs: firstTs, encoding: 0, rawSize: columns.length, columns }).finish();
    return { kind: RecordKind.EventChunk, payload };
  }
  const withChunk = (c: TraceRecord, ending: "none" | "reindex") => assemble(small, [...small.records, c], { kind: ending });
  const nextSeq = small.records.filter(isChunk).map(metaOf).filter((m) => m.thread === T1).length;

  it("timestamps at or beyond 2^53: in a chunk's first_ts, in the footer's index, in the events", () => {
    expect(formatErrorOf(withChunk(chunkRecord(nextSeq, 2 ** 53, [0]), "none"))).toMatch(/^trace: event chunk\.first_ts at offset 0x[0-9a-f]+: first_ts is 9007199254740992; timestamps are below 2\^53$/);
    expect(formatErrorOf(withChunk(chunkRecord(nextSeq, 2 ** 53, [0]), "reindex"))).toMatch(/^trace: footer record\.chunks at offset 0x[0-9a-f]+: the index entry of the event chunk at 0x[0-9a-f]+ has first_ts 9007199254740992; timestamps are below 2\^53$/);
    expect(formatErrorOf(withChunk(chunkRecord(nextSeq, 2 ** 53 - 4, [0, 2 ** 40]), "reindex"))).toMatch(/^trace: event chunk\.columns at offset 0x[0-9a-f]+: event 1's timestamp 9008298766368764 is outside \[0, 2\^53\) \(thread 0x81001000, chunk \d+\)$/);
    expect(formatErrorOf(withChunk(chunkRecord(nextSeq, 5, [0, -6]), "reindex"))).toMatch(/event 1's timestamp -1 is outside \[0, 2\^53\)/);
  });

  it("a function id no module has", () => {
    expect(formatErrorOf(withChunk(chunkRecord(nextSeq, 10_000, [0], 9), "reindex"))).toMatch(/^trace: event chunk\.columns at offset 0x[0-9a-f]+: event 0 names function id 9, which no module has \(the trace's ids end at 9\)/);
    expect(formatErrorOf(withChunk(chunkRecord(nextSeq, 10_000, [0], 0x7fffffff), "reindex"))).toMatch(/names function id 2147483647/);
  });

  it("more argument dwords than the format allows, function ids beyond its limit", () => {
    const header = { ...SMALL_HEADER, formatMajor: 1, formatMinor: 1, argCount: 65 };
    const prefix = Buffer.concat([small.prefix.subarray(0, 8), frameRecord(RecordKind.Header, encodeHeader(header))]);
    expect(formatErrorOf(assemble({ ...small, prefix }, small.records, { kind: "reindex" }))).toMatch(/^trace: header record\.arg_count at offset 0x18: 65 argument dwords per entry; the format allows at most 64$/);
    const huge = { kind: RecordKind.Module, payload: encodeModule({ ...MODULE_A, index: 3, firstFunctionId: 2 ** 22 - 2 }) };
    expect(formatErrorOf(assemble(small, [...small.records, huge], { kind: "reindex" }))).toMatch(/module record\.first_function_id at offset 0x[0-9a-f]+: function ids 4194302–4194305 of drv\.sys reach beyond the format's limit of 2\^22/);
  });

  it("the writer refuses to produce such traces", () => {
    const w = TraceWriter.create(new MemorySink(), SMALL_HEADER);
    expect(() => w.addModule({ ...MODULE_A, functionRvas: new Array<number>(2 ** 22 + 1).fill(0x1000) })).toThrow(/beyond the format's limit/);
    expect(() => TraceWriter.create(new MemorySink(), { ...SMALL_HEADER, argCount: 65 })).toThrow(/argCount must be 0–64/);
  });
});

describe("only regular files are opened", () => {
  const dir = mkdtempSync(join(tmpdir(), "ntrace-strict-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a FIFO, a device and a /proc file are refused at once, naming what they are", () => {
    const fifo = join(dir, "t.ntrace");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const refused = (path: string) => {
      try {
        openTrace(path).close();
      } catch (e) {
        if (e instanceof NtraceError) return e.message;
        throw e;
      }
      return "(opened)";
    };
    expect(refused(fifo)).toBe(`${fifo}: cannot read: is a named pipe (FIFO), not a regular file`);
    expect(refused("/dev/zero")).toBe("/dev/zero: cannot read: is a character device, not a regular file");
    expect(refused("/proc/self/status")).toBe("/proc/self/status: cannot read: is a kernel pseudo-file (on /proc), not a regular file");
    expect(refused(dir)).toBe(`${dir}: cannot read: is a directory`);
    expect(refused(join(dir, "missing"))).toBe(`${join(dir, "missing")}: cannot read: no such file`);
    const file = join(dir, "ok.ntrace");
    writeFileSync(file, original);
    const tf = openTrace(file);
    expect(eventsOf(tf)).toEqual(reference);
    tf.close();
  });
});
