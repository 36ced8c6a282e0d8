/**
 * The mailbox layout's thunks (instrumenter/thunk.ts), run on a bare engine: the entry thunk
 * hands over the real return address and the entry ESP and points the return slot at the exit
 * thunk; the exit thunk hands over EAX and ESP. Neither changes a register, a flag or ESP, and
 * nothing below ESP is written.
 */
import { describe, expect, it } from "vitest";
import { MAILBOX_EXIT_SIZE, MAILBOX_THUNK_SIZE, mailboxEntryThunk, mailboxExitThunk } from "../../instrumenter/index.js";
import { Prot, UnicornEngine, X86Reg } from "../../runtime/engine/index.js";

const CODE = 0x100000;
const MAILBOX = 0x200000;
const STACK = 0x300000;
const EXIT = 0x90fc0000;
const SLOT = CODE + 0x800; // where the entry thunk jumps: an int3 that ends the run
const GPRS = [X86Reg.EAX, X86Reg.EBX, X86Reg.ECX, X86Reg.EDX, X86Reg.ESI, X86Reg.EDI, X86Reg.EBP] as const;

function engineWith(code: Uint8Array): UnicornEngine {
  const e = new UnicornEngine();
  e.mapMemory(CODE, 0x1000, Prot.RX);
  e.mapMemory(MAILBOX, 0x1000, Prot.RW);
  e.mapMemory(STACK, 0x1000, Prot.RW);
  e.writeMemory(CODE, code);
  e.writeMemory(SLOT, new Uint8Array([0xcc]));
  GPRS.forEach((r, i) => e.writeRegister(r, 0x11111111 * (i + 1)));
  e.writeRegister(X86Reg.EFLAGS, 0x8d7); // CF PF AF ZF SF OF set
  return e;
}
const u32 = (e: UnicornEngine, a: number) => new DataView(e.readMemory(a, 4).buffer).getUint32(0, true);

describe("mailbox thunks", () => {
  it("entry: real return and entry ESP into the mailbox, exit thunk into the return slot, nothing else changed", () => {
    const thunk = mailboxEntryThunk(CODE, MAILBOX, EXIT, SLOT);
    expect(thunk.length).toBe(MAILBOX_THUNK_SIZE);
    const e = engineWith(thunk);
    try {
      const esp = STACK + 0x800;
      e.writeMemory(esp - 4, new Uint8Array([0xaa, 0xaa, 0xaa, 0xaa])); // below ESP: must stay
      e.writeMemory(esp, new Uint8Array([0x78, 0x56, 0x34, 0x12]));
      e.writeRegister(X86Reg.ESP, esp);
      e.start(CODE, SLOT, 0, 0);
      expect(e.readRegister(X86Reg.EIP)).toBe(SLOT);
      expect([u32(e, MAILBOX), u32(e, MAILBOX + 4)]).toEqual([0x12345678, esp]);
      expect(u32(e, esp)).toBe(EXIT);
      expect(u32(e, esp - 4)).toBe(0xaaaaaaaa);
      expect(e.readRegister(X86Reg.ESP)).toBe(esp);
      GPRS.forEach((r, i) => expect(e.readRegister(r)).toBe((0x11111111 * (i + 1)) >>> 0));
      expect(e.readRegister(X86Reg.EFLAGS) & 0x8d7).toBe(0x8d7);
    } finally {
      e.close();
    }
  });

  it("exit: EAX and ESP into the mailbox, then a jump to the exit slot right after it (which so starts a block)", () => {
    const thunk = mailboxExitThunk(MAILBOX);
    expect(thunk.length).toBe(MAILBOX_EXIT_SIZE);
    const e = engineWith(new Uint8Array([...thunk, 0xcc]));
    try {
      const esp = STACK + 0x804; // as a `ret` leaves it
      e.writeRegister(X86Reg.ESP, esp);
      e.start(CODE, CODE + MAILBOX_EXIT_SIZE, 0, 0);
      expect(e.readRegister(X86Reg.EIP)).toBe(CODE + MAILBOX_EXIT_SIZE);
      expect([u32(e, MAILBOX + 4), u32(e, MAILBOX + 8)]).toEqual([esp, 0x11111111]);
      expect(e.readRegister(X86Reg.ESP)).toBe(esp);
      GPRS.forEach((r, i) => expect(e.readRegister(r)).toBe((0x11111111 * (i + 1)) >>> 0));
      expect(e.readRegister(X86Reg.EFLAGS) & 0x8d7).toBe(0x8d7);
    } finally {
      e.close();
    }
  });
});
