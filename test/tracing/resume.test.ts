/**
 * Frames left by a jump the machine does not see, then calls from the frame jumped to — the
 * shape of every MSVC `__except` block that calls a function — and the tail-call rule next to
 * it. Fixture: fixtures/resume.c (built by fixtures/build.sh; the comment at its top gives the
 * paths and results). References: the C source's control flow and the untraced run.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { runImage } from "../support/runs.js";
import { runTraced } from "../support/runs.js";
import { namedTrace, strictReplay } from "./strict.js";

const DLL = join(import.meta.dirname, "fixtures/resume.dll");
/** DllMain(DLL_PROCESS_ATTACH) when the runner loads the DLL, DLL_PROCESS_DETACH at its ExitProcess: both return TRUE. */
const ATTACH = ["entry:DllMain", "exit:DllMain=1"];
const DETACH = ATTACH;

function traceCall(name: string, args: number[] = []) {
  const untraced = runImage({ image: DLL, call: { name, args } });
  const r = runTraced({ image: DLL, call: { name, args } });
  expect({ result: r.run.result, failure: r.run.failure }).toEqual({ result: untraced.result, failure: untraced.failure });
  const trace = namedTrace(r.bytes!, DLL, "resume.dll");
  const key = trace.keys[0]!;
  const t = strictReplay(key, trace.eventsOf(key));
  // kind:name[=value] per function event (value: EAX at exit, code at unwind). The runner loads
  // the DLL first (DllMain attach) and ExitProcess ends it (DllMain detach): both are in the trace.
  const events = trace.eventsOf(key).filter((e) => e.fn >= 0);
  const seq = events.map((e, i) => {
    const kind = t.sequence[i]!.split(":")[0]!;
    const name = trace.nameOf(e.fn);
    return kind === "exit" || kind === "unwind" ? `${kind}:${name}=${(e.value >>> 0).toString(16)}` : `${kind}:${name}`;
  });
  return { result: r.run.result, seq, t };
}

describe("calls after a resume the machine does not see", () => {
  it("AfterUnwind: RtlUnwind + jump to the resume point; handler/thrower/middle are UNWIND 0xE0000042 before the calls that follow", () => {
    const { result, seq, t } = traceCall("AfterUnwind");
    expect(result).toBe(32);
    expect(seq).toEqual([
      ...ATTACH,
      "entry:AfterUnwind",
      "entry:middle",
      "entry:thrower",
      "entry:handler",
      // The fixture's RtlUnwind caller, found as a call target (no symbol): a detour.
      "entry:sub_0000103a",
      "exit:sub_0000103a=0",
      "unwind:handler=e0000042",
      "unwind:thrower=e0000042",
      "unwind:middle=e0000042",
      "entry:leaf",
      "exit:leaf=2",
      "entry:leaf",
      "exit:leaf=3",
      "exit:AfterUnwind=20",
      ...DETACH,
    ]);
    expect(t.unclosed).toEqual([]);
  });

  it("AfterJump: a longjmp out of jumper → deeper; both cut (UNWIND code 0) before leaf, which is called at jumper's stack level", () => {
    const { result, seq } = traceCall("AfterJump");
    expect(result).toBe(32);
    expect(seq).toEqual([
      ...ATTACH,
      "entry:AfterJump",
      "entry:jumper",
      "entry:deeper",
      "unwind:deeper=0",
      "unwind:jumper=0",
      "entry:leaf",
      "exit:leaf=2",
      "entry:leaf",
      "exit:leaf=3",
      "exit:AfterJump=20",
      ...DETACH,
    ]);
  });

  it("TailCall(5): tailer ends in `jmp tail_target`: tail_target nests inside tailer, both exit on the one return", () => {
    const { result, seq } = traceCall("TailCall", [5]);
    expect(result).toBe(19);
    expect(seq).toEqual([...ATTACH, "entry:TailCall", "entry:tailer", "entry:tail_target", "exit:tail_target=12", "exit:tailer=12", "exit:TailCall=13", ...DETACH]);
  });
});
