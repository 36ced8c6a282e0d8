/**
 * x86 SEH beyond the samples' end results: nested exceptions (EXCEPTION_NESTED_CALL through the
 * dispatcher's own registration record) and collided unwinds (RtlUnwind meeting another
 * unwind's protector record), with the observer notifications a tracer cuts shadow stacks from.
 * References: samples/seh/README.md (confirmed under Wine 8.0) and fixtures/collided.s, whose
 * counters were confirmed under Wine 8.0 by a runner that maps collided.bin and calls it.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createMachine } from "../../runtime/index.js";
import type { ExceptionInfo, MachineObserver, UnwindStep } from "../../runtime/types.js";

interface Seen {
  exceptions: ExceptionInfo[];
  unwinds: UnwindStep[];
  resumes: { esp: number; eip: number; code: number }[];
}

function recorder(): { observer: MachineObserver; seen: Seen } {
  const seen: Seen = { exceptions: [], unwinds: [], resumes: [] };
  const observer: MachineObserver = {
    onException: (_t, r) => void seen.exceptions.push(r),
    onUnwind: (_t, s) => void seen.unwinds.push(s),
    onContextResume: (_t, esp, eip, code) => void seen.resumes.push({ esp, eip, code }),
  };
  return { observer, seen };
}

describe("nested exception (seh.dll Nested)", () => {
  it("gives 231, sets EXCEPTION_NESTED_CALL, and notifies both exceptions and one resume", () => {
    const { observer, seen } = recorder();
    const um = createMachine({ observer });
    try {
      const mod = um.loadImage("samples/seh/seh.dll");
      const t = um.mainThread();
      const headBefore = um.machine.memory.u32(t.teb);
      expect(um.callExport(mod, "Nested", [])).toBe(231);
      expect(um.machine.memory.u32(t.teb)).toBe(headBefore);
      expect(seen.exceptions.map((e) => e.code)).toEqual([0xe0000001, 0xe0000002]);
      // The nested exception's records lie below the first one's (raised deeper on the stack).
      expect(seen.exceptions[1]!.recordAddress).toBeLessThan(seen.exceptions[0]!.recordAddress);
      // One RtlUnwind (b_outer_handler → record O): each record it unlinks is reported once,
      // innermost first — the dispatcher's two protector records and record I — then one resume.
      const frames = seen.unwinds.map((u) => u.establisherFrame);
      expect(frames.length).toBe(3);
      expect(new Set(frames).size).toBe(3);
      expect([...frames].sort((a, b) => a - b)).toEqual(frames);
      expect(seen.unwinds.every((u) => u.code === 0xe0000002 && u.targetFrame > frames[2]!)).toBe(true);
      // RtlUnwind continues at its caller, seh_global_unwind (called from b_outer_handler, the
      // deepest frame: below every record); seh_resume then jumps into Nested by itself.
      expect(seen.resumes.length).toBe(1);
      expect(um.machine.describeAddress(seen.resumes[0]!.eip)).toMatch(/^seh\.dll\+0x1a[cd][0-9a-f]$/);
      expect(seen.resumes[0]!.esp).toBeLessThan(frames[0]!);
    } finally {
      um.close();
    }
  });

  it("RunAll and ChainIntact: every case in a row leaves fs:[0] as it was", () => {
    const um = createMachine();
    try {
      const mod = um.loadImage("samples/seh/seh.dll");
      expect(um.callExport(mod, "RunAll", [])).toBe(1665);
      expect(um.callExport(mod, "ChainIntact", [])).toBe(1);
    } finally {
      um.close();
    }
  });
});

describe("repeated CPU faults in one machine", () => {
  it("a third #DE is still a #DE (unicorn keeps QEMU's exception in flight: no #DF, no triple fault)", () => {
    const um = createMachine();
    try {
      const mod = um.loadImage("samples/seh/seh.dll");
      for (let i = 0; i < 3; i++) expect(um.callExport(mod, "DivideByZero", [])).toBe(303);
      expect(um.callExport(mod, "ChainIntact", [])).toBe(1);
      expect(um.machine.failure).toBeUndefined();
    } finally {
      um.close();
    }
  });
});

describe("collided unwind (fixtures/collided.s)", () => {
  it("skips the frame the first unwind was at, as Windows and Wine do", () => {
    const { observer, seen } = recorder();
    const um = createMachine({ observer });
    try {
      const m = um.machine;
      const t = um.mainThread();
      const kernel32 = um.process.builtins.module("kernel32.dll")!;
      const code = m.allocate(0x1000, 7, "collided.s");
      m.memory.write(code.base, new Uint8Array(readFileSync("test/runtime/fixtures/collided.bin")));
      const data = m.allocate(0x1000, 3, "collided data");
      m.memory.setU32(data.base, um.process.builtins.exportAddress(kernel32, "RtlUnwind", undefined)!);
      m.memory.setU32(data.base + 4, um.process.builtins.exportAddress(kernel32, "RaiseException", undefined)!);
      const headBefore = m.memory.u32(t.teb);
      let result: number | undefined;
      m.callGuest(t, code.base, [data.base], (eax) => {
        result = eax;
        m.parkHostThread(t);
      });
      m.run(() => t.state !== "running" && t.state !== "ready");
      expect(m.failure).toBeUndefined();
      expect(result).toBe(1234);
      const at = (offset: number) => m.memory.u32(data.base + offset);
      // Wine 8.0 printed: result 1234 [8]=1 [12]=1 [16]=1 [20]=1 [24]=1 [28]=1 [44]=0 [48]=0
      expect([8, 12, 16, 20, 24, 28, 44, 48].map(at)).toEqual([1, 1, 1, 1, 1, 1, 0, 0]);
      expect(m.memory.u32(t.teb)).toBe(headBefore);
      expect(seen.exceptions.map((e) => e.code)).toEqual([0xe0000011, 0xe0000022]);
      // Record C (esp+0 of main's records) is unlinked once: by the second unwind's collision.
      const recordA = at(32) + 24;
      const recordC = at(32);
      expect(seen.unwinds.filter((u) => u.establisherFrame === recordC).length).toBe(1);
      expect(seen.unwinds.filter((u) => u.establisherFrame === at(32) + 12).length).toBe(1);
      expect(seen.unwinds.every((u) => u.targetFrame === recordA)).toBe(true);
      // Two resumes: RtlUnwind back into handler A, then A's CONTEXT into main.
      expect(seen.resumes.map((r) => r.esp).at(-1)).toBe(at(32));
    } finally {
      um.close();
    }
  });
});
