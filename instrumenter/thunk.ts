/**
 * Thunk code bytes (pure). Two recording paths use them (runtime/tracing/README.md):
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
 * In-guest path (guestEntryThunk/guestExitThunk below): thunks record into guest buffers.
 *
 * Nothing is ever kept below ESP (DESIGN.md point 11).
 */
import { assert } from "../base/index.js";
import type { PatchClass } from "./classify.js";
import { relocateInstruction } from "./x86/relocate.js";

export const HOOK_SLOT_SIZE = 8;
export const CONTINUATION_SIZE = 48;

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
 * The continuation of function `fnVa`'s entry: drop the pushed address, run the displaced
 * instruction (clang form; `firstBytes` are the loaded bytes at fnVa), jump back into the
 * function after it.
 */
export function continuation(contVa: number, fnVa: number, cls: PatchClass, firstBytes: Uint8Array, exitVa?: number, reachedBy: "call" | "jump" = "call"): Uint8Array {
  assert(cls.patch !== "none", "continuation for an unpatchable function");
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
// is called only on rare paths: the per-thread buffer is full (FLUSH), an entry finds dead
// frames on the shadow stack (CUT), an exit does not match the top frame (SLOW_EXIT: `ret n`,
// frames skipped by an unwind the machine did not report, the guest part of the shadow stack
// empty while older frames were spilled to the host).
//
// Per-thread state, reachable with one fs-relative load (user mode: two TEB dwords):
//   fs:[ssp]  shadow-stack top. Frames are 8 bytes {real return, entry ESP}, the stack grows
//             DOWN; above the oldest frame sits a sentinel frame {0, 0xFFFFFFFF} that no
//             exit matches and no entry cuts.
//   fs:[log]  event-log write pointer + LOG_BIAS (the log grows UP from the region base).
// One compare covers both: the buffer is full when the biased log pointer reaches the shadow
// top; LOG_BIAS leaves room for the largest record plus one frame.
//
// Records (dwords): entry = fnId, ts, entryEsp, args…; exit = EXIT_TAG, ts, eax.
// ts = the engine's instruction counter, read through the page Engine.mapInstructionCounter
// maps (deterministic; the host adds the slice's base when it drains).
//
// Registers: all preserved (ECX lives in the padding call's slot, EAX is pushed; at exit ECX
// is pushed). EFLAGS are NOT preserved across the thunks: no x86 calling convention passes or
// returns values in flags, and compilers treat them as clobbered by every call.
// Nothing is kept below ESP (DESIGN point 11): the exit thunk pushes before it writes.
// ------------------------------------------------------------------------------------------

export const EXIT_TAG = 0xffffffff;
/** Bias of the stored log pointer; ≥ largest entry record (12 + 4·64) + exit record + one frame. */
export const LOG_BIAS = 0x200;
/** Shadow frame size and the sentinel's entry-ESP field. */
export const SHADOW_FRAME = 8;
export const SENTINEL_KEY = 0xffffffff;

export interface GuestThunkLayout {
  /** fs-relative offset of the shadow-stack top pointer. */
  readonly sspSlot: number;
  /** fs-relative offset of the biased event-log pointer. */
  readonly logSlot: number;
  /** Guest address of the instruction counter's low dword. */
  readonly counterVa: number;
  /** The shared exit thunk. */
  readonly exitVa: number;
  /** Host-hooked stubs: FLUSH and CUT are `ret` (called), SLOW_EXIT is jumped to (the host sets EIP). */
  readonly flushVa: number;
  readonly cutVa: number;
  readonly slowExitVa: number;
  /** Argument dwords copied into each entry record. */
  readonly argCount: number;
}

/** Code of the host stubs page: FLUSH `ret` at +0, CUT `ret` at +0x10, SLOW_EXIT at +0x20 (int3 if ever run unhooked). */
export function guestStubs(): Uint8Array {
  const out = new Uint8Array(0x30).fill(0xcc);
  out[0] = 0xc3;
  out[0x10] = 0xc3;
  return out;
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
  /** ModRM [rm + disp32] with reg field `reg` (rm ≠ esp). */
  memDisp32(reg: number, rm: number, disp: number): this {
    return this.emit(0x80 | (reg << 3) | rm).d32(disp);
  }
  /** ModRM [rm + disp8] (rm ≠ esp). */
  memDisp8(reg: number, rm: number, disp: number): this {
    return this.emit(0x40 | (reg << 3) | rm, disp & 255);
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
  fs(op: number, reg: number, slot: number): this {
    return this.emit(0x64, op, 0x05 | (reg << 3)).d32(slot);
  }
  /** `cmp ecx, fs:[ssp]; jb +5; call flush`: calls the flush stub when the buffer is full. */
  flushCheck(sspSlot: number, flushVa: number): this {
    this.fs(0x3b, ECX, sspSlot);
    this.emit(0x72, 0x05);
    return this.rel32(0xe8, flushVa);
  }
}
const EAX = 0;
const ECX = 1;

/** Bytes an entry thunk needs at most. */
export function guestEntryThunkSize(argCount: number): number {
  return 176 + 16 * argCount;
}

/**
 * Entry thunk of one function, reached by the padding's `call` (ESP → fn, ESP+4 → the real
 * return address): if the top shadow frame's slot is at or below this entry's (dead frames
 * or a tail call) the host decides (CUT: dead frames are removed with UNWIND events); push {real return, entry ESP}, replace the return
 * address with the exit thunk, append ENTRY(fnId, ts, entry ESP, args), then run the
 * displaced first instruction (clang form) and jump back into the function.
 */
export function guestEntryThunk(va: number, fnVa: number, fnId: number, cls: PatchClass, firstBytes: Uint8Array, l: GuestThunkLayout): Uint8Array {
  assert(cls.patch !== "none", "thunk for an unpatchable function");
  assert(fnId >= 0 && fnId < 0x7fffffff, "function id out of range");
  const a = new Asm(va);
  a.emit(0x89, 0x0c, 0x24); // mov [esp], ecx             the call's slot keeps ECX
  a.fs(0x8b, ECX, l.sspSlot); // mov ecx, fs:[ssp]
  a.emit(0x50); // push eax                                  [esp+8] = real return
  a.emit(0x8d).espDisp(EAX, 8); // lea eax, [esp+8]          entry ESP
  a.emit(0x39).memDisp8(EAX, ECX, 4); // cmp [ecx+4], eax    top frame's entry ESP (sentinel: 0xFFFFFFFF)
  a.emit(0x0f, 0x86).d32(0); // jbe cut                       (patched below)
  const jbAt = a.bytes.length;
  const back = a.here;
  a.emit(0x89).memDisp8(EAX, ECX, -4); // mov [ecx-4], eax   frame.esp
  a.emit(0x8b).espDisp(EAX, 8); // mov eax, [esp+8]
  a.emit(0x89).memDisp8(EAX, ECX, -8); // mov [ecx-8], eax   frame.ret
  a.emit(0x8d).memDisp8(ECX, ECX, -8); // lea ecx, [ecx-8]
  a.fs(0x89, ECX, l.sspSlot); // mov fs:[ssp], ecx
  a.emit(0xc7).espDisp(0, 8).d32(l.exitVa); // mov dword [esp+8], exit
  a.fs(0x8b, ECX, l.logSlot); // mov ecx, fs:[log]
  a.emit(0xc7).memDisp32(0, ECX, -LOG_BIAS).d32(fnId); // mov dword [ecx-B], fnId
  a.emit(0xa1).d32(l.counterVa); // mov eax, [counter]
  a.emit(0x89).memDisp32(EAX, ECX, -LOG_BIAS + 4); // mov [ecx-B+4], eax
  a.emit(0x8d).espDisp(EAX, 8); // lea eax, [esp+8]
  a.emit(0x89).memDisp32(EAX, ECX, -LOG_BIAS + 8); // mov [ecx-B+8], eax
  for (let j = 0; j < l.argCount; j++) {
    a.emit(0x8b).espDisp(EAX, 12 + 4 * j); // mov eax, [esp+12+4j]
    a.emit(0x89).memDisp32(EAX, ECX, -LOG_BIAS + 12 + 4 * j); // mov [ecx-B+12+4j], eax
  }
  a.emit(0x8d).memDisp32(ECX, ECX, 12 + 4 * l.argCount); // lea ecx, [ecx+size]
  a.fs(0x89, ECX, l.logSlot); // mov fs:[log], ecx
  a.flushCheck(l.sspSlot, l.flushVa);
  a.emit(0x58, 0x59); // pop eax; pop ecx
  if (cls.patch === "clang") {
    const moved = relocateInstruction(firstBytes, { ...cls.first, offset: 0 }, fnVa, a.here);
    a.emit(...moved);
  }
  a.rel32(0xe9, fnVa + cls.firstLength);
  // cut: the host removes the dead frames and sets ECX to the new shadow top.
  const cut = a.here;
  a.bytes.splice(jbAt - 4, 4, ...le32(cut - (va + jbAt)));
  a.rel32(0xe8, l.cutVa); // call cut
  a.rel32(0xe9, back); // jmp back
  assert(a.bytes.length <= guestEntryThunkSize(l.argCount), "entry thunk larger than its slot");
  return Uint8Array.from(a.bytes);
}

function le32(v: number): number[] {
  const x = v >>> 0;
  return [x & 255, (x >>> 8) & 255, (x >>> 16) & 255, x >>> 24];
}

/**
 * The shared exit thunk, reached by the `ret` of an instrumented function. Fast path (the
 * top frame's entry ESP is the slot the `ret` just popped): pop it, put the real return on
 * the stack (ESP moves first), append EXIT(ts, eax), return. Otherwise jump to SLOW_EXIT with
 * ECX saved at [esp]: the host finds the frame (`ret n`, tail calls, dead frames, spilled
 * frames) and continues at the real return itself.
 */
export function guestExitThunk(va: number, l: GuestThunkLayout): Uint8Array {
  const a = new Asm(va);
  a.emit(0x51); // push ecx                               (ESP = entry ESP after a plain ret)
  a.fs(0x8b, ECX, l.sspSlot); // mov ecx, fs:[ssp]
  a.emit(0x39, 0x61, 0x04); // cmp [ecx+4], esp
  a.emit(0x0f).rel32(0x85, l.slowExitVa); // jne slow_exit
  a.emit(0xff, 0x31); // push dword [ecx]                 real return
  a.emit(0x8d).memDisp8(ECX, ECX, SHADOW_FRAME); // lea ecx, [ecx+8]
  a.fs(0x89, ECX, l.sspSlot); // mov fs:[ssp], ecx
  a.fs(0x8b, ECX, l.logSlot); // mov ecx, fs:[log]
  a.emit(0xc7).memDisp32(0, ECX, -LOG_BIAS).d32(EXIT_TAG); // mov dword [ecx-B], EXIT_TAG
  a.emit(0x89).memDisp32(EAX, ECX, -LOG_BIAS + 8); // mov [ecx-B+8], eax
  a.emit(0xff, 0x35).d32(l.counterVa); // push dword [counter]
  a.emit(0x8f).memDisp32(0, ECX, -LOG_BIAS + 4); // pop dword [ecx-B+4]
  a.emit(0x8d).memDisp8(ECX, ECX, 12); // lea ecx, [ecx+12]
  a.fs(0x89, ECX, l.logSlot); // mov fs:[log], ecx
  a.flushCheck(l.sspSlot, l.flushVa);
  a.emit(0x8b).espDisp(ECX, 4); // mov ecx, [esp+4]
  a.emit(0xc2, 0x04, 0x00); // ret 4
  return Uint8Array.from(a.bytes);
}
