/**
 * The writer's `background` option: full chunks encoded on a worker thread must give the very
 * bytes the synchronous writer gives, in the same record order, whether the worker answers,
 * is missing, exits, stalls or refuses a chunk. Every background case also checks where the
 * chunks were encoded (chunkEncoding), so a test cannot pass by never using the worker.
 *
 * The worker is the built script (dist/tracefile/chunkworker.js; `npm test` builds first).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError, threadKey, type ThreadKey } from "../../base/index.js";
import { chunkWorkerScript } from "../../tracefile/background.js";
import { MemorySink, TraceWriter, openTraceBytes, type TraceSink, type TraceWriterOptions } from "../../tracefile/index.js";
import { BACKGROUND_START_CHUNKS, type ChunkEncodingStats } from "../../tracefile/writer.js";
import { MODULE_A, MODULE_B, MODULE_C, SMALL_HEADER, SMALL_RUN, buildSmallTrace, prng } from "./small.js";

const CHUNK = 64;
const THREADS: readonly ThreadKey[] = [threadKey(0x81001000), threadKey(0x81002000), threadKey(0x81003000), threadKey(0x81004000), threadKey(0x81005000)];

/** Remembers how much of the file each flush() pushed out. */
class FlushRecordingSink implements TraceSink {
  readonly memory = new MemorySink();
  readonly flushedAt: number[] = [];
  private length = 0;
  write(bytes: Uint8Array): void {
    this.memory.write(bytes);
    this.length += bytes.length;
  }
  flush(): void {
    this.flushedAt.push(this.length);
  }
  close(): void {}
}

interface Written {
  readonly bytes: Uint8Array;
  readonly events: number;
  readonly encoding: ChunkEncodingStats;
  /** Sink bytes at each flush(). */
  readonly flushedAt: readonly number[];
  /** bytesWritten right after each flushWritten(). */
  readonly afterFlushWritten: readonly number[];
}

/**
 * Several threads filling many chunks (64 events each) with every event kind and two
 * argument dwords, modules and threads added between chunks, threads taking turns in
 * bursts; `flushEvery` > 0 calls flushWritten() that often.
 *
 * The run is faster than the worker (and its start): beyond MAX_CHUNKS_IN_FLIGHT the writer
 * encodes full chunks itself, so which chunks the worker gets depends on timing. What does
 * not: after a flushWritten() (which waits for the worker) the next 4 full chunks are its.
 */
function writeWorkload(options: TraceWriterOptions, flushEvery = 0, steps = 24_000): Written {
  const sink = new FlushRecordingSink();
  // The worker starts with the writer here, so every chunk is its to take.
  const eager = options.background === true ? { backgroundTuning: { startAfterChunks: 0, ...options.backgroundTuning } } : {};
  const w = TraceWriter.create(sink, { ...SMALL_HEADER, argCount: 2 }, { chunkEvents: CHUNK, ...options, ...eager });
  const r = prng(9);
  const afterFlushWritten: number[] = [];
  const modules = [MODULE_A, MODULE_B, MODULE_C];
  let functions = w.addModule(modules[0]!).functionRvas.length;
  const stacks: number[][] = [];
  let threads = 0;
  const addThread = (): void => {
    w.addThread({ key: THREADS[threads]!, process: 4, thread: 8 + 4 * threads, startAddress: 0xf8a01010 });
    w.thread(THREADS[threads]!).threadStart(0);
    stacks.push([]);
    threads++;
  };
  addThread();
  addThread();
  let ts = 1;
  for (let step = 0; step < steps; ) {
    const t = Math.floor(r() * threads);
    const writer = w.thread(THREADS[t]!);
    const stack = stacks[t]!;
    for (let burst = 1 + Math.floor(r() * 150); burst > 0 && step < steps; burst--, step++) {
      ts += 1 + Math.floor(r() * 30);
      const x = r();
      if ((x < 0.5 || stack.length === 0) && stack.length < 40) {
        const fn = Math.floor(r() * functions);
        // Some entries give fewer arguments than argCount (the rest are stored as 0).
        writer.entry(ts, fn, 0x7f000 - 16 * stack.length, x < 0.05 ? [step] : [Math.floor(r() * 2 ** 32), step]);
        stack.push(fn);
      } else if (x < 0.96) writer.exit(ts, stack.pop()!, Math.floor(r() * 2 ** 32));
      else if (x < 0.98) writer.unwind(ts, stack.pop()!, 0xc0000005);
      else writer.lost(ts, 1 + Math.floor(r() * 1000));
      if (step === 4000 || step === 15000) functions += w.addModule(modules[step === 4000 ? 1 : 2]!).functionRvas.length;
      if ((step === 2500 || step === 9000 || step === 17000) && threads < THREADS.length) addThread();
      if (flushEvery > 0 && step % flushEvery === flushEvery - 1) {
        w.flushWritten();
        afterFlushWritten.push(w.bytesWritten);
      }
    }
  }
  for (const [t, stack] of stacks.entries()) {
    const writer = w.thread(THREADS[t]!);
    while (stack.length > 0) writer.unclosed((ts += 2), stack.pop()!);
    writer.threadEnd((ts += 1), t);
  }
  const { events } = w.close(SMALL_RUN);
  return { bytes: sink.memory.bytes(), events, encoding: w.chunkEncoding, flushedAt: sink.flushedAt, afterFlushWritten };
}

function expectSameBytes(a: Uint8Array, b: Uint8Array): void {
  expect(b.length).toBe(a.length);
  expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
}

const scratch = mkdtempSync(join(tmpdir(), "ntrace-chunkworker-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A worker script that runs `prelude` and then the real worker: the prelude's message
 * listener sees each job before the real worker's does (modules evaluate in import order).
 */
function wrappedWorker(name: string, prelude: string): string {
  const real = chunkWorkerScript();
  if (real === undefined) throw new Error("dist/tracefile/chunkworker.js is missing: npm run build first");
  const preludePath = join(scratch, `${name}-prelude.mjs`);
  writeFileSync(preludePath, `import { workerData } from "node:worker_threads";\nlet jobs = 0;\n${prelude}\n`);
  const path = join(scratch, `${name}.mjs`);
  writeFileSync(path, `import ${JSON.stringify(pathToFileURL(preludePath).href)};\nimport ${JSON.stringify(pathToFileURL(real).href)};\n`);
  return path;
}

describe("background chunk encoding", () => {
  it("has a built worker script to test (npm run build)", () => {
    expect(chunkWorkerScript(), "dist/tracefile/chunkworker.js: run npm run build first").toBeDefined();
  });

  for (const compressionLevel of [0, 3, 6]) {
    it(`writes the synchronous writer's bytes, record for record (level ${compressionLevel})`, () => {
      const plain = writeWorkload({ compressionLevel }, 1000);
      const background = writeWorkload({ compressionLevel, background: true }, 1000);
      expectSameBytes(plain.bytes, background.bytes);
      expect(background.events).toBe(plain.events);
      // Chunks from the worker and from the writer interleave; together they are the
      // synchronous writer's chunks.
      expect(plain.encoding).toEqual({ inWorker: 0, inline: plain.encoding.inline });
      expect(background.encoding.workerUnavailable).toBeUndefined();
      expect(background.encoding.inWorker).toBeGreaterThanOrEqual(4 * 10);
      expect(background.encoding.inWorker + background.encoding.inline).toBe(plain.encoding.inline);
      expect(plain.encoding.inline).toBeGreaterThan(24_000 / CHUNK);
      const tf = openTraceBytes(background.bytes);
      expect(tf.complete).toBe(true);
      expect(tf.threads.length).toBe(THREADS.length);
      expect(tf.modules.length).toBe(3);
      expect(tf.verify({ decode: true })).toEqual([]);
    });
  }

  it("keeps the small format-test trace (every kind, idle threads, chunks of 7) byte for byte", () => {
    expectSameBytes(buildSmallTrace({ chunkEvents: 7 }), buildSmallTrace({ chunkEvents: 7, background: true }));
  });

  it("flushWritten() waits for the worker: the file holds what the synchronous writer's holds at every flush", () => {
    const plain = writeWorkload({}, 700);
    const background = writeWorkload({ background: true }, 700);
    expectSameBytes(plain.bytes, background.bytes);
    expect(background.encoding.inWorker).toBeGreaterThanOrEqual(4 * 10);
    expect(background.afterFlushWritten.length).toBe(Math.floor(24_000 / 700));
    expect(background.afterFlushWritten).toEqual(plain.afterFlushWritten);
    expect(background.flushedAt).toEqual(plain.flushedAt);
  });

  it("encodes on the calling thread, with the same bytes, when the worker script is missing", () => {
    const plain = writeWorkload({});
    const fallback = writeWorkload({ background: true, backgroundTuning: { script: join(scratch, "no-such-worker.js") } });
    expectSameBytes(plain.bytes, fallback.bytes);
    expect(fallback.encoding.inWorker).toBe(0);
    expect(fallback.encoding.inline).toBe(plain.encoding.inline);
    expect(fallback.encoding.workerUnavailable).toMatch(/no-such-worker\.js is missing/);
  });

  it(`starts the worker only when the writer has encoded ${BACKGROUND_START_CHUNKS} full chunks itself`, () => {
    // A missing script says when the writer tried to start its worker.
    const w = TraceWriter.create(new MemorySink(), SMALL_HEADER, { chunkEvents: CHUNK, background: true, backgroundTuning: { script: join(scratch, "no-such-worker.js") } });
    w.addThread({ key: THREADS[0]!, process: 4, thread: 8, startAddress: 0 });
    const t = w.thread(THREADS[0]!);
    let ts = 0;
    const fillChunk = (): void => {
      for (let i = 0; i < CHUNK; i++) t.lost(ts++, 1);
    };
    for (let c = 0; c < BACKGROUND_START_CHUNKS; c++) fillChunk();
    expect(w.chunkEncoding).toEqual({ inWorker: 0, inline: BACKGROUND_START_CHUNKS });
    fillChunk();
    expect(w.chunkEncoding.workerUnavailable).toMatch(/no-such-worker\.js is missing/);
    w.close();
    expect(w.chunkEncoding.inline).toBe(BACKGROUND_START_CHUNKS + 1);
  });

  it(`gives the worker the full chunks after the first ${BACKGROUND_START_CHUNKS}, with the synchronous writer's bytes`, () => {
    const write = (options: TraceWriterOptions): { bytes: Uint8Array; encoding: ChunkEncodingStats } => {
      const sink = new MemorySink();
      const w = TraceWriter.create(sink, SMALL_HEADER, { chunkEvents: CHUNK, ...options });
      w.addThread({ key: THREADS[0]!, process: 4, thread: 8, startAddress: 0 });
      const t = w.thread(THREADS[0]!);
      // 12 full chunks and a partial one: the 4 after the 8th go to the worker whatever its
      // speed (at most MAX_CHUNKS_IN_FLIGHT = 4 are with it), the partial one is encoded at close.
      for (let i = 0; i < 12 * CHUNK + 10; i++) t.exit(i + 1, i % 7, (i * 2654435761) >>> 0);
      w.close();
      return { bytes: sink.bytes(), encoding: w.chunkEncoding };
    };
    const plain = write({});
    const background = write({ background: true });
    expectSameBytes(plain.bytes, background.bytes);
    expect(background.encoding).toEqual({ inWorker: 4, inline: BACKGROUND_START_CHUNKS + 1 });
  });

  it("encodes the worker's unanswered chunks itself when the worker exits mid-run", () => {
    const plain = writeWorkload({});
    const script = wrappedWorker("exits", `workerData.port.on("message", () => { if (++jobs === 3) process.exit(7); });`);
    const background = writeWorkload({ background: true, backgroundTuning: { script } });
    expectSameBytes(plain.bytes, background.bytes);
    expect(background.encoding.inWorker).toBe(2);
    expect(background.encoding.inWorker + background.encoding.inline).toBe(plain.encoding.inline);
    expect(background.encoding.workerUnavailable).toMatch(/the worker thread exited/);
  });

  it("gives up on a worker that stops answering, without losing its chunks", () => {
    const plain = writeWorkload({});
    const script = wrappedWorker("stalls", `workerData.port.on("message", () => { if (++jobs === 3) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); });`);
    const background = writeWorkload({ background: true, backgroundTuning: { script, stallMs: 300 } });
    expectSameBytes(plain.bytes, background.bytes);
    expect(background.encoding.inWorker).toBe(2);
    expect(background.encoding.workerUnavailable).toMatch(/answered nothing for 300 ms/);
  });

  it("gives up on a worker that never starts, without losing its chunks", () => {
    const plain = writeWorkload({});
    const script = join(scratch, "never-starts.mjs");
    writeFileSync(script, "Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);\n");
    const background = writeWorkload({ background: true, backgroundTuning: { script, stallMs: 300 } });
    expectSameBytes(plain.bytes, background.bytes);
    expect(background.encoding.inWorker).toBe(0);
    expect(background.encoding.workerUnavailable).toMatch(/did not start for 300 ms/);
  });

  it("throws the synchronous writer's UsageError for a chunk the encoder refuses", () => {
    const refused = (options: TraceWriterOptions): unknown => {
      const w = TraceWriter.create(new MemorySink(), SMALL_HEADER, { chunkEvents: CHUNK, ...options });
      w.addThread({ key: THREADS[0]!, process: 4, thread: 8, startAddress: 0 });
      const t = w.thread(THREADS[0]!);
      try {
        for (let i = 0; i < 10 * CHUNK; i++) t.lost(i === 5 ? 0.5 : i, 1); // 0.5: not an integer timestamp
        w.close();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const plain = refused({});
    const background = refused({ background: true });
    expect(plain).toBeInstanceOf(UsageError);
    expect(background).toBeInstanceOf(UsageError);
    expect((background as Error).message).toBe((plain as Error).message);
  });
});
