import { test } from "vitest";
import { runDriver, parseIrpSpec } from "../../runtime/kernel/run.js";
test("probe", () => {
  for (const cpus of [1, 4]) {
    const r = runDriver({ image: "samples/kernel/kfunc.sys", load: ["samples/kernel/kfilt1.sys", "samples/kernel/khog.sys"], cpus, maxInstructions: 5_000_000, irps: ["create", "devctl:0x80002000:01020304", "devctl:0x80002000:ffff", "devctl:0x80002004", "close"].map(parseIrpSpec) });
    console.log(JSON.stringify(r, null, 1));
  }
});
