import { NtraceError } from "./errors.js";

/** An internal invariant failed: a bug in ntrace, not bad input. */
export class InvariantError extends NtraceError {}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}

/** Returns the value when it is defined, or fails with the message. */
export function ensure<T>(value: T | undefined | null, message: string): T {
  if (value === undefined || value === null) throw new InvariantError(message);
  return value;
}

export function unreachable(value: never, message = "unreachable"): never {
  throw new InvariantError(`${message}: ${String(value)}`);
}
