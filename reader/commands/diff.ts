/**
 * `ntrace report --diff <base> <new>`: per function, how calls, total and self time changed
 * between two traces (uftrace `report --diff`). Functions are matched by `module!function`;
 * one that is in only one trace is shown as new or gone. Sorted by the size of the change of
 * the sort key (default: total), largest first.
 *
 *     Total (base)  Total (new)        Diff    Ratio  Self diff  Calls (base)  Calls (new)  Function
 *        300 insn     1.260 K insn  +960 insn  4.200x  ...
 */
import { UsageError } from "../../base/index.js";
import type { ReaderContext } from "../context.js";
import type { TextOutput } from "../output.js";
import { computeReport, REPORT_SORT_KEYS, type ReportRow } from "./report.js";
import { formatDuration } from "../units.js";
import { formatTable } from "../table.js";

export interface DiffSide {
  readonly calls: number;
  readonly total: number;
  readonly self: number;
  readonly avg: number;
  readonly max: number;
}

export interface DiffRow {
  readonly function: string;
  readonly module: string;
  /** Undefined when the function is not in that trace (or not called in the selection). */
  readonly base?: DiffSide;
  readonly new?: DiffSide;
  /** new − base of each number (a missing side counts as 0). */
  readonly delta: DiffSide;
  /** new total / base total; null when base total is 0. */
  readonly ratio: number | null;
}

const ZERO: DiffSide = { calls: 0, total: 0, self: 0, avg: 0, max: 0 };

const side = (r: ReportRow): DiffSide => ({ calls: r.calls, total: r.total, self: r.self, avg: r.avg, max: r.max });

export function computeDiff(base: ReaderContext, next: ReaderContext): DiffRow[] {
  const bc = base.trace.header.clock;
  const nc = next.trace.header.clock;
  if (bc.unit !== nc.unit) throw new UsageError(`--diff: the traces use different clocks (base: ${bc.unit}, new: ${nc.unit}); their times cannot be compared`);
  const key = (r: ReportRow): string => `${r.module}!${r.function}`;
  const rows = new Map<string, { function: string; module: string; base?: DiffSide; new?: DiffSide }>();
  for (const r of computeReport(base)) rows.set(key(r), { function: r.function, module: r.module, base: side(r) });
  for (const r of computeReport(next)) {
    const k = key(r);
    const old = rows.get(k);
    rows.set(k, { function: r.function, module: r.module, ...(old?.base !== undefined ? { base: old.base } : {}), new: side(r) });
  }
  return [...rows.values()].map((r) => {
    const b = r.base ?? ZERO;
    const n = r.new ?? ZERO;
    return {
      ...r,
      delta: { calls: n.calls - b.calls, total: n.total - b.total, self: n.self - b.self, avg: n.avg - b.avg, max: n.max - b.max },
      ratio: b.total > 0 ? n.total / b.total : null,
    };
  });
}

export function sortDiff(rows: DiffRow[], key: string): DiffRow[] {
  if (!(REPORT_SORT_KEYS as readonly string[]).includes(key)) throw new UsageError(`--sort ${key}: expected one of ${REPORT_SORT_KEYS.join(", ")}`);
  const byName = (a: DiffRow, b: DiffRow): number => (a.function < b.function ? -1 : a.function > b.function ? 1 : a.module < b.module ? -1 : a.module > b.module ? 1 : 0);
  if (key === "name") return rows.sort(byName);
  const k = key as Exclude<(typeof REPORT_SORT_KEYS)[number], "name">;
  return rows.sort((a, b) => Math.abs(b.delta[k]) - Math.abs(a.delta[k]) || byName(a, b));
}

function signed(text: string, v: number): string {
  return v > 0 ? `+${text}` : text;
}

export function runDiff(base: ReaderContext, next: ReaderContext, out: TextOutput, options: { sort?: string; json?: boolean } = {}): DiffRow[] {
  const rows = sortDiff(computeDiff(base, next), options.sort ?? "total");
  if (options.json === true) {
    out.write(JSON.stringify(rows, null, 2) + "\n");
    return rows;
  }
  const clock = next.trace.header.clock;
  const d = (v: number): string => formatDuration(v, clock);
  const multiModule = new Set(rows.map((r) => r.module)).size > 1;
  const right = (heading: string) => ({ heading, align: "right" as const });
  out.write(
    formatTable(
      [right("Total (base)"), right("Total (new)"), right("Diff"), right("Ratio"), right("Self (base)"), right("Self (new)"), right("Diff"), right("Calls (base)"), right("Calls (new)"), right("Diff"), { heading: "Function", align: "left" }],
      rows.map((r) => [
        r.base !== undefined ? d(r.base.total) : "-",
        r.new !== undefined ? d(r.new.total) : "-",
        signed(d(r.delta.total), r.delta.total),
        r.base === undefined ? "new" : r.new === undefined ? "gone" : r.ratio === null ? "-" : `${r.ratio.toFixed(3)}x`,
        r.base !== undefined ? d(r.base.self) : "-",
        r.new !== undefined ? d(r.new.self) : "-",
        signed(d(r.delta.self), r.delta.self),
        r.base !== undefined ? String(r.base.calls) : "-",
        r.new !== undefined ? String(r.new.calls) : "-",
        signed(String(r.delta.calls), r.delta.calls),
        multiModule ? `${r.module}!${r.function}` : r.function,
      ]),
    ),
  );
  return rows;
}
