import { join } from "node:path";
import { openTraceBytes, EventKind, type TraceEvent } from "../../tracefile/index.js";
import { runTraced, type TracedRunOptions, type TracedRunResult } from "../support/runs.js";

export const ROOT = join(import.meta.dirname, "../..");
export const sample = (p: string): string => join(ROOT, "samples", p);

export interface ReadBack {
  readonly result: TracedRunResult;
  readonly events: TraceEvent[];
  /** Function id → primary name (from the module's function table + our listing). */
  readonly nameOf: (fn: number) => string;
}

export function traceRun(options: TracedRunOptions): ReadBack {
  const result = runTraced(options);
  const trace = openTraceBytes(result.bytes!);
  const events = [...trace.events()];
  const names = new Map<number, string>();
  for (const m of trace.modules) {
    m.functionRvas.forEach((rva, i) => names.set(m.firstFunctionId + i, `${m.name}!${rva.toString(16)}`));
  }
  return { result, events, nameOf: (fn) => names.get(fn) ?? `#${fn}` };
}

/** Replays one thread's events with a stack; throws on an impossible sequence. Returns call counts by fn. */
export function replay(events: readonly TraceEvent[]): { entries: Map<number, number>; exits: Map<number, number>; maxDepth: number } {
  const stack: number[] = [];
  const entries = new Map<number, number>();
  const exits = new Map<number, number>();
  let maxDepth = 0;
  for (const e of events) {
    switch (e.kind) {
      case EventKind.Entry:
        stack.push(e.fn);
        entries.set(e.fn, (entries.get(e.fn) ?? 0) + 1);
        maxDepth = Math.max(maxDepth, stack.length);
        break;
      case EventKind.Exit:
      case EventKind.Unwind:
      case EventKind.Unclosed: {
        const top = stack.pop();
        if (top !== e.fn) throw new Error(`event ${e.kind} of fn ${e.fn} but the open frame is ${top}`);
        if (e.kind === EventKind.Exit) exits.set(e.fn, (exits.get(e.fn) ?? 0) + 1);
        break;
      }
      default:
        break;
    }
  }
  if (stack.length !== 0) throw new Error(`${stack.length} frames left open`);
  return { entries, exits, maxDepth };
}
