/**
 * Thunk code bytes (pure). Used by the hook recorders (runtime/tracing/README.md):
 *
 * Hook path (default): the runtime hooks ONLY the "hook slots" (one instruction each), so a
 * code hook on that range fires exactly once per entry and once per exit and never for the
 * continuation code.
 *   hook slots   [base, base + 8*(n+1))       slot 0: exit thunk `FF 25 [returnSlot]`
 *                                             (jmp through a host-written dword; `C3` in
 *                                             the older layout, exitSlot)
 *                                             slot i+1: entry of function i: `E9 rel32` → its continuation
 *   continuations [contBase, ...) CONTINUATION_SIZE bytes each, two per function:
 *                 8D 64 24 04     lea esp,[esp+4]   drop the padding call's return address (= fn), flags untouched
 *                 C7 04 24 imm32  mov [esp], exit   traced continuation only: return → exit thunk
 *                 <relocated first instruction>     clang form only
 *                 E9 rel32        jmp fn+firstLength (msvc: fn+2)
 *
 * Mailbox layout (native hooks where guest stores are cheap): between the hook slots and the
 * continuations, MAILBOX_THUNK_SIZE bytes per slot, which the patched entries and returns reach
 * first; they hand the hook what it would otherwise read from the engine, in a guest-writable
 * host page (the mailbox: real return, ESP, EAX), and go on to the hooked slot:
 *   exit thunk    89 05 [mb+8]   mov [mb+8], eax
 *                 89 25 [mb+4]   mov [mb+4], esp
 *                 (slot 0 follows: the same translated block runs the stores and the hook)
 *   entry i       8F 05 [mb]     pop dword [mb]     the real return
 *                 68 imm32       push exit thunk    the return slot now leads to the exit thunk
 *                 89 25 [mb+4]   mov [mb+4], esp    the entry ESP
 *                 E9 rel32       jmp slot i+1
 * mov, push and pop leave the flags alone, and no register changes.
 *
 * Nothing is ever kept below ESP (ARCHITECTURE.md "Tracing").
 */
import { assert } from "../base/index.js";
import type { PatchClass } from "./classify.js";
import { relocateInstruction, relocateSequence } from "./x86/relocate.js";

export const HOOK_SLOT_SIZE = 8;
export const MAILBOX_THUNK_SIZE = 24;
export const MAILBOX_EXIT_SIZE = 14;
export const CONTINUATION_SIZE = 64;

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

/**
 * The exit thunk slot of the fast hook path: `jmp dword [returnSlot]`. The hook pops the
 * shadow stack and writes the real return address into `returnSlot` (host memory the host
 * writes without an engine call); the guest jumps there with ESP as the `ret` left it.
 * No stack write at all, nothing below ESP.
 */
export function exitJumpSlot(returnSlotVa: number): Uint8Array {
  const out = new Uint8Array(HOOK_SLOT_SIZE).fill(0xcc);
  out.set([0xff, 0x25], 0);
  new DataView(out.buffer).setUint32(2, returnSlotVa >>> 0, true);
  return out;
}

/** An entry hook slot: `jmp continuation`. */
export function entrySlot(slotVa: number, continuationVa: number): Uint8Array {
  const out = new Uint8Array(HOOK_SLOT_SIZE).fill(0xcc);
  out.set(jmpRel32(slotVa, continuationVa));
  return out;
}

/**
 * The mailbox layout's exit thunk: EAX and ESP into the mailbox, then `jmp $+2` to the hooked
 * exit slot right after it (MAILBOX_EXIT_SIZE bytes). The jump makes the slot start a
 * translated block, as a recorder that hooks block starts needs (NativeRecorder.hookArea); a
 * slice that ends between the two blocks keeps the stores (the mailbox is saved per thread).
 */
export function mailboxExitThunk(mailboxVa: number): Uint8Array {
  const out = new Uint8Array(MAILBOX_EXIT_SIZE);
  const dv = new DataView(out.buffer);
  out.set([0x89, 0x05], 0);
  dv.setUint32(2, (mailboxVa + 8) >>> 0, true);
  out.set([0x89, 0x25], 6);
  dv.setUint32(8, (mailboxVa + 4) >>> 0, true);
  out.set([0xeb, 0x00], 12);
  return out;
}

/** The mailbox layout's entry thunk at `va`: the real return and the entry ESP into the mailbox, the return slot to `exitVa`, then the hooked entry slot. */
export function mailboxEntryThunk(va: number, mailboxVa: number, exitVa: number, entrySlotVa: number): Uint8Array {
  const out = new Uint8Array(MAILBOX_THUNK_SIZE).fill(0xcc);
  const dv = new DataView(out.buffer);
  out.set([0x8f, 0x05], 0);
  dv.setUint32(2, mailboxVa >>> 0, true);
  out[6] = 0x68;
  dv.setUint32(7, exitVa >>> 0, true);
  out.set([0x89, 0x25], 11);
  dv.setUint32(13, (mailboxVa + 4) >>> 0, true);
  out.set(jmpRel32(va + 17, entrySlotVa), 17);
  return out;
}

/** A continuation's bytes, and where in them the function's own (relocated) instructions start. */
export interface Continuation {
  readonly bytes: Uint8Array;
  /**
   * Offsets of the instructions moved out of the function, one per original instruction
   * (a relocated `call` becomes `push` + `jmp` but is one instruction of the program): the
   * deterministic clock counts these and nothing else of the thunk.
   */
  readonly programStarts: readonly number[];
}

/**
 * The continuation of function `fnVa`'s entry: drop the pushed address, run the displaced
 * instruction (clang form; `firstBytes` are the loaded bytes at fnVa), jump back into the
 * function after it.
 */
export function continuation(contVa: number, fnVa: number, cls: PatchClass, firstBytes: Uint8Array, exitVa?: number, reachedBy: "call" | "jump" = "call"): Continuation {
  assert(cls.patch === "hotpatch-msvc" || cls.patch === "hotpatch-clang" || cls.patch === "detour", `continuation for a function that is not patched (${cls.patch})`);
  const out = new Uint8Array(CONTINUATION_SIZE).fill(0xcc);
  let at = 0;
  if (reachedBy === "call") {
    out.set([0x8d, 0x64, 0x24, 0x04], 0); // lea esp,[esp+4]: drop the pushed fn
    at = 4;
  }
  if (exitVa !== undefined) {
    // mov dword [esp], exitVa: the return address now leads to the exit thunk (one guest
    // store: cheaper than an engine call from the hook).
    out.set([0xc7, 0x04, 0x24], at);
    new DataView(out.buffer).setUint32(at + 3, exitVa >>> 0, true);
    at += 7;
  }
  if (cls.patch === "detour") {
    const moved = relocateSequence(cls.bytes, cls.displaced, fnVa, contVa + at);
    const programStarts = moved.starts.map((s) => at + s);
    out.set(moved.bytes, at);
    at += moved.bytes.length;
    if (moved.fallsThrough) {
      out.set(jmpRel32(contVa + at, fnVa + cls.length), at);
      at += 5;
    }
    assert(at <= CONTINUATION_SIZE, "continuation overflows its slot");
    return { bytes: out, programStarts };
  }
  const programStarts: number[] = [];
  if (cls.patch === "hotpatch-clang") {
    const insn = { ...cls.first, offset: 0 };
    const moved = relocateInstruction(firstBytes, insn, fnVa, contVa + at);
    programStarts.push(at);
    out.set(moved, at);
    at += moved.length;
  }
  out.set(jmpRel32(contVa + at, fnVa + cls.firstLength), at);
  at += 5;
  assert(at <= CONTINUATION_SIZE, "continuation overflows its slot");
  return { bytes: out, programStarts };
}

/**
 * Where a thread stopped at `eip` inside a detour's displaced bytes (it entered the function
 * before the patch) continues once the patch is in: the copy of the same instruction in the
 * function's plain continuation (no exit store, reached by jump) at `plainVa`. Undefined when
 * `eip` is not an instruction boundary of the displaced bytes.
 */
export function detourResume(plainVa: number, fnVa: number, cls: PatchClass, eip: number): number | undefined {
  if (cls.patch !== "detour") return undefined;
  const { starts } = relocateSequence(cls.bytes, cls.displaced, fnVa, plainVa);
  const i = cls.displaced.findIndex((d) => fnVa + d.offset === eip);
  return i > 0 && starts[i] !== undefined ? plainVa + starts[i]! : undefined;
}
