/** Naive-hook baselines (bench/baselines/naive-hooks.ts) as ratios to the untraced run. */
import { join } from "node:path";
import type { Benchmark } from "../harness.js";
import { fmt, interleave, requireFiles } from "../harness.js";
import { loadNaiveBaselines, type NaiveRun, type NaiveVariant } from "../baselines/naive-hooks.js";

/** fib calls = 2·F(n+1) − 1, leaf calls = F(n+1); plus Run itself and DllMain (process attach and detach). */
function expectedCalls(n: number): number {
  let a = 0;
  let b = 1; // F(0), F(1)
  for (let i = 0; i < n + 1; i++) [a, b] = [b, a + b];
  return 2 * a - 1 + a + 1 + 2;
}
function fib(n: number): number {
  let a = 0;
  let b = 1;
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

/** Memo key: ns one bare JS code hook adds per function entry (read by the tracing benchmark). */
export const ENTRY_HOOK_NS = "naive-entry-hook-ns";

export const naiveHooks: Benchmark = {
  name: "naive-hooks",
  title: "Naive hook baselines on fib.dll (JS hook per entry; hook per instruction)",
  async run(ctx) {
    const image = join(ctx.root, "samples", "fib", "fib.dll");
    const pdb = join(ctx.root, "samples", "fib", "fib.pdb");
    requireFiles([image, pdb], "samples/fib/fib.dll");
    const base = await loadNaiveBaselines(ctx.root, image, pdb);
    const n = ctx.quick ? 25 : 30;
    // The per-instruction variant is ~20× slower: fewer repetitions, smaller n in quick mode.
    const last: Partial<Record<NaiveVariant, NaiveRun>> = {};
    const variant = (v: NaiveVariant) => ({
      name: v,
      run: () => {
        const r = base.run(v, n);
        if (r.result !== fib(n)) throw new Error(`${v}: Run(${n}) returned ${r.result}, expected ${fib(n)}`);
        last[v] = r;
        return r.seconds;
      },
    });
    ctx.command(`# in-process (bench/baselines/naive-hooks.ts): createMachine → loadImage(samples/fib/fib.dll) → callExport(Run, [${n}]), hooks added before the call`);
    const t = await interleave([variant("untraced"), variant("entryHooks"), variant("entryExitHooks")], ctx.repeats);
    const slow = await interleave([variant("untraced"), variant("everyInsn")], Math.max(1, Math.min(ctx.repeats, ctx.quick ? 1 : 3)));
    const calls = expectedCalls(n);
    for (const v of ["entryHooks", "entryExitHooks", "everyInsn"] as const) {
      const r = last[v]!;
      if (r.entries !== calls) throw new Error(`${v}: counted ${r.entries} entries, expected ${calls}`);
      if (v !== "entryHooks" && r.exits !== calls) throw new Error(`${v}: counted ${r.exits} rets, expected ${calls}`);
    }
    const untraced = t.median.untraced!;
    const entryRatio = t.median.entryHooks! / untraced;
    const insnRatio = slow.median.everyInsn! / slow.median.untraced!;
    const perCallNs = ((t.median.entryHooks! - untraced) / calls) * 1e9;
    await ctx.memo(ENTRY_HOOK_NS, async () => perCallNs);
    ctx.note("Hooks are added when Wine's loader maps fib.dll, before any of its code runs (DllMain's attach and detach calls are counted too), and the image's translated code is flushed: unicorn only calls code hooks that existed when a block was translated.");
    ctx.note("The per-instruction variant looks instruction bytes up in a host copy of the image; tools that read guest memory per instruction (qiling) pay an extra FFI read each time, hence the issue's 20× reference.");
    ctx.measure({ id: "naive.untraced", label: `untraced fib(${n}) on the machine`, value: untraced, unit: "s", detail: `${calls} calls, ${fmt(calls / untraced / 1e6)} M calls/s` });
    ctx.measure({ id: "naive.entryHooks", label: "one JS code hook per function entry / untraced", value: entryRatio, unit: "×", detail: `${fmt(perCallNs)} ns per hooked entry; reference 1.65×` });
    ctx.measure({
      id: "naive.entryExitHooks",
      label: "one JS code hook per entry and per ret / untraced",
      value: t.median.entryExitHooks! / untraced,
      unit: "×",
      detail: `${fmt(((t.median.entryExitHooks! - untraced) / (2 * calls)) * 1e9)} ns per hooked event: the floor of a tracer with a JS callback per event`,
    });
    ctx.measure({ id: "naive.everyInsn", label: "JS hook on every instruction (entries + rets) / untraced", value: insnRatio, unit: "×", detail: `${fmt(slow.median.everyInsn!)} s vs ${fmt(slow.median.untraced!)} s; reference 20×` });
  },
};
