/**
 * Must-show 5: committed traces of every format version (test/golden/tracefile/v1.ntrace is
 * format 1.0, v1.1.ntrace 1.1, v1.2.ntrace 1.2 — each made by regenerate.sh from small.ts when
 * it was the newest) still decode
 * to the expected content. The newest re-encodes to the same bytes, and today's writer still
 * produces exactly those bytes; a format change that breaks this must bump the format version
 * and add a new golden next to these.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { EventKind, MemorySink, TRACE_FORMAT_MINOR, crc32, openTrace, openTraceBytes, rewriteTrace, type TraceFile } from "../../tracefile/index.js";
import { IDLE0, IDLE1, SMALL_RUN, SMALL_RUN_1_1, T1, buildSmallTrace } from "./small.js";

const GOLDEN_1_0 = path.resolve(import.meta.dirname, "../golden/tracefile/v1.ntrace");
const GOLDEN_1_1 = path.resolve(import.meta.dirname, "../golden/tracefile/v1.1.ntrace");
const GOLDEN_1_2 = path.resolve(import.meta.dirname, "../golden/tracefile/v1.2.ntrace");

if (process.env.NTRACE_REGEN_GOLDEN === "1") {
  fs.writeFileSync(GOLDEN_1_2, buildSmallTrace({ chunkEvents: 7 }));
}

/** A copy made by today's writer has the same content (and today's format version). */
function expectSameContentWhenCopied(tf: TraceFile): void {
  const sink = new MemorySink();
  rewriteTrace(tf, sink, { chunkEvents: 7 });
  const copy = openTraceBytes(sink.bytes());
  expect(copy.header.formatMinor).toBe(TRACE_FORMAT_MINOR);
  expectSmallContent(copy);
  expect([...copy.mergedEvents()]).toEqual([...tf.mergedEvents()]);
  expect(copy.run).toEqual(tf.run);
}

/** The content every version of the small trace has. */
function expectSmallContent(tf: TraceFile): void {
  expect(tf.complete).toBe(true);
  expect(tf.verify({ decode: true })).toEqual([]);
  expect(tf.header.formatMajor).toBe(1);
  expect(tf.header.clock.kind).toBe("guest-instructions");
  expect(tf.header.argCount).toBe(2);
  expect(tf.header.mode).toBe("kernel");
  expect(tf.header.commandLine).toEqual(["ntrace", "run", "drv.sys", "--cpus", "2", "--args", "2"]);
  expect(tf.modules.map((m) => [m.name, m.base, m.firstFunctionId, m.debugBlock.length])).toEqual([
    ["drv.sys", 0xf8a00000, 0, 88],
    ["hal.dll", 0x80010000, 4, 0],
    ["late.dll", 0x10000000, 6, 100],
  ]);
  expect(crc32(tf.modules[0]!.debugBlock)).toBe(GOLDEN_DEBUG_CRC);
  expect(tf.threads.map((t) => [t.key, t.cpu, t.idle])).toEqual([
    [T1, undefined, undefined],
    [IDLE0, 0, true],
    [IDLE1, 1, true],
  ]);
  expect(tf.eventCount).toBe(170);
  expect([T1, IDLE0, IDLE1].map((k) => tf.threadEventCount(k))).toEqual([91, 34, 45]); // 1 start + steps (45+27, 30, 36) + unclosed frames + 1 end (T1)
  expect(tf.chunkIndex().length).toBe(25); // ⌈91/7⌉ + ⌈34/7⌉ + ⌈45/7⌉
  const first = [...tf.events(T1)].slice(0, 3);
  expect(first).toEqual(GOLDEN_FIRST_EVENTS);
  expect(first[0]!.kind).toBe(EventKind.ThreadStart);
  const last = [...tf.events(T1)].at(-1)!;
  expect(last).toMatchObject({ kind: EventKind.ThreadEnd, fn: -1, value: 0 });
}

describe("golden trace v1.ntrace (format 1.0)", () => {
  const golden = new Uint8Array(fs.readFileSync(GOLDEN_1_0));
  const tf = openTrace(GOLDEN_1_0);

  it("decodes to the expected content; it has no engine and no run summary", () => {
    expect(golden.length).toBe(4215);
    expect(tf.header.formatMinor).toBe(0);
    expectSmallContent(tf);
    expect(tf.header.engine).toBeUndefined();
    expect(tf.run).toBeUndefined();
  });

  it("copies into today's format with the same content", () => expectSameContentWhenCopied(tf));
});

describe("golden trace v1.1.ntrace (format 1.1)", () => {
  const tf = openTrace(GOLDEN_1_1);

  it("decodes to the expected content, with the engine and how the run ended (no interrupted record)", () => {
    expect(tf.header.formatMinor).toBe(1);
    expectSmallContent(tf);
    expect(tf.header.engine).toBe("unicorn 2.0.1");
    expect(tf.run).toEqual(SMALL_RUN_1_1);
  });

  it("copies into today's format with the same content", () => expectSameContentWhenCopied(tf));
});

describe("golden trace v1.2.ntrace (format 1.2, the newest)", () => {
  const golden = new Uint8Array(fs.readFileSync(GOLDEN_1_2));
  const tf = openTrace(GOLDEN_1_2);

  it("decodes to the expected content, with how the run ended and why it was interrupted", () => {
    expect(tf.header.formatMinor).toBe(2);
    expectSmallContent(tf);
    expect(tf.header.engine).toBe("unicorn 2.0.1");
    expect(tf.run).toEqual(SMALL_RUN);
  });

  it("re-encodes to identical bytes (encode → decode → encode)", () => {
    const sink = new MemorySink();
    rewriteTrace(tf, sink, { chunkEvents: 7 });
    expect(Buffer.from(sink.bytes()).equals(Buffer.from(golden))).toBe(true);
  });

  it("today's writer still produces these exact bytes (else: bump the format version)", () => {
    const now = buildSmallTrace({ chunkEvents: 7 });
    expect(Buffer.from(now).equals(Buffer.from(golden)), "writer output changed: bump TRACE_FORMAT_MINOR/MAJOR and add a new golden").toBe(true);
  });
});

// Values read once from the committed golden and checked by hand against small.ts.
const GOLDEN_DEBUG_CRC = 0xe441814b;
// T1 starts at clock 100+1; its first frame is 24 bytes below 0xf7e00000; args[1] is the step.
const GOLDEN_FIRST_EVENTS = [
  { kind: EventKind.ThreadStart, thread: T1, ts: 101, fn: -1, esp: 0, value: 0 },
  { kind: EventKind.Entry, thread: T1, ts: 127, fn: 5, esp: 0xf7dfffe8, value: 0, args: [750819978, 0] },
  { kind: EventKind.Entry, thread: T1, ts: 149, fn: 3, esp: 0xf7dfffcc, value: 0, args: [2028586305, 1] },
];
