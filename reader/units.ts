/**
 * Clock units: parsing --threshold and printing durations. Traces carry their clock
 * ("ns" for host-monotonic, "instructions" for guest-instructions); a duration given with a
 * time suffix is only meaningful for the ns clock.
 */
import { UsageError } from "../base/index.js";
import type { TraceClock } from "../tracefile/types.js";

const TIME_SUFFIX: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9 };

export function isNanosecondClock(clock: TraceClock): boolean {
  return clock.unit === "ns";
}

/** "100" (clock units), "10us", "1.5ms", "2s", "100ns" (ns clock only) → clock units. */
export function parseDuration(text: string, clock: TraceClock): number {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zµ]*)\s*$/i.exec(text);
  if (m === null) throw new UsageError(`--threshold "${text}": expected a number, optionally with a unit (ns, us, ms, s)`);
  const value = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  if (unit === "" || unit === clock.unit.toLowerCase() || (unit === "insn" && !isNanosecondClock(clock))) return value;
  const scale = TIME_SUFFIX[unit];
  if (scale === undefined) throw new UsageError(`--threshold "${text}": unknown unit "${m[2]}" (use ns, us, ms or s, or none for clock units)`);
  if (!isNanosecondClock(clock)) {
    throw new UsageError(`--threshold "${text}": this trace's clock counts ${clock.unit}, not time; give a plain number of ${clock.unit}`);
  }
  return value * scale;
}

/** A duration for people: uftrace-style "  1.234 us" for ns, "1234 insn" for instructions. */
export function formatDuration(value: number, clock: TraceClock): string {
  if (!isNanosecondClock(clock)) return `${Math.round(value)} ${clock.unit === "instructions" ? "insn" : clock.unit}`;
  if (value < 1e3) return `${value.toFixed(3)} ns`;
  if (value < 1e6) return `${(value / 1e3).toFixed(3)} us`;
  if (value < 1e9) return `${(value / 1e6).toFixed(3)} ms`;
  return `${(value / 1e9).toFixed(3)} s`;
}
