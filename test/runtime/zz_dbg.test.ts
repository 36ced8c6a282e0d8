import { it } from "vitest";
import { createMachine } from "../../runtime/index.js";
it("dbg", () => {
  for (const seq of [["DivideByZero","DivideByZero"],["AccessViolation","AccessViolation"],["DivideByZero","RaiseCaught","DivideByZero"]]) {
    const um = createMachine();
    const mod = um.loadImage("samples/seh/seh.dll");
    const t = um.mainThread();
    const out = seq.map((n) => { const r = um.callExport(mod, n, []); return `${n}=${r} head=${um.machine.memory.u32(t.teb).toString(16)} fail=${um.machine.failure}`; });
    console.log(out.join(" | "));
    um.close();
  }
});
