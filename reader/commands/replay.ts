/**
 * `ntrace replay`: each thread's call tree with durations, uftrace-replay style:
 *
 *   # thread 0x81001000 (CID 4:8)
 *   #   DURATION |  FUNCTION
 *               |  Run() {
 *      123 insn |    fib();
 *      456 insn |  } /* Run *\/
 *
 * A leaf (no shown children) is one line with its duration; a frame with children opens with
 * `{` and closes with `}` carrying the duration. Frames that did not return say how they
 * ended (unwound, unclosed, repaired). Streams with one frame of look-ahead per thread.
 */
import { hex, cidText } from "../../base/index.js";
import type { ReaderContext } from "../context.js";
import type { TextOutput } from "../output.js";
import { FrameEnd, FRAME_END_NAMES, MarkerKind, type FrameSink, type ThreadInfo } from "../calltree/frames.js";
import { walkFrames } from "../calltree/walk.js";
import { formatDuration } from "../units.js";

const DURATION_WIDTH = 12;

class ReplayPrinter implements FrameSink {
  private readonly out: TextOutput;
  private readonly ctx: ReaderContext;
  /** The frame opened last whose line is not printed yet (it may be a leaf). */
  private heldDepth = -1;
  private heldFn = 0;
  private current: ThreadInfo | null = null;

  constructor(ctx: ReaderContext, out: TextOutput) {
    this.ctx = ctx;
    this.out = out;
  }

  private line(duration: string, depth: number, text: string): void {
    this.out.write(`${duration.padStart(DURATION_WIDTH)} | ${"  ".repeat(depth + 1)}${text}\n`);
  }

  private header(t: ThreadInfo): void {
    if (this.current === t) return;
    this.releaseHeld();
    this.current = t;
    const r = t.record;
    const cid = r !== undefined ? ` (CID ${cidText(r.process, r.thread)}${r.idle === true ? ", idle" : ""}${r.name !== undefined ? `, ${r.name}` : ""})` : "";
    this.out.write(`# thread ${hex(t.key)}${cid}\n#${"DURATION".padStart(DURATION_WIDTH - 1)} |  FUNCTION\n`);
  }

  private releaseHeld(): void {
    if (this.heldDepth < 0) return;
    this.line("", this.heldDepth, `${this.ctx.symbols.name(this.heldFn)}() {`);
    this.heldDepth = -1;
  }

  open(t: ThreadInfo, depth: number, fn: number): void {
    this.header(t);
    this.releaseHeld();
    this.heldDepth = depth;
    this.heldFn = fn;
  }

  close(t: ThreadInfo, depth: number, fn: number, start: number, end: number, _self: number, how: FrameEnd): void {
    this.header(t);
    const duration = formatDuration(end - start, this.ctx.trace.header.clock);
    const note = how === FrameEnd.Returned ? "" : ` /* ${FRAME_END_NAMES[how]} */`;
    const name = this.ctx.symbols.name(fn);
    if (this.heldDepth === depth) {
      this.heldDepth = -1;
      this.line(duration, depth, `${name}();${note}`);
    } else {
      this.releaseHeld();
      this.line(duration, depth, `} /* ${name}${how === FrameEnd.Returned ? "" : `: ${FRAME_END_NAMES[how]}`} */`);
    }
  }

  marker(t: ThreadInfo, ts: number, kind: MarkerKind, value: number): void {
    if (kind === MarkerKind.Lost) {
      this.header(t);
      this.releaseHeld();
      this.line("", 0, `/* ${value} event(s) lost at ${ts} */`);
    }
  }

  endThread(t: ThreadInfo): void {
    if (this.current !== t) return;
    this.releaseHeld();
    this.out.write("\n");
    this.current = null;
  }
}

export function runReplay(ctx: ReaderContext, out: TextOutput): void {
  walkFrames(ctx.trace, new ReplayPrinter(ctx, out), {
    filter: ctx.filter,
    warn: ctx.warnCallTree,
    describe: (fn) => ctx.symbols.qualified(fn),
    threadByThread: true,
    esp: false,
    ...(ctx.threads !== undefined ? { threads: ctx.threads } : {}),
  });
}
