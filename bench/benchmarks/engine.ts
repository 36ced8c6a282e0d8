/**
 * Unit prices of the engine (bench/baselines/engine-facts.ts): ns per guest store, load,
 * call+ret, JS code hook, and the instruction-count limit the scheduler's slices use.
 */
import type { Benchmark } from "../harness.js";
import { fmt, interleave } from "../harness.js";
import { loadProjectModule } from "../project.js";
import { runFact, type FactVariant } from "../baselines/engine-facts.js";
import type { Engine } from "../../runtime/engine/types.js";

interface EngineApi {
  UnicornEngine: new () => Engine;
}

const LABELS: Record<Exclude<FactVariant, "empty">, string> = {
  storeData: "guest store to a data page (mov [mem], reg)",
  loadData: "guest load from a data page (mov reg, [mem])",
  storeCodePage: "guest store to a page that holds translated code",
  callRet: "guest call + ret pair",
  jsHook: "JS code hook callback on one instruction",
  countLimit: "per instruction with an instruction-count limit (uc_emu_start count > 0)",
};

export const engineFacts: Benchmark = {
  name: "engine",
  title: "Engine unit prices (unicorn via koffi): stores, calls, JS hooks, count limit",
  async run(ctx) {
    const api = await loadProjectModule<EngineApi>(ctx.root, "runtime/engine/index.js", ["UnicornEngine"], "engine binding (runtime/engine)");
    const make = (): Engine => new api.UnicornEngine();
    const n = ctx.quick ? 1_000_000 : 3_000_000;
    const variants: FactVariant[] = ["empty", "storeData", "loadData", "storeCodePage", "callRet", "jsHook", "countLimit"];
    ctx.command(`# in-process (bench/baselines/engine-facts.ts): mov ecx, ${n}; L: <body>; dec ecx; jnz L — one fresh engine per run`);
    const t = await interleave(variants.map((v) => ({ name: v, run: () => runFact(make, v, n).seconds })), ctx.repeats);
    const empty = t.median.empty!;
    ctx.measure({ id: "engine.loop", label: "empty loop iteration (dec ecx; jnz; nop)", value: (empty / n) * 1e9, unit: "ns", detail: `${fmt((3 * n) / empty / 1e6)} M guest instructions/s` });
    for (const v of variants.slice(1) as Exclude<FactVariant, "empty">[]) {
      const extra = ((t.median[v]! - empty) / n) * 1e9;
      // countLimit: the extra cost is spread over the 3 instructions of the loop.
      const value = v === "countLimit" ? extra / 3 : extra;
      ctx.measure({ id: `engine.${v}`, label: LABELS[v], value, unit: "ns", detail: `${fmt(t.median[v]!)} s for ${fmt(n)} iterations vs ${fmt(empty)} s empty` });
    }
  },
};
