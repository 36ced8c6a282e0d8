/**
 * Chrome Trace Event Format (JSON object form), loadable by Perfetto and chrome://tracing:
 * `{"traceEvents":[…],"displayTimeUnit":"ns","otherData":{…}}` with
 * - "M" metadata events: process_name, thread_name ("KTHREAD 0x81001000 (CID 4:8)") and
 *   thread_sort_index per thread;
 * - "B"/"E" duration events per frame (balanced per tid, in time order per tid);
 * - "i" instant events (scope "t") where events were lost.
 * pid is the thread's CID process id; tid is a small stable index (1, 2, …) — CIDs are not
 * unique (idle threads are all 0:0), KTHREAD keys are in the thread names.
 * Timestamps are µs: ns clock → ts / 1000; the instruction clock is mapped 1 instruction =
 * 1 ns (so 1000 instructions = 1 µs on the time axis). A viewer labels that axis in time, so
 * the file says what it means twice: in `otherData.timeUnit` (the metadata Perfetto shows under
 * "metadata") and in the process name every viewer shows next to the tracks.
 */
import { hex, cidText } from "../../base/index.js";
import { MarkerKind, type FrameSink, type ThreadInfo } from "../calltree/frames.js";
import type { TextOutput } from "../output.js";
import type { TraceClock } from "../../tracefile/types.js";

export class ChromeTraceWriter implements FrameSink {
  private readonly out: TextOutput;
  private readonly name: (fn: number) => string;
  private readonly module: (fn: number) => string;
  private readonly clock: TraceClock;
  private readonly described = new Set<number>();
  private count = 0;

  constructor(out: TextOutput, clock: TraceClock, name: (fn: number) => string, module: (fn: number) => string) {
    this.out = out;
    this.clock = clock;
    this.name = name;
    this.module = module;
    out.write(
      `{"displayTimeUnit":"ns","otherData":{"clock":${JSON.stringify(clock.kind)},"unit":${JSON.stringify(clock.unit)},` +
        `"timeUnit":${JSON.stringify(chromeTimeUnit(clock))},"timeMapping":${JSON.stringify(clock.unit === "ns" ? "ts = ns / 1000" : "1 clock unit = 1 ns")}},"traceEvents":[`,
    );
  }

  private us(ts: number): number {
    return ts / 1000;
  }

  private emit(json: string): void {
    this.out.write(`${this.count++ > 0 ? "," : ""}\n${json}`);
  }

  private pid(t: ThreadInfo): number {
    return t.record?.process ?? 0;
  }

  private tid(t: ThreadInfo): number {
    return t.index + 1;
  }

  private describe(t: ThreadInfo): void {
    if (this.described.has(t.index)) return;
    this.described.add(t.index);
    const r = t.record;
    const pid = this.pid(t);
    const tid = this.tid(t);
    const label = `KTHREAD ${hex(t.key)}${r !== undefined ? ` (CID ${cidText(r.process, r.thread)}${r.idle === true ? ", idle" : ""})` : ""}`;
    const axis = this.clock.unit === "ns" ? "" : " (time axis: 1 µs = 1000 guest instructions)";
    this.emit(`{"ph":"M","name":"process_name","pid":${pid},"tid":${tid},"args":{"name":${JSON.stringify(`process ${pid}${axis}`)}}}`);
    this.emit(`{"ph":"M","name":"thread_name","pid":${pid},"tid":${tid},"args":{"name":${JSON.stringify(label)}}}`);
    this.emit(`{"ph":"M","name":"thread_sort_index","pid":${pid},"tid":${tid},"args":{"sort_index":${tid}}}`);
  }

  open(t: ThreadInfo, _d: number, fn: number, ts: number): void {
    this.describe(t);
    this.emit(`{"ph":"B","name":${JSON.stringify(this.name(fn))},"cat":${JSON.stringify(this.module(fn))},"pid":${this.pid(t)},"tid":${this.tid(t)},"ts":${this.us(ts)}}`);
  }

  close(t: ThreadInfo, _d: number, fn: number, _start: number, end: number): void {
    this.emit(`{"ph":"E","name":${JSON.stringify(this.name(fn))},"cat":${JSON.stringify(this.module(fn))},"pid":${this.pid(t)},"tid":${this.tid(t)},"ts":${this.us(end)}}`);
  }

  marker(t: ThreadInfo, ts: number, kind: MarkerKind, value: number): void {
    if (kind !== MarkerKind.Lost) return;
    this.describe(t);
    this.emit(`{"ph":"i","s":"t","name":${JSON.stringify(`${value} event(s) lost`)},"cat":"ntrace","pid":${this.pid(t)},"tid":${this.tid(t)},"ts":${this.us(ts)}}`);
  }

  finish(): void {
    this.out.write(`\n]}\n`);
  }
}

/** What a timestamp in the file means, in words (otherData.timeUnit). */
export function chromeTimeUnit(clock: TraceClock): string {
  return clock.unit === "ns"
    ? "ts in microseconds of host time (the trace's ns clock / 1000)"
    : "ts in thousands of guest instructions shown as microseconds: 1 µs on the time axis = 1000 guest instructions, 1 ns = 1 instruction";
}
