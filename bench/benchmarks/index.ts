/** Every benchmark, in the order they run and appear in BENCHMARKS.md. */
import type { Benchmark } from "../harness.js";
import { uftraceBaseline } from "./uftrace.js";
import { pdbSymbolize } from "./pdb.js";

export const BENCHMARKS: readonly Benchmark[] = [uftraceBaseline, pdbSymbolize];
