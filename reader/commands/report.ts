/**
 * `ntrace report`: per function, calls, total, self, average and maximum duration.
 *
 * - calls: frames of the function shown (after filters);
 * - total: time during which at least one frame of the function was open on a thread —
 *   recursive calls are not counted twice (fib's total is not the sum over every level);
 * - self: time in the function itself, minus its shown children;
 * - avg: mean duration (inclusive) of one call; max: the longest call.
 * All in clock units (instructions or ns), printed scaled (units.ts); --json keeps raw numbers.
 */
import type { ReaderContext } from "../context.js";
import type { TextOutput } from "../output.js";
import type { FrameSink, ThreadInfo } from "../calltree/frames.js";
import { walkFrames } from "../calltree/walk.js";
import { UsageError } from "../../base/index.js";
import type { TraceClock } from "../../tracefile/types.js";
import { formatDuration } from "../units.js";
import { formatTable } from "../table.js";

export interface ReportRow {
  readonly function: string;
  readonly module: string;
  readonly calls: number;
  readonly total: number;
  readonly self: number;
  readonly avg: number;
  readonly max: number;
}

export const REPORT_SORT_KEYS = ["total", "self", "calls", "avg", "max", "name"] as const;
export type ReportSortKey = (typeof REPORT_SORT_KEYS)[number];

/** Accumulates per-function statistics from the frame stream in typed arrays. */
export class ReportAccumulator implements FrameSink {
  calls: Float64Array;
  total: Float64Array;
  sum: Float64Array;
  self: Float64Array;
  max: Float64Array;
  /** Per thread: open frames per function (to count recursive time once). */
  private readonly active: Int32Array[] = [];

  constructor(functionCount: number) {
    const n = Math.max(1, functionCount);
    this.calls = new Float64Array(n);
    this.total = new Float64Array(n);
    this.sum = new Float64Array(n);
    this.self = new Float64Array(n);
    this.max = new Float64Array(n);
  }

  private grow(fn: number): void {
    const n = Math.max(fn + 1, this.calls.length * 2);
    const g = (a: Float64Array): Float64Array => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.calls = g(this.calls);
    this.total = g(this.total);
    this.sum = g(this.sum);
    this.self = g(this.self);
    this.max = g(this.max);
  }

  /** The last thread's `active` table, cached: threads switch rarely, frames constantly. */
  private activeThread = -1;
  private activeTable: Int32Array = new Int32Array(0);

  private activeOf(t: ThreadInfo, fn: number): Int32Array {
    if (t.index === this.activeThread && fn < this.activeTable.length) return this.activeTable;
    let a = this.active[t.index];
    if (a === undefined || fn >= a.length) {
      const b = new Int32Array(Math.max(this.calls.length, fn + 1));
      if (a !== undefined) b.set(a);
      this.active[t.index] = b;
      a = b;
    }
    this.activeThread = t.index;
    this.activeTable = a;
    return a;
  }

  open(t: ThreadInfo, _d: number, fn: number): void {
    this.activeOf(t, fn)[fn]!++;
  }

  close(t: ThreadInfo, _d: number, fn: number, start: number, end: number, self: number): void {
    if (fn >= this.calls.length) this.grow(fn);
    const duration = end - start;
    this.calls[fn]!++;
    this.sum[fn]! += duration;
    this.self[fn]! += self;
    if (duration > this.max[fn]!) this.max[fn] = duration;
    const a = this.activeOf(t, fn);
    if (--a[fn]! === 0) this.total[fn]! += duration;
  }
}

export function computeReport(ctx: ReaderContext): ReportRow[] {
  const acc = new ReportAccumulator(ctx.symbols.functionCount);
  walkFrames(ctx.trace, acc, {
    esp: false,
    filter: ctx.filter,
    warn: ctx.warnCallTree,
    describe: (fn) => ctx.symbols.qualified(fn),
    ...(ctx.threads !== undefined ? { threads: ctx.threads } : {}),
  });
  const rows: ReportRow[] = [];
  for (let fn = 0; fn < acc.calls.length; fn++) {
    const calls = acc.calls[fn]!;
    if (calls === 0) continue;
    rows.push({
      function: ctx.symbols.name(fn),
      module: ctx.symbols.moduleName(fn),
      calls,
      total: acc.total[fn]!,
      self: acc.self[fn]!,
      avg: acc.sum[fn]! / calls,
      max: acc.max[fn]!,
    });
  }
  return rows;
}

export function sortReport(rows: ReportRow[], key: string): ReportRow[] {
  if (!(REPORT_SORT_KEYS as readonly string[]).includes(key)) {
    throw new UsageError(`--sort ${key}: expected one of ${REPORT_SORT_KEYS.join(", ")}`);
  }
  const k = key as ReportSortKey;
  const byName = (a: ReportRow, b: ReportRow): number => (a.function < b.function ? -1 : a.function > b.function ? 1 : a.module < b.module ? -1 : a.module > b.module ? 1 : 0);
  return rows.sort(k === "name" ? byName : (a, b) => b[k] - a[k] || byName(a, b));
}

export interface ReportOptions {
  readonly sort?: string;
  readonly json?: boolean;
}

export function runReport(ctx: ReaderContext, out: TextOutput, options: ReportOptions = {}): ReportRow[] {
  const rows = sortReport(computeReport(ctx), options.sort ?? "total");
  if (options.json === true) {
    out.write("[");
    rows.forEach((r, i) => out.write((i === 0 ? "\n  " : ",\n  ") + JSON.stringify(r)));
    out.write(rows.length > 0 ? "\n]\n" : "]\n");
    return rows;
  }
  out.write(formatReportTable(rows, ctx.trace.header.clock));
  return rows;
}

/** The uftrace-style table: Total, Self, Calls, Avg, Max, Function (module! when several modules). */
export function formatReportTable(rows: readonly ReportRow[], clock: TraceClock): string {
  const d = (v: number): string => formatDuration(v, clock);
  const multiModule = new Set(rows.map((r) => r.module)).size > 1;
  const columns = ["Total", "Self", "Calls", "Avg", "Max"].map((heading) => ({ heading, align: "right" as const }));
  return formatTable(
    [...columns, { heading: "Function", align: "left" }],
    rows.map((r) => [d(r.total), d(r.self), String(r.calls), d(r.avg), d(r.max), multiModule ? `${r.module}!${r.function}` : r.function]),
  );
}
