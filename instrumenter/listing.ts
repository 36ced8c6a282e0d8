/**
 * What `ntrace functions` prints and what the tracer instruments: every discovered function
 * with its patch class.
 */
import type { PeImage } from "../pe/types.js";
import type { Pdb } from "../pe/pdb/types.js";
import { classify, functionIndex, type MethodPreference, type PatchClass, type TraceMethod } from "./classify.js";
import { followFunction } from "./detour.js";
import { discoverFunctions, type DiscoveredFunction, type FunctionSource } from "./discover.js";
import { type CodeBytes, codeEnd, fileCodeBytes, isExecutable, sectionOf } from "./image.js";

export interface FunctionListing {
  readonly name: string;
  readonly names: readonly string[];
  readonly rva: number;
  readonly size?: number;
  readonly sources: readonly FunctionSource[];
  readonly patch: PatchClass["patch"];
  readonly reason?: string;
}

export interface ClassifiedFunction {
  readonly fn: DiscoveredFunction;
  readonly cls: PatchClass;
}

/** Discovers and classifies every function of an image. */
export function classifyFunctions(
  image: PeImage,
  sources: { pdb?: Pdb; explicit?: readonly number[] } = {},
  code: CodeBytes = fileCodeBytes(image),
  prefer: MethodPreference = "auto",
): ClassifiedFunction[] {
  const flows = new Map<number, FunctionFlowAt>();
  const known = discoverFunctions(image, sources);
  const calls = callTargets(image, known, code, flows);
  const fns = calls.length > 0 ? discoverFunctions(image, { ...sources, calls }) : known;
  const index = functionIndex(fns);
  const flowOf = (rva: number, end: number): FunctionFlow => {
    const cached = flows.get(rva);
    if (cached !== undefined && cached.end === end) return cached.flow;
    const flow = followFunction(code, rva, end, image.imageBase);
    flows.set(rva, { end, flow });
    return flow;
  };
  return fns.map((fn) => ({ fn, cls: classify(image, fn, index, code, prefer, flowOf) }));
}

interface FunctionFlowAt {
  readonly end: number;
  readonly flow: FunctionFlow;
}
type FunctionFlow = ReturnType<typeof followFunction>;

/**
 * Functions reached by direct calls from the known ones, transitively, that no other source
 * names (stripped images): their RVAs, sorted. Each function's code is followed within its
 * extent (its size, else up to the next known function or the section end). Code that a
 * function jumps to outside its extent (a tail call such as mingw's `mainCRTStartup: jmp
 * __tmainCRTStartup`, or a GCC `.cold` part) is followed as well for the calls it makes, but
 * is not itself taken for a function: a cold part entered by a jump is not one.
 */
export function callTargets(image: PeImage, known: readonly DiscoveredFunction[], code: CodeBytes, flows: Map<number, FunctionFlowAt> = new Map()): number[] {
  const starts = new Set(known.map((f) => f.rva as number));
  const sizes = new Map(known.filter((f) => f.size !== undefined).map((f) => [f.rva as number, f.size!]));
  const jumpedTo = new Set<number>();
  const found: number[] = [];
  const executable = (rva: number) => {
    const s = sectionOf(image, rva);
    return s !== undefined && isExecutable(s);
  };
  let queue = [...starts];
  while (queue.length > 0) {
    const sorted = [...starts].sort((a, b) => a - b);
    const next: number[] = [];
    for (const rva of queue) {
      const section = sectionOf(image, rva);
      if (section === undefined || !isExecutable(section)) continue;
      const end = extentEnd(rva, sizes.get(rva), sorted, codeEnd(image, section));
      const flow = followFunction(code, rva, end, image.imageBase);
      if (starts.has(rva)) flows.set(rva, { end, flow });
      for (const t of flow.calls) {
        if (starts.has(t) || !executable(t)) continue;
        starts.add(t);
        found.push(t);
        next.push(t);
      }
      for (const t of flow.exits) {
        if (starts.has(t) || jumpedTo.has(t) || !executable(t)) continue;
        jumpedTo.add(t);
        next.push(t);
      }
    }
    queue = next;
  }
  return found.sort((a, b) => a - b);
}

/** End of a function's extent: its size, else the next start after it, else the section end. */
export function extentEnd(rva: number, size: number | undefined, sortedStarts: readonly number[], sectionEnd: number): number {
  if (size !== undefined && size > 0) return Math.min(sectionEnd, rva + size);
  let lo = 0;
  let hi = sortedStarts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sortedStarts[mid]! <= rva) lo = mid + 1;
    else hi = mid;
  }
  return lo < sortedStarts.length ? Math.min(sectionEnd, sortedStarts[lo]!) : sectionEnd;
}

export function toListing({ fn, cls }: ClassifiedFunction): FunctionListing {
  return {
    name: fn.name,
    names: fn.names,
    rva: fn.rva,
    ...(fn.size !== undefined ? { size: fn.size } : {}),
    sources: fn.sources,
    patch: cls.patch,
    ...(cls.patch === "none" || cls.patch === "probe" ? { reason: cls.reason } : {}),
  };
}

/** How many functions use each method (`ntrace functions` and the run summary). */
export function methodCounts(methods: Iterable<TraceMethod>): Record<TraceMethod, number> {
  const counts: Record<TraceMethod, number> = { "hotpatch-msvc": 0, "hotpatch-clang": 0, detour: 0, probe: 0, syscall: 0, none: 0 };
  for (const m of methods) counts[m]++;
  return counts;
}

/** "12 functions: 3 hotpatch-msvc, 0 hotpatch-clang, 8 detour, 1 probe, 0 none" (syscall stubs when there are any). */
export function methodSummary(counts: Record<TraceMethod, number>): string {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const parts = [`${counts["hotpatch-msvc"]} hotpatch-msvc`, `${counts["hotpatch-clang"]} hotpatch-clang`, `${counts.detour} detour`, `${counts.probe} probe`];
  if (counts.syscall > 0) parts.push(`${counts.syscall} syscall stubs`);
  parts.push(`${counts.none} none`);
  return `${total} functions: ${parts.join(", ")}`;
}
