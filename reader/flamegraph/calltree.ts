/**
 * The aggregated call tree: identical call paths merged into one node, holding calls, total
 * and self time. Nodes live in parallel typed arrays; a node's parent always has a smaller id.
 * Root nodes are one per thread (fn = -1), or one shared root when threads are merged.
 */
import type { FrameSink, ThreadInfo } from "../calltree/frames.js";

export class CallPathTree implements FrameSink {
  count = 0;
  fn = new Int32Array(1024);
  parent = new Int32Array(1024);
  /** Thread index of the root each node descends from (-1: the merged root). */
  rootThread = new Int32Array(1024);
  calls = new Float64Array(1024);
  total = new Float64Array(1024);
  self = new Float64Array(1024);
  /**
   * Open-addressing hash (parent, fn) → node + 1 (0 = empty), in a typed array: the lookup
   * every frame open does. (A Map keyed by parent·2^26+fn hashed heap numbers: ~3× slower.)
   */
  private slots = new Int32Array(2048);
  private used = 0;
  private readonly roots: number[] = [];
  private readonly stacks: Int32Array[] = [];
  readonly threads: ThreadInfo[] = [];
  private readonly mergeThreads: boolean;

  constructor(mergeThreads: boolean) {
    this.mergeThreads = mergeThreads;
    if (mergeThreads) this.newNode(-1, -1, -1);
  }

  private newNode(fn: number, parent: number, thread: number): number {
    if (this.count === this.fn.length) this.grow();
    const id = this.count++;
    this.fn[id] = fn;
    this.parent[id] = parent;
    this.rootThread[id] = thread;
    return id;
  }

  private grow(): void {
    const n = this.fn.length * 2;
    const i32 = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    const f64 = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.fn = i32(this.fn);
    this.parent = i32(this.parent);
    this.rootThread = i32(this.rootThread);
    this.calls = f64(this.calls);
    this.total = f64(this.total);
    this.self = f64(this.self);
  }

  /** The root node of a thread (created on first use). */
  root(t: ThreadInfo): number {
    if (this.mergeThreads) return 0;
    let r = this.roots[t.index];
    if (r === undefined) {
      r = this.newNode(-1, -1, t.index);
      this.roots[t.index] = r;
      this.threads[t.index] = t;
    }
    return r;
  }

  /** The last thread's stack, cached: threads switch rarely, frames constantly. */
  private stackThread = -1;
  private stackNodes: Int32Array = new Int32Array(0);

  private stack(t: ThreadInfo, depth: number): Int32Array {
    if (t.index === this.stackThread && depth < this.stackNodes.length) return this.stackNodes;
    let s = this.stacks[t.index];
    if (s === undefined || depth >= s.length) {
      const b = new Int32Array(Math.max(64, (depth + 1) * 2)).fill(-1);
      if (s !== undefined) b.set(s);
      this.stacks[t.index] = b;
      s = b;
    }
    this.stackThread = t.index;
    this.stackNodes = s;
    return s;
  }

  open(t: ThreadInfo, depth: number, fn: number): void {
    const s = this.stack(t, depth);
    const parent = depth === 0 ? this.root(t) : s[depth - 1]!;
    // The node last open at this depth is often the one again (a loop calling the same
    // function, fib's two recursive calls): checked before the hash.
    const prev = s[depth]!;
    s[depth] = prev >= 0 && this.parent[prev] === parent && this.fn[prev] === fn ? prev : this.child(parent, fn);
  }

  /** The node of `fn` called from `parent` (created on first use). */
  private child(parent: number, fn: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    let h = slotHash(parent, fn) & mask;
    for (;;) {
      const v = slots[h]!;
      if (v === 0) break;
      const node = v - 1;
      if (this.parent[node] === parent && this.fn[node] === fn) return node;
      h = (h + 1) & mask;
    }
    const node = this.newNode(fn, parent, this.rootThread[parent]!);
    slots[h] = node + 1;
    if (++this.used * 2 > slots.length) this.rehash();
    return node;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let node = 0; node < this.count; node++) {
      if (this.parent[node]! < 0) continue; // roots are not in the table
      let h = slotHash(this.parent[node]!, this.fn[node]!) & mask;
      while (slots[h] !== 0) h = (h + 1) & mask;
      slots[h] = node + 1;
    }
    this.slots = slots;
  }

  close(t: ThreadInfo, depth: number, _fn: number, start: number, end: number, self: number): void {
    const node = this.stack(t, depth)[depth]!;
    this.calls[node]!++;
    this.total[node]! += end - start;
    this.self[node]! += self;
  }

  /** Fills the totals of root nodes (sum of their children) — roots have no frames of their own. */
  finishRoots(): void {
    for (let id = this.count - 1; id >= 0; id--) {
      const p = this.parent[id]!;
      if (p >= 0 && this.fn[p] === -1) this.total[p]! += this.total[id]!;
    }
  }

  /** Children lists (first-child / next-sibling), in creation order. */
  childLists(): { first: Int32Array; next: Int32Array } {
    const first = new Int32Array(this.count).fill(-1);
    const next = new Int32Array(this.count).fill(-1);
    const last = new Int32Array(this.count).fill(-1);
    for (let id = 0; id < this.count; id++) {
      const p = this.parent[id]!;
      if (p < 0) continue;
      if (first[p] === -1) first[p] = id;
      else next[last[p]!] = id;
      last[p] = id;
    }
    return { first, next };
  }

  /** Root node ids. */
  rootIds(): number[] {
    const r: number[] = [];
    for (let id = 0; id < this.count; id++) if (this.parent[id] === -1) r.push(id);
    return r;
  }
}

function slotHash(parent: number, fn: number): number {
  return (Math.imul(parent, 0x9e3779b1) ^ Math.imul(fn, 0x85ebca77)) >>> 0;
}
