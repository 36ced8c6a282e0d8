/**
 * x86 SEH beyond the samples' end results, now dispatched and unwound by Wine's own ntdll
 * (guest code) over ntrace's exception delivery (KiUserExceptionDispatcher, NtRaiseException,
 * NtContinue): nested exceptions (seh.dll Nested), collided unwinds (fixtures/collided.s,
 * embedded in fixtures/machine.dll), repeated CPU faults, and the observer notifications a
 * tracer cuts shadow stacks from (onException at each delivery, onUnwind at each RtlUnwind call,
 * onContextResume at each NtContinue). References: samples/seh/README.md and
 * fixtures/README.md (results confirmed under Wine 8.0).
 */
import { describe, expect, it } from "vitest";
import { runSession, type ExceptionInfo, type LoadedModule, type Machine, type MachineObserver, type RunResult, type UnwindStep } from "../../runtime/index.js";

interface Seen {
  exceptions: ExceptionInfo[];
  unwinds: UnwindStep[];
  /** Context resumes after the first exception (the process start's NtContinue comes before). */
  resumes: { esp: number; eip: number; code: number }[];
  modules: Map<string, LoadedModule>;
  /** Filled when the process's one thread exits (the machine still holds its memory). */
  atExit: Map<string, number[]>;
  exceptionListBefore?: number;
}

/**
 * Calls `call` of `image` (through ntrace's runner, as `ntrace run --call` does) with an observer
 * recording the notifications; `readAtExit` names guest memory to read when the thread exits.
 */
function observed(image: string, call: string, readAtExit: (m: Machine, seen: Seen) => void = () => undefined): { run: RunResult; seen: Seen; machine: Machine } {
  const seen: Seen = { exceptions: [], unwinds: [], resumes: [], modules: new Map(), atExit: new Map() };
  let machine: Machine | undefined;
  const observer: MachineObserver = {
    onMachineReady: (m) => void (machine = m),
    onModuleLoaded: (m) => void seen.modules.set(m.name.toLowerCase(), m),
    onException: (_t, r) => void seen.exceptions.push(r),
    onUnwind: (_t, s) => void seen.unwinds.push(s),
    onContextResume: (_t, esp, eip, code) => {
      if (seen.exceptions.length > 0) seen.resumes.push({ esp, eip, code });
    },
    onThreadExit: () => readAtExit(machine!, seen),
  };
  const run = runSession({ target: { mode: "user", image, call: { name: call, args: [] } }, observer }).run as RunResult;
  return { run, seen, machine: machine! };
}

/** RVA of an export of a loaded module. */
function exportRva(m: LoadedModule, name: string): number {
  const e = m.image!.exports!.entries.find((x) => x.names.includes(name));
  if (e === undefined) throw new Error(`${m.name} has no export ${name}`);
  return e.rva;
}

describe("nested exception (seh.dll Nested)", () => {
  it("gives 231 (EXCEPTION_NESTED_CALL seen), and notifies both exceptions, the one RtlUnwind and one resume", () => {
    const { run, seen, machine } = observed("samples/seh/seh.dll", "Nested");
    expect(run.failure).toBeUndefined();
    expect(run.result).toBe(231);
    expect(seen.exceptions.map((e) => e.code)).toEqual([0xe0000001, 0xe0000002]);
    // The nested exception's record lies below the first one's (raised deeper on the stack).
    expect(seen.exceptions[1]!.recordAddress).toBeLessThan(seen.exceptions[0]!.recordAddress);
    // One RtlUnwind (b_outer_handler → seh_global_unwind → RtlUnwind(record O)) for the nested
    // exception; record O (Nested's frame) lies above both exception records.
    expect(seen.unwinds.map((u) => u.code)).toEqual([0xe0000002]);
    expect(seen.unwinds[0]!.targetFrame).toBeGreaterThan(seen.exceptions[0]!.recordAddress);
    // RtlUnwind continues at its caller, seh_global_unwind (seh.dll RVA 0x1AC4, called from
    // b_outer_handler, the deepest frame: below both records); seh_resume then jumps into
    // Nested by itself, unseen.
    expect(seen.resumes.length).toBe(1);
    expect(machine.describeAddress(seen.resumes[0]!.eip)).toMatch(/^seh\.dll\+0x1a[cd][0-9a-f]$/);
    expect(seen.resumes[0]!.esp).toBeLessThan(seen.exceptions[1]!.recordAddress);
    expect(seen.resumes[0]!.code).toBe(0xe0000002);
  });

  it("ChainIntact: RunAll's cases in a row (each exception notified once, in order) leave fs:[0] as it was", () => {
    const { run, seen } = observed("samples/seh/seh.dll", "ChainIntact");
    expect(run.failure).toBeUndefined();
    expect(run.result).toBe(1); // RunAll() == 1665 and fs:[0] the same before and after
    // README: (a) E0000001, (b) E0000001 + nested E0000002, (c) #DE, (d) E0000004, (f) #AV.
    expect(seen.exceptions.map((e) => e.code)).toEqual([0xe0000001, 0xe0000001, 0xe0000002, 0xc0000094, 0xe0000004, 0xc0000005]);
    // Global unwinds: (a), (b) and (f) each call RtlUnwind once; (c) and (d) continue a CONTEXT.
    expect(seen.unwinds.map((u) => u.code)).toEqual([0xe0000001, 0xe0000002, 0xc0000005]);
  });
});

describe("repeated CPU faults in one machine", () => {
  it("a third #DE is still a #DE (unicorn keeps QEMU's exception in flight: no #DF, no triple fault)", () => {
    const { run, seen } = observed("test/runtime/fixtures/machine.dll", "ThreeDivides");
    expect(run.failure).toBeUndefined();
    // The vectored handler saw three STATUS_INTEGER_DIVIDE_BY_ZERO and nothing else.
    expect(run.result).toBe(3);
    expect(seen.exceptions.map((e) => e.code)).toEqual([0xc0000094, 0xc0000094, 0xc0000094]);
    const dll = seen.modules.get("machine.dll")!;
    for (const e of seen.exceptions) expect(e.address - dll.base).toBeGreaterThan(exportRva(dll, "ThreeDivides"));
    expect(new Set(seen.exceptions.map((e) => e.address)).size).toBe(3); // three idiv instructions (the loop is unrolled)
    // Each handled fault resumes its CONTEXT past the idiv, with the fault's code.
    expect(seen.resumes.map((r) => r.code)).toEqual([0xc0000094, 0xc0000094, 0xc0000094]);
    expect(seen.resumes.map((r, i) => r.eip - seen.exceptions[i]!.address)).toEqual([2, 2, 2]);
  });
});

describe("collided unwind (fixtures/collided.s in fixtures/machine.dll)", () => {
  it("skips the frame the first unwind was at, as Windows and Wine do", () => {
    const { run, seen } = observed("test/runtime/fixtures/machine.dll", "Collided", (m, s) => {
      const dll = s.modules.get("machine.dll")!;
      const data = dll.base + exportRva(dll, "collided_data");
      s.atExit.set(
        "data",
        Array.from({ length: 16 }, (_, i) => m.memory.u32(data + 4 * i)),
      );
    });
    expect(run.failure).toBeUndefined();
    expect(run.result).toBe(1234);
    const d = seen.atExit.get("data")!;
    const at = (offset: number) => d[offset / 4]!;
    // Wine 8.0 printed: result 1234 [8]=1 [12]=1 [16]=1 [20]=1 [24]=1 [28]=1 [44]=0 [48]=0
    expect([8, 12, 16, 20, 24, 28, 44, 48].map(at)).toEqual([1, 1, 1, 1, 1, 1, 0, 0]);
    expect(at(52)).toBe(1); // fs:[0] after the call is what it was before
    expect(seen.exceptions.map((e) => e.code)).toEqual([0xe0000011, 0xe0000022]);
    // Both unwinds (U1 for 0xE0000011, U2 for 0xE0000022) target record A (main's esp+24).
    const recordA = at(32) + 24;
    expect(seen.unwinds.map((u) => [u.code, u.targetFrame])).toEqual([
      [0xe0000011, recordA],
      [0xe0000022, recordA],
    ]);
    // Two resumes: U2's RtlUnwind back into handler A (below main's frame), then A's CONTEXT
    // into main's resume point (esp and eip as main saved them at +32 and +40).
    expect(seen.resumes).toHaveLength(2);
    expect(seen.resumes[0]!.esp).toBeLessThan(at(32));
    expect(seen.resumes[0]!.code).toBe(0xe0000022);
    expect([seen.resumes[1]!.esp, seen.resumes[1]!.eip]).toEqual([at(32), at(40)]);
  });
});
