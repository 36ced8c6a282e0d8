/**
 * The engine conformance suite (issue 13, "the engine seam"): what the machine relies on from
 * an `Engine`, checked on every backend of runtime/engine/backends.ts in each of its clock
 * configurations (unicorn: the native block clock and unicorn's own per-instruction count).
 * CI runs it again on bookworm's unicorn 2.0.1 (NTRACE_ENGINE=system). A new backend (e.g. a
 * WebAssembly unicorn) must pass it unchanged; the optional capabilities (block clock, host
 * memory, attention, native recorder) are checked when the backend has them.
 *
 * The guest code is hand-assembled i386; each snippet says what it is.
 */
import { describe, expect, it } from "vitest";
import { NtraceError } from "../../base/index.js";
import { countInstructions } from "../../instrumenter/x86/decode.js";
import { ENGINE_BACKENDS, EngineFault, MemAccess, Prot, X86Reg, type Engine } from "../../runtime/engine/index.js";

const CODE = 0x1000;
const DATA = 0x10000;
const STACK_TOP = 0x30000;

interface Configuration {
  readonly name: string;
  /** undefined when the backend has no such configuration. */
  make(): Engine | undefined;
}

/** Each backend, with its block clock when it has one, and without. */
const configurations: Configuration[] = ENGINE_BACKENDS.flatMap((backend) => [
  {
    name: `${backend.name}, block clock`,
    make: () => {
      const e = backend.create();
      // The machine's charge: the instructions in [address, address+size), decoded.
      const usesBlockClock = e.useBlockClock?.((address, size) => countInstructions(e.readMemory(address, size))) ?? false;
      if (usesBlockClock) return e;
      e.close();
      return undefined;
    },
  },
  { name: `${backend.name}, engine count`, make: () => backend.create() },
]);

/** An engine with code at CODE (RWX), data at DATA (RW) and a stack, running `code`. */
function setUp(c: Configuration, code: readonly number[]): Engine | undefined {
  const e = c.make();
  if (e === undefined) return undefined;
  e.mapMemory(CODE, 0x1000, Prot.RWX);
  e.mapMemory(DATA, 0x2000, Prot.RW);
  e.mapMemory(STACK_TOP - 0x4000, 0x4000, Prot.RW);
  e.writeRegister(X86Reg.ESP, STACK_TOP - 0x10);
  e.writeMemory(CODE, Uint8Array.from(code));
  return e;
}

// mov ecx, N; L: dec ecx; jnz L; nop   (1 + 2N instructions before the nop at CODE+8)
const countedLoop = (n: number) => [0xb9, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24, 0x49, 0x75, 0xfd, 0x90, 0x90];
const LOOP_HEAD = CODE + 5;
const LOOP_END = CODE + 8;

for (const c of configurations) {
  describe(`engine conformance: ${c.name}`, () => {
    const run = (code: readonly number[], body: (e: Engine) => void) => {
      const e = setUp(c, code);
      if (e === undefined) return; // this backend has no such configuration
      try {
        body(e);
      } finally {
        e.close();
      }
    };

    it("memory: map, write, read (bytes and u32), protect, unmap; an unmapped read is a typed error", () => {
      run([0x90], (e) => {
        e.writeMemory(DATA + 0xffe, Uint8Array.from([1, 2, 3, 4])); // across a page boundary
        expect([...e.readMemory(DATA + 0xffe, 4)]).toEqual([1, 2, 3, 4]);
        e.writeU32(DATA + 8, 0xdeadbeef);
        expect(e.readU32(DATA + 8)).toBe(0xdeadbeef);
        expect([...e.readMemory(DATA + 8, 4)]).toEqual([0xef, 0xbe, 0xad, 0xde]);
        e.protectMemory(DATA, 0x1000, Prot.READ);
        expect(e.readU32(DATA + 8)).toBe(0xdeadbeef); // the host still reads it
        e.unmapMemory(DATA + 0x1000, 0x1000);
        expect(() => e.readMemory(DATA + 0x1000, 4)).toThrow(NtraceError);
      });
    });

    it("registers: general, flags, batches, wide (XMM, x87)", () => {
      run([0x90], (e) => {
        const regs = [X86Reg.EAX, X86Reg.EBX, X86Reg.ECX, X86Reg.EDX, X86Reg.ESI, X86Reg.EDI, X86Reg.EBP];
        e.writeRegisters(regs, [1, 2, 3, 0xffffffff, 5, 6, 7]);
        expect(e.readRegisters(regs)).toEqual([1, 2, 3, 0xffffffff, 5, 6, 7]);
        e.writeRegister(X86Reg.EFLAGS, 0x202 | 0x1); // IF, CF
        expect(e.readRegister(X86Reg.EFLAGS) & 0x1).toBe(1);
        const xmm = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
        e.writeWideRegister(X86Reg.XMM0, xmm);
        expect([...e.readWideRegister(X86Reg.XMM0, 16)]).toEqual([...xmm]);
      });
    });

    it("start until an address: runs exactly the instructions before it", () => {
      // mov eax, 1; add eax, 2; nop
      run([0xb8, 1, 0, 0, 0, 0x05, 2, 0, 0, 0, 0x90], (e) => {
        e.start(CODE, CODE + 10, 0, 0);
        expect(e.readRegister(X86Reg.EAX)).toBe(3);
        expect(e.readRegister(X86Reg.EIP)).toBe(CODE + 10);
        expect(e.executedInstructions()).toBe(2);
      });
    });

    it("executedInstructions counts a loop exactly (2,001 instructions)", () => {
      run(countedLoop(1000), (e) => {
        e.start(CODE, LOOP_END, 0, 0);
        expect(e.readRegister(X86Reg.ECX)).toBe(0);
        expect(e.executedInstructions()).toBe(2001);
      });
    });

    it("a count budget stops at or just past it, and the count agrees with the state", () => {
      run(countedLoop(1000), (e) => {
        e.start(CODE, LOOP_END, 0, 501);
        const executed = e.executedInstructions();
        // A budget may end at the next block boundary (the block clock), never before it.
        expect(executed).toBeGreaterThanOrEqual(501);
        expect(executed).toBeLessThan(501 + 3);
        const eip = e.readRegister(X86Reg.EIP);
        const ecx = e.readRegister(X86Reg.ECX);
        // At the dec: 1 + 2·(decs done); at the jnz: one more.
        expect(executed).toBe(1 + 2 * (1000 - ecx) - (eip === LOOP_HEAD ? 0 : 1));
        // Going on from there ends where an uninterrupted run ends.
        e.start(eip, LOOP_END, 0, 0);
        expect(executed + e.executedInstructions()).toBe(2001);
      });
    });

    it("a code hook sees its instruction before it runs; stop() in it leaves EIP there, the instruction not run", () => {
      // mov eax, 1; add eax, 2; nop
      run([0xb8, 1, 0, 0, 0, 0x05, 2, 0, 0, 0, 0x90], (e) => {
        const seen: number[] = [];
        const h = e.addCodeHook(CODE + 5, CODE + 5, (address) => {
          seen.push(address);
          e.stop();
        });
        e.start(CODE, CODE + 10, 0, 0);
        expect(seen).toEqual([CODE + 5]);
        expect(e.readRegister(X86Reg.EIP)).toBe(CODE + 5);
        expect(e.readRegister(X86Reg.EAX)).toBe(1);
        expect(e.executedInstructions()).toBe(1);
        e.removeHook(h);
        e.start(CODE + 5, CODE + 10, 0, 0);
        expect(e.readRegister(X86Reg.EAX)).toBe(3);
      });
    });

    it("a block hook runs at every block start of the loop", () => {
      run(countedLoop(100), (e) => {
        let blocks = 0;
        e.addBlockHook(CODE, CODE + 0xfff, () => blocks++);
        e.start(CODE, LOOP_END, 0, 0);
        expect(blocks).toBe(100); // [mov, dec, jnz] once, then [dec, jnz] 99 times
      });
    });

    it("an interrupt hook gets the vector (int 0x2e) and execution goes on after it", () => {
      // int 0x2e; mov eax, 9; nop
      run([0xcd, 0x2e, 0xb8, 9, 0, 0, 0, 0x90], (e) => {
        const vectors: number[] = [];
        e.addInterruptHook((intno) => vectors.push(intno));
        e.start(CODE, CODE + 7, 0, 0);
        expect(vectors).toEqual([0x2e]);
        expect(e.readRegister(X86Reg.EAX)).toBe(9);
      });
    });

    it("invalid memory: the hook gets access and address; false faults (EngineFault), true after a fix-up retries", () => {
      // mov eax, [0x500000]; nop
      const code = [0xa1, 0x00, 0x00, 0x50, 0x00, 0x90];
      run(code, (e) => {
        const calls: [number, number][] = [];
        e.addInvalidMemoryHook((access, address) => (calls.push([access, address]), false));
        expect(() => e.start(CODE, CODE + 5, 0, 0)).toThrow(EngineFault);
        expect(calls).toEqual([[MemAccess.READ_UNMAPPED, 0x500000]]);
      });
      run(code, (e) => {
        e.addInvalidMemoryHook((_access, address) => {
          e.mapMemory(address & ~0xfff, 0x1000, Prot.RW);
          e.writeU32(address, 0x1234);
          return true;
        });
        e.start(CODE, CODE + 5, 0, 0);
        expect(e.readRegister(X86Reg.EAX)).toBe(0x1234);
      });
    });

    it("a store into a read-only page calls the hook with WRITE_PROT and faults", () => {
      // mov dword [DATA], 7; nop
      run([0xc7, 0x05, 0x00, 0x00, 0x01, 0x00, 7, 0, 0, 0, 0x90], (e) => {
        e.protectMemory(DATA, 0x1000, Prot.READ);
        const calls: number[] = [];
        e.addInvalidMemoryHook((access) => (calls.push(access), false));
        expect(() => e.start(CODE, CODE + 10, 0, 0)).toThrow(EngineFault);
        expect(calls).toEqual([MemAccess.WRITE_PROT]);
        expect(e.readU32(DATA)).toBe(0);
      });
    });

    // unicorn 2.1 reports #UD to the interrupt hook (vector 6) first, 2.0.1 only to the
    // invalid-instruction hook (returning false there faults the start): the machine turns
    // either into STATUS_ILLEGAL_INSTRUCTION, so either is conformant. It never resumes from them.
    it("ud2 raises #UD: the interrupt hook (vector 6) or the invalid-instruction hook sees it, and nothing after it runs", () => {
      // ud2; mov eax, 5; nop
      run([0x0f, 0x0b, 0xb8, 5, 0, 0, 0, 0x90], (e) => {
        const vectors: number[] = [];
        let invalid = 0;
        e.addInterruptHook((intno) => {
          vectors.push(intno);
          e.stop();
        });
        e.addInvalidInstructionHook(() => {
          invalid++;
          return false;
        });
        let fault: unknown;
        try {
          e.start(CODE, CODE + 7, 0, 0);
        } catch (err) {
          fault = err;
        }
        expect(vectors.every((v) => v === 6)).toBe(true);
        expect(vectors.length + invalid).toBe(1);
        if (invalid === 1) expect(fault).toBeInstanceOf(EngineFault);
        expect(e.readRegister(X86Reg.EAX)).toBe(0);
      });
    });

    it("contexts save and restore the CPU state, wide registers included", () => {
      run([0x90], (e) => {
        e.writeRegister(X86Reg.EAX, 5);
        e.writeWideRegister(X86Reg.XMM0, new Uint8Array(16).fill(0xab));
        const ctx = e.newContext();
        e.saveContext(ctx);
        e.writeRegister(X86Reg.EAX, 6);
        e.writeWideRegister(X86Reg.XMM0, new Uint8Array(16));
        e.restoreContext(ctx);
        expect(e.readRegister(X86Reg.EAX)).toBe(5);
        expect([...e.readWideRegister(X86Reg.XMM0, 16)]).toEqual(new Array(16).fill(0xab));
        e.freeContext(ctx);
      });
    });

    it("flushCode makes changed code run (translated code is not stale)", () => {
      // mov eax, 1; nop
      run([0xb8, 1, 0, 0, 0, 0x90], (e) => {
        e.start(CODE, CODE + 5, 0, 0);
        expect(e.readRegister(X86Reg.EAX)).toBe(1);
        e.writeMemory(CODE + 1, Uint8Array.from([7]));
        e.flushCode(CODE, 5);
        e.start(CODE, CODE + 5, 0, 0);
        expect(e.readRegister(X86Reg.EAX)).toBe(7);
      });
    });

    it("host memory (when supported): the guest reads what the host wrote; a guest store into a read-only one faults", () => {
      // mov eax, [0x40000]; mov [0x40000], eax; nop
      run([0xa1, 0, 0, 4, 0, 0xa3, 0, 0, 4, 0, 0x90], (e) => {
        if (e.mapHostMemory === undefined) return;
        const view = e.mapHostMemory(0x40000, 0x1000, Prot.READ);
        expect(view.every((b) => b === 0)).toBe(true);
        new DataView(view.buffer, view.byteOffset, 4).setUint32(0, 0xcafe, true);
        e.addInvalidMemoryHook(() => false);
        expect(() => e.start(CODE, CODE + 10, 0, 0)).toThrow(EngineFault);
        expect(e.readRegister(X86Reg.EAX)).toBe(0xcafe);
        expect(view[0]).toBe(0xfe);
      });
    });

    it("attention (when supported): wall ticks end a long run at block starts; going on gives the uninterrupted count", () => {
      const n = 150_000_000;
      run(countedLoop(n), (e) => {
        if (e.watchAttention === undefined || !e.watchAttention({ signals: false, tickMs: 5 })) return;
        try {
          let total = 0;
          let stops = 0;
          let eip = CODE;
          for (;;) {
            e.start(eip, LOOP_END, 0, 0);
            total += e.executedInstructions();
            eip = e.readRegister(X86Reg.EIP);
            const a = e.takeAttention!();
            if (eip === LOOP_END) break;
            expect(a.stopped).toBe(true); // nothing else ends this run early
            stops++;
          }
          expect(total).toBe(1 + 2 * n);
          expect(stops).toBeGreaterThan(0);
        } finally {
          e.watchAttention({ signals: false, tickMs: 0 });
        }
      });
    }, 60_000);
  });
}

describe("backend selection", () => {
  it("names the known backends when an unknown one is asked for", async () => {
    const { engineBackend } = await import("../../runtime/engine/index.js");
    expect(engineBackend("unicorn").name).toBe("unicorn");
    expect(() => engineBackend("wasm-unicorn")).toThrow(/unknown engine backend "wasm-unicorn" \(NTRACE_BACKEND\): known backends are unicorn/);
  });
});
