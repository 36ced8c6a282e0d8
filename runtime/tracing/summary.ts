/**
 * What a trace records about its run besides events (trace format 1.1): the engine in the
 * header, and in the footer how the run ended. Kept apart from the sessions so user and
 * kernel runs fill them the same way with one call each.
 */
import type { RunSummary } from "../../tracefile/index.js";
import { unicornVersion } from "../engine/index.js";
import type { RunResult } from "../core/types.js";
import type { ClockChoice } from "./tracer.js";

/** The header's engine field: "unicorn 2.0.1", or undefined when the library does not load. */
export function traceEngine(): string | undefined {
  return unicornVersion();
}

/**
 * The footer's run summary. Host time is left out with the guest clock: that clock promises
 * that identical runs give identical trace files.
 */
export function traceRunSummary(run: RunResult, clock: ClockChoice, startedNs: bigint): RunSummary {
  return {
    ...(run.exitCode !== undefined ? { exitCode: run.exitCode } : {}),
    ...(run.result !== undefined ? { result: run.result } : {}),
    ...(run.failure !== undefined ? { failure: run.failure } : {}),
    instructions: run.instructions,
    ...(clock === "host" ? { elapsedNs: Number(process.hrtime.bigint() - startedNs) } : {}),
    ...(run.interruption !== undefined ? { interrupted: { cause: run.interruption.cause, reason: run.interruption.reason } } : {}),
  };
}
