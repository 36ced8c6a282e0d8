/**
 * Deterministic synthetic event streams for the trace-file tests: the exact entry/exit
 * sequence of samples/fib's fib/leaf recursion with instruction-count-like timestamps.
 */
import type { ThreadEventWriter } from "../../tracefile/types.js";

export interface FibIds {
  readonly fib: number;
  readonly leaf: number;
}

/** A guest-instruction-like clock: fixed small costs per code position. */
export class FakeClock {
  now: number;
  constructor(start = 1000) {
    this.now = start;
  }
  tick(n: number): number {
    this.now += n;
    return this.now;
  }
}

/** Frame size the fake recursion uses (return address, saved ebp, argument, local). */
export const FRAME = 16;

/**
 * Records fib(n) as the sample computes it: fib(n<2) calls leaf(n); otherwise
 * fib(n-1) + fib(n-2). Returns fib(n). Events: 2 per call.
 */
export function recordFib(w: ThreadEventWriter, ids: FibIds, n: number, esp: number, clock: FakeClock, argCount = 0): number {
  const args = argCount > 0 ? [n] : undefined;
  w.entry(clock.tick(2), ids.fib, esp, args);
  let r: number;
  if (n < 2) {
    w.entry(clock.tick(4), ids.leaf, esp - FRAME, argCount > 0 ? [n] : undefined);
    r = n;
    w.exit(clock.tick(3), ids.leaf, r);
    clock.tick(2);
  } else {
    r = recordFib(w, ids, n - 1, esp - FRAME, clock, argCount);
    clock.tick(3);
    r += recordFib(w, ids, n - 2, esp - FRAME, clock, argCount);
  }
  w.exit(clock.tick(4), ids.fib, r >>> 0);
  return r;
}

/** Events recordFib(n) writes: 2 × (fib calls + leaf calls) = 2 × (3·F(n+1) − 1). */
export function fibEventCount(n: number): number {
  let a = 0;
  let b = 1; // F(0), F(1)
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return 2 * (3 * b - 1);
}
