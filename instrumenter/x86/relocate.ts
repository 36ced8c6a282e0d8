/**
 * Relocation of a displaced first instruction into a thunk (clang hot-patch form): the
 * copy must do at its new address exactly what the original did at its old one.
 */
import { InvariantError } from "../../base/index.js";
import type { Instruction } from "./decode.js";

/** Why an instruction cannot be moved, or undefined when it can. */
export function relocationProblem(insn: Instruction): string | undefined {
  switch (insn.kind) {
    case "plain":
    case "call-rel32":
    case "jmp-rel32":
    case "jmp-rel8":
    case "jcc-rel8":
    case "jcc-rel32":
      return undefined;
    case "loop-rel8":
      return "loop/jecxz rel8 cannot be widened";
    case "relative-other":
      return `relative transfer that is not re-encoded${insn.note !== undefined ? ` (${insn.note})` : " (rel16)"}`;
    case "trap":
      return insn.note ?? "traps or is privileged";
    case "unknown":
      return `undecodable${insn.note !== undefined ? ` (${insn.note})` : ""}`;
  }
}

/**
 * Bytes that execute `insn` (taken from `code`, found at guest address `from`) when placed
 * at guest address `to`. Rel8 jumps are widened (EB → E9 rel32, 7x → 0F 8x rel32), rel32
 * calls and jumps are re-targeted, everything else is copied verbatim. The caller appends
 * the jump back to the rest of the function.
 */
export function relocateInstruction(code: Uint8Array, insn: Instruction, from: number, to: number): Uint8Array {
  const problem = relocationProblem(insn);
  if (problem !== undefined) throw new InvariantError(`cannot relocate: ${problem}`);
  const original = code.subarray(insn.offset, insn.offset + insn.length);
  if (insn.displacement === undefined) return original.slice();
  const target = (from + insn.length + insn.displacement) >>> 0;
  const withRel32 = (prefix: readonly number[]): Uint8Array => {
    const out = new Uint8Array(prefix.length + 4);
    out.set(prefix);
    new DataView(out.buffer).setInt32(prefix.length, (target - (to + out.length)) | 0, true);
    return out;
  };
  switch (insn.kind) {
    case "jmp-rel8":
      return withRel32([0xe9]);
    case "jcc-rel8":
      return withRel32([0x0f, 0x80 | insn.condition!]);
    default: {
      // rel32 call/jmp/jcc: keep prefixes and opcode, re-target the displacement.
      const out = original.slice();
      new DataView(out.buffer).setInt32(insn.displacementOffset!, (target - (to + out.length)) | 0, true);
      return out;
    }
  }
}

/**
 * Bytes that execute the instructions `insns` (decoded from `code`, which starts at guest
 * address `from`) when placed at `to`, and whether execution falls off their end (the caller
 * then appends the jump back). A `call rel32` becomes `push <its return address>; jmp
 * <target>`: the callee sees the return address the original call pushed (code reading it,
 * such as `call $+5; pop ebx`, keeps working) and returns straight into the function, past
 * the displaced bytes — so nothing after it is copied. `starts`: where each instruction's
 * copy begins in `bytes`.
 */
export function relocateSequence(code: Uint8Array, insns: readonly Instruction[], from: number, to: number): { readonly bytes: Uint8Array; readonly fallsThrough: boolean; readonly starts: readonly number[] } {
  const parts: Uint8Array[] = [];
  const starts: number[] = [];
  let at = to;
  for (const insn of insns) {
    starts.push(at - to);
    const src = (from + insn.offset) >>> 0;
    if (insn.kind === "call-rel32") {
      const ret = (src + insn.length) >>> 0;
      const target = (ret + insn.displacement!) >>> 0;
      const out = new Uint8Array(10);
      const v = new DataView(out.buffer);
      out[0] = 0x68; // push imm32
      v.setUint32(1, ret, true);
      out[5] = 0xe9; // jmp rel32
      v.setInt32(6, (target - (at + 10)) | 0, true);
      parts.push(out);
      return { bytes: concat(parts), fallsThrough: false, starts };
    }
    const moved = relocateInstruction(code, insn, src, at);
    parts.push(moved);
    at += moved.length;
  }
  return { bytes: concat(parts), fallsThrough: true, starts };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
