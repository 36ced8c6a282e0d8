/**
 * A hang detector for in-process fuzzing. A case that loops forever blocks the test's own
 * thread, so no timer there can fire; this watchdog is a worker thread that watches a shared
 * counter the fuzzer bumps at every case. When one case runs longer than the limit, it names
 * the case on stderr (and in `reportFile`) and kills the process: the suite fails at once
 * with the seed and case instead of hanging until CI gives up.
 */
import { Worker } from "node:worker_threads";

const LABEL_BYTES = 2048;

/** Runs in the worker (plain JavaScript: workers do not go through vitest's transform). */
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
const state = new Int32Array(workerData.shared, 0, 4); // [case generation, busy, label length, stop]
const label = new Uint8Array(workerData.shared, 16);
let seen = -1;
let since = Date.now();
for (;;) {
  Atomics.wait(state, 3, 0, 100);
  if (Atomics.load(state, 3) !== 0) break;
  const generation = Atomics.load(state, 0);
  if (generation !== seen) { seen = generation; since = Date.now(); continue; }
  if (Atomics.load(state, 1) === 1 && Date.now() - since > workerData.limitMs) {
    const text = Buffer.from(label.subarray(0, Atomics.load(state, 2))).toString("utf8");
    const message = "fuzz watchdog: a hang: " + text + " has run for more than " + workerData.limitMs + " ms\\n";
    fs.writeSync(2, "\\n" + message);
    try { fs.writeFileSync(workerData.reportFile, message); } catch {}
    process.kill(process.pid, "SIGKILL");
  }
}
`;

export class Watchdog {
  private readonly state: Int32Array;
  private readonly label: Uint8Array;
  private readonly worker: Worker;

  constructor(limitMs: number, reportFile: string) {
    const shared = new SharedArrayBuffer(16 + LABEL_BYTES);
    this.state = new Int32Array(shared, 0, 4);
    this.label = new Uint8Array(shared, 16);
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { shared, limitMs, reportFile } });
    this.worker.unref();
  }

  /** A case starts; `label` names it (seed, case, mutation, command) should it hang. */
  begin(label: string): void {
    const bytes = Buffer.from(label, "utf8").subarray(0, LABEL_BYTES);
    this.label.set(bytes);
    Atomics.store(this.state, 2, bytes.length);
    Atomics.add(this.state, 0, 1);
    Atomics.store(this.state, 1, 1);
  }

  end(): void {
    Atomics.store(this.state, 1, 0);
  }

  async stop(): Promise<void> {
    Atomics.store(this.state, 3, 1);
    Atomics.notify(this.state, 3);
    await this.worker.terminate();
  }
}
