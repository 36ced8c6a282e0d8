/**
 * speedscope's file format (https://www.speedscope.app/file-format-schema.json), two forms:
 *
 * - weighted samples (the default, writeSpeedscopeSamples): one "sampled" profile per thread
 *   holding one sample per distinct call path, weighted by that path's self time. Its size
 *   grows with the number of distinct call paths, not with events (fib(32): a few KB instead
 *   of ~800 MB of events), and speedscope's left-heavy, sandwich and flame views show the same
 *   totals;
 * - event by event (SpeedscopeWriter, `--evented`): one "evented" profile per thread, events
 *   "O"/"C" balanced and in time order (a close comes before an open at the same time: the
 *   frame stream is in event order, and an exit is recorded before the next entry) — the
 *   time-order view then shows every call where it happened. Streams: each thread's events
 *   are written as they come; the frame table goes last (JSON object keys are unordered).
 *
 * Frames are shared and deduplicated (one per function id), named `module!function` with the
 * module as their file.
 */
import { hex, cidText } from "../../base/index.js";
import type { FrameSink, ThreadInfo } from "../calltree/frames.js";
import type { CallPathTree } from "./calltree.js";
import type { TextOutput } from "../output.js";
import { isNanosecondClock } from "../units.js";
import type { TraceClock } from "../../tracefile/types.js";
import { TOOL_VERSION } from "../../version.js";

export const SPEEDSCOPE_SCHEMA = "https://www.speedscope.app/file-format-schema.json";

export class SpeedscopeWriter implements FrameSink {
  private readonly out: TextOutput;
  private readonly name: (fn: number) => string;
  private readonly file: (fn: number) => string;
  private readonly unit: string;
  private frameOf = new Int32Array(1024).fill(-1);
  private readonly frames: number[] = [];
  private current: ThreadInfo | null = null;
  private first = 0;
  private last = 0;
  private profiles = 0;
  private eventsInProfile = 0;

  constructor(out: TextOutput, clock: TraceClock, name: (fn: number) => string, file: (fn: number) => string, title: string) {
    this.out = out;
    this.name = name;
    this.file = file;
    this.unit = isNanosecondClock(clock) ? "nanoseconds" : "none";
    out.write(`{"$schema":${JSON.stringify(SPEEDSCOPE_SCHEMA)},"version":"0.0.1","name":${JSON.stringify(title)},"exporter":${JSON.stringify(`ntrace ${TOOL_VERSION}`)},"activeProfileIndex":0,"profiles":[`);
  }

  private frame(fn: number): number {
    if (fn >= this.frameOf.length) {
      const b = new Int32Array(Math.max(fn + 1, this.frameOf.length * 2)).fill(-1);
      b.set(this.frameOf);
      this.frameOf = b;
    }
    let f = this.frameOf[fn]!;
    if (f < 0) {
      f = this.frames.length;
      this.frames.push(fn);
      this.frameOf[fn] = f;
    }
    return f;
  }

  private begin(t: ThreadInfo, at: number): void {
    if (this.current === t) return;
    if (this.current !== null) this.endThread(this.current);
    this.current = t;
    const label = profileName(t);
    this.out.write(`${this.profiles > 0 ? "," : ""}\n{"type":"evented","name":${JSON.stringify(label)},"unit":"${this.unit}","events":[`);
    this.profiles++;
    this.first = at;
    this.last = at;
    this.eventsInProfile = 0;
  }

  open(t: ThreadInfo, _d: number, fn: number, ts: number): void {
    this.begin(t, ts);
    this.out.write(`${this.eventsInProfile++ > 0 ? "," : ""}{"type":"O","frame":${this.frame(fn)},"at":${ts}}`);
    this.last = ts;
  }

  close(t: ThreadInfo, _d: number, fn: number, _start: number, end: number): void {
    this.begin(t, end);
    this.out.write(`${this.eventsInProfile++ > 0 ? "," : ""}{"type":"C","frame":${this.frame(fn)},"at":${end}}`);
    this.last = end;
  }

  endThread(t: ThreadInfo): void {
    if (this.current !== t) return;
    this.out.write(`],"startValue":${this.first},"endValue":${this.last}}`);
    this.current = null;
  }

  /** Writes the shared frame table and closes the document. */
  finish(): void {
    if (this.current !== null) this.endThread(this.current);
    this.out.write(`\n],"shared":{"frames":[`);
    this.frames.forEach((fn, i) => {
      this.out.write(`${i > 0 ? "," : ""}\n{"name":${JSON.stringify(this.name(fn))},"file":${JSON.stringify(this.file(fn))}}`);
    });
    this.out.write(`\n]}}\n`);
  }
}

/** A profile's name: the thread's KTHREAD key and CID. */
function profileName(t: ThreadInfo): string {
  const r = t.record;
  return `thread ${hex(t.key)}${r !== undefined ? ` (CID ${cidText(r.process, r.thread)})` : ""}`;
}

/**
 * The weighted-sample form: per thread root of the aggregated tree, one "sampled" profile
 * whose samples are the call paths with self time > 0 (outermost frame first) and whose
 * weights are those self times.
 */
export function writeSpeedscopeSamples(
  tree: CallPathTree,
  out: TextOutput,
  clock: TraceClock,
  name: (fn: number) => string,
  file: (fn: number) => string,
  title: string,
): void {
  const unit = isNanosecondClock(clock) ? "nanoseconds" : "none";
  out.write(`{"$schema":${JSON.stringify(SPEEDSCOPE_SCHEMA)},"version":"0.0.1","name":${JSON.stringify(title)},"exporter":${JSON.stringify(`ntrace ${TOOL_VERSION}`)},"activeProfileIndex":0,"profiles":[`);
  const frameOf = new Map<number, number>();
  const frames: number[] = [];
  const frame = (fn: number): number => {
    let f = frameOf.get(fn);
    if (f === undefined) {
      f = frames.length;
      frames.push(fn);
      frameOf.set(fn, f);
    }
    return f;
  };
  const { first, next } = tree.childLists();
  tree.rootIds().forEach((root, p) => {
    const thread = tree.threads[tree.rootThread[root]!];
    const label = thread !== undefined ? profileName(thread) : "all threads";
    out.write(`${p > 0 ? "," : ""}\n{"type":"sampled","name":${JSON.stringify(label)},"unit":"${unit}","startValue":0,"endValue":${tree.total[root]!},"samples":[`);
    const weights: number[] = [];
    const path: number[] = [];
    // Depth-first with an explicit stack: (node, depth below the root).
    const stack: [number, number][] = [];
    for (let c = first[root]!; c >= 0; c = next[c]!) stack.push([c, 0]);
    stack.reverse();
    while (stack.length > 0) {
      const [id, depth] = stack.pop()!;
      path.length = depth;
      path.push(frame(tree.fn[id]!));
      const self = tree.self[id]!;
      if (self > 0) {
        out.write(`${weights.length > 0 ? "," : ""}[${path.join(",")}]`);
        weights.push(self);
      }
      const kids: number[] = [];
      for (let c = first[id]!; c >= 0; c = next[c]!) kids.push(c);
      for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, depth + 1]);
    }
    out.write(`],"weights":[${weights.join(",")}]}`);
  });
  out.write(`\n],"shared":{"frames":[`);
  frames.forEach((fn, i) => out.write(`${i > 0 ? "," : ""}\n{"name":${JSON.stringify(name(fn))},"file":${JSON.stringify(file(fn))}}`));
  out.write(`\n]}}\n`);
}
