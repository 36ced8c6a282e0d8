/**
 * What the trace writer (background.ts) and its chunk worker (chunkworker.ts) say to each
 * other. Jobs and outcomes travel over a MessageChannel; the main thread never returns to its
 * event loop while a machine runs, so it reads outcomes with receiveMessageOnPort and sleeps
 * on a SharedArrayBuffer word (Atomics.wait) that the worker bumps after each outcome.
 */
import type { MessagePort } from "node:worker_threads";
import type { ColumnArrays } from "./columns.js";

/** workerData of a chunk worker. */
export interface ChunkWorkerSetup {
  /** Int32Array words, indexed by the STATE_* constants. */
  readonly state: SharedArrayBuffer;
  /** The worker's end of the channel: jobs arrive on it, outcomes leave on it. */
  readonly port: MessagePort;
  readonly argCount: number;
  readonly level: number;
}

/** Encode events [0, count) of `columns` (views of a SharedArrayBuffer: they are shared, not copied). */
export interface ChunkJob {
  readonly id: number;
  readonly columns: ColumnArrays;
  readonly count: number;
}

export type ChunkOutcome =
  /** The record's `columns` field (its own buffer, transferred) and `rawSize`. */
  | { readonly id: number; readonly columns: Uint8Array; readonly rawSize: number }
  /** The encoder threw (the writer encodes the chunk itself, which throws the same error). */
  | { readonly id: number; readonly error: string };

/** Outcomes posted so far; the worker adds 1 after posting each, and notifies. */
export const STATE_OUTCOMES = 0;
/** STATUS_* */
export const STATE_STATUS = 1;
export const STATE_WORDS = 2;

export const STATUS_STARTING = 0;
export const STATUS_READY = 1;
/** The worker thread is exiting (set on its way out, with a notify on STATE_OUTCOMES). */
export const STATUS_GONE = 2;
