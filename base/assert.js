import { NtraceError } from "./errors.js";
/** An internal invariant failed: a bug in ntrace, not bad input. */
export class InvariantError extends NtraceError {
}
export function assert(condition, message) {
    if (!condition)
        throw new InvariantError(message);
}
/** Returns the value when it is defined, or fails with the message. */
export function ensure(value, message) {
    if (value === undefined || value === null)
        throw new InvariantError(message);
    return value;
}
export function unreachable(value, message = "unreachable") {
    throw new InvariantError(`${message}: ${String(value)}`);
}
