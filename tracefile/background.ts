/**
 * The main-thread side of the trace writer's worker (TraceWriter option `background`): the
 * worker thread, started once the writer has encoded a few full chunks itself, and the pool of shared column buffers
 * that full chunks are handed over in. Everything here is synchronous: the thread that runs
 * the machine does not return to its event loop until the run ends, so outcomes are read
 * with receiveMessageOnPort, and waiting is Atomics.wait on a word the worker bumps.
 *
 * When the worker cannot be started or goes away, `unavailable` says why and the writer
 * encodes on its own thread (the bytes are the same); the columns of chunks the worker did
 * not answer for are still in shared memory, so nothing is lost.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from "node:worker_threads";
import { ensure } from "../base/index.js";
import { packageRoot } from "../base/packageroot.js";
import {
  type ChunkJob,
  type ChunkOutcome,
  type ChunkWorkerSetup,
  STATE_OUTCOMES,
  STATE_STATUS,
  STATE_WORDS,
  STATUS_GONE,
  STATUS_STARTING,
} from "./chunkprotocol.js";
import type { ColumnArrays } from "./columns.js";

/** The worker script in the package: tsc's output bundled into one file by scripts/bundle.mjs. */
export const CHUNK_WORKER_IN_PACKAGE = ["dist", "tracefile", "chunkworker.js"] as const;
/** Chunks handed to the worker and not yet answered, at most (bounds memory); beyond, the writer encodes itself. */
export const MAX_CHUNKS_IN_FLIGHT = 4;
/** A worker that answers nothing for this long while the writer waits is given up (it is stuck or dead). */
const STALL_LIMIT_MS = 20_000;
/** Atomics.wait slices: between them the writer checks the stall limit. */
const WAIT_SLICE_MS = 500;

/** Test hooks: another worker script (a missing one, one that fails), a shorter stall limit, when to start. @internal */
export interface BackgroundTuning {
  readonly script?: string;
  readonly stallMs?: number;
  /** Full chunks encoded by the writer before the worker starts (default BACKGROUND_START_CHUNKS; 0: with the writer). */
  readonly startAfterChunks?: number;
}

/** The worker script of this installation; undefined when it is not there (sources without a build). */
export function chunkWorkerScript(): string | undefined {
  const root = packageRoot(import.meta.url);
  const path = root !== undefined ? join(root, ...CHUNK_WORKER_IN_PACKAGE) : undefined;
  return path !== undefined && existsSync(path) ? path : undefined;
}

export class ChunkOffload {
  /** Jobs submitted whose outcome has not been received. */
  inFlight = 0;
  private readonly chunkEvents: number;
  private readonly argCount: number;
  private readonly level: number;
  private readonly tuning: BackgroundTuning;
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private state: Int32Array | undefined;
  private received = 0;
  private nextId = 0;
  private stopReason: string | undefined;
  private stopped = false;
  /** An 'error' event of the worker, if the event loop ever got to deliver one. */
  private workerError: string | undefined;
  /** Column sets of full chunks, back from the worker, for the next thread that fills up. */
  private readonly spare: ColumnArrays[] = [];

  constructor(chunkEvents: number, argCount: number, level: number, tuning: BackgroundTuning = {}) {
    this.chunkEvents = chunkEvents;
    this.argCount = argCount;
    this.level = level;
    this.tuning = tuning;
  }

  /** Why chunks are encoded on the writer's thread instead (undefined while the worker is usable). */
  get unavailable(): string | undefined {
    return this.stopReason ?? (this.stopped ? "the worker was stopped" : undefined);
  }

  /** Why the worker could not be used, when it failed (not when it was stopped). */
  get failure(): string | undefined {
    return this.stopReason;
  }

  /** Columns for a full chunk of events, in shared memory so the worker can read them in place. */
  takeColumns(): ColumnArrays {
    return this.spare.pop() ?? sharedColumns(this.chunkEvents, this.argCount);
  }

  recycle(columns: ColumnArrays): void {
    this.spare.push(columns);
  }

  /** Starts the worker on the first call; false when there is none to be had (`unavailable` says why). */
  ready(): boolean {
    if (this.unavailable !== undefined) return false;
    return this.port !== undefined || this.start();
  }

  /** Hands events [0, count) of `columns` (from takeColumns) to the worker (ready() first); the job's id. */
  submit(columns: ColumnArrays, count: number): number {
    const port = ensure(this.port, "ChunkOffload.submit without a worker (ready() first)");
    const job: ChunkJob = { id: this.nextId++, columns, count };
    port.postMessage(job);
    this.inFlight++;
    return job.id;
  }

  /** An outcome the worker has posted, without waiting. */
  receive(): ChunkOutcome | undefined {
    if (this.port === undefined || this.inFlight === 0) return undefined;
    const got = receiveMessageOnPort(this.port) as { message: ChunkOutcome } | undefined;
    if (got === undefined) return undefined;
    this.received++;
    this.inFlight--;
    return got.message;
  }

  /**
   * Blocks until the worker posts an outcome. Undefined when nothing is in flight, or when
   * the worker is gone or stuck: then it is stopped and its unanswered jobs are the caller's.
   */
  waitForOutcome(): ChunkOutcome | undefined {
    const since = performance.now();
    const stallMs = this.tuning.stallMs ?? STALL_LIMIT_MS;
    for (;;) {
      const got = this.receive();
      if (got !== undefined) return got;
      if (this.inFlight === 0 || this.state === undefined) return undefined;
      if (Atomics.load(this.state, STATE_STATUS) === STATUS_GONE) {
        // The worker posts (and counts) each outcome before it marks itself gone.
        const last = this.receive();
        if (last !== undefined) return last;
        this.fail(`the worker thread exited${this.workerError !== undefined ? ` (${this.workerError})` : ""}`);
        return undefined;
      }
      Atomics.wait(this.state, STATE_OUTCOMES, this.received, WAIT_SLICE_MS);
      if (performance.now() - since >= stallMs && this.inFlight > 0 && Atomics.load(this.state, STATE_OUTCOMES) === this.received) {
        const started = Atomics.load(this.state, STATE_STATUS) !== STATUS_STARTING;
        this.fail(`the worker thread ${started ? "answered nothing" : "did not start"} for ${Math.round(stallMs)} ms`);
        return undefined;
      }
    }
  }

  /** The worker failed: ends it; later chunks are encoded by the writer. */
  private fail(reason: string): void {
    this.stopReason ??= reason;
    this.stop();
  }

  /** Ends the worker (if any; the writer is closing); later chunks are encoded by the writer. */
  stop(): void {
    this.stopped = true;
    const worker = this.worker;
    this.worker = undefined;
    this.port?.close();
    this.port = undefined;
    this.state = undefined;
    this.inFlight = 0;
    // terminate() settles on the event loop; nothing waits for it (the worker is unref'd).
    if (worker !== undefined) worker.terminate().catch(() => undefined);
  }

  private start(): boolean {
    const script = this.tuning.script ?? chunkWorkerScript();
    if (script === undefined || !existsSync(script)) {
      this.stopReason = `the worker script ${script ?? CHUNK_WORKER_IN_PACKAGE.join("/")} is missing (npm run build makes it)`;
      return false;
    }
    const shared = new SharedArrayBuffer(STATE_WORDS * Int32Array.BYTES_PER_ELEMENT);
    const { port1, port2 } = new MessageChannel();
    const setup: ChunkWorkerSetup = { state: shared, port: port2, argCount: this.argCount, level: this.level };
    try {
      this.worker = new Worker(script, { workerData: setup, transferList: [port2] });
    } catch (e) {
      port1.close();
      this.stopReason = `the worker thread did not start: ${e instanceof Error ? e.message : String(e)}`;
      return false;
    }
    // Without a listener an 'error' event would be thrown on the event loop; the writer
    // learns of the failure from the worker's status word instead.
    this.worker.on("error", (e: Error) => {
      this.workerError = e.message;
    });
    // A run that ends without close() must not be kept alive by the writer's worker.
    this.worker.unref();
    port1.unref();
    this.port = port1;
    this.state = new Int32Array(shared);
    return true;
  }
}

/** True when the worker can read these columns in place. */
export function isShared(columns: ColumnArrays): boolean {
  return columns.ts.buffer instanceof SharedArrayBuffer;
}

/** The six columns of `events` events in one SharedArrayBuffer (doubles first, for alignment). */
function sharedColumns(events: number, argCount: number): ColumnArrays {
  const memory = new SharedArrayBuffer(events * (8 + 4 + 4 + 4 + 4 * argCount + 1));
  let at = 0;
  const take = <T>(make: (buffer: SharedArrayBuffer, offset: number, length: number) => T, length: number, bytesEach: number): T => {
    const view = make(memory, at, length);
    at += length * bytesEach;
    return view;
  };
  const ts = take((b, o, l) => new Float64Array(b, o, l), events, 8);
  const fn = take((b, o, l) => new Int32Array(b, o, l), events, 4);
  const esp = take((b, o, l) => new Uint32Array(b, o, l), events, 4);
  const value = take((b, o, l) => new Uint32Array(b, o, l), events, 4);
  const args = take((b, o, l) => new Uint32Array(b, o, l), events * argCount, 4);
  const kind = take((b, o, l) => new Uint8Array(b, o, l), events, 1);
  return { kind, ts, fn, esp, value, args };
}
