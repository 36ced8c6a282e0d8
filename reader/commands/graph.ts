/**
 * `ntrace graph <trace> <function>`: one function's callers and callees, as `uftrace graph`:
 *
 *   # call graph of fib!fib: 1 call not nested in another call of it
 *
 *   ========== BACKTRACE ==========
 *    backtrace #0: hit 1, time 280 insn
 *      [0] Run
 *      [1] fib
 *
 *   ========== FUNCTION CALL GRAPH ==========
 *     Total     Self  Calls  Function
 *     =====  =======  =====  ====================
 *   280 insn  40 insn     1  fib
 *   160 insn  40 insn     1  +-fib
 *
 * The backtraces are the distinct call paths (thread root → the function) with how often the
 * function was entered on each and the time spent. The call graph merges every call of the
 * function that is not nested in another call of it, and below it every distinct call path
 * of its callees, with calls, total (inclusive) and self time. Recursion shows as nesting.
 * A name that matches functions of several modules gives one graph each.
 */
import { UsageError } from "../../base/index.js";
import type { ReaderContext } from "../context.js";
import type { TextOutput } from "../output.js";
import type { FrameSink, ThreadInfo } from "../calltree/frames.js";
import { walkFrames } from "../calltree/walk.js";
import { CallPathTree } from "../flamegraph/calltree.js";
import { matchFunctions } from "../../base/index.js";
import { formatDuration } from "../units.js";
import { formatTable } from "../table.js";

export interface Backtrace {
  /** Outermost first, ending with the function itself. */
  readonly path: readonly string[];
  readonly hits: number;
  readonly time: number;
}

export interface GraphNode {
  readonly function: string;
  readonly calls: number;
  readonly total: number;
  readonly self: number;
  readonly children: readonly GraphNode[];
}

export interface FunctionGraph {
  /** module!function */
  readonly function: string;
  readonly backtraces: readonly Backtrace[];
  /** The merged calls of the function (undefined when it was never called in the selection). */
  readonly graph: GraphNode | undefined;
}

/** Collects one function's outermost calls: their call paths and their subtrees. */
class GraphCollector implements FrameSink {
  readonly tree = new CallPathTree(true);
  /** Per thread: the open frames' function ids, and the depth of the outermost open call of `fn` (-1: none). */
  private readonly stacks: number[][] = [];
  private readonly rootDepth: number[] = [];
  private readonly backtraces = new Map<string, { path: number[]; hits: number; time: number }>();

  constructor(private readonly fn: number) {}

  open(t: ThreadInfo, depth: number, fn: number): void {
    const stack = (this.stacks[t.index] ??= []);
    stack.length = depth;
    stack.push(fn);
    const root = this.rootDepth[t.index] ?? -1;
    if (root < 0 && fn === this.fn) {
      this.rootDepth[t.index] = depth;
      const key = stack.join(",");
      const b = this.backtraces.get(key);
      if (b === undefined) this.backtraces.set(key, { path: [...stack], hits: 1, time: 0 });
      else b.hits++;
    }
    const r = this.rootDepth[t.index] ?? -1;
    if (r >= 0) this.tree.open(t, depth - r, fn);
  }

  close(t: ThreadInfo, depth: number, fn: number, start: number, end: number, self: number): void {
    const r = this.rootDepth[t.index] ?? -1;
    if (r < 0) return;
    this.tree.close(t, depth - r, fn, start, end, self);
    if (depth === r) {
      this.rootDepth[t.index] = -1;
      const stack = this.stacks[t.index]!;
      this.backtraces.get(stack.slice(0, depth + 1).join(","))!.time += end - start;
    }
  }

  result(name: (fn: number) => string, qualified: string): FunctionGraph {
    const backtraces = [...this.backtraces.values()]
      .sort((a, b) => b.time - a.time || b.hits - a.hits)
      .map((b) => ({ path: b.path.map(name), hits: b.hits, time: b.time }));
    const { first, next } = this.tree.childLists();
    const node = (id: number): GraphNode => {
      const children: GraphNode[] = [];
      for (let c = first[id]!; c >= 0; c = next[c]!) children.push(node(c));
      return { function: name(this.tree.fn[id]!), calls: this.tree.calls[id]!, total: this.tree.total[id]!, self: this.tree.self[id]!, children };
    };
    // Node 0 is the merged root; its only child is the function (every root call is of it).
    const top = first[0]!;
    return { function: qualified, backtraces, graph: top >= 0 ? node(top) : undefined };
  }
}

/** The functions a name or glob picks ("fib", "fib!fib", "Filter*"); a usage error naming close matches when none. */
export function functionsNamed(ctx: ReaderContext, pattern: string): number[] {
  const hits = matchFunctions([pattern], ctx.symbols)!;
  const ids: number[] = [];
  for (let id = 0; id < hits.length; id++) if (hits[id] === 1) ids.push(id);
  if (ids.length > 0) return ids;
  const lower = pattern.toLowerCase().replace(/^.*!/, "");
  const near = new Set<string>();
  for (let id = 0; id < ctx.symbols.functionCount && near.size < 5; id++) {
    const n = ctx.symbols.name(id);
    if (n.toLowerCase().includes(lower) || lower.includes(n.toLowerCase())) near.add(ctx.symbols.qualified(id));
  }
  throw new UsageError(`no function of this trace is named "${pattern}"${near.size > 0 ? ` (did you mean ${[...near].join(", ")}?)` : ""}`);
}

export function computeGraphs(ctx: ReaderContext, pattern: string): FunctionGraph[] {
  return functionsNamed(ctx, pattern).map((fn) => {
    const collector = new GraphCollector(fn);
    walkFrames(ctx.trace, collector, {
      filter: ctx.filter,
      warn: ctx.warnCallTree,
      describe: (f) => ctx.symbols.qualified(f),
      esp: false,
      ...(ctx.threads !== undefined ? { threads: ctx.threads } : {}),
    });
    collector.tree.finishRoots();
    return collector.result((f) => ctx.symbols.name(f), ctx.symbols.qualified(fn));
  });
}

export function runGraph(ctx: ReaderContext, out: TextOutput, pattern: string, options: { json?: boolean } = {}): FunctionGraph[] {
  const graphs = computeGraphs(ctx, pattern);
  if (options.json === true) {
    out.write(JSON.stringify(graphs, null, 2) + "\n");
    return graphs;
  }
  const d = (v: number): string => formatDuration(v, ctx.trace.header.clock);
  graphs.forEach((g, i) => {
    if (i > 0) out.write("\n");
    const calls = g.graph?.calls ?? 0;
    out.write(`# call graph of ${g.function}: ${calls} call${calls === 1 ? "" : "s"} not nested in another call of it\n\n`);
    out.write("========== BACKTRACE ==========\n");
    g.backtraces.forEach((b, n) => {
      out.write(` backtrace #${n}: hit ${b.hits}, time ${d(b.time)}\n`);
      b.path.forEach((f, k) => out.write(`   [${k}] ${f}\n`));
      out.write("\n");
    });
    out.write("========== FUNCTION CALL GRAPH ==========\n");
    const rows: string[][] = [];
    if (g.graph !== undefined) walkTree(g.graph, rows, d);
    out.write(
      formatTable(
        [
          { heading: "Total", align: "right" },
          { heading: "Self", align: "right" },
          { heading: "Calls", align: "right" },
          { heading: "Function", align: "left" },
        ],
        rows,
      ),
    );
  });
  return graphs;
}

/** Rows of the call graph with uftrace's tree drawing: "+-" before a callee, "| " while its caller has more callees below. */
function walkTree(root: GraphNode, rows: string[][], d: (v: number) => string): void {
  const visit = (node: GraphNode, prefix: string, isRoot: boolean, last: boolean): void => {
    rows.push([d(node.total), d(node.self), String(node.calls), isRoot ? node.function : `${prefix}+-${node.function}`]);
    const childPrefix = isRoot ? "" : prefix + (last ? "  " : "| ");
    node.children.forEach((c, k) => visit(c, childPrefix, false, k === node.children.length - 1));
  };
  visit(root, "", true, true);
}
