import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { runFlamegraph, computeReport } from "../../reader/index.js";
import { ROOT, fibProcedures, sampleModule, newTrace, Script, scriptFibRun, capture } from "./helpers.js";
import { checkTraceEvents } from "./trace-event-check.js";

const FIB_NAMES = ["leaf", "fib", "deep", "Run", "Deep", "DllMain"];
const SYMBOLS = `${ROOT}samples/fib`;

/** Two threads: Run(5) on one, Run(3) on the other (ns clock), plus an idle-style thread. */
function twoThreadTrace(clockUnit: "ns" | "instructions" = "ns") {
  const procs = fibProcedures();
  const t = newTrace({ clockUnit });
  const mod = t.module(sampleModule("samples/fib/fib.dll", FIB_NAMES.map((x) => procs.get(x)!)));
  const id = (x: string) => mod.firstFunctionId + FIB_NAMES.indexOf(x);
  const ids = { Run: id("Run"), fib: id("fib"), leaf: id("leaf") };
  const a = new Script(t.thread(0x81001000, 4, 8));
  const b = new Script(t.thread(0x81002000, 4, 12), 0x0022ff00);
  scriptFibRun(a, 5, ids);
  scriptFibRun(b, 3, ids);
  return t.finish();
}

function render(format: string, options: object = {}, clock: "ns" | "instructions" = "ns", flame: object = {}): string {
  const { ctx, out } = capture(twoThreadTrace(clock), { symbolPath: SYMBOLS, ...options });
  runFlamegraph(ctx, out, { format, ...flame });
  return out.text();
}

describe("speedscope output (must show 3)", () => {
  const schema = JSON.parse(readFileSync(`${ROOT}test/fixtures/speedscope-file-format-schema.json`, "utf8")) as object;
  const validate = new Ajv({ strict: false }).compile(schema);

  it("validates against speedscope's file-format schema (weighted samples and events)", () => {
    for (const clock of ["ns", "instructions"] as const) {
      for (const evented of [false, true]) {
        const doc = JSON.parse(render("speedscope", {}, clock, { evented })) as unknown;
        const ok = validate(doc);
        expect(validate.errors ?? [], `${clock} evented=${evented}`).toEqual([]);
        expect(ok).toBe(true);
      }
    }
    // The schema is not a rubber stamp: a broken document fails it.
    expect(validate({ $schema: "https://www.speedscope.app/file-format-schema.json", profiles: [{ type: "evented" }], shared: { frames: [] } })).toBe(false);
  });

  it("by default has one sampled profile per thread: one sample per call path, weighted by its self time", () => {
    const doc = JSON.parse(render("speedscope")) as { shared: { frames: { name: string; file: string }[] }; profiles: { type: string; name: string; unit: string; endValue: number; samples: number[][]; weights: number[] }[] };
    expect(doc.profiles.map((p) => [p.type, p.name, p.unit])).toEqual([
      ["sampled", "thread 0x81001000 (CID 4:8)", "nanoseconds"],
      ["sampled", "thread 0x81002000 (CID 4:c)", "nanoseconds"],
    ]);
    const names = doc.shared.frames.map((f) => f.name);
    expect([...names].sort()).toEqual(["fib!Run", "fib!fib", "fib!leaf"]);
    expect(doc.shared.frames.every((f) => f.file === "fib.dll")).toBe(true);
    // Run(5) has 5 fib depths + leaf paths: every sample is a distinct path, outermost first.
    for (const p of doc.profiles) {
      expect(new Set(p.samples.map((x) => x.join(","))).size).toBe(p.samples.length);
      expect(p.samples.every((x) => names[x[0]!] === "fib!Run")).toBe(true);
      expect(p.weights.reduce((a, b) => a + b, 0)).toBe(p.endValue);
    }
    expect(doc.profiles.map((p) => p.endValue)).toEqual([480, 180]); // Run(5), Run(3)
    // The self time of leaf over all its paths is the report's.
    const { ctx } = capture(twoThreadTrace(), { symbolPath: SYMBOLS });
    const leafSelf = computeReport(ctx).find((r) => r.function === "leaf")!.self;
    const leaf = names.indexOf("fib!leaf");
    const sum = doc.profiles.flatMap((p) => p.samples.map((x, i) => (x[x.length - 1] === leaf ? p.weights[i]! : 0))).reduce((a, b) => a + b, 0);
    expect(sum).toBe(leafSelf);
  });

  it("with --evented has one evented profile per thread, deduplicated frames, balanced time-ordered events", () => {
    type Ev = { type: "O" | "C"; frame: number; at: number };
    const doc = JSON.parse(render("speedscope", {}, "ns", { evented: true })) as { shared: { frames: { name: string }[] }; profiles: { name: string; unit: string; startValue: number; endValue: number; events: Ev[] }[] };
    expect(doc.profiles.map((p) => p.name)).toEqual(["thread 0x81001000 (CID 4:8)", "thread 0x81002000 (CID 4:c)"]);
    expect(doc.profiles.every((p) => p.unit === "nanoseconds")).toBe(true);
    const names = doc.shared.frames.map((f) => f.name);
    expect([...names].sort()).toEqual(["fib!Run", "fib!fib", "fib!leaf"]);
    for (const p of doc.profiles) {
      const stack: number[] = [];
      let last = -Infinity;
      p.events.forEach((e, i) => {
        expect(e.at).toBeGreaterThanOrEqual(last);
        if (e.type === "O") stack.push(e.frame);
        else {
          expect(stack.pop()).toBe(e.frame);
          // closes before opens at equal times: an O directly before a C at the same time must be its own (zero-length) frame
          const prev = p.events[i - 1];
          if (prev !== undefined && prev.type === "O" && prev.at === e.at) expect(prev.frame).toBe(e.frame);
        }
        last = e.at;
      });
      expect(stack).toEqual([]);
      expect(p.startValue).toBe(p.events[0]!.at);
      expect(p.endValue).toBe(p.events[p.events.length - 1]!.at);
    }
    // fib(5): 15 fib frames; fib(3): 5
    const fibFrame = names.indexOf("fib!fib");
    expect(doc.profiles.map((p) => p.events.filter((e) => e.type === "O" && e.frame === fibFrame).length)).toEqual([15, 5]);
  });
});

describe("Chrome trace-event output (must show 3)", () => {
  it("passes the strict trace-event checker, with thread names naming KTHREAD and CID", () => {
    for (const clock of ["ns", "instructions"] as const) {
      const doc = JSON.parse(render("chrome", {}, clock)) as { traceEvents: { ph: string; name: string; tid: number; ts: number; args?: { name?: string } }[]; displayTimeUnit: string };
      expect(checkTraceEvents(doc)).toEqual([]);
      const names = doc.traceEvents.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => e.args!.name);
      expect(names).toEqual(["KTHREAD 0x81001000 (CID 4:8)", "KTHREAD 0x81002000 (CID 4:c)"]);
      expect(doc.traceEvents.filter((e) => e.ph === "B" && e.name === "fib!leaf")).toHaveLength(8 + 3);
      // First event of thread 1 is Run's entry at ts 1000 (clock units) → 1 µs.
      expect(doc.traceEvents.find((e) => e.ph === "B")!.ts).toBe(1);
    }
  });

  it("the checker rejects broken traces", () => {
    expect(checkTraceEvents({ traceEvents: [{ ph: "B", name: "a", pid: 1, tid: 1, ts: 1 }] })).toHaveLength(1);
    expect(checkTraceEvents({ traceEvents: [{ ph: "E", pid: 1, tid: 1, ts: 1 }] })).toHaveLength(1);
    expect(checkTraceEvents({ traceEvents: [{ ph: "X", name: "a", pid: 1, tid: 1, ts: 1, dur: -1 }] })).toHaveLength(1);
    expect(checkTraceEvents({ traceEvents: [{ ph: "B", name: "a", pid: 1, tid: 1, ts: "1" }] }).length).toBeGreaterThan(0);
  });
});

describe("folded output (must show 3)", () => {
  it("has one line per call path with integer self time, thread root frames, and sums that match the report", () => {
    const text = render("folded");
    const lines = text.trim().split("\n");
    const parsed = lines.map((l) => /^(.+) (\d+)$/.exec(l)!);
    expect(parsed.every((m) => m !== null)).toBe(true);
    expect(parsed.every((m) => /^thread 0x8100[12]000;fib!Run(;fib!fib)*(;fib!leaf)?$/.test(m[1]!))).toBe(true);
    const { ctx } = capture(twoThreadTrace(), { symbolPath: SYMBOLS });
    const selfOf = (fn: string) => computeReport(ctx).find((r) => r.function === fn)!.self;
    const sumFor = (fn: string) => parsed.filter((m) => m[1]!.endsWith(`;fib!${fn}`)).reduce((a, m) => a + Number(m[2]), 0);
    for (const fn of ["Run", "fib", "leaf"]) expect(sumFor(fn), fn).toBe(selfOf(fn));
    // merged threads: no thread frame
    const { ctx: c2, out } = capture(twoThreadTrace(), { symbolPath: SYMBOLS });
    runFlamegraph(c2, out, { format: "folded", mergeThreads: true });
    expect(out.text().split("\n").filter(Boolean).every((l) => l.startsWith("fib!Run"))).toBe(true);
  });

  const flamegraphPl = ["flamegraph.pl", "flamegraph"].find((p) => {
    try {
      execFileSync("which", [p], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  });
  it.skipIf(flamegraphPl === undefined)("renders with flamegraph.pl", () => {
    const dir = mkdtempSync(join(tmpdir(), "ntrace-fg-"));
    try {
      writeFileSync(join(dir, "x.folded"), render("folded"));
      const svg = execFileSync(flamegraphPl!, [join(dir, "x.folded")], { encoding: "utf8" });
      expect(svg).toContain("<svg");
      expect(svg).toContain("leaf");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("SVG output (must show 3)", () => {
  it("is a self-contained SVG with a frame per call path, titles with time and share, and zoom script", () => {
    const svg = render("svg");
    expect(svg.startsWith("<?xml")).toBe(true);
    expect(svg).toContain("<script");
    expect(svg).toContain("function zoom(");
    expect(svg).not.toMatch(/(href|src)="https?:/);
    const frames = [...svg.matchAll(/<g class="f" data-name="([^"]*)"[^>]*><title>([^<]*)<\/title>/g)].map((m) => [m[1], m[2]]);
    // all threads + 2 thread roots + Run ×2 + fib paths (depth 1..5 and 1..3) + leaf paths
    expect(frames.find((f) => f[0] === "all threads")![1]).toBe("all threads (660.000 ns, 100.00%)"); // Run(5) 480 + Run(3) 180
    expect(frames.filter((f) => f[0] === "fib!Run")).toHaveLength(2);
    expect(frames.filter((f) => f[0]!.startsWith("thread 0x"))).toHaveLength(2);
    expect(frames.filter((f) => f[0] === "fib!fib").length).toBe(5 + 3);
  });


  const chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
  it.skipIf(chromium === undefined)("hover shows name, time and share; click zooms (headless Chromium)", () => {
    // A test script appended to the SVG hovers and clicks the wider "Run" frame once loaded and
    // leaves what it saw in an attribute; --dump-dom prints the document after load.
    const hook = `<script type="text/ecmascript"><![CDATA[
window.addEventListener("load", function () {
  var fs = document.getElementById("frames").children, target = null, hidden = 0;
  for (var i = 0; i < fs.length; i++)
    if (fs[i].getAttribute("data-name") === "fib!Run" && (target === null || +fs[i].getAttribute("data-w") > +target.getAttribute("data-w"))) target = fs[i];
  target.dispatchEvent(new MouseEvent("mouseover"));
  var info = document.getElementById("details").textContent;
  target.dispatchEvent(new MouseEvent("click"));
  for (var j = 0; j < fs.length; j++) if (fs[j].classList.contains("hidden")) hidden++;
  document.documentElement.setAttribute("data-test", JSON.stringify({ info: info, width: target.getElementsByTagName("rect")[0].getAttribute("width"), hidden: hidden }));
});
]]></script>
</svg>`;
    const dir = mkdtempSync(join(tmpdir(), "ntrace-svgjs-"));
    try {
      writeFileSync(join(dir, "fg.svg"), render("svg").replace("</svg>\n", hook));
      const dom = execFileSync(chromium!, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", `--user-data-dir=${join(dir, "profile")}`, "--dump-dom", `file://${join(dir, "fg.svg")}`], { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "ignore"] });
      const attr = /data-test="([^"]*)"/.exec(dom)![1]!.replace(/&quot;/g, '"');
      const seen = JSON.parse(attr) as { info: string; width: string; hidden: number };
      // Run on thread 0x81001000 (fib(5)): 480 of 660 ns = 72.73%.
      expect(seen.info).toBe("fib!Run (480.000 ns, 72.73%)");
      expect(Number(seen.width)).toBe(1180); // zoomed to the full width
      expect(seen.hidden).toBeGreaterThan(0); // the other thread's frames are hidden
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(chromium === undefined)("renders in headless Chromium (screenshot)", () => {
    const dir = mkdtempSync(join(tmpdir(), "ntrace-svg-"));
    try {
      writeFileSync(join(dir, "fg.svg"), render("svg"));
      execFileSync("sh", [`${ROOT}test/reader/screenshot-svg.sh`, join(dir, "fg.svg"), join(dir, "fg.png")], { stdio: "ignore", timeout: 60_000 });
      const png = readFileSync(join(dir, "fg.png"));
      expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
      expect(png.length).toBeGreaterThan(5000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
