/**
 * Recovery: a truncated or bit-flipped trace never makes the reader throw anything but a
 * FormatError for a missing/corrupt magic or header, returns every chunk whose bytes are
 * intact, and reports the damage with offsets.
 */
import { describe, expect, it } from "vitest";
import { FormatError } from "../../base/index.js";
import { openTraceBytes, type EventChunk, type TraceFile } from "../../tracefile/index.js";
import { FRAME_OVERHEAD, parseFrameHeader } from "../../tracefile/framing.js";
import { buildSmallTrace, prng } from "./small.js";

const original = buildSmallTrace({ chunkEvents: 7 });
const ref = openTraceBytes(original);

function fingerprint(c: EventChunk): string {
  return [c.thread, c.count, ...c.kind, ...c.ts, ...c.fn, ...c.esp, ...c.value, ...c.args].join(",");
}

/** Every record of the original with its byte range. */
interface Span {
  readonly kind: "module" | "thread" | "chunk";
  readonly start: number;
  readonly end: number;
  readonly id: string;
}
const spans: Span[] = ref.layout().map((item) => {
  const fh = parseFrameHeader(original, item.offset)!;
  const end = item.offset + FRAME_OVERHEAD + fh.length;
  const id =
    item.kind === "module"
      ? `module ${item.module.name}`
      : item.kind === "thread"
        ? `thread ${item.thread.key}`
        : fingerprint(ref.readChunkAt(item.chunk)!);
  return { kind: item.kind, start: item.offset, end, id };
});
const headerEnd = spans[0]!.start;
const chunkSpans = spans.filter((s) => s.kind === "chunk");

/** Opens damaged bytes; null when it (legitimately) threw a FormatError. */
function open(bytes: Uint8Array): TraceFile | null {
  try {
    return openTraceBytes(bytes);
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    return null;
  }
}

function returned(tf: TraceFile) {
  const chunks = [...tf.chunks()].map(fingerprint).sort();
  const modules = tf.modules.map((m) => `module ${m.name}`);
  const threads = tf.threads.map((t) => `thread ${t.key}`);
  return { chunks, records: [...modules, ...threads].sort() };
}

function expected(intact: (s: Span) => boolean) {
  return {
    chunks: chunkSpans.filter(intact).map((s) => s.id).sort(),
    records: spans.filter((s) => s.kind !== "chunk" && intact(s)).map((s) => s.id).sort(),
  };
}

describe("trace recovery", () => {
  it("the fixture has many chunks of 3 threads", () => {
    expect(chunkSpans.length).toBeGreaterThan(15);
    expect(original.length).toBeLessThan(8000);
  });

  it("truncation at every byte offset: every chunk wholly before the cut, damage reported", () => {
    let formatErrors = 0;
    for (let cut = 0; cut < original.length; cut++) {
      const tf = open(original.subarray(0, cut));
      if (tf === null) {
        expect(cut).toBeLessThan(headerEnd); // only magic/header cuts may throw
        formatErrors++;
        continue;
      }
      expect(cut).toBeGreaterThanOrEqual(headerEnd);
      expect(tf.complete).toBe(false);
      const got = returned(tf);
      const want = expected((s) => s.end <= cut);
      if (got.chunks.join("|") !== want.chunks.join("|") || got.records.join("|") !== want.records.join("|")) {
        expect.fail(`cut at ${cut}: returned ${got.chunks.length} chunks/${got.records.length} records, expected ${want.chunks.length}/${want.records.length}`);
      }
      expect(tf.damage.length).toBeGreaterThan(0);
      for (const d of tf.damage) {
        expect(d.offset).toBeGreaterThanOrEqual(headerEnd);
        expect(d.offset).toBeLessThanOrEqual(cut);
      }
    }
    expect(formatErrors).toBe(headerEnd);
    const whole = open(original)!;
    expect(whole.complete).toBe(true);
    expect(whole.verify()).toEqual([]);
  });

  it("a cut inside a chunk names the chunk, its offset and the events lost", () => {
    const s = chunkSpans[5]!;
    const tf = openTraceBytes(original.subarray(0, s.end - 3));
    const d = tf.damage.find((x) => x.offset === s.start);
    expect(d?.what).toMatch(/^truncated event chunk at 0x[0-9a-f]+ \(file ends\) \(thread 0x[0-9a-f]+, 7 events lost\)$/);
    expect(tf.damage.at(-1)!.what).toMatch(/no footer/);
  });

  function checkFlip(byte: number, bit: number): void {
    const bad = original.slice();
    bad[byte]! ^= 1 << bit;
    const tf = open(bad);
    if (tf === null) {
      if (byte >= headerEnd) expect.fail(`flip at ${byte}.${bit} outside the header threw`);
      return;
    }
    if (byte < headerEnd) expect.fail(`flip at ${byte}.${bit} inside magic/header was accepted`);
    const got = returned(tf);
    const want = expected((s) => byte < s.start || byte >= s.end);
    if (got.chunks.join("|") !== want.chunks.join("|") || got.records.join("|") !== want.records.join("|")) {
      expect.fail(`flip at ${byte}.${bit}: returned ${got.chunks.length} chunks/${got.records.length} records, expected ${want.chunks.length}/${want.records.length}`);
    }
    const damage = tf.verify();
    if (damage.length === 0) expect.fail(`flip at ${byte}.${bit}: no damage reported`);
    const hit = spans.find((s) => byte >= s.start && byte < s.end);
    if (hit !== undefined && !damage.some((d) => d.offset === hit.start)) {
      expect.fail(`flip at ${byte}.${bit}: damage does not name the record at ${hit.start}: ${JSON.stringify(damage)}`);
    }
  }

  it("flipping every bit of the first 640 bytes", () => {
    for (let byte = 0; byte < Math.min(640, original.length); byte++) for (let bit = 0; bit < 8; bit++) checkFlip(byte, bit);
  });

  it("seeded random bit flips elsewhere, including footer and trailer", () => {
    const r = prng(2024);
    for (let i = 0; i < 1500; i++) checkFlip(640 + Math.floor(r() * (original.length - 640)), Math.floor(r() * 8));
    for (let byte = original.length - 120; byte < original.length; byte++) checkFlip(byte, byte % 8);
  });

  it("damage in the middle: resynchronizes and reports the lost chunk and the sequence gap", () => {
    const bad = original.slice();
    const s = chunkSpans[8]!;
    bad.fill(0x55, s.start + 2, s.start + 30); // wreck the frame header and the start of the payload
    bad[original.length - 1]! ^= 0xff; // and the trailer, forcing a forward scan
    const tf = openTraceBytes(bad);
    expect(tf.complete).toBe(false);
    expect(returned(tf).chunks).toEqual(expected((x) => x !== s).chunks);
    const whats = tf.damage.map((d) => d.what).join("\n");
    expect(tf.damage[0]!.offset).toBe(s.start);
    expect(whats).toMatch(/unrecognized bytes at 0x[0-9a-f]+/);
    expect(whats).toMatch(/thread 0x[0-9a-f]+: chunk \d+ missing before the chunk at/);
    expect(whats).toMatch(/no valid trailer/);
  });

  it("a CRC mismatch in an indexed chunk is reported with the thread and events lost", () => {
    const bad = original.slice();
    const s = chunkSpans[3]!;
    bad[s.end - 6]! ^= 0x01;
    const tf = openTraceBytes(bad);
    expect(tf.complete).toBe(true);
    expect([...tf.chunks()].length).toBe(chunkSpans.length - 1);
    expect(tf.damage).toHaveLength(1);
    expect(tf.damage[0]).toMatchObject({ offset: s.start, length: s.end - s.start });
    expect(tf.damage[0]!.what).toMatch(/^event chunk at 0x[0-9a-f]+: CRC mismatch \(thread 0x[0-9a-f]+, 7 events lost\)$/);
  });
});
