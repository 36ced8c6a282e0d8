/**
 * What `ntrace functions` prints and what the tracer instruments: every discovered function
 * with its patch class.
 */
import type { PeImage } from "../pe/types.js";
import type { Pdb } from "../pe/pdb/types.js";
import { classify, functionIndex, type PatchClass } from "./classify.js";
import { discoverFunctions, type DiscoveredFunction, type FunctionSource } from "./discover.js";
import { type CodeBytes, fileCodeBytes } from "./image.js";

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
): ClassifiedFunction[] {
  const fns = discoverFunctions(image, sources);
  const index = functionIndex(fns);
  return fns.map((fn) => ({ fn, cls: classify(image, fn, index, code) }));
}

export function toListing({ fn, cls }: ClassifiedFunction): FunctionListing {
  return {
    name: fn.name,
    names: fn.names,
    rva: fn.rva,
    ...(fn.size !== undefined ? { size: fn.size } : {}),
    sources: fn.sources,
    patch: cls.patch,
    ...(cls.patch === "none" ? { reason: cls.reason } : {}),
  };
}
