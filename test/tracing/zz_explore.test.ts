import { it } from "vitest";
import { openTraceBytes } from "../../tracefile/index.js";
import { sample, traceRun } from "./helpers.js";
import { listImageFunctions } from "../../bin/commands/functions.js";

it("explore", () => {
  const names = new Map<number, string>();
  for (const f of listImageFunctions(sample("seh/seh.dll"), []).functions) names.set(f.rva, f.name);
  for (const c of ["RaiseCaught", "Nested", "DivideByZero", "ContinueExecution", "BadRecord", "AccessViolation", "RunAll", "ChainIntact"]) {
    const r = traceRun({ image: sample("seh/seh.dll"), call: { name: c, args: [] } });
    const t = openTraceBytes(r.result.bytes!);
    const m = t.modules.find((x) => x.name === "seh.dll")!;
    const nm = (fn: number) => names.get(m.functionRvas[fn - m.firstFunctionId] ?? -1) ?? `#${fn}`;
    const lines = [`== ${c} result=${r.result.run.result} failure=${r.result.run.failure}`];
    for (const e of r.events) lines.push(`${e.thread.toString(16)} k${e.kind} ts${e.ts} ${e.fn >= 0 ? nm(e.fn) : ""} v=${e.value.toString(16)}`);
    console.log(lines.join("\n"));
  }
});
