/**
 * Control flow of one decoded instruction, as far as following a function's code needs it:
 * where execution can go next. Relative transfers come from the decoder; this adds returns,
 * indirect jumps and calls (with the jump-table form `jmp [disp32 + reg*4]` recognised) and
 * the instructions after which execution never falls through (int3, ud2, hlt).
 */
import type { Instruction } from "./decode.js";

export type Flow =
  /** Execution continues with the next instruction (maybe after a call that returns). */
  | { readonly kind: "next" }
  /** Conditional: the next instruction, or `target` (jcc, loop). */
  | { readonly kind: "branch"; readonly target: number }
  /** Unconditional relative jump to `target`. */
  | { readonly kind: "jump"; readonly target: number }
  /** A relative call: `target` is a function; execution continues after it. */
  | { readonly kind: "call"; readonly target: number }
  /** `jmp [table + reg*4]`: a jump table at `table` (absolute address), entries unknown here. */
  | { readonly kind: "table"; readonly table: number }
  /** Returns, indirect jumps, traps: nothing follows that this function can see. */
  | { readonly kind: "end" };

const PREFIXES = new Set([0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65]);

/** Where `insn` (decoded from `bytes`, located at guest address `address`) lets execution go. */
export function flowOf(bytes: Uint8Array, insn: Instruction, address: number): Flow {
  const next = (address + insn.length) >>> 0;
  const target = insn.displacement !== undefined ? (next + insn.displacement) >>> 0 : undefined;
  switch (insn.kind) {
    case "jcc-rel8":
    case "jcc-rel32":
    case "loop-rel8":
      return { kind: "branch", target: target! };
    case "jmp-rel8":
    case "jmp-rel32":
      return { kind: "jump", target: target! };
    case "call-rel32":
      return { kind: "call", target: target! };
    case "relative-other":
    case "unknown":
      return { kind: "end" };
    default:
      break;
  }
  let p = insn.offset;
  while (PREFIXES.has(bytes[p]!)) p++;
  const op = bytes[p]!;
  if (op === 0xc3 || op === 0xc2 || op === 0xcb || op === 0xca || op === 0xcf) return { kind: "end" }; // ret, retf, iret
  if (op === 0xcc || op === 0xf4 || op === 0xcd) return { kind: "end" }; // int3, hlt, int n
  if (op === 0x0f && bytes[p + 1] === 0x0b) return { kind: "end" }; // ud2
  if (op === 0xff) {
    const modrm = bytes[p + 1]!;
    const reg = (modrm >> 3) & 7;
    if (reg === 4 || reg === 5) {
      // jmp [disp32 + index*4]: ModRM mod=00 rm=100, SIB scale=4 base=101 (no base register).
      const sib = bytes[p + 2];
      if (reg === 4 && modrm >> 6 === 0 && (modrm & 7) === 4 && sib !== undefined && sib >> 6 === 2 && (sib & 7) === 5) {
        const table = new DataView(bytes.buffer, bytes.byteOffset).getUint32(p + 3, true);
        return { kind: "table", table };
      }
      return { kind: "end" }; // jmp reg / jmp [mem] / far jmp
    }
  }
  return { kind: "next" };
}
