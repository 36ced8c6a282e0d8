/**
 * The bench harness's pure parts (the bench itself is not part of npm test): medians and
 * interleaving, parsing real `uftrace report` output (golden file captured from uftrace 0.13
 * on the native fib(30) build: counts must equal the recursion's 2·F(31)−1 and F(31)), the
 * BENCHMARKS.md notes that survive regeneration, and .cpuprofile self-time attribution.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { interleave, isMet, median, runChild } from "../../bench/harness.js";
import { parseUftraceCalls } from "../../bench/native-fib.js";
import { extractNotes, renderMarkdown, type RunResults } from "../../bench/markdown.js";
import { categorize, summarizeProfile } from "../../bench/cpuprofile.js";
import { seededRandom } from "../../bench/project.js";

const GOLDEN = join(import.meta.dirname, "..", "golden", "bench");

describe("bench harness", () => {
  it("takes medians of odd and even counts", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(Number.isNaN(median([]))).toBe(true);
  });

  it("interleaves variants with the order rotated each round", async () => {
    const order: string[] = [];
    const r = await interleave(
      ["a", "b", "c"].map((name, i) => ({ name, run: () => (order.push(name), i + 1) })),
      3,
    );
    expect(order).toEqual(["a", "b", "c", "b", "c", "a", "c", "a", "b"]);
    expect(r.median).toEqual({ a: 1, b: 2, c: 3 });
  });

  it("judges targets", () => {
    expect(isMet(2, { op: "<=", limit: 2 })).toBe(true);
    expect(isMet(2, { op: "<", limit: 2 })).toBe(false);
  });

  it("seeded random inputs are identical in every run", () => {
    const a = seededRandom(8);
    const b = seededRandom(8);
    const xs = Array.from({ length: 5 }, () => a());
    expect(xs).toEqual(Array.from({ length: 5 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it("measures a child's time and peak RSS through GNU time", async () => {
    const r = await runChild("node", ["-e", "globalThis.x = Buffer.alloc(64 * 1024 * 1024, 1); console.log(x.length)"], { measureRss: true, keepStdout: true });
    expect(r.code).toBe(0);
    expect(r.stdout?.trim()).toBe(String(64 * 1024 * 1024));
    if (r.maxRssBytes !== undefined) expect(r.maxRssBytes).toBeGreaterThan(64 * 1024 * 1024);
    expect(r.seconds).toBeGreaterThan(0);
  });
});

describe("uftrace report parsing", () => {
  it("reads the call counts of the native fib(30) recording", () => {
    const calls = parseUftraceCalls(readFileSync(join(GOLDEN, "uftrace-report.txt"), "utf8"));
    // F(31) = 1346269: fib is called 2·F(31)−1 times, leaf F(31) times; kernel lines are dropped.
    expect(calls).toEqual({ main: 1, Run: 1, fib: 2 * 1346269 - 1, leaf: 1346269 });
  });
});

describe("BENCHMARKS.md", () => {
  const results: RunResults = {
    machine: { cpu: "cpu", cores: 2, memoryBytes: 2 ** 30, os: "Linux", node: "v20", unicorn: "2.0.1", date: "d", gitCommit: "c", gitDirty: false },
    invocation: "npm run bench",
    quick: false,
    repeats: 5,
    benchmarks: [
      {
        name: "x",
        title: "X",
        status: "ok",
        measures: [{ id: "x.r", label: "ratio | of x", value: 2.5, unit: "×", target: { op: "<=", limit: 2, item: "1" }, met: false, limits: "hooks" }],
        commands: ["node a.js"],
        notes: [],
        markdown: [],
        seconds: 1,
        ranAt: "t",
        quick: false,
      },
      { name: "y", title: "Y", status: "skipped", reason: "uftrace missing", measures: [], commands: [], notes: [], markdown: [], seconds: 0, ranAt: "t", quick: false },
    ],
  };

  it("keeps the hand-written notes across regeneration", () => {
    const first = renderMarkdown(results, "my analysis\nline 2");
    expect(extractNotes(first)).toBe("my analysis\nline 2");
    expect(extractNotes(renderMarkdown(results, extractNotes(first)))).toBe("my analysis\nline 2");
  });

  it("lists missed targets with their limits and skipped benchmarks with the reason", () => {
    const md = renderMarkdown(results, null);
    expect(md).toContain("| 1 | ratio \\| of x | 2.5× | ≤ 2× | **no** | hooks |");
    expect(md).toContain("- `y` skipped: uftrace missing");
  });
});

describe("cpuprofile summary", () => {
  it("charges sample time to the sampled node and its category", () => {
    const dir = mkdtempSync(join(tmpdir(), "ntrace-bench-"));
    try {
      const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0, columnNumber: 0, scriptId: "0" });
      const profile = {
        nodes: [
          { id: 1, callFrame: frame("(root)", ""), children: [2] },
          { id: 2, callFrame: frame("start", "file:///r/dist/runtime/engine/unicorn.js"), children: [3] },
          { id: 3, callFrame: frame("onEntry", "file:///r/dist/runtime/tracing/tracer.js") },
        ],
        startTime: 0,
        endTime: 1000,
        samples: [2, 3, 3, 2],
        timeDeltas: [0, 100, 200, 300],
      };
      const path = join(dir, "p.cpuprofile");
      writeFileSync(path, JSON.stringify(profile));
      const s = summarizeProfile(path);
      // Sample i lasts until sample i+1: start 100 + 0 (last), onEntry 200 + 300.
      expect(s.top.map((f) => [f.name, Math.round(f.seconds * 1e6)])).toEqual([["onEntry", 500], ["start", 100]]);
      expect(s.byCategory[0]!.category).toBe("tracer hook callbacks (runtime/tracing)");
      expect(categorize(frame("writeU32", "file:///r/dist/runtime/engine/unicorn.js"))).toMatch(/^FFI/);
      expect(categorize(frame("emit", "file:///r/dist/runtime/engine/nativehooks.js"))).toBe("native log → trace columns (ntr_emit)");
      expect(categorize(frame("native2.load", "file:///r/node_modules/koffi/src/koffi/index.js"))).toBe("loading the native libraries (koffi)");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
