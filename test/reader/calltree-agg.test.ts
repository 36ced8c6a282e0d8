/**
 * The aggregated call-path tree (folded/svg) against a naive reference: random call streams
 * with thousands of distinct paths (so its typed-array hash grows several times) on two
 * threads, every path's calls/total/self equal to a Map keyed by the path text.
 */
import { describe, expect, it } from "vitest";
import { threadKey } from "../../base/index.js";
import { CallPathTree } from "../../reader/flamegraph/calltree.js";
import type { ThreadInfo } from "../../reader/calltree/frames.js";
import { prng } from "../support/prng.js";


describe("CallPathTree", () => {
  it("merges identical call paths exactly like a path-keyed map", () => {
    const threads: ThreadInfo[] = [0, 1].map((index) => ({ key: threadKey(0x81000000 + index * 0x1000), index, record: undefined }));
    const tree = new CallPathTree(false);
    const ref = new Map<string, { calls: number; total: number; self: number }>();
    const r = prng(5);
    for (const t of threads) {
      const stack: { fn: number; start: number; child: number; path: string }[] = [];
      let ts = 0;
      for (let step = 0; step < 60000; step++) {
        ts += 1 + Math.floor(r() * 5);
        const open = stack.length === 0 || (stack.length < 12 && r() < 0.52);
        if (open) {
          const fn = Math.floor(r() * 9);
          const path = `${stack.length === 0 ? `t${t.index}` : stack[stack.length - 1]!.path};${fn}`;
          tree.open(t, stack.length, fn);
          stack.push({ fn, start: ts, child: 0, path });
        } else {
          const f = stack.pop()!;
          const dur = ts - f.start;
          if (stack.length > 0) stack[stack.length - 1]!.child += dur;
          tree.close(t, stack.length, f.fn, f.start, ts, dur - f.child);
          const e = ref.get(f.path) ?? { calls: 0, total: 0, self: 0 };
          e.calls++;
          e.total += dur;
          e.self += dur - f.child;
          ref.set(f.path, e);
        }
      }
      while (stack.length > 0) {
        const f = stack.pop()!;
        const dur = ts - f.start;
        if (stack.length > 0) stack[stack.length - 1]!.child += dur;
        tree.close(t, stack.length, f.fn, f.start, ts, dur - f.child);
        const e = ref.get(f.path) ?? { calls: 0, total: 0, self: 0 };
        e.calls++;
        e.total += dur;
        e.self += dur - f.child;
        ref.set(f.path, e);
      }
    }
    expect(ref.size).toBeGreaterThan(5000);
    const got = new Map<string, { calls: number; total: number; self: number }>();
    const pathOf = (id: number): string => {
      const fn = tree.fn[id]!;
      return fn < 0 ? `t${tree.rootThread[id]}` : `${pathOf(tree.parent[id]!)};${fn}`;
    };
    for (let id = 0; id < tree.count; id++) {
      if (tree.fn[id]! < 0) continue;
      const path = pathOf(id);
      expect(got.has(path)).toBe(false); // one node per distinct path
      got.set(path, { calls: tree.calls[id]!, total: tree.total[id]!, self: tree.self[id]! });
    }
    expect(got).toEqual(ref);
  });
});
