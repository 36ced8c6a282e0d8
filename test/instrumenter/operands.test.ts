/**
 * instrumenter/x86/operands.ts: the memory an instruction touches given the registers, and the
 * faulting instruction of a block (the block clock reports a data fault at the block's start).
 * Encodings checked against llvm-mc's (Intel manual, Vol. 2, ModRM/SIB tables).
 */
import { describe, expect, it } from "vitest";
import { faultingInstruction, memoryOperands, type AddressingRegisters } from "../../instrumenter/x86/operands.js";

// EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI
const regs: AddressingRegisters = { gpr: [0x10, 0x2000, 0x3000, 0x4000, 0x0022f000, 0x0022f100, 0x5000, 0x6000], fsBase: 0x7ffdf000, gsBase: 0 };
const ops = (bytes: number[]) => memoryOperands(new Uint8Array(bytes), 0, regs).map((m) => m.start);

describe("memoryOperands", () => {
  it("computes ModRM operands: base, base+disp8, SIB with scale, disp32, fs override; not lea", () => {
    expect(ops([0x8b, 0x00])).toEqual([0x10]); // mov eax,[eax]
    expect(ops([0x8b, 0x44, 0x24, 0x04])).toEqual([0x0022f004]); // mov eax,[esp+4]
    expect(ops([0x8b, 0x04, 0x8b])).toEqual([0x4000 + 4 * 0x2000]); // mov eax,[ebx+ecx*4]
    expect(ops([0x8b, 0x0d, 0x78, 0x56, 0x34, 0x12])).toEqual([0x12345678]); // mov ecx,[0x12345678]
    expect(ops([0x64, 0x8b, 0x0d, 0x18, 0x00, 0x00, 0x00])).toEqual([0x7ffdf018]); // mov ecx,fs:[0x18]
    expect(ops([0x89, 0x45, 0xfc])).toEqual([0x0022f0fc]); // mov [ebp-4],eax
    expect(ops([0x8d, 0x04, 0x24])).toEqual([]); // lea eax,[esp]
    expect(ops([0x89, 0xc8])).toEqual([]); // mov eax,ecx
  });

  it("computes implicit operands: push, pop/ret, call, string instructions, moffs", () => {
    expect(ops([0x50])).toEqual([0x0022effc]); // push eax
    expect(ops([0xc3])).toEqual([0x0022f000]); // ret
    expect(ops([0xe8, 0, 0, 0, 0])).toEqual([0x0022effc]); // call rel32
    expect(ops([0xf3, 0xab])).toEqual([0x6000]); // rep stosd
    expect(ops([0xa5])).toEqual([0x5000, 0x6000]); // movsd
    expect(ops([0x64, 0xa1, 0x18, 0, 0, 0])).toEqual([0x7ffdf018]); // mov eax,fs:[0x18]
  });
});

describe("faultingInstruction", () => {
  it("finds the load that faulted in the middle of a block", () => {
    // mov eax,[esp+4]; mov eax,[eax]; inc eax; ret — the registers are those before the second
    const block = new Uint8Array([0x8b, 0x44, 0x24, 0x04, 0x8b, 0x00, 0x40, 0xc3]);
    expect(faultingInstruction(block, 0x10001000, 0x10, regs)).toBe(0x10001004);
    expect(faultingInstruction(block, 0x10001000, 0x0022f004, regs)).toBe(0x10001000);
    expect(faultingInstruction(block, 0x10001000, 0x99999999, regs)).toBeUndefined();
  });
});
