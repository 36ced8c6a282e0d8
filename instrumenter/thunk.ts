/**
 * Thunk code bytes (pure). The runtime places them in a thunk area it allocates in the guest
 * and hooks ONLY the "hook slots" (one instruction each), so a code hook on that range fires
 * exactly once per entry and once per exit and never for the continuation code.
 *
 * Layout of the thunk area:
 *   hook slots   [base, base + 8*(n+1))       slot 0: exit thunk `C3` (ret)
 *                                             slot i+1: entry of function i: `E9 rel32` → its continuation
 *   continuations [contBase, ...) 32 bytes each:
 *                 8D 64 24 04     lea esp,[esp+4]   drop the padding call's return address (= fn), flags untouched
 *                 <relocated first instruction>     clang form only
 *                 E9 rel32        jmp fn+firstLength (msvc: fn+2)
 *
 * Nothing is ever kept below ESP (DESIGN.md point 11): the entry hook runs while the pushed
 * fn address is still on the stack, the exit hook moves ESP down before writing the real
 * return address it then `ret`s to.
 */
import { assert } from "../base/index.js";
import type { PatchClass } from "./classify.js";
import { relocateInstruction } from "./x86/relocate.js";

export const HOOK_SLOT_SIZE = 8;
export const CONTINUATION_SIZE = 32;

export function jmpRel32(from: number, to: number): Uint8Array {
  const out = new Uint8Array(5);
  out[0] = 0xe9;
  new DataView(out.buffer).setInt32(1, (to - (from + 5)) | 0, true);
  return out;
}

/** The exit thunk slot: a plain `ret` whose hook first puts the real return address on the stack. */
export function exitSlot(): Uint8Array {
  const out = new Uint8Array(HOOK_SLOT_SIZE).fill(0xcc);
  out[0] = 0xc3;
  return out;
}

/** An entry hook slot: `jmp continuation`. */
export function entrySlot(slotVa: number, continuationVa: number): Uint8Array {
  const out = new Uint8Array(HOOK_SLOT_SIZE).fill(0xcc);
  out.set(jmpRel32(slotVa, continuationVa));
  return out;
}

/**
 * The continuation of function `fnVa`'s entry: drop the pushed address, run the displaced
 * instruction (clang form; `firstBytes` are the loaded bytes at fnVa), jump back into the
 * function after it.
 */
export function continuation(contVa: number, fnVa: number, cls: PatchClass, firstBytes: Uint8Array): Uint8Array {
  assert(cls.patch !== "none", "continuation for an unpatchable function");
  const out = new Uint8Array(CONTINUATION_SIZE).fill(0xcc);
  out.set([0x8d, 0x64, 0x24, 0x04], 0);
  let at = 4;
  if (cls.patch === "clang") {
    const insn = { ...cls.first, offset: 0 };
    const moved = relocateInstruction(firstBytes, insn, fnVa, contVa + at);
    out.set(moved, at);
    at += moved.length;
  }
  out.set(jmpRel32(contVa + at, fnVa + cls.firstLength), at);
  at += 5;
  assert(at <= CONTINUATION_SIZE, "continuation overflows its slot");
  return out;
}
