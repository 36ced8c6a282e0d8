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

// ------------------------------------------------------------------------------------------
// In-guest recording thunks (the fast path; runtime/tracing/README.md has the design and the
// measurements). The guest itself keeps the shadow stack and appends event records; the host
// is called only when the per-thread buffer is full (FLUSH) or the guest part of the shadow
// stack is empty while older frames were spilled to the host (REFILL).
//
// Per-thread state, reachable with one fs-relative load (user mode: two TEB dwords):
//   fs:[ssp]  shadow-stack top (grows DOWN; holds real return addresses, newest lowest;
//             above the oldest frame a sentinel = the REFILL stub address)
//   fs:[log]  event-log write pointer + LOG_BIAS (the log grows UP from the region base)
// One compare covers both: the buffer is full when (log pointer + LOG_BIAS) reaches the
// shadow top, and LOG_BIAS leaves room for the largest record plus one shadow frame.
//
// Records (dwords): entry = fnId, ts, entryEsp, args…; exit = EXIT_TAG, ts, eax.
// ts = the engine's instruction counter read through the page mapped by
// Engine.mapInstructionCounter (deterministic).
//
// Registers: all preserved (ECX goes into the padding call's slot, EAX is pushed). EFLAGS
// are NOT preserved across the thunks: no x86 calling convention passes or returns values
// in flags, and compilers treat them as clobbered by every call.
// ------------------------------------------------------------------------------------------

export const EXIT_TAG = 0xffffffff;
/** Bias of the stored log pointer; ≥ largest entry record (12 + 4·64) + exit record + one frame. */
export const LOG_BIAS = 0x200;

export interface GuestThunkLayout {
  /** fs-relative offset of the shadow-stack top pointer. */
  readonly sspSlot: number;
  /** fs-relative offset of the biased event-log pointer. */
  readonly logSlot: number;
  /** Guest address of the instruction counter's low dword. */
  readonly counterVa: number;
  /** The shared exit thunk. */
  readonly exitVa: number;
  /** The host-hooked flush stub (`ret`). */
  readonly flushVa: number;
  /** Argument dwords copied into each entry record. */
  readonly argCount: number;
}

class Asm {
  readonly bytes: number[] = [];
  constructor(readonly base: number) {}
  get here(): number {
    return this.base + this.bytes.length;
  }
  emit(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  d32(v: number): this {
    const x = v >>> 0;
    return this.emit(x & 255, (x >>> 8) & 255, (x >>> 16) & 255, x >>> 24);
  }
  /** ModRM [base + disp32] with reg field `reg` and base register `rm` (not esp). */
  memDisp32(reg: number, rm: number, disp: number): this {
    return this.emit(0x80 | (reg << 3) | rm).d32(disp);
  }
  /** ModRM [esp + disp] (SIB form), disp8 or disp32. */
  espDisp(reg: number, disp: number): this {
    if (disp >= -128 && disp < 128) return this.emit(0x44 | (reg << 3), 0x24, disp & 255);
    return this.emit(0x84 | (reg << 3), 0x24).d32(disp);
  }
  rel32(opcode: number, target: number): this {
    this.emit(opcode);
    return this.d32(target - (this.here + 4));
  }
  /** `jb +5; call target` — calls the flush stub when the compare said "full". */
  flushCheck(sspSlot: number, flushVa: number): this {
    this.emit(0x64, 0x3b, 0x0d).d32(sspSlot); // cmp ecx, fs:[ssp]
    this.emit(0x72, 0x05); // jb +5
    return this.rel32(0xe8, flushVa); // call flush
  }
}
const EAX = 0;
const ECX = 1;

/** Bytes of the largest entry thunk (for sizing): see guestEntryThunk. */
export function guestEntryThunkSize(argCount: number, relocatedLength: number): number {
  return 80 + 16 * argCount + relocatedLength;
}

/**
 * Entry thunk of one function, reached by the padding's `call` (ESP → fn, ESP+4 → the real
 * return address): push the real return on the shadow stack, replace it with the exit thunk,
 * append ENTRY(fnId, ts, entry ESP, args), then run the displaced first instruction (clang
 * form) and jump back into the function.
 */
export function guestEntryThunk(va: number, fnVa: number, fnId: number, cls: PatchClass, firstBytes: Uint8Array, l: GuestThunkLayout): Uint8Array {
  assert(cls.patch !== "none", "thunk for an unpatchable function");
  assert(fnId >= 0 && fnId < 0x80000000, "function id out of range");
  const a = new Asm(va);
  a.emit(0x89, 0x0c, 0x24); // mov [esp], ecx           (the call's slot keeps ECX)
  a.emit(0x64, 0x8b, 0x0d).d32(l.sspSlot); // mov ecx, fs:[ssp]
  a.emit(0x50); // push eax                                ([esp+8] = real return)
  a.emit(0x8b).espDisp(EAX, 8); // mov eax, [esp+8]
  a.emit(0x8d, 0x49, 0xfc); // lea ecx, [ecx-4]
  a.emit(0x89, 0x01); // mov [ecx], eax                    shadow push
  a.emit(0x64, 0x89, 0x0d).d32(l.sspSlot); // mov fs:[ssp], ecx
  a.emit(0xc7).espDisp(0, 8).d32(l.exitVa); // mov dword [esp+8], exit
  a.emit(0x64, 0x8b, 0x0d).d32(l.logSlot); // mov ecx, fs:[log]
  a.emit(0xc7).memDisp32(0, ECX, -LOG_BIAS).d32(fnId); // mov dword [ecx-B], fnId
  a.emit(0xa1).d32(l.counterVa); // mov eax, [counter]
  a.emit(0x89).memDisp32(EAX, ECX, -LOG_BIAS + 4); // mov [ecx-B+4], eax
  a.emit(0x8d).espDisp(EAX, 8); // lea eax, [esp+8]      entry ESP
  a.emit(0x89).memDisp32(EAX, ECX, -LOG_BIAS + 8); // mov [ecx-B+8], eax
  for (let j = 0; j < l.argCount; j++) {
    a.emit(0x8b).espDisp(EAX, 12 + 4 * j); // mov eax, [esp+12+4j]
    a.emit(0x89).memDisp32(EAX, ECX, -LOG_BIAS + 12 + 4 * j); // mov [ecx-B+12+4j], eax
  }
  a.emit(0x8d).memDisp32(ECX, ECX, 12 + 4 * l.argCount); // lea ecx, [ecx+size]
  a.emit(0x64, 0x89, 0x0d).d32(l.logSlot); // mov fs:[log], ecx
  a.flushCheck(l.sspSlot, l.flushVa);
  a.emit(0x58, 0x59); // pop eax; pop ecx
  if (cls.patch === "clang") {
    const moved = relocateInstruction(firstBytes, { ...cls.first, offset: 0 }, fnVa, a.here);
    a.emit(...moved);
  }
  a.rel32(0xe9, fnVa + cls.firstLength);
  return Uint8Array.from(a.bytes);
}

/**
 * The shared exit thunk, reached by the `ret`/`ret n` of an instrumented function: pop the
 * shadow stack (the real return address goes onto the stack: ESP moves first, nothing is
 * ever below ESP), append EXIT(ts, eax), return to the caller. An empty guest shadow stack
 * pops the sentinel, so the final `ret` reaches the REFILL stub instead.
 */
export function guestExitThunk(va: number, l: GuestThunkLayout): Uint8Array {
  const a = new Asm(va);
  a.emit(0x51); // push ecx                              (slot A)
  a.emit(0x64, 0x8b, 0x0d).d32(l.sspSlot); // mov ecx, fs:[ssp]
  a.emit(0xff, 0x31); // push dword [ecx]              (slot R = real return)
  a.emit(0x8d, 0x49, 0x04); // lea ecx, [ecx+4]
  a.emit(0x64, 0x89, 0x0d).d32(l.sspSlot); // mov fs:[ssp], ecx
  a.emit(0x64, 0x8b, 0x0d).d32(l.logSlot); // mov ecx, fs:[log]
  a.emit(0xc7).memDisp32(0, ECX, -LOG_BIAS).d32(EXIT_TAG); // mov dword [ecx-B], EXIT_TAG
  a.emit(0x89).memDisp32(EAX, ECX, -LOG_BIAS + 8); // mov [ecx-B+8], eax
  a.emit(0xff, 0x35).d32(l.counterVa); // push dword [counter]
  a.emit(0x8f).memDisp32(0, ECX, -LOG_BIAS + 4); // pop dword [ecx-B+4]
  a.emit(0x8d, 0x49, 0x0c); // lea ecx, [ecx+12]
  a.emit(0x64, 0x89, 0x0d).d32(l.logSlot); // mov fs:[log], ecx
  a.flushCheck(l.sspSlot, l.flushVa);
  a.emit(0x8b).espDisp(ECX, 4); // mov ecx, [esp+4]
  a.emit(0xc2, 0x04, 0x00); // ret 4
  return Uint8Array.from(a.bytes);
}
