/**
 * Machine properties beyond the samples' results: KTHREAD/ETHREAD field offsets (Windows 7 SP1
 * x86, see runtime/nt/layout.ts for the source), the deadlock report, the quantum changing the
 * interleaving but not the result, and base relocations applied exactly as llvm-readobj lists
 * them.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createMachine } from "../../runtime/index.js";

describe("KTHREAD / ETHREAD (Windows 7 SP1 x86 offsets)", () => {
  it("holds InitialStack 0x28, StackLimit 0x2c, Teb 0x88, StackBase 0x190, Cid 0x22c", () => {
    const um = createMachine();
    try {
      const t = um.mainThread();
      const u32 = (offset: number) => um.machine.memory.u32(t.key + offset);
      expect(u32(0x28)).toBe(t.stackBase);
      expect(u32(0x2c)).toBe(t.stackLimit);
      expect(u32(0x88)).toBe(t.teb);
      expect(u32(0x190)).toBe(t.stackBase);
      expect([u32(0x22c), u32(0x230)]).toEqual([t.cid.process, t.cid.thread]);
    } finally {
      um.close();
    }
  });
});

describe("deadlock", () => {
  it("stops with an error naming each blocked thread and what it waits on", () => {
    const um = createMachine();
    try {
      const m = um.machine;
      const t = um.mainThread();
      const k32 = um.process.builtins.module("kernel32.dll")!;
      const api = (name: string) => um.process.builtins.exportAddress(k32, name, undefined)!;
      // mov esi,[esp+4]; CreateEventA(0, TRUE, FALSE, 0); WaitForSingleObject(eax, INFINITE); ret
      const code = m.allocate(0x1000, 7, "deadlock code");
      m.memory.write(code.base, new Uint8Array([0x8b, 0x74, 0x24, 0x04, 0x6a, 0x00, 0x6a, 0x00, 0x6a, 0x01, 0x6a, 0x00, 0xff, 0x16, 0x6a, 0xff, 0x50, 0xff, 0x56, 0x04, 0xc3]));
      const table = m.allocate(0x1000, 3, "deadlock imports");
      m.memory.setU32(table.base, api("CreateEventA"));
      m.memory.setU32(table.base + 4, api("WaitForSingleObject"));
      m.callGuest(t, code.base, [table.base], () => m.parkHostThread(t));
      expect(() => m.run(() => false)).toThrow(/^deadlock: every thread is blocked with no timeout: thread 0x80100000 \(CID 1cc\) waits on .*event/i);
      expect(m.failure).toMatch(/deadlock/);
    } finally {
      um.close();
    }
  });
});

describe("threads.exe and the quantum", () => {
  // threads.c: counter = 200*(1+2+3+4) = 2000, tls_ok_mask 0xF << 12, main_tls_ok << 16, late_ran 5 << 20
  const expectedExit = 2000 + (0xf << 12) + (1 << 16) + (5 << 20);
  const run = (quantum: number) => {
    const um = createMachine({ cpus: 2, quantum });
    try {
      um.runEntry(um.loadImage("samples/threads/threads.exe"));
      return { summary: um.summary(), schedule: um.machine.schedule.map((s) => `${s.cpu}:${s.thread.toString(16)}@${s.clock}`) };
    } finally {
      um.close();
    }
  };
  it("changes the interleaving, not the result", () => {
    // threads.exe blocks or yields within a few hundred instructions: only short quanta preempt it.
    const a = run(50);
    const b = run(20_000);
    for (const r of [a, b]) {
      expect(r.summary.failure).toBeUndefined();
      expect(r.summary.exitCode).toBe(expectedExit);
    }
    expect(a.schedule).not.toEqual(b.schedule);
    expect(a.schedule.length).toBeGreaterThan(b.schedule.length);
  });
});

describe("base relocations", () => {
  it("apply every HIGHLOW fixup llvm-readobj lists, by the load delta, and the code still runs", () => {
    const um = createMachine();
    try {
      um.loadImage("samples/fib/fib.dll");
      const moved = um.process.loader.loadFile("samples/fib/fib_nopad.dll");
      const file = readFileSync("samples/fib/fib_nopad.dll");
      const readobj = spawnSync("llvm-readobj", ["--coff-basereloc", "--file-headers", "samples/fib/fib_nopad.dll"], { encoding: "utf8" });
      expect(readobj.status).toBe(0);
      const preferred = parseInt(/ImageBase: (0x[0-9A-Fa-f]+)/.exec(readobj.stdout)![1]!, 16);
      expect(moved.base).not.toBe(preferred);
      const delta = (moved.base - preferred) >>> 0;
      const fixups = [...readobj.stdout.matchAll(/Type: HIGHLOW\s+Address: (0x[0-9A-Fa-f]+)/g)].map((x) => parseInt(x[1]!, 16));
      expect(fixups.length).toBeGreaterThan(0);
      const sections = moved.image!.sections;
      for (const rva of fixups) {
        const s = sections.find((sec) => rva >= sec.rva && rva < sec.rva + Math.max(sec.virtualSize, sec.rawSize))!;
        const original = file.readUInt32LE(s.rawOffset + (rva - s.rva));
        expect(um.machine.memory.u32(moved.base + rva)).toBe((original + delta) >>> 0);
      }
      expect(um.callExport(moved, "Run", [20])).toBe(6765);
    } finally {
      um.close();
    }
  });
});
