/** `ntrace flamegraph --format folded|svg|speedscope|chrome`: see reader/README.md. */
import { UsageError } from "../../base/index.js";
import type { ReaderContext } from "../context.js";
import type { TextOutput } from "../output.js";
import { walkFrames, type WalkOptions } from "../calltree/walk.js";
import { formatDuration } from "../units.js";
import { CallPathTree } from "./calltree.js";
import { writeFolded } from "./folded.js";
import { writeSvg } from "./svg.js";
import { SpeedscopeWriter, writeSpeedscopeSamples } from "./speedscope.js";
import { traceImageName } from "../traceinfo.js";
import { ChromeTraceWriter } from "./chrome.js";

export const FLAMEGRAPH_FORMATS = ["folded", "svg", "speedscope", "chrome"] as const;

export interface FlamegraphOptions {
  readonly format: string;
  /** Merge all threads under one root instead of a root frame per thread (folded, svg). */
  readonly mergeThreads?: boolean;
  /** Default: "<image> — ntrace flame graph" (svg, speedscope). */
  readonly title?: string;
  /** speedscope: every call as an open/close event in time order instead of weighted samples per call path. */
  readonly evented?: boolean;
}

function walkOptions(ctx: ReaderContext, threadByThread: boolean): WalkOptions {
  return {
    filter: ctx.filter,
    warn: ctx.warnCallTree,
    describe: (fn) => ctx.symbols.qualified(fn),
    threadByThread,
    esp: false, // no flame graph format shows stack pointers
    ...(ctx.threads !== undefined ? { threads: ctx.threads } : {}),
  };
}

export function buildCallPathTree(ctx: ReaderContext, mergeThreads: boolean): CallPathTree {
  const tree = new CallPathTree(mergeThreads);
  walkFrames(ctx.trace, tree, walkOptions(ctx, false));
  tree.finishRoots();
  return tree;
}

export function runFlamegraph(ctx: ReaderContext, out: TextOutput, options: FlamegraphOptions): void {
  // module!function everywhere: the same name in two modules (khog!FilterPassDown,
  // kfilt1!FilterPassDown) must stay two frames.
  const name = (fn: number): string => ctx.symbols.qualified(fn);
  const title = options.title ?? `${traceImageName(ctx.trace)} — ntrace flame graph`;
  const clock = ctx.trace.header.clock;
  const file = (fn: number): string => ctx.symbols.moduleOf(fn)?.name ?? "?";
  switch (options.format) {
    case "folded":
      writeFolded(buildCallPathTree(ctx, options.mergeThreads === true), name, out);
      return;
    case "svg":
      writeSvg(buildCallPathTree(ctx, options.mergeThreads === true), name, out, {
        title,
        duration: (v) => formatDuration(v, clock),
      });
      return;
    case "speedscope": {
      if (options.evented !== true) {
        writeSpeedscopeSamples(buildCallPathTree(ctx, options.mergeThreads === true), out, clock, name, file, title);
        return;
      }
      const w = new SpeedscopeWriter(out, clock, name, file, title);
      walkFrames(ctx.trace, w, walkOptions(ctx, true));
      w.finish();
      return;
    }
    case "chrome": {
      const w = new ChromeTraceWriter(out, ctx.trace.header.clock, name, (fn) => ctx.symbols.moduleName(fn));
      walkFrames(ctx.trace, w, walkOptions(ctx, false));
      w.finish();
      return;
    }
    default:
      throw new UsageError(`--format ${options.format}: expected one of ${FLAMEGRAPH_FORMATS.join(", ")}`);
  }
}
