/**
 * The 7-byte NTrace patch and its exact inverse, as ordered lists of stores.
 *
 *   fn-5: E8 rel32   call entryThunk   (was padding; the pushed return address is fn itself,
 *                                      which tells the thunk which function was entered)
 *   fn+0: EB F9      jmp fn-5          (was the first two bytes of the first instruction)
 *
 * Order matters, because threads may be stopped anywhere when we patch:
 * - patch: the padding first (it never executes, so no thread can be inside it), then the
 *   2-byte jump as ONE store. A thread stopped at fn+0 executes either the old first
 *   instruction (untraced call) or the new jump (traced call), never a mix.
 * - unpatch: the 2 bytes first (one store, restoring the original first two bytes), then the
 *   padding. A thread can be stopped at fn-5 (it took the jump and is about to execute the
 *   call): once the padding is restored it would execute padding. The runtime therefore
 *   moves any thread whose EIP lies in [fn-5, fn) to fn before restoring the padding — the
 *   call had not happened yet, so the thread simply makes an untraced call.
 * - No thread can be stopped at fn+1: for msvc the first instruction is 2 bytes, for clang
 *   ≥2 bytes, so fn+1 is never an instruction boundary. A thread stopped inside a longer
 *   clang-form first instruction (fn+2 .. fn+len-1) is impossible for the same reason.
 *   A thread stopped at fn+2..: it is past the patched bytes and unaffected.
 */
import { assert } from "../base/index.js";

export const PATCH_LENGTH = 7;
export const PADDING_LENGTH = 5;

export interface Store {
  /** Guest address of the first byte. */
  readonly address: number;
  readonly bytes: Uint8Array;
}

export interface PatchPlan {
  /** Stores to apply, in order. */
  readonly patch: readonly Store[];
  /** Stores that undo the patch, in order. */
  readonly unpatch: readonly Store[];
}

/**
 * @param fnVa        the function's entry address
 * @param entryThunk  where the padding's call goes
 * @param original    the 7 bytes at fnVa-5 before patching (padding + first two bytes)
 * @param opcode      0xE8 `call` (NTrace's form: the pushed address names the function) or
 *                    0xE9 `jmp` (a per-function thunk already knows it; saves the push, a
 *                    guest store, which is the expensive operation in unicorn 2.0.1)
 */
export function planPatch(fnVa: number, entryThunk: number, original: Uint8Array, opcode: 0xe8 | 0xe9 = 0xe8): PatchPlan {
  assert(original.length === PATCH_LENGTH, `original bytes must be ${PATCH_LENGTH} bytes`);
  const padAt = (fnVa - PADDING_LENGTH) >>> 0;
  const call = new Uint8Array(PADDING_LENGTH);
  call[0] = opcode;
  new DataView(call.buffer).setInt32(1, (entryThunk - fnVa) | 0, true);
  return {
    patch: [
      { address: padAt, bytes: call },
      { address: fnVa >>> 0, bytes: Uint8Array.of(0xeb, 0xf9) },
    ],
    unpatch: [
      { address: fnVa >>> 0, bytes: original.slice(PADDING_LENGTH, PATCH_LENGTH) },
      { address: padAt, bytes: original.slice(0, PADDING_LENGTH) },
    ],
  };
}

/** Bytes a detour overwrites at the function's entry: `E9 rel32` to its entry slot. */
export const DETOUR_PATCH_LENGTH = 5;

/**
 * The detour patch: the first 5 bytes become `jmp entryThunk` (one store; the machine writes
 * it between slices, so no thread sees half of it). `original` are those 5 bytes before.
 * Threads stopped inside the displaced instructions are moved by the runtime.
 */
export function planDetourPatch(fnVa: number, entryThunk: number, original: Uint8Array): PatchPlan {
  assert(original.length === DETOUR_PATCH_LENGTH, `original bytes must be ${DETOUR_PATCH_LENGTH} bytes`);
  const jmp = new Uint8Array(DETOUR_PATCH_LENGTH);
  jmp[0] = 0xe9;
  new DataView(jmp.buffer).setInt32(1, (entryThunk - (fnVa + 5)) | 0, true);
  return { patch: [{ address: fnVa >>> 0, bytes: jmp }], unpatch: [{ address: fnVa >>> 0, bytes: original.slice() }] };
}
