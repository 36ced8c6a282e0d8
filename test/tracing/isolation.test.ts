/**
 * Isolation (issue 3, runtime/README.md): guest memory and host memory never alias, except the
 * exit thunk's return-slot page — a dedicated host buffer, mapped READ-ONLY, holding only the
 * return address the host writes (the rest zero). Checked on a real traced run, on a bare
 * engine (a guest store into the page faults; a guest load sees what the host wrote), and in
 * the source: the one uc_mem_map_ptr is the one in mapHostMemory.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMachine } from "../../runtime/index.js";
import { EngineFault, Prot, UnicornEngine, X86Reg } from "../../runtime/engine/index.js";
import { RETURN_SLOT_TAG, Tracer } from "../../runtime/tracing/tracer.js";
import { MemorySink, TraceWriter } from "../../tracefile/index.js";
import { ROOT, sample } from "./helpers.js";

describe("the return-slot page, the only host memory the guest sees", () => {
  it("is mapped read-only and holds the last real return address and zeros only (fib.dll Run(5), traced)", () => {
    const writer = TraceWriter.create(new MemorySink(), {
      clock: { kind: "guest-instructions", unit: "instructions", description: "test" },
      cpus: 1,
      toolVersion: "test",
      commandLine: [],
      argCount: 0,
      mode: "user",
    });
    const tracer = new Tracer(writer, {});
    const um = createMachine({ observer: tracer });
    try {
      const fib = um.loadImage(sample("fib/fib.dll"));
      expect(um.callExport(fib, "Run", [5])).toBe(5);
      const pages = um.machine.memory.list().filter((r) => r.tag === RETURN_SLOT_TAG);
      expect(pages.map((r) => [r.size, r.prot])).toEqual([[0x1000, Prot.READ]]);
      const bytes = um.machine.engine.readMemory(pages[0]!.base, 0x1000);
      const ret = new DataView(bytes.buffer).getUint32(0, true);
      // Run's own return went through it last: its real return address (the machine's call
      // stub), never zero; every other byte is zero.
      expect(ret).not.toBe(0);
      expect(bytes.subarray(4).every((b) => b === 0)).toBe(true);
      expect(tracer.stats.exits).toBeGreaterThan(0);
    } finally {
      um.close();
    }
  });

  it("a guest store into a read-only host page faults; a guest load reads what the host wrote", () => {
    const e = new UnicornEngine();
    try {
      const view = e.mapHostMemory(0x200000, 0x1000, Prot.READ);
      expect(view.length).toBe(0x1000);
      expect(view.every((b) => b === 0)).toBe(true); // a fresh buffer: no host data in it
      view.set([0x78, 0x56, 0x34, 0x12], 0);
      e.mapMemory(0x100000, 0x1000, Prot.RX);
      // mov eax, [0x200000]; mov [0x200004], eax
      e.writeMemory(0x100000, new Uint8Array([0xa1, 0x00, 0x00, 0x20, 0x00, 0xa3, 0x04, 0x00, 0x20, 0x00, 0x90]));
      e.start(0x100000, 0x100005, 0, 0);
      expect(e.readRegister(X86Reg.EAX)).toBe(0x12345678);
      let fault: unknown;
      try {
        e.start(0x100005, 0x10000a, 0, 0);
      } catch (err) {
        fault = err;
      }
      expect(fault).toBeInstanceOf(EngineFault);
      expect((fault as EngineFault).code).toBe(12); // UC_ERR_WRITE_PROT
      expect(view.subarray(4, 8).every((b) => b === 0)).toBe(true);
    } finally {
      e.close();
    }
  });

  it("the sources map host memory into the guest in one place only (UnicornEngine.mapHostMemory)", () => {
    const hits: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|c)$/.test(name)) {
          readFileSync(p, "utf8").split("\n").forEach((line, i) => {
            // (the koffi prototype declaration is not a call)
            if (/uc_mem_map_ptr\s*\(|mapInstructionCounter/.test(line) && !line.includes("h.func(")) hits.push(`${p.slice(ROOT.length + 1)}:${i + 1}`);
          });
        }
      }
    };
    for (const d of ["runtime", "bin", "instrumenter", "bench"]) walk(join(ROOT, d));
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatch(/^runtime\/engine\/unicorn\.ts:/);
    expect(readFileSync(join(ROOT, hits[0]!.split(":")[0]!), "utf8")).toMatch(/mapHostMemory\(address: number, size: number, prot: Prot\): Uint8Array \{[^}]*uc_mem_map_ptr\(/);
  });
});
