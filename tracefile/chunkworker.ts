/**
 * The trace writer's worker thread (TraceWriter option `background`): encodes and deflates
 * full event chunks so the thread that runs the machine does not. It reads the chunk's
 * columns in shared memory, posts back the record's `columns` field, and never touches the
 * file: the writer frames the records and keeps them in file order. Built as one standalone
 * file (scripts/bundle.mjs) so it starts fast; it imports only the codec and node:zlib.
 */
import { workerData } from "node:worker_threads";
import { ColumnEncoder } from "./columns.js";
import { encodeChunkColumns } from "./chunkencode.js";
import { type ChunkJob, type ChunkOutcome, type ChunkWorkerSetup, STATE_OUTCOMES, STATE_STATUS, STATUS_GONE, STATUS_READY } from "./chunkprotocol.js";

const setup = workerData as ChunkWorkerSetup;
const state = new Int32Array(setup.state);
const encoder = new ColumnEncoder();

// A writer blocked on this worker must learn that it is going away (an exception, an exit)
// rather than wait for outcomes that will not come.
process.on("exit", () => {
  Atomics.store(state, STATE_STATUS, STATUS_GONE);
  Atomics.notify(state, STATE_OUTCOMES);
});

setup.port.on("message", (job: ChunkJob) => {
  let outcome: ChunkOutcome;
  let transfer: ArrayBuffer[] = [];
  try {
    const { columns, rawSize } = encodeChunkColumns(encoder, job.columns, job.count, setup.argCount, setup.level);
    // A copy with a buffer of its own: `columns` may be a view into the encoder's scratch or
    // into a larger zlib buffer, and posting a view would clone its whole buffer.
    const own = new Uint8Array(columns);
    outcome = { id: job.id, columns: own, rawSize };
    transfer = [own.buffer];
  } catch (e) {
    outcome = { id: job.id, error: e instanceof Error ? e.message : String(e) };
  }
  setup.port.postMessage(outcome, transfer);
  // After the post: an outcome counted is an outcome receiveMessageOnPort finds.
  Atomics.add(state, STATE_OUTCOMES, 1);
  Atomics.notify(state, STATE_OUTCOMES);
});
Atomics.store(state, STATE_STATUS, STATUS_READY);
