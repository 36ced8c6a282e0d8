/** Every benchmark, in the order they run and appear in BENCHMARKS.md. */
import type { Benchmark } from "../harness.js";
import { uftraceBaseline } from "./uftrace.js";
import { pdbSymbolize } from "./pdb.js";
import { naiveHooks } from "./naive.js";
import { readerMemory, readerVsUftrace } from "./reader.js";
import { tracingCost } from "./tracing.js";
import { tracingProfile } from "./profile.js";
import { engineFacts } from "./engine.js";
import { startup } from "./startup.js";
import { threadCreation } from "./threads.js";
import { methodCost } from "./methods.js";
import { nativeTracer } from "./native.js";

export const BENCHMARKS: readonly Benchmark[] = [engineFacts, startup, threadCreation, naiveHooks, tracingCost, methodCost, tracingProfile, uftraceBaseline, nativeTracer, readerVsUftrace, readerMemory, pdbSymbolize];
