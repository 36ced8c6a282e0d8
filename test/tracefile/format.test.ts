import { describe, expect, it } from "vitest";
import { FormatError, UnsupportedFormatError, threadKey } from "../../base/index.js";
import { RecordKind, TRACE_MAGIC, frameRecord } from "../../tracefile/framing.js";
import {
  EventKind,
  MemorySink,
  TraceWriter,
  isTraceFile,
  openTraceBytes,
  rewriteTrace,
  type TraceEvent,
} from "../../tracefile/index.js";
import { encodeHeader } from "../../tracefile/records.js";
import { IDLE0, IDLE1, MODULE_A, MODULE_B, MODULE_C, SMALL_HEADER, SMALL_RUN, T1, buildSmallTrace } from "./small.js";

describe("small trace: write and read", () => {
  const bytes = buildSmallTrace();
  const tf = openTraceBytes(bytes);

  it("is recognized and complete", () => {
    expect(isTraceFile(bytes)).toBe(true);
    expect(isTraceFile(new TextEncoder().encode("MZ\x90\x00 not a trace"))).toBe(false);
    expect([...bytes.subarray(0, 8)]).toEqual([...TRACE_MAGIC]);
    expect(tf.complete).toBe(true);
    expect(tf.verify({ decode: true })).toEqual([]);
  });

  it("keeps the header", () => {
    expect(tf.header).toEqual({ ...SMALL_HEADER, formatMajor: 1, formatMinor: 2 });
  });

  it("keeps how the run ended (format 1.1 footer) and why it was interrupted (1.2), and has none when closed without it", () => {
    expect(tf.run).toEqual(SMALL_RUN);
    const sink = new MemorySink();
    const w = TraceWriter.create(sink, SMALL_HEADER);
    w.close();
    expect(openTraceBytes(sink.bytes()).run).toBeUndefined();
    const failed = new MemorySink();
    const w2 = TraceWriter.create(failed, { ...SMALL_HEADER, clock: { kind: "host-monotonic", unit: "ns", description: "" } });
    w2.close({ failure: "unhandled exception 0xc0000005", result: 0xffffffff, instructions: 2 ** 40, elapsedNs: 1_234_567_890 });
    expect(openTraceBytes(failed.bytes()).run).toEqual({ failure: "unhandled exception 0xc0000005", result: 0xffffffff, instructions: 2 ** 40, elapsedNs: 1_234_567_890 });
  });

  it("keeps modules, with ids assigned in order and debug blocks byte for byte", () => {
    expect(tf.modules.map((m) => [m.index, m.name, m.firstFunctionId])).toEqual([
      [0, "drv.sys", 0],
      [1, "hal.dll", 4],
      [2, "late.dll", 6],
    ]);
    for (const [i, init] of [MODULE_A, MODULE_B, MODULE_C].entries()) {
      const m = tf.modules[i]!;
      expect(Buffer.from(m.debugBlock).equals(Buffer.from(init.debugBlock))).toBe(true);
      expect(m.exportNames).toEqual(init.exportNames);
      expect(m.functionRvas).toEqual(init.functionRvas);
      expect([m.base, m.size, m.timeDateStamp, m.checksum, m.path]).toEqual([init.base, init.size, init.timeDateStamp, init.checksum, init.path]);
    }
    expect(tf.functionAddress(5)).toMatchObject({ index: 1, rva: 0x2100, va: 0x80012100 });
    expect(tf.functionAddress(5)!.module.name).toBe("hal.dll");
    expect(tf.functionAddress(0)!.va).toBe(0xf8a01010);
    expect(tf.functionAddress(8)!.va).toBe(0x10001200);
    expect(tf.functionAddress(9)).toBeUndefined();
    expect(tf.functionAddress(-1)).toBeUndefined();
  });

  it("keeps threads keyed by KTHREAD, idle threads distinct despite CID 0:0", () => {
    expect(tf.threads).toEqual([
      { key: T1, process: 4, thread: 8, startAddress: 0xf8a01010, name: "System worker" },
      { key: IDLE0, process: 0, thread: 0, cpu: 0, startAddress: 0x80401000, idle: true },
      { key: IDLE1, process: 0, thread: 0, cpu: 1, startAddress: 0x80401000, idle: true },
    ]);
    expect(tf.threadKeys()).toEqual([T1, IDLE0, IDLE1]);
  });

  it("keeps every event, per thread, with all kinds and arguments", () => {
    const perThread = new Map<number, TraceEvent[]>();
    for (const e of tf.events()) {
      const list = perThread.get(e.thread) ?? [];
      list.push(e);
      perThread.set(e.thread, list);
    }
    let total = 0;
    for (const key of tf.threadKeys()) {
      const evs = perThread.get(key)!;
      total += evs.length;
      expect(evs.length).toBe(tf.threadEventCount(key));
      expect(evs[0]!.kind).toBe(EventKind.ThreadStart);
      for (let i = 1; i < evs.length; i++) expect(evs[i]!.ts).toBeGreaterThan(evs[i - 1]!.ts);
      for (const e of evs) {
        if (e.kind === EventKind.Entry) {
          expect(e.args).toHaveLength(2);
          expect(e.fn).toBeGreaterThanOrEqual(0);
        } else {
          expect(e.args).toBeUndefined();
          expect(e.esp).toBe(0);
        }
        if (e.kind >= EventKind.Lost) expect(e.fn).toBe(-1);
        if (e.kind === EventKind.Unwind) expect(e.value).toBe(0xc0000005);
      }
    }
    expect(total).toBe(tf.eventCount);
    const kinds = new Set([...tf.events()].map((e) => e.kind));
    expect([...kinds].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(perThread.get(T1)!.at(-1)!.kind).toBe(EventKind.ThreadEnd);
    expect(tf.chunkIndex().length).toBeGreaterThan(15);
  });

  it("merges threads in timestamp order, ties by thread order then file order", () => {
    const merged = [...tf.mergedEvents()];
    expect(merged.length).toBe(tf.eventCount);
    for (let i = 1; i < merged.length; i++) expect(merged[i]!.ts).toBeGreaterThanOrEqual(merged[i - 1]!.ts);
    // Per-thread subsequences are exactly the per-thread streams.
    for (const key of tf.threadKeys()) {
      expect(merged.filter((e) => e.thread === key)).toEqual([...tf.events(key)]);
    }
  });

  it("breaks timestamp ties by thread order, then file order", () => {
    const sink = new MemorySink();
    const w = TraceWriter.create(sink, { ...SMALL_HEADER, argCount: 0 }, { chunkEvents: 2 });
    const a = threadKey(0x2000);
    const b = threadKey(0x1000);
    w.addModule(MODULE_A); // function ids 0–3: events name only functions of a module (FORMAT.md)
    w.addThread({ key: a, process: 1, thread: 1, startAddress: 0 });
    w.addThread({ key: b, process: 1, thread: 2, startAddress: 0 });
    w.thread(b).entry(5, 1, 0x100);
    w.thread(b).exit(5, 1, 7);
    w.thread(a).entry(5, 2, 0x200);
    w.thread(a).exit(6, 2, 8);
    w.thread(b).threadEnd(6, 0);
    w.close();
    const got = [...openTraceBytes(sink.bytes()).mergedEvents()].map((e) => [e.thread, e.ts, e.kind]);
    expect(got).toEqual([
      [a, 5, EventKind.Entry],
      [b, 5, EventKind.Entry],
      [b, 5, EventKind.Exit],
      [a, 6, EventKind.Exit],
      [b, 6, EventKind.ThreadEnd],
    ]);
  });
});

describe("determinism and round trip", () => {
  it("identical inputs give identical bytes", () => {
    expect(Buffer.from(buildSmallTrace()).equals(Buffer.from(buildSmallTrace()))).toBe(true);
  });

  it("encode → decode → encode gives identical bytes", () => {
    for (const options of [{ chunkEvents: 7 }, { chunkEvents: 5, compressionLevel: 0 }, { chunkEvents: 1000 }]) {
      const original = buildSmallTrace(options);
      const sink = new MemorySink();
      rewriteTrace(openTraceBytes(original), sink, options);
      expect(Buffer.from(sink.bytes()).equals(Buffer.from(original))).toBe(true);
    }
  });

  it("chunk size changes the framing, never the events", () => {
    // Per thread (file order across threads depends on when chunks fill).
    const evs = (b: Uint8Array) => [T1, IDLE0, IDLE1].map((k) => [...openTraceBytes(b).events(k)]);
    expect(evs(buildSmallTrace({ chunkEvents: 3 }))).toEqual(evs(buildSmallTrace({ chunkEvents: 65536 })));
  });
});

describe("versions and unknown records", () => {
  const headerBytes = (major: number) =>
    Buffer.concat([TRACE_MAGIC, frameRecord(RecordKind.Header, encodeHeader({ ...SMALL_HEADER, formatMajor: major, formatMinor: 3 }))]);

  it("refuses a newer major version clearly", () => {
    let err: unknown;
    try {
      openTraceBytes(headerBytes(2));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsupportedFormatError);
    expect((err as Error).message).toContain("trace format 2.x is newer than this ntrace (reads 1.x); upgrade ntrace");
  });

  it("reads a newer minor version with records of unknown kinds, without damage", () => {
    const sink = new MemorySink();
    const w = TraceWriter.create(sink, SMALL_HEADER, { chunkEvents: 4 });
    w.appendRecord(77, Uint8Array.of(1, 2, 3));
    w.addModule({ ...MODULE_A, functionRvas: Array.from({ length: 10 }, (_, i) => 0x1000 + i * 0x10) });
    w.addThread({ key: T1, process: 1, thread: 2, startAddress: 3 });
    for (let i = 0; i < 10; i++) w.thread(T1).entry(i, i, 0x1000 - i * 4, [i, i]);
    w.appendRecord(200, new Uint8Array(50));
    w.close();
    const full = sink.bytes();
    const tf = openTraceBytes(full);
    expect(tf.complete).toBe(true);
    expect(tf.verify({ decode: true })).toEqual([]);
    expect([...tf.events()].map((e) => e.fn)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Without the footer (forward scan), the unknown records are skipped as well.
    const cut = openTraceBytes(full.subarray(0, full.length - 24 - 60));
    expect(cut.complete).toBe(false);
    expect(cut.damage.filter((d) => !/no footer|truncated footer/.test(d.what))).toEqual([]);
    expect(cut.eventCount).toBe(10);
  });

  it("rejects files that are not traces or whose header is broken with FormatError", () => {
    expect(() => openTraceBytes(new TextEncoder().encode("MZ this is a PE file"))).toThrow(/not an ntrace trace file/);
    expect(() => openTraceBytes(TRACE_MAGIC.subarray(0, 5))).toThrow(/inside the magic/);
    expect(() => openTraceBytes(TRACE_MAGIC)).toThrow(FormatError);
    const h = headerBytes(1);
    const bad = h.slice();
    bad[30]! ^= 0x10;
    expect(() => openTraceBytes(bad)).toThrow(/header record at offset 0x8: header record fails its CRC check/);
  });
});
