/**
 * Common reader options (every command takes them) resolved against one trace: the symbols,
 * the thread selection and the frame filters.
 */
import { UsageError, hex } from "../base/index.js";
import type { TraceSource } from "./source.js";
import { Symbolizer } from "./symbols/symbolizer.js";
import { matchFunctions } from "../base/index.js";
import { parseDuration, parseTimeRange } from "./units.js";
import type { FrameFilterOptions } from "./calltree/filter.js";
import { formatCallTreeWarning, type CallTreeWarning } from "./calltree/repair.js";

export interface ReaderOptions {
  /** Symbol path; `_NT_SYMBOL_PATH` when undefined. */
  readonly symbolPath?: string;
  /** KTHREAD keys (hex text or numbers) to show; all threads when empty/undefined. */
  readonly threads?: readonly (string | number)[];
  /** Maximum shown depth. */
  readonly depth?: number;
  /** Minimum duration: clock units, or with a time unit for the ns clock ("10us"). */
  readonly threshold?: string;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  /** uftrace's --time-range "START~STOP" in the trace's clock (units.ts). */
  readonly timeRange?: string;
  /** Globs of functions whose callers are shown (uftrace -C). */
  readonly caller?: readonly string[];
  /** Where warnings go (default: stderr, "ntrace: warning: …"). */
  readonly warn?: (message: string) => void;
  /** Environment for `_NT_SYMBOL_PATH` (tests). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface ReaderContext {
  readonly trace: TraceSource;
  readonly symbols: Symbolizer;
  /** Selected thread keys, or undefined for all. */
  readonly threads: ReadonlySet<number> | undefined;
  readonly filter: FrameFilterOptions;
  readonly warn: (message: string) => void;
  readonly warnCallTree: (w: CallTreeWarning) => void;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

export function defaultWarn(message: string): void {
  process.stderr.write(`ntrace: warning: ${message}\n`);
}

export function parseThreadKey(text: string | number): number {
  if (typeof text === "number") return text >>> 0;
  const t = text.trim();
  if (!/^(0x)?[0-9a-f]{1,8}$/i.test(t)) throw new UsageError(`--thread "${text}": expected a KTHREAD address in hex (e.g. 0x81001000)`);
  return parseInt(t.replace(/^0x/i, ""), 16) >>> 0;
}

export function prepareReader(trace: TraceSource, options: ReaderOptions = {}): ReaderContext {
  const warn = options.warn ?? defaultWarn;
  for (const d of trace.damage) warn(`trace damaged at offset ${d.offset}${d.length !== undefined ? ` (${d.length} bytes)` : ""}: ${d.what}`);
  if (!trace.complete && trace.damage.length === 0) warn("the trace is incomplete (the run did not finish writing it); showing what is there");

  let threads: Set<number> | undefined;
  if (options.threads !== undefined && options.threads.length > 0) {
    threads = new Set(options.threads.map(parseThreadKey));
    const known = new Set(trace.threads.map((t) => t.key as number));
    for (const k of threads) {
      if (!known.has(k)) {
        const list = trace.threads.map((t) => hex(t.key)).join(", ") || "none";
        throw new UsageError(`--thread ${hex(k)}: no such thread in this trace (threads: ${list})`);
      }
    }
  }

  const symbols = Symbolizer.load(trace.modules, {
    warn,
    ...(options.symbolPath !== undefined ? { symbolPath: options.symbolPath } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
  });

  const depth = options.depth ?? Infinity;
  if (!(depth >= 1)) throw new UsageError(`--depth ${options.depth}: expected a positive whole number`);
  const threshold = options.threshold === undefined ? 0 : parseDuration(options.threshold, trace.header.clock);
  const include = options.include ?? [];
  const exclude = options.exclude ?? [];
  const caller = options.caller ?? [];
  const includeHits = matchFunctions(include, symbols);
  const excludeHits = matchFunctions(exclude, symbols);
  const callerHits = matchFunctions(caller, symbols);
  const range = options.timeRange === undefined ? undefined : parseTimeRange(options.timeRange, trace.header.clock);
  for (const [flag, globs] of [["--include", include], ["--exclude", exclude], ["--caller", caller]] as const) {
    for (const g of globs) {
      const hits = matchFunctions([g], symbols);
      if (hits !== null && !hits.includes(1)) warn(`${flag} ${g} matches no function of this trace`);
    }
  }
  const filter: FrameFilterOptions = {
    include: includeHits,
    exclude: excludeHits,
    maxDepth: depth,
    threshold,
    ...(range !== undefined ? { timeFrom: range.from, timeTo: range.to } : {}),
    ...(callerHits !== null ? { caller: callerHits } : {}),
  };
  return {
    trace,
    symbols,
    threads,
    filter,
    warn,
    warnCallTree: (w) => warn(formatCallTreeWarning(w)),
    include,
    exclude,
  };
}
