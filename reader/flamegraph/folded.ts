/**
 * Folded stacks (Brendan Gregg's flamegraph.pl input, also inferno and speedscope):
 * one line per call path with self time > 0: `frame;frame;frame <self>`, self an integer in
 * clock units. The first frame is the thread, `thread 0x81001000` (its KTHREAD key), unless
 * threads are merged. ';' inside a name would split a frame, so it is written as ':'.
 */
import type { TextOutput } from "../output.js";
import type { CallPathTree } from "./calltree.js";
import { hex } from "../../base/index.js";

export function threadFrameName(key: number): string {
  return `thread ${hex(key)}`;
}

export function writeFolded(tree: CallPathTree, name: (fn: number) => string, out: TextOutput): void {
  const { first, next } = tree.childLists();
  const names: string[] = [];
  const frameName = (id: number): string | null => {
    const fn = tree.fn[id]!;
    if (fn >= 0) return name(fn).replace(/;/g, ":");
    const ti = tree.rootThread[id]!;
    return ti < 0 ? null : threadFrameName(tree.threads[ti]!.key);
  };
  // Iterative depth-first walk: a node is entered, its line written, then its children.
  const stack: number[] = [];
  for (const r of tree.rootIds()) stack.push(r);
  const depthOf = new Int32Array(tree.count);
  while (stack.length > 0) {
    const id = stack.pop()!;
    const p = tree.parent[id]!;
    const depth = p < 0 ? 0 : depthOf[p]! + 1;
    depthOf[id] = depth;
    const n = frameName(id);
    names.length = depth;
    names.push(n ?? "");
    const self = Math.round(tree.self[id]!);
    if (self > 0 && tree.fn[id]! >= 0) out.write(`${names.filter((x) => x !== "").join(";")} ${self}\n`);
    const kids: number[] = [];
    for (let c = first[id]!; c >= 0; c = next[c]!) kids.push(c);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
}
