import { it } from "vitest";
import { runImage } from "../../runtime/index.js";
import { runTraced } from "../../runtime/tracing/index.js";
it("perf", () => {
  const image = "samples/fib/fib.dll"; const call = { name: "Run", args: [25] };
  let t = performance.now(); runImage({ image, call }); const u = performance.now() - t;
  t = performance.now(); const r = runTraced({ image, call }); const tr = performance.now() - t;
  t = performance.now(); runTraced({ image, call, clock: "host" }); const th = performance.now() - t;
  console.log(`untraced ${u.toFixed(0)} ms, traced(guest clock) ${tr.toFixed(0)} ms ratio ${(tr/u).toFixed(2)}, host clock ${th.toFixed(0)} ms ratio ${(th/u).toFixed(2)}, events ${r.events}, bytes ${r.traceBytes} (${(r.traceBytes/r.events).toFixed(2)} B/event)`);
}, 120000);
