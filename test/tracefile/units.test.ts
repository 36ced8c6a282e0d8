import { describe, expect, it } from "vitest";
import protobuf from "protobufjs/minimal.js";
import type LongType from "long";
import { threadKey } from "../../base/index.js";
import { ColumnEncoder, ColumnScratch, decodeColumns } from "../../tracefile/columns.js";
import { decodeChunk, decodeChunkMeta } from "../../tracefile/chunk.js";
import { crc32, crc32Table } from "../../tracefile/crc32.js";
import { frameRecord, parseFrameHeader, parseTrailer, trailer } from "../../tracefile/framing.js";
import { ntrace } from "../../tracefile/generated/trace.js";
import { EventKind } from "../../tracefile/types.js";
import { VarintWriter, readVarint, unzigzag, unzigzag32, zigzag, zigzag32 } from "../../tracefile/varint.js";
import { buildSmallTrace, prng } from "./small.js";
import { MemorySink, TraceWriter, openTraceBytes } from "../../tracefile/index.js";

const pb = ntrace.trace.v1;
/** protobufjs's Long (a dependency of protobufjs, not of ours). */
const Long = protobuf.util.Long as unknown as typeof LongType;
const ascii = (s: string) => new TextEncoder().encode(s);

describe("CRC-32", () => {
  it("matches the standard check values", () => {
    for (const f of [crc32, crc32Table]) {
      expect(f(ascii("123456789"))).toBe(0xcbf43926);
      expect(f(new Uint8Array(0))).toBe(0);
      expect(f(ascii("The quick brown fox jumps over the lazy dog"))).toBe(0x414fa339);
    }
  });
  it("native and table versions agree on random data", () => {
    const r = prng(7);
    for (let n = 0; n < 300; n += 7) {
      const b = Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
      expect(crc32(b)).toBe(crc32Table(b));
    }
  });
});

describe("varint and zigzag", () => {
  it("encodes the protobuf reference examples", () => {
    const w = new VarintWriter(1);
    w.uint(1);
    w.uint(150);
    w.uint(300);
    w.uint(2 ** 32);
    expect([...w.result()]).toEqual([0x01, 0x96, 0x01, 0xac, 0x02, 0x80, 0x80, 0x80, 0x80, 0x10]);
  });
  it("round-trips values up to 2^53 and agrees with protobufjs", () => {
    const vals = [0, 1, 127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 5, 2 ** 53 - 1];
    const w = new VarintWriter(4);
    for (const v of vals) w.uint(v);
    const b = w.result();
    const cur = { pos: 0 };
    for (const v of vals) expect(readVarint(b, cur, b.length)).toBe(v);
    expect(cur.pos).toBe(b.length);
    const pw = ntrace.trace.v1.Footer.encode({ totalEvents: 2 ** 40 + 5 }).finish();
    const mine = new VarintWriter();
    mine.tag(4, 0);
    mine.uint(2 ** 40 + 5);
    expect([...mine.result()]).toEqual([...pw]);
  });
  it("reports a truncated varint", () => {
    expect(readVarint(Uint8Array.of(0x80, 0x80), { pos: 0 }, 2)).toBeUndefined();
  });
  it("zigzags like protobuf sint32/sint64", () => {
    expect([0, -1, 1, -2, 2147483647, -2147483648].map(zigzag32)).toEqual([0, 1, 2, 3, 4294967294, 4294967295]);
    expect([0, -1, 1, -2, 2 ** 40, -(2 ** 40)].map(zigzag)).toEqual([0, 1, 2, 3, 2 ** 41, 2 ** 41 - 1]);
    for (const n of [0, -1, 1, -2, 123456, -123456, 2 ** 40, -(2 ** 40) - 1]) expect(unzigzag(zigzag(n))).toBe(n);
    for (const n of [0, -1, 5, -2147483648, 2147483647]) expect(unzigzag32(zigzag32(n))).toBe(n);
  });
});

describe("framing", () => {
  it("frames a record and rejects any single-bit change of its header", () => {
    const rec = frameRecord(4, ascii("payload"));
    expect(parseFrameHeader(rec, 0)).toEqual({ kind: 4, length: 7 });
    for (let bit = 0; bit < 16 * 8; bit++) {
      const bad = rec.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      expect(parseFrameHeader(bad, 0)).toBeNull();
    }
  });
  it("round-trips the trailer, including offsets beyond 4 GiB", () => {
    expect(parseTrailer(trailer(0x1234))).toBe(0x1234);
    expect(parseTrailer(trailer(2 ** 33 + 17))).toBe(2 ** 33 + 17);
    const bad = trailer(0x1234);
    bad[9]! ^= 1;
    expect(parseTrailer(bad)).toBeNull();
  });
});

/** Random columns of every kind, as the writer's buffers hold them. */
function randomColumns(count: number, argCount: number, seed: number, jumps = false) {
  const r = prng(seed);
  const kind = new Uint8Array(count);
  const ts = new Float64Array(count);
  const fn = new Int32Array(count).fill(-1);
  const esp = new Uint32Array(count);
  const value = new Uint32Array(count);
  const args = new Uint32Array(count * argCount);
  let t = 2 ** 36;
  for (let i = 0; i < count; i++) {
    const k = Math.floor(r() * 7) as EventKind;
    kind[i] = k;
    t += Math.floor(r() * 3000) - (r() < 0.05 ? 5000 : 0); // occasionally backwards
    if (jumps && i % 50 === 49) t += i % 100 === 99 ? -(2 ** 39) : 2 ** 40;
    ts[i] = t;
    if (k <= EventKind.Unclosed) fn[i] = Math.floor(r() * 70000);
    if (k === EventKind.Entry) {
      esp[i] = Math.floor(r() * 2 ** 32);
      for (let a = 0; a < argCount; a++) args[i * argCount + a] = Math.floor(r() * 2 ** 32);
    }
    if (k === EventKind.Exit || k === EventKind.Unwind || k === EventKind.Lost || k === EventKind.ThreadEnd) {
      value[i] = Math.floor(r() * 2 ** 32);
    }
  }
  return { kind, ts, fn, esp, value, args };
}

describe("hand column codec", () => {
  for (const jumps of [false, true]) {
    it(`produces exactly the bytes of the generated encoder, and the generated decoder reads them${jumps ? " (timestamp jumps of ±2^39..2^40: varints past 32 bits)" : ""}`, () => {
      const argCount = 3;
      const c = randomColumns(500, argCount, 11, jumps);
      const mine = new ColumnEncoder().encode(c, 500, argCount, c.ts[0]!);
      // The same message through the generated code, built from the documented rules.
      const kinds = [...c.kind];
      const entries = kinds.flatMap((k, i) => (k === EventKind.Entry ? [i] : []));
      let prevTs = c.ts[0]!;
      let prevEsp = 0;
      const ref = pb.EventColumns.encode({
        kind: kinds,
        tsDelta: [...c.ts].map((t) => {
          const d = t - prevTs;
          prevTs = t;
          return Long.fromNumber(d);
        }),
        fn: kinds.flatMap((k, i) => (k <= EventKind.Unclosed ? [c.fn[i]!] : [])),
        espDelta: entries.map((i) => {
          const d = (c.esp[i]! - prevEsp) | 0;
          prevEsp = c.esp[i]!;
          return d;
        }),
        value: kinds.flatMap((k, i) => ([1, 2, 4, 6].includes(k) ? [c.value[i]!] : [])),
        args: entries.flatMap((i) => [...c.args.subarray(i * argCount, (i + 1) * argCount)]),
      }).finish();
      expect(Buffer.from(mine).equals(Buffer.from(ref))).toBe(true);

      const back = decodeColumns(ref, threadKey(1), 500, argCount, c.ts[0]!);
      expect([...back.kind]).toEqual([...c.kind]);
      expect([...back.ts]).toEqual([...c.ts]);
      expect([...back.fn]).toEqual([...c.fn]);
      expect([...back.esp]).toEqual([...c.esp]);
      expect([...back.value]).toEqual([...c.value]);
      expect([...back.args]).toEqual(entries.length > 0 ? [...c.args] : []);
    });
  }

  it("decodes unpacked repeated fields too (protobuf parsers must accept both)", () => {
    const w = new VarintWriter();
    const unpacked = (field: number, v: number) => {
      w.tag(field, 0);
      w.uint(v);
    };
    for (const k of [EventKind.Entry, EventKind.Exit]) unpacked(1, k);
    for (const d of [0, 10]) unpacked(2, d * 2);
    for (const f of [5, 5]) unpacked(3, f);
    w.tag(4, 0);
    w.uint(zigzag32(0x1000));
    w.tag(5, 0);
    w.uint(42);
    w.tag(99, 0); // unknown field: skipped
    w.uint(7);
    const c = decodeColumns(w.result(), threadKey(1), 2, 0, 1000);
    expect([...c.ts]).toEqual([1000, 1010]);
    expect([...c.fn]).toEqual([5, 5]);
    expect([...c.esp]).toEqual([0x1000, 0]);
    expect([...c.value]).toEqual([0, 42]);
  });

  it("rejects columns that do not match the event count", () => {
    const c = randomColumns(20, 0, 3);
    const raw = new ColumnEncoder().encode(c, 20, 0, c.ts[0]!);
    expect(() => decodeColumns(raw, threadKey(1), 21, 0, c.ts[0]!)).toThrow(/kind column holds 20 events/);
    expect(() => decodeColumns(raw, threadKey(1), 19, 0, c.ts[0]!)).toThrow(/kind column holds 20 events, the chunk says 19/);
  });

  it("hand chunk decoder agrees with the generated EventChunk encoder", () => {
    const c = randomColumns(64, 1, 5);
    const raw = new ColumnEncoder().encode(c, 64, 1, c.ts[0]!);
    const payload = pb.EventChunk.encode({
      thread: 0x8100a000,
      seq: 3,
      count: 64,
      firstTs: c.ts[0]!,
      lastTs: c.ts[63]!,
      encoding: pb.ColumnEncoding.COLUMNS_PLAIN,
      rawSize: raw.length,
      columns: raw,
    }).finish();
    const m = decodeChunkMeta(payload);
    expect(m).toMatchObject({ thread: 0x8100a000, seq: 3, count: 64, firstTs: c.ts[0], lastTs: c.ts[63], encoding: 0 });
    const chunk = decodeChunk(payload, 1);
    expect(chunk.thread).toBe(0x8100a000);
    expect([...chunk.ts]).toEqual([...c.ts]);
    const g = pb.EventChunk.decode(payload);
    expect(Long.fromValue(g.firstTs).toNumber()).toBe(c.ts[0]);
  });
});

describe("decode buffer reuse and column selection", () => {
  const arrays = (c: { kind: Uint8Array; ts: Float64Array; fn: Int32Array; esp: Uint32Array; value: Uint32Array; args: Uint32Array }) => ({
    kind: [...c.kind],
    ts: [...c.ts],
    fn: [...c.fn],
    esp: [...c.esp],
    value: [...c.value],
    args: [...c.args],
  });

  it("chunks decoded into one scratch equal fresh decodes, whatever came before", () => {
    const scratch = new ColumnScratch();
    // Big then small then big again, with and without arguments: stale data must never show.
    for (const [count, argCount, seed] of [[900, 2, 11], [40, 0, 12], [700, 3, 13], [5, 1, 14], [900, 0, 15]] as const) {
      const c = randomColumns(count, argCount, seed);
      const raw = new ColumnEncoder().encode(c, count, argCount, c.ts[0]!).slice();
      const fresh = decodeColumns(raw, threadKey(1), count, argCount, c.ts[0]!);
      const reused = decodeColumns(raw, threadKey(1), count, argCount, c.ts[0]!, scratch);
      expect(arrays(reused)).toEqual(arrays(fresh));
      expect(arrays(fresh)).toEqual(arrays(c));
    }
  });

  it("skipped columns read 0 and the others are exact", () => {
    const scratch = new ColumnScratch();
    const select = { esp: false, exitValues: false, args: false };
    // Only entries and exits: the value column is skipped.
    const calls = randomColumns(300, 1, 21);
    for (let i = 0; i < 300; i++) {
      if (calls.kind[i]! > EventKind.Exit) {
        calls.kind[i] = EventKind.Exit;
        calls.fn[i] = 5;
        calls.value[i] = 77;
      }
    }
    const rawCalls = new ColumnEncoder().encode(calls, 300, 1, calls.ts[0]!).slice();
    // Every kind: values of unwind/lost/thread-end matter, so the value column is decoded.
    const mixed = randomColumns(300, 1, 22);
    const rawMixed = new ColumnEncoder().encode(mixed, 300, 1, mixed.ts[0]!).slice();
    for (const [c, raw, valuesKept] of [[mixed, rawMixed, true], [calls, rawCalls, false], [mixed, rawMixed, true]] as const) {
      const d = decodeColumns(raw, threadKey(1), 300, 1, c.ts[0]!, scratch, select);
      expect([...d.kind]).toEqual([...c.kind]);
      expect([...d.ts]).toEqual([...c.ts]);
      expect([...d.fn]).toEqual([...c.fn]);
      expect([...d.esp].every((v) => v === 0)).toBe(true);
      expect([...d.args].every((v) => v === 0)).toBe(true);
      expect([...d.value]).toEqual(valuesKept ? [...c.value] : new Array<number>(300).fill(0));
    }
  });

  it("TraceFile.chunks({ reuse: true }) yields the same events as fresh chunks", () => {
    const tf = openTraceBytes(buildSmallTrace());
    const fresh = [...tf.chunks()].map(arrays);
    const reused: ReturnType<typeof arrays>[] = [];
    for (const c of tf.chunks(undefined, { reuse: true })) reused.push(arrays(c)); // copy: valid only now
    expect(fresh.length).toBeGreaterThan(3);
    expect(reused).toEqual(fresh);
  });
});

describe("bulk append (ThreadEventWriter.reserve / commit)", () => {
  // The same events through entry()/exit()/threadEnd() and through filled column arrays, across
  // chunk boundaries (chunkEvents 100: 250 events = three chunks), give identical bytes.
  const header = { clock: { kind: "guest-instructions" as const, unit: "instructions", description: "test" }, cpus: 1, toolVersion: "test", commandLine: [], argCount: 2, mode: "user" as const };
  const events = Array.from({ length: 250 }, (_, i) => ({ entry: i % 2 === 0, ts: 10 * i, fn: i % 7, esp: 0x1000 - 8 * i, value: i * 3, args: [i, ~i >>> 0] }));
  const write = (bulk: boolean): Uint8Array => {
    const sink = new MemorySink();
    const w = TraceWriter.create(sink, header, { chunkEvents: 100 });
    w.addModule({ name: "m.dll", path: "m.dll", base: 0x10000000, size: 0x1000, timeDateStamp: 0, checksum: 0, exportNames: [], debugBlock: new Uint8Array(0), functionRvas: [0, 1, 2, 3, 4, 5, 6] });
    const key = threadKey(0x80100000);
    w.addThread({ key, process: 0x20, thread: 0x24, startAddress: 0 });
    const t = w.thread(key);
    if (!bulk) {
      for (const e of events) if (e.entry) t.entry(e.ts, e.fn, e.esp, e.args); else t.exit(e.ts, e.fn, e.value);
    } else {
      for (let next = 0; next < events.length; ) {
        const c = t.reserve(events.length - next);
        expect(c.room).toBeGreaterThan(0);
        const n = Math.min(c.room, events.length - next, 37); // odd-sized batches
        for (let k = 0; k < n; k++) {
          const e = events[next + k]!;
          const i = c.start + k;
          c.kind[i] = e.entry ? EventKind.Entry : EventKind.Exit;
          c.ts[i] = e.ts;
          c.fn[i] = e.fn;
          if (e.entry) {
            c.esp[i] = e.esp;
            c.args.set(e.args, 2 * i);
          } else c.value[i] = e.value;
        }
        t.commit(n);
        next += n;
      }
    }
    t.threadEnd(3000, 0);
    w.close();
    return sink.bytes();
  };

  it("writes the bytes the per-event calls write", () => {
    const bulk = write(true);
    expect(bulk).toEqual(write(false));
    const tf = openTraceBytes(bulk);
    expect(tf.eventCount).toBe(251);
    expect(tf.chunkIndex().length).toBe(3);
  });

  it("refuses a commit beyond the reserved room", () => {
    const w = TraceWriter.create(new MemorySink(), header, { chunkEvents: 100 });
    const key = threadKey(0x80100000);
    w.addThread({ key, process: 0x20, thread: 0x24, startAddress: 0 });
    const c = w.thread(key).reserve(10);
    expect(() => w.thread(key).commit(c.room + 1)).toThrow(/exceeds the .* reserved/);
    expect(() => w.thread(key).commit(-1)).toThrow(/commit of -1/);
  });
});
