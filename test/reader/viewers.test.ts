/**
 * The flame-graph files in the real clients: speedscope 1.25 from npm, served on 127.0.0.1 and
 * driven in Debian's headless Chromium (test/support/browser.ts), and the SVG in the same
 * Chromium. Traces come from `ntrace run` through the built CLI, as a user makes them; the
 * numbers a viewer shows are checked against `ntrace report --json` of the same trace.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { ntrace } from "../cli/cli.js";
import { ROOT } from "./helpers.js";
import { CHROMIUM, SPEEDSCOPE_DIR, serveStatic, withPage, type StaticServer } from "../support/browser.js";

const dir = mkdtempSync(join(tmpdir(), "ntrace-viewers-"));
const SP = ["--symbol-path", join(ROOT, "samples/fib")];
let server: StaticServer;

function run(args: string[]): string {
  const r = ntrace(args);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

function record(call: string): string {
  const out = join(dir, `${call.replace(":", "_")}.ntrace`);
  run(["run", "samples/fib/fib.dll", "--call", call, "-o", out]);
  return out;
}

function reportTotals(trace: string): Map<string, number> {
  const rows = JSON.parse(run(["report", trace, "--json", ...SP])) as { function: string; total: number }[];
  return new Map(rows.map((r) => [r.function, r.total]));
}

/** Opens a file of `dir` in speedscope the way its docs say (#profileURL=…); resolves with the console lines once it settled. */
async function openInSpeedscope(page: Page, file: string): Promise<string[]> {
  const logs: string[] = [];
  page.on("console", (m) => logs.push(m.text()));
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(`${server.url}/index.html#profileURL=${encodeURIComponent(`${server.url}/data/${file}`)}`);
  await page.waitForFunction(() => document.title.endsWith(" - speedscope") || document.body.innerText.includes("Something went wrong"), undefined, { timeout: 30_000 }).catch(() => undefined);
  await page.waitForTimeout(500); // the first frames are drawn on the next animation frames
  return logs;
}

/** speedscope's hover tooltip at a point of the flame chart: "176,228,882 (>99%) fib!Run". */
async function hoverText(page: Page, x: number, y: number): Promise<string> {
  await page.mouse.move(x, y);
  await page.waitForTimeout(300);
  const lines = (await page.locator("body").innerText()).split("\n");
  return lines.find((l) => /^[\d,.]+\S* \(/.test(l)) ?? "";
}

describe.skipIf(CHROMIUM === undefined)("viewers, in the real clients", () => {
  let fib32: string;
  beforeAll(async () => {
    server = await serveStatic({ "/data/": dir, "/": SPEEDSCOPE_DIR });
    fib32 = record("Run:32");
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("speedscope: fib(32) as weighted samples is under 1 MB, loads, and shows Run's total on hover", async () => {
    const file = join(dir, "fib32.speedscope.json");
    run(["flamegraph", fib32, "--format", "speedscope", "-o", file, ...SP]);
    expect(statSync(file).size).toBeLessThan(1024 * 1024);
    const doc = JSON.parse(readFileSync(file, "utf8")) as { profiles: { type: string }[]; shared: { frames: { name: string }[] } };
    expect(doc.profiles.map((p) => p.type)).toEqual(["sampled"]);
    expect(doc.shared.frames.map((f) => f.name).sort()).toEqual(["fib!DllMain", "fib!Run", "fib!fib", "fib!leaf"]);
    const runTotal = reportTotals(fib32).get("Run")!;
    await withPage(async (page) => {
      const logs = await openInSpeedscope(page, "fib32.speedscope.json");
      expect(await page.title()).toBe("fib.dll — ntrace flame graph - speedscope");
      expect(logs).toContain("Importing as speedscope json file");
      expect(logs.filter((l) => /error/i.test(l))).toEqual([]);
      // The outermost row of the flame chart is Run; speedscope's own sum of its weight is the report's total.
      const hover = await hoverText(page, 300, 153);
      expect(hover).toBe(`${runTotal.toLocaleString("en-US")} (>99%) fib!Run`);
    });
  }, 90_000);

  it("speedscope: the event-by-event form (--evented) loads too and shows the same total", async () => {
    const trace = record("Run:12");
    const file = join(dir, "fib12.speedscope.json");
    run(["flamegraph", trace, "--format", "speedscope", "--evented", "-o", file, ...SP]);
    const doc = JSON.parse(readFileSync(file, "utf8")) as { profiles: { type: string }[] };
    expect(doc.profiles.map((p) => p.type)).toEqual(["evented"]);
    const totals = reportTotals(trace);
    await withPage(async (page) => {
      const logs = await openInSpeedscope(page, "fib12.speedscope.json");
      expect(await page.title()).toBe("fib.dll — ntrace flame graph - speedscope");
      expect(logs.filter((l) => /error/i.test(l))).toEqual([]);
      // Evented: DllMain first, then Run; Run's row spans most of the width.
      const hover = await hoverText(page, 700, 153);
      expect(hover).toMatch(new RegExp(`^${totals.get("Run")!.toLocaleString("en-US")} \\(>?\\d+%\\) fib!Run$`));
    });
  }, 90_000);

  it("Chrome JSON under the documented name (*.trace.json) loads in speedscope and says its time unit", async () => {
    const trace = record("Run:10");
    const file = join(dir, "fib.trace.json");
    run(["flamegraph", trace, "--format", "chrome", "-o", file, ...SP]);
    const doc = JSON.parse(readFileSync(file, "utf8")) as { otherData: { timeUnit: string }; traceEvents: { ph: string; name: string; args?: { name?: string } }[] };
    expect(doc.otherData.timeUnit).toMatch(/1 µs on the time axis = 1000 guest instructions/);
    expect(doc.traceEvents.find((e) => e.ph === "M" && e.name === "process_name")!.args!.name).toMatch(/time axis: 1 µs = 1000 guest instructions/);
    await withPage(async (page) => {
      const logs = await openInSpeedscope(page, "fib.trace.json");
      expect(logs).toContain("Importing as Trace Event Format profile");
      expect(await page.title()).toMatch(/ - speedscope$/);
      expect(await hoverText(page, 600, 153)).toMatch(/fib!Run|Run/);
    });
    // The name the README warns about: speedscope takes *.chrome.json for a Chrome profile and fails.
    writeFileSync(join(dir, "fib.chrome.json"), readFileSync(file));
    const warned = ntrace(["flamegraph", trace, "--format", "chrome", "-o", join(dir, "x.chrome.json"), ...SP]);
    expect(warned.stderr).toMatch(/name it \*\.trace\.json/);
    await withPage(async (page) => {
      const logs = await openInSpeedscope(page, "fib.chrome.json");
      expect(logs).toContain("Importing as Chrome Timeline");
      expect(await page.title()).not.toMatch(/ - speedscope$/);
    });
  }, 90_000);

  it("SVG: the title names the image; hover, click zoom and Reset Zoom work; search shows matches and their share", async () => {
    const trace = record("Run:12");
    const file = join(dir, "fib.svg");
    run(["flamegraph", trace, "--format", "svg", "-o", file, ...SP]);
    const rows = JSON.parse(run(["report", trace, "--json", ...SP])) as { function: string; total: number; self: number }[];
    const grand = rows.reduce((a, r) => a + r.self, 0);
    const leafShare = (100 * rows.find((r) => r.function === "leaf")!.total) / grand;
    await withPage(async (page) => {
      await page.goto(`${server.url}/data/fib.svg`);
      expect(await page.locator("#title").textContent()).toBe("fib.dll — ntrace flame graph");
      const widthOf = (name: string) => page.locator(`g.f[data-name="${name}"] rect`).first().getAttribute("width");
      const before = await widthOf("fib!Run");
      // Hover: the details line names the frame with its time and share.
      await page.locator('g.f[data-name="fib!Run"]').first().hover();
      expect(await page.locator("#details").textContent()).toMatch(/^fib!Run \([\d.]+ K insn, \d+\.\d\d%\)$/);
      // Zoom into the deepest fib frame of the first thread, then reset.
      await page.locator('g.f[data-name="fib!fib"]').nth(5).click();
      expect(await page.locator("#unzoom").isVisible()).toBe(true);
      expect(await page.locator("g.f.hidden").count()).toBeGreaterThan(0);
      await page.locator("#unzoom").click();
      expect(await page.locator("#unzoom").isVisible()).toBe(false);
      expect(await page.locator("g.f.hidden").count()).toBe(0);
      expect(Number(await widthOf("fib!Run"))).toBeCloseTo(Number(before), 1);
      // Search: a real prompt, answered.
      page.once("dialog", (d) => void d.accept("leaf"));
      await page.locator("#search").click();
      const status = (await page.locator("#status").textContent())!;
      const m = /^(\d+) matched, ([\d.]+)% of the time: leaf$/.exec(status);
      expect(m, status).not.toBeNull();
      expect(Number(m![1])).toBe(await page.locator('g.f.match').count());
      expect(Number(m![1])).toBeGreaterThan(1);
      expect(Number(m![2])).toBeCloseTo(leafShare, 1);
      await page.locator("#search").click(); // "Reset Search"
      expect(await page.locator("g.f.match").count()).toBe(0);
    });
  }, 90_000);
});
