/**
 * Issue 12: what each patching method costs on the same functions, side by side in one run.
 * fib.dll (clang form: every function hot-patchable) runs Run(24) through the CLI untraced and
 * traced with each method forced: `--method auto` (the clang-form hot patch), `--method detour`
 * (a jump over the first instructions, which run relocated in a trampoline) and `--method
 * probe` (an engine hook on the first instruction, no code changed). The tracing cost per
 * event is (traced − untraced) / events, so start-up cancels out.
 */
import { join } from "node:path";
import type { Benchmark } from "../harness.js";
import { commandLine, fmt, interleave, requireFiles, runChecked } from "../harness.js";
import { ntraceCli } from "../project.js";

const METHODS = ["auto", "detour", "probe"] as const;

export const methodCost: Benchmark = {
  name: "methods",
  title: "Patching methods: hot patch vs detour vs probe on fib.dll Run(24)",
  async run(ctx) {
    const cli = ntraceCli(ctx.root);
    const dll = join(ctx.root, "samples", "fib", "fib.dll");
    requireFiles([cli, dll], "the CLI and samples/fib/fib.dll");
    const base = [cli, "run", dll, "--call", "Run:24"];
    const untraced = [...base, "--no-trace"];
    const traced = (m: string) => [...base, "--method", m, "-o", join(ctx.cacheDir, `methods-${m}.ntrace`)];
    // The event count and the methods the run used, from one run each.
    const events: Record<string, number> = {};
    for (const m of METHODS) {
      const r = await runChecked("node", traced(m));
      const count = /: (\d+) events,.*functions in 1 module\(s\): ([^)]*)\)/.exec(r.stderr);
      if (count === null) throw new Error(`no trace summary from ${commandLine("node", traced(m))}: ${r.stderr.slice(-400)}`);
      events[m] = Number(count[1]);
      if (m !== "auto" && !count[2]!.includes(m)) throw new Error(`--method ${m} patched with ${count[2]}`);
    }
    for (const a of [untraced, ...METHODS.map(traced)]) ctx.command(`${commandLine("node", a)} > /dev/null`);
    const t = await interleave(
      [
        { name: "untraced", run: async () => (await runChecked("node", untraced)).seconds },
        ...METHODS.map((m) => ({ name: m, run: async () => (await runChecked("node", traced(m))).seconds })),
      ],
      Math.max(ctx.repeats, 5),
    );
    const m = t.median;
    const perEvent = (name: string) => ((m[name]! - m.untraced!) / events[name]!) * 1e9;
    const hot = perEvent("auto");
    for (const name of METHODS) {
      const label = name === "auto" ? "hot patch (clang form)" : name;
      ctx.measure({
        id: `methods.${name}`,
        label: `tracing cost per event, ${label}`,
        value: perEvent(name),
        unit: "ns",
        detail: `${fmt(m[name]!)} s traced vs ${fmt(m.untraced!)} s untraced, ${events[name]} events${name === "auto" ? "" : `; ${fmt(perEvent(name) / hot)}× the hot patch's cost`}`,
      });
    }
  },
};
