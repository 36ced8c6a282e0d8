/**
 * `ntrace stack`: stack use from the ESP recorded at each entry (reader/README.md "Output formats", stack).
 *
 * Frame size of a caller P for one call = ESP at P's entry − ESP at the callee's entry: P's
 * saved registers, locals, outgoing arguments and the return address of the call. The
 * innermost frame of a path has no measured size (nothing was called from it).
 *
 * A callee whose entry ESP is above its caller's, or more than `stackJump` bytes below it, is
 * on another stack (a DPC stack, a switched kernel stack): it starts a new stack segment
 * instead of counting as a huge frame.
 *
 * Output: per thread the deepest stack (largest use within one segment) with its call path in
 * WinDbg `kf` style — `#`, `Memory` (bytes this frame used below it), entry ESP, function —
 * and the total; then the functions with the largest frames.
 */
import { hex, cidText } from "../../base/index.js";
import type { ReaderContext } from "../context.js";
import type { TextOutput } from "../output.js";
import type { FrameSink, ThreadInfo } from "../calltree/frames.js";
import { walkFrames } from "../calltree/walk.js";

export const DEFAULT_STACK_JUMP = 256 * 1024;

export interface StackFrameUse {
  readonly function: string;
  readonly fn: number;
  readonly esp: number;
  /** Bytes this frame used below its entry ESP when it called the next frame; null for the innermost or at a stack switch. */
  readonly size: number | null;
  /** True when this frame is the first of a new stack segment (its caller was on another stack). */
  readonly newStack: boolean;
}

export interface ThreadStackUse {
  readonly key: number;
  /** Largest use within one stack segment, in bytes. */
  readonly bytes: number;
  /** When the deepest point was reached (clock units). */
  readonly ts: number;
  /** Outermost first. */
  readonly frames: readonly StackFrameUse[];
  /** Stack switches seen on this thread. */
  readonly switches: number;
}

export interface FunctionStackUse {
  readonly function: string;
  readonly module: string;
  /** Largest frame seen, bytes. */
  readonly maxFrame: number;
  /** Calls from this function that measured its frame. */
  readonly measured: number;
}

export interface StackReport {
  readonly threads: ThreadStackUse[];
  readonly functions: FunctionStackUse[];
}

class ThreadStackState {
  fn = new Int32Array(64);
  esp = new Uint32Array(64);
  /** Raw depth of the first frame of the segment each frame is in. */
  segment = new Int32Array(64);
  size = new Float64Array(64);
  maxUse = -1;
  maxTs = 0;
  /** Depth of the deepest frame when a new maximum awaits its snapshot; -1 none. */
  pendingAt = -1;
  snapshot: { fn: Int32Array; esp: Uint32Array; segment: Int32Array; size: Float64Array } | null = null;
  switches = 0;

  ensure(d: number): void {
    if (d < this.fn.length) return;
    const n = Math.max(d + 1, this.fn.length * 2);
    const f = new Int32Array(n);
    f.set(this.fn);
    this.fn = f;
    const e = new Uint32Array(n);
    e.set(this.esp);
    this.esp = e;
    const s = new Int32Array(n);
    s.set(this.segment);
    this.segment = s;
    const z = new Float64Array(n);
    z.set(this.size);
    this.size = z;
  }

  takeSnapshot(): void {
    const n = this.pendingAt + 1;
    this.snapshot = { fn: this.fn.slice(0, n), esp: this.esp.slice(0, n), segment: this.segment.slice(0, n), size: this.size.slice(0, n) };
    this.pendingAt = -1;
  }
}

export class StackAnalyzer implements FrameSink {
  private readonly states: ThreadStackState[] = [];
  readonly threads: ThreadInfo[] = [];
  maxFrame: Float64Array;
  measured: Float64Array;
  private readonly jump: number;

  constructor(functionCount: number, stackJump = DEFAULT_STACK_JUMP) {
    this.maxFrame = new Float64Array(Math.max(1, functionCount)).fill(-1);
    this.measured = new Float64Array(Math.max(1, functionCount));
    this.jump = stackJump;
  }

  state(t: ThreadInfo): ThreadStackState {
    let s = this.states[t.index];
    if (s === undefined) {
      s = new ThreadStackState();
      this.states[t.index] = s;
      this.threads.push(t);
    }
    return s;
  }

  open(t: ThreadInfo, d: number, fn: number, ts: number, esp: number): void {
    const s = this.state(t);
    s.ensure(d);
    if (s.pendingAt >= d) s.takeSnapshot();
    s.fn[d] = fn;
    s.esp[d] = esp;
    s.size[d] = -1;
    let segment = d;
    if (d > 0) {
      const parentEsp = s.esp[d - 1]!;
      const delta = parentEsp - esp;
      if (delta >= 0 && delta <= this.jump) {
        segment = s.segment[d - 1]!;
        s.size[d - 1] = delta;
        const pf = s.fn[d - 1]!;
        if (pf >= this.maxFrame.length) this.grow(pf);
        if (delta > this.maxFrame[pf]!) this.maxFrame[pf] = delta;
        this.measured[pf]!++;
      } else {
        s.size[d - 1] = -1;
        s.switches++;
      }
    }
    s.segment[d] = segment;
    const use = s.esp[segment]! - esp;
    if (use > s.maxUse) {
      s.maxUse = use;
      s.maxTs = ts;
      s.pendingAt = d;
    }
  }

  close(t: ThreadInfo, d: number): void {
    const s = this.state(t);
    if (s.pendingAt >= d) s.takeSnapshot();
  }

  endThread(t: ThreadInfo): void {
    const s = this.state(t);
    if (s.pendingAt >= 0) s.takeSnapshot();
  }

  private grow(fn: number): void {
    const n = Math.max(fn + 1, this.maxFrame.length * 2);
    const m = new Float64Array(n).fill(-1);
    m.set(this.maxFrame);
    this.maxFrame = m;
    const c = new Float64Array(n);
    c.set(this.measured);
    this.measured = c;
  }

  /** The deepest path of a thread: the frames of the segment holding the maximum. */
  deepest(t: ThreadInfo, name: (fn: number) => string): ThreadStackUse | null {
    const s = this.states[t.index];
    if (s === undefined || s.snapshot === null) return null;
    const snap = s.snapshot;
    const frames: StackFrameUse[] = [];
    for (let d = 0; d < snap.fn.length; d++) {
      const size = d === snap.fn.length - 1 ? null : snap.size[d]! < 0 ? null : snap.size[d]!;
      frames.push({ function: name(snap.fn[d]!), fn: snap.fn[d]!, esp: snap.esp[d]!, size, newStack: d > 0 && snap.segment[d] === d });
    }
    return { key: t.key, bytes: s.maxUse, ts: s.maxTs, frames, switches: s.switches };
  }
}

export interface StackOptions {
  readonly json?: boolean;
  /** Largest-frame functions listed (default 20). */
  readonly top?: number;
  /** Bytes beyond which a lower callee ESP means another stack (default 256 KiB). */
  readonly stackJump?: number;
}

export function computeStack(ctx: ReaderContext, options: StackOptions = {}): StackReport {
  const analyzer = new StackAnalyzer(ctx.symbols.functionCount, options.stackJump ?? DEFAULT_STACK_JUMP);
  // Stack use is measured on every frame: depth/threshold/include/exclude do not hide frames
  // here (a hidden frame still uses stack); include/exclude only select the function table.
  walkFrames(ctx.trace, analyzer, {
    warn: ctx.warnCallTree,
    describe: (fn) => ctx.symbols.qualified(fn),
    ...(ctx.threads !== undefined ? { threads: ctx.threads } : {}),
  });
  const q = (fn: number): string => ctx.symbols.qualified(fn);
  const threads = analyzer.threads
    .map((t) => analyzer.deepest(t, q))
    .filter((x): x is ThreadStackUse => x !== null)
    .sort((a, b) => a.key - b.key);
  const functions: FunctionStackUse[] = [];
  const { include, exclude } = ctx.filter;
  for (let fn = 0; fn < analyzer.maxFrame.length; fn++) {
    if (analyzer.maxFrame[fn]! < 0) continue;
    if (include !== null && include[fn] !== 1) continue;
    if (exclude !== null && exclude[fn] === 1) continue;
    functions.push({ function: ctx.symbols.name(fn), module: ctx.symbols.moduleName(fn), maxFrame: analyzer.maxFrame[fn]!, measured: analyzer.measured[fn]! });
  }
  functions.sort((a, b) => b.maxFrame - a.maxFrame || (a.function < b.function ? -1 : 1));
  return { threads, functions };
}

export function runStack(ctx: ReaderContext, out: TextOutput, options: StackOptions = {}): StackReport {
  const report = computeStack(ctx, options);
  const top = options.top ?? 20;
  if (options.json === true) {
    out.write(JSON.stringify({ threads: report.threads, functions: report.functions.slice(0, top) }, null, 2) + "\n");
    return report;
  }
  const records = new Map(ctx.trace.threads.map((t) => [t.key as number, t]));
  for (const t of report.threads) {
    const r = records.get(t.key);
    const cid = r !== undefined ? ` (CID ${cidText(r.process, r.thread)})` : "";
    out.write(`Thread ${hex(t.key)}${cid}: deepest stack ${t.bytes} bytes at ${t.ts}${t.switches > 0 ? `; ${t.switches} stack switch(es)` : ""}\n`);
    out.write(` #   Memory  EntryESP  Function\n`);
    const n = t.frames.length;
    for (let i = n - 1; i >= 0; i--) {
      const f = t.frames[i]!;
      const mem = f.size === null ? "" : String(f.size);
      out.write(`${String(n - 1 - i).padStart(2, "0").padStart(3)}  ${mem.padStart(7)}  ${hex(f.esp).slice(2)}  ${f.function}\n`);
      if (f.newStack) out.write(`     --- stack switch: the frames below ran on another stack ---\n`);
    }
    out.write(`     ${String(t.bytes).padStart(7)}  total bytes\n\n`);
  }
  out.write(`Largest frames (bytes = entry ESP - callee entry ESP; the innermost frames are not measured)\n`);
  out.write(`   Bytes  Measured  Function\n`);
  for (const f of report.functions.slice(0, top)) {
    out.write(`${String(f.maxFrame).padStart(8)}  ${String(f.measured).padStart(8)}  ${f.module}!${f.function}\n`);
  }
  return report;
}
