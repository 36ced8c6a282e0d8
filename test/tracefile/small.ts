/**
 * A small deterministic trace for the format tests: 3 modules (one added mid-run), 3 threads
 * (two idle threads sharing CID 0:0, one created mid-run), every event kind, argument capture,
 * and small chunks so there are many of them.
 */
import { threadKey } from "../../base/index.js";
import { MemorySink, TraceWriter, type TraceWriterOptions } from "../../tracefile/index.js";
import type { ModuleRecordInit, ThreadEventWriter } from "../../tracefile/types.js";
import { prng } from "../support/prng.js";
export { prng } from "../support/prng.js";

export const T1 = threadKey(0x81001000);
export const IDLE0 = threadKey(0x8055a000);
export const IDLE1 = threadKey(0x8055b000);


export function debugBlockBytes(seed: number, length: number): Uint8Array {
  const r = prng(seed);
  return Uint8Array.from({ length }, () => Math.floor(r() * 256));
}

export const MODULE_A: ModuleRecordInit = {
  name: "drv.sys",
  path: "C:\\Windows\\System32\\drivers\\drv.sys",
  base: 0xf8a00000,
  size: 0x8000,
  timeDateStamp: 0x5f3a1b2c,
  checksum: 0x1234f,
  exportNames: [
    { rva: 0x1010, name: "DrvEntry" },
    { rva: 0x1200, name: "DrvHelper" },
  ],
  debugBlock: debugBlockBytes(1, 28 + 60),
  functionRvas: [0x1010, 0x1200, 0x1300, 0x1480],
};
export const MODULE_B: ModuleRecordInit = {
  name: "hal.dll",
  path: "hal.dll",
  base: 0x80010000,
  size: 0x20000,
  timeDateStamp: 1,
  checksum: 0,
  exportNames: [],
  debugBlock: new Uint8Array(0),
  functionRvas: [0x2000, 0x2100],
};
export const MODULE_C: ModuleRecordInit = {
  name: "late.dll",
  path: "late.dll",
  base: 0x10000000,
  size: 0x4000,
  timeDateStamp: 2,
  checksum: 3,
  exportNames: [{ rva: 0x1000, name: "Late" }],
  debugBlock: debugBlockBytes(3, 100),
  functionRvas: [0x1000, 0x1100, 0x1200],
};

export const SMALL_HEADER = {
  clock: { kind: "guest-instructions", unit: "instructions", description: "guest instructions retired" },
  cpus: 2,
  toolVersion: "0.1.0-test",
  commandLine: ["ntrace", "run", "drv.sys", "--cpus", "2", "--args", "2"],
  argCount: 2,
  mode: "kernel",
  engine: "unicorn 2.0.1",
} as const;

/** How the small trace's "run" ended (format 1.1 footer). */
export const SMALL_RUN = { exitCode: 0, instructions: 123456, interrupted: { cause: "instruction-limit", reason: "the guest reached the instruction limit (123456)" } } as const;
/** The same in format 1.1, which has no interrupted record. */
export const SMALL_RUN_1_1 = { exitCode: 0, instructions: 123456 } as const;

/** Random but balanced activity: calls, returns, an exception unwind, a lost-events mark. */
function activity(t: ThreadEventWriter, r: () => number, clock: { ts: number }, fnCount: number, steps: number, espBase: number): void {
  const stack: number[] = [];
  let esp = espBase;
  for (let s = 0; s < steps; s++) {
    clock.ts += 1 + Math.floor(r() * 40);
    const x = r();
    if ((x < 0.5 || stack.length === 0) && stack.length < 12) {
      const fn = Math.floor(r() * fnCount);
      esp -= 4 + 4 * Math.floor(r() * 8);
      t.entry(clock.ts, fn, esp >>> 0, [Math.floor(r() * 2 ** 32), s]);
      stack.push(fn);
    } else if (x < 0.97) {
      const fn = stack.pop()!;
      esp += 8;
      t.exit(clock.ts, fn, Math.floor(r() * 2 ** 32));
    } else if (x < 0.985) {
      t.unwind(clock.ts, stack.pop()!, 0xc0000005);
    } else {
      t.lost(clock.ts, 1 + Math.floor(r() * 1000));
    }
  }
  while (stack.length > 0) t.unclosed((clock.ts += 3), stack.pop()!);
}

/** Builds the small trace; returns its bytes. */
export function buildSmallTrace(options: TraceWriterOptions = { chunkEvents: 7 }): Uint8Array {
  const sink = new MemorySink();
  const w = TraceWriter.create(sink, SMALL_HEADER, options);
  const r = prng(42);
  const clock = { ts: 100 };
  const a = w.addModule(MODULE_A);
  const b = w.addModule(MODULE_B);
  const fnCount = () => a.functionRvas.length + b.functionRvas.length;
  w.addThread({ key: T1, process: 0x4, thread: 0x8, startAddress: 0xf8a01010, name: "System worker" });
  w.addThread({ key: IDLE0, process: 0, thread: 0, cpu: 0, startAddress: 0x80401000, idle: true });
  const t1 = w.thread(T1);
  const i0 = w.thread(IDLE0);
  t1.threadStart((clock.ts += 1));
  i0.threadStart((clock.ts += 1));
  for (let round = 0; round < 3; round++) {
    activity(t1, r, clock, fnCount(), 15, 0xf7e00000);
    activity(i0, r, clock, fnCount(), 10, 0x8047f000);
  }
  const c = w.addModule(MODULE_C);
  w.addThread({ key: IDLE1, process: 0, thread: 0, cpu: 1, startAddress: 0x80401000, idle: true });
  const i1 = w.thread(IDLE1);
  i1.threadStart((clock.ts += 1));
  for (let round = 0; round < 3; round++) {
    activity(i1, r, clock, fnCount() + c.functionRvas.length, 12, 0x8048f000);
    activity(t1, r, clock, fnCount() + c.functionRvas.length, 9, 0xf7e00000);
  }
  t1.threadEnd((clock.ts += 5), 0);
  w.close(SMALL_RUN);
  return sink.bytes();
}
