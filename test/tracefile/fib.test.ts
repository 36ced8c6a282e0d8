import { describe, expect, it } from "vitest";
import { threadKey } from "../../base/index.js";
import { EventKind, MemorySink, TraceWriter, openTraceBytes } from "../../tracefile/index.js";
import { FakeClock, recordFib, fibEventCount, FRAME } from "./synthetic.js";

const KEY = threadKey(0x8100a000);
const HEADER = {
  clock: { kind: "guest-instructions", unit: "instructions", description: "synthetic" },
  cpus: 1,
  toolVersion: "test",
  commandLine: ["ntrace", "run", "fib.dll", "--call", "Run:30"],
  argCount: 0,
  mode: "user",
} as const;

describe("fib(30)-like event stream", () => {
  it("takes at most 2 bytes per event and reads back exactly", () => {
    const sink = new MemorySink();
    const w = TraceWriter.create(sink, HEADER);
    const mod = w.addModule({
      name: "fib.dll",
      path: "samples/fib/fib.dll",
      base: 0x10000000,
      size: 0x3000,
      timeDateStamp: 0,
      checksum: 0,
      exportNames: [{ rva: 0x1040, name: "Run" }],
      debugBlock: new Uint8Array(0),
      functionRvas: [0x1000, 0x1010, 0x1040],
    });
    w.addThread({ key: KEY, process: 0x10, thread: 0x14, startAddress: 0x10001040 });
    const t = w.thread(KEY);
    const ids = { fib: mod.firstFunctionId + 1, leaf: mod.firstFunctionId };
    const clock = new FakeClock();
    t.threadStart(clock.tick(1));
    const result = recordFib(t, ids, 30, 0x0012ff00, clock);
    t.threadEnd(clock.tick(10), result);
    const { bytes, events } = w.close();
    expect(result).toBe(832040);
    expect(events).toBe(fibEventCount(30) + 2);
    const perEvent = bytes / events;
    console.log(`fib(30) synthetic: ${events} events, ${bytes} bytes, ${perEvent.toFixed(3)} bytes/event`);
    expect(perEvent).toBeLessThanOrEqual(2.0);

    // Read back: re-derive the same sequence and compare every field.
    const tf = openTraceBytes(sink.bytes());
    expect(tf.complete).toBe(true);
    expect(tf.damage).toEqual([]);
    expect(tf.eventCount).toBe(events);
    let n = 0;
    let depth = 0;
    let maxDepth = 0;
    let entries = 0;
    let lastTs = -1;
    let lastRet = -1;
    let badTs = 0;
    let badEsp = 0;
    for (const c of tf.chunks(KEY)) {
      for (let i = 0; i < c.count; i++, n++) {
        if (!(c.ts[i]! > lastTs)) badTs++;
        lastTs = c.ts[i]!;
        if (c.kind[i] === EventKind.Entry) {
          entries++;
          if (c.esp[i] !== 0x0012ff00 - depth * FRAME) badEsp++;
          depth++;
          maxDepth = Math.max(maxDepth, depth);
        } else if (c.kind[i] === EventKind.Exit) {
          depth--;
          lastRet = c.value[i]!;
        }
      }
    }
    expect(n).toBe(events);
    expect(badTs).toBe(0);
    expect(badEsp).toBe(0);
    expect(entries).toBe(fibEventCount(30) / 2);
    expect(depth).toBe(0);
    expect(maxDepth).toBe(31); // fib(30) at depth 1 … fib(1) at 30, then leaf
    expect(lastRet).toBe(832040);
  });
});
