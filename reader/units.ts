/**
 * Clock units: parsing durations and time ranges, printing durations and counts.
 *
 * Traces carry their clock: "instructions" (the default guest clock, deterministic: guest
 * instructions retired, all CPUs together) or "ns" (the host clock). Both start at 0 when
 * the trace starts, so a timestamp is also the time elapsed since then.
 *
 * People read scaled numbers: instructions as `123 insn`, `12.345 K insn`, `1.234 M insn`,
 * `2.000 G insn` (K/M/G = 10^3/10^6/10^9); host time as `ns`, `us` (µs), `ms`, `s`, as
 * uftrace prints it.
 */
import { UsageError } from "../base/index.js";
import type { TraceClock } from "../tracefile/types.js";

const TIME_SUFFIX: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9 };
const COUNT_SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9 };

/** One line for --help and error messages: what the numbers of a trace's clock mean. */
export const CLOCK_UNITS_HELP =
  "durations are in the trace's clock: insn = guest instructions executed (the default --clock guest; K/M/G = thousand/million/billion), or host time in ns/us/ms/s (--clock host)";

export function isNanosecondClock(clock: TraceClock): boolean {
  return clock.unit === "ns";
}

/**
 * "100" (clock units); for the ns clock "10us", "1.5ms", "2s", "100ns"; for the instruction
 * clock "10K", "1.5M", "2G", "500insn", "3 M insn" → clock units. `what` names the option.
 */
export function parseDuration(text: string, clock: TraceClock, what = "--threshold"): number {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zµ]*(?:\s*insn)?)\s*$/i.exec(text);
  if (m === null) throw new UsageError(`${what} "${text}": expected a number, optionally with a unit (${isNanosecondClock(clock) ? "ns, us, ms, s" : "K, M, G"})`);
  const value = Number(m[1]);
  const unit = m[2]!.toLowerCase().replace(/\s+/g, "");
  if (unit === "" || unit === clock.unit.toLowerCase()) return value;
  if (!isNanosecondClock(clock)) {
    const count = unit.replace(/insn$/, "");
    if (count === "") return value;
    const scale = COUNT_SUFFIX[count];
    if (scale !== undefined) return value * scale;
    if (TIME_SUFFIX[unit] !== undefined) {
      throw new UsageError(`${what} "${text}": this trace's clock counts guest instructions, not time; give a number of instructions (e.g. 500, 20K, 1.5M)`);
    }
    throw new UsageError(`${what} "${text}": unknown unit "${m[2]}" (use K, M or G, or none for instructions)`);
  }
  const scale = TIME_SUFFIX[unit];
  if (scale === undefined) throw new UsageError(`${what} "${text}": unknown unit "${m[2]}" (use ns, us, ms or s, or none for ns)`);
  return value * scale;
}

/** A time range of the trace's clock: from and to inclusive (Infinity when open). */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/** uftrace's --time-range: "START~STOP", either side may be empty ("~5M", "2ms~"). */
export function parseTimeRange(text: string, clock: TraceClock): TimeRange {
  const parts = text.split("~");
  if (parts.length !== 2 || (parts[0]!.trim() === "" && parts[1]!.trim() === "")) {
    throw new UsageError(`--time-range "${text}": expected START~STOP (either may be left out, e.g. 1M~2M or ~500us)`);
  }
  const from = parts[0]!.trim() === "" ? 0 : parseDuration(parts[0]!, clock, "--time-range");
  const to = parts[1]!.trim() === "" ? Infinity : parseDuration(parts[1]!, clock, "--time-range");
  if (to < from) throw new UsageError(`--time-range "${text}": STOP comes before START`);
  return { from, to };
}

/** 1234567 → "1.235 M"; below 1000 the plain whole number. */
export function formatCount(value: number): string {
  const v = Math.abs(value);
  const sign = value < 0 ? "-" : "";
  if (v < 1e3) return `${sign}${Math.round(v)}`;
  if (v < 1e6) return `${sign}${(v / 1e3).toFixed(3)} K`;
  if (v < 1e9) return `${sign}${(v / 1e6).toFixed(3)} M`;
  return `${sign}${(v / 1e9).toFixed(3)} G`;
}

/** A duration for people: "1.234 us" for ns (uftrace's form), "12.345 M insn" for instructions. */
export function formatDuration(value: number, clock: TraceClock): string {
  if (!isNanosecondClock(clock)) {
    const unit = clock.unit === "instructions" ? "insn" : clock.unit;
    return `${formatCount(value)} ${unit}`;
  }
  const v = Math.abs(value);
  const sign = value < 0 ? "-" : "";
  if (v < 1e3) return `${sign}${v.toFixed(3)} ns`;
  if (v < 1e6) return `${sign}${(v / 1e3).toFixed(3)} us`;
  if (v < 1e9) return `${sign}${(v / 1e6).toFixed(3)} ms`;
  return `${sign}${(v / 1e9).toFixed(3)} s`;
}

/** The unit word of a clock for headings: "insn" or "ns". */
export function clockUnitName(clock: TraceClock): string {
  return clock.unit === "instructions" ? "insn" : clock.unit;
}
