/**
 * Thread creation (issue 14): `hostile.exe threads 1000` creates 1,000 threads, 50 running at a
 * time, and joins them; `threads 1` is the same program with one. Their difference is what the
 * 999 further threads cost: TEB and stack mapped, Wine's thread start (it clears 960 KiB of
 * the new stack, done on the host), the loader's thread attach, the thread's exit and the
 * memory freed. Untraced and traced (the program's own functions), whole processes,
 * interleaved.
 */
import { join } from "node:path";
import type { Benchmark } from "../harness.js";
import { commandLine, fmt, interleave, requireFiles, runChecked } from "../harness.js";
import { ntraceCli } from "../project.js";

const THREADS = 1000;

export const threadCreation: Benchmark = {
  name: "threads",
  title: "Thread creation: 1,000 threads created and joined (samples/programs/hostile.exe)",
  async run(ctx) {
    const cli = ntraceCli(ctx.root);
    const hostile = join(ctx.root, "samples", "programs", "hostile.exe");
    requireFiles([cli, hostile], "the CLI and samples/programs/hostile.exe");
    const trace = join(ctx.cacheDir, "threads.ntrace");
    const untraced = (n: number) => [cli, "run", "--no-trace", hostile, "threads", String(n)];
    const traced = (n: number) => [cli, "run", "-o", trace, hostile, "threads", String(n)];
    const check = await runChecked("node", untraced(THREADS), { keepStdout: true });
    const expected = `threads: ${THREADS} created, ${THREADS} joined, counter ${THREADS}`;
    if (!(check.stdout ?? "").startsWith(expected)) throw new Error(`hostile.exe printed ${JSON.stringify((check.stdout ?? "").slice(0, 200))}, expected ${JSON.stringify(expected)}`);
    for (const a of [untraced(1), untraced(THREADS), traced(1), traced(THREADS)]) ctx.command(`${commandLine("node", a)} > /dev/null`);
    const t = await interleave(
      [
        { name: "one", run: async () => (await runChecked("node", untraced(1))).seconds },
        { name: "many", run: async () => (await runChecked("node", untraced(THREADS))).seconds },
        { name: "oneTraced", run: async () => (await runChecked("node", traced(1))).seconds },
        { name: "manyTraced", run: async () => (await runChecked("node", traced(THREADS))).seconds },
      ],
      Math.max(ctx.repeats, 3),
    );
    const m = t.median;
    ctx.measure({
      id: "threads.untraced",
      label: "999 more threads, untraced (threads 1000 − threads 1, whole processes)",
      value: m.many! - m.one!,
      unit: "s",
      target: { op: "<", limit: 1, item: "14" },
      detail: `threads 1000 ${fmt(m.many!)} s, threads 1 ${fmt(m.one!)} s: ${fmt(((m.many! - m.one!) / (THREADS - 1)) * 1e6)} µs per thread`,
    });
    ctx.measure({
      id: "threads.traced",
      label: "999 more threads, traced (threads 1000 − threads 1, whole processes)",
      value: m.manyTraced! - m.oneTraced!,
      unit: "s",
      detail: `threads 1000 ${fmt(m.manyTraced!)} s, threads 1 ${fmt(m.oneTraced!)} s: ${fmt(((m.manyTraced! - m.oneTraced!) / (THREADS - 1)) * 1e6)} µs per thread`,
    });
  },
};
