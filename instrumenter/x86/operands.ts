/**
 * The memory an x86-32 instruction would touch, given the registers: its ModRM operand, or its
 * implicit stack, string or absolute operand. Used to find which instruction of a translated
 * block faulted when the engine reports only the block's start (runtime/engine/README.md,
 * "Clock"): the registers at a fault are those before the faulting instruction, so the first
 * instruction of the block whose operand covers the faulting address is the one.
 */
import { decodeInstruction, type Instruction } from "./decode.js";

/** 32-bit general registers (EAX..EDI in x86 order) and the FS/GS segment bases. */
export interface AddressingRegisters {
  /** EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI. */
  readonly gpr: readonly number[];
  readonly fsBase: number;
  readonly gsBase: number;
}

/** A guest address range [start, start+size) an instruction reads or writes. */
export interface MemoryOperand {
  readonly start: number;
  readonly size: number;
}

const ESP = 4;
const EBP = 5;
const ESI = 6;
const EDI = 7;
/** Covers every ordinary operand (up to a 16-byte XMM operand). */
const OPERAND = 16;

/** The memory operands of the instruction at `offset` of `bytes` ([] when it has none or is not understood). */
export function memoryOperands(bytes: Uint8Array, offset: number, regs: AddressingRegisters, insn: Instruction = decodeInstruction(bytes, offset)): MemoryOperand[] {
  if (insn.kind === "unknown" || insn.length === 0) return [];
  let p = offset;
  let segment = 0;
  let addr16 = false;
  for (;;) {
    const b = bytes[p]!;
    if (b === 0x64) segment = regs.fsBase;
    else if (b === 0x65) segment = regs.gsBase;
    else if (b === 0x67) addr16 = true;
    else if (b !== 0x66 && b !== 0xf0 && b !== 0xf2 && b !== 0xf3 && b !== 0x26 && b !== 0x2e && b !== 0x36 && b !== 0x3e) break;
    p++;
  }
  if (addr16) return [];
  const op = bytes[p]!;
  const r = regs.gpr;
  const at = (start: number, size: number): MemoryOperand => ({ start: (start + segment) >>> 0, size });
  const stack = (start: number, size: number): MemoryOperand => ({ start: start >>> 0, size });
  const out: MemoryOperand[] = [];

  if (insn.modrmOffset !== undefined) {
    const m = bytes[offset + insn.modrmOffset]!;
    const mod = m >> 6;
    if (mod !== 3 && !(op === 0x8d)) {
      // lea computes an address without touching it
      let q = offset + insn.modrmOffset + 1;
      const rm = m & 7;
      let ea = 0;
      if (rm === 4) {
        const sib = bytes[q++]!;
        const base = sib & 7;
        const index = (sib >> 3) & 7;
        const scale = 1 << (sib >> 6);
        if (index !== 4) ea += r[index]! * scale;
        if (base === 5 && mod === 0) {
          ea += dword(bytes, q);
          q += 4;
        } else ea += r[base]!;
      } else if (rm === 5 && mod === 0) {
        ea += dword(bytes, q);
        q += 4;
      } else ea += r[rm]!;
      if (mod === 1) ea += (bytes[q]! << 24) >> 24;
      else if (mod === 2) ea += dword(bytes, q);
      // the state save areas are larger: fxsave/fxrstor/xsave (0F AE), fsave/frstor and
      // fstenv/fldenv (D9/DD /4 /6)
      const reg = (m >> 3) & 7;
      const size = op === 0x0f && bytes[p + 1] === 0xae ? 512 : (op === 0xd9 || op === 0xdd) && (reg === 4 || reg === 6) ? 108 : OPERAND;
      out.push(at(ea, size));
    }
  }
  // Implicit operands: the stack, string instructions, absolute moffs, xlat.
  const esp = r[ESP]!;
  if ((op >= 0x50 && op <= 0x57) || op === 0x68 || op === 0x6a || op === 0x9c || op === 0x06 || op === 0x0e || op === 0x16 || op === 0x1e || op === 0xe8) out.push(stack(esp - 4, 4));
  else if ((op >= 0x58 && op <= 0x5f) || op === 0x8f || op === 0x9d || op === 0xc3 || op === 0xc2 || op === 0xcb || op === 0xca || op === 0xcf || op === 0x07 || op === 0x17 || op === 0x1f) out.push(stack(esp, 8));
  else if (op === 0x60) out.push(stack(esp - 32, 32));
  else if (op === 0x61) out.push(stack(esp, 32));
  else if (op === 0xc8) out.push(stack(esp - 4 * 32 - 4, 4 * 32 + 8)); // enter: ebp and up to 31 frame pointers
  else if (op === 0xc9) out.push(stack(r[EBP]!, 4));
  else if (op === 0xff && insn.modrmOffset !== undefined) {
    const reg = (bytes[offset + insn.modrmOffset]! >> 3) & 7;
    if (reg === 2 || reg === 3 || reg === 6) out.push(stack(esp - 8, 8)); // call / call far / push
  } else if (op >= 0xa4 && op <= 0xa7) out.push(at(r[ESI]!, 4), stack(r[EDI]!, 4)); // movs/cmps: ES:EDI
  else if (op === 0xaa || op === 0xab || op === 0xae || op === 0xaf) out.push(stack(r[EDI]!, 4)); // stos/scas
  else if (op === 0xac || op === 0xad) out.push(at(r[ESI]!, 4)); // lods
  else if (op >= 0xa0 && op <= 0xa3) out.push(at(dword(bytes, p + 1), 4));
  else if (op === 0xd7) out.push(at(r[3]! + (r[0]! & 0xff), 1)); // xlat [EBX+AL]
  return out;
}

/**
 * The first instruction of the code at `start` (`bytes`, as many as the block holds) whose
 * memory operands, computed with the registers at the fault, cover `address`; undefined when
 * none does.
 */
export function faultingInstruction(bytes: Uint8Array, start: number, address: number, regs: AddressingRegisters): number | undefined {
  for (let at = 0; at < bytes.length; ) {
    const insn = decodeInstruction(bytes, at);
    if (insn.kind === "unknown" || insn.length === 0) return undefined;
    for (const m of memoryOperands(bytes, at, regs, insn)) {
      if (((address - m.start) >>> 0) < m.size) return (start + at) >>> 0;
    }
    at += insn.length;
  }
  return undefined;
}

function dword(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}
