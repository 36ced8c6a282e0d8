/**
 * x86-32 instruction length decoder with just enough understanding to relocate an
 * instruction: prefixes, the one-byte map, the 0F / 0F 38 / 0F 3A maps, VEX (C4/C5 with
 * mod=11 in 32-bit mode), ModRM/SIB/displacement (32-bit and, under 67, 16-bit addressing)
 * and immediates. It classifies relative control transfers, because those are the only
 * 32-bit instructions whose meaning changes when they move (there is no EIP-relative data
 * addressing in 32-bit mode).
 *
 * Not a disassembler: it never names instructions. It is exercised against llvm-objdump on
 * every sample (test/instrumenter/decode.test.ts).
 */

/** What an instruction does to control flow, as far as relocation cares. */
export type InstructionKind =
  /** Position independent: can be copied anywhere verbatim. */
  | "plain"
  /** E8 rel32. */
  | "call-rel32"
  /** E9 rel32. */
  | "jmp-rel32"
  /** EB rel8. */
  | "jmp-rel8"
  /** 70–7F rel8 (condition in `condition`). */
  | "jcc-rel8"
  /** 0F 80–8F rel32 (condition in `condition`). */
  | "jcc-rel32"
  /** E0–E3 loop/loope/loopne/jecxz: rel8 only, cannot be widened. */
  | "loop-rel8"
  /** A relative transfer we do not re-encode (rel16 forms under 66, xbegin). */
  | "relative-other"
  /** Privileged, trapping or I/O instruction: its behaviour depends on where it faults. */
  | "trap"
  /** Undefined opcode or an encoding this decoder does not know. */
  | "unknown";

export interface Instruction {
  /** Offset of the instruction in the decoded buffer. */
  readonly offset: number;
  /** Total length in bytes, prefixes included (0 when kind is "unknown" and undecodable). */
  readonly length: number;
  readonly kind: InstructionKind;
  /** For relative transfers: the signed displacement and where it sits in the instruction. */
  readonly displacement?: number;
  readonly displacementOffset?: number;
  readonly displacementSize?: number;
  /** For jcc: the condition code 0–15. */
  readonly condition?: number;
  /** Why the kind is "unknown"/"trap", for messages. */
  readonly note?: string;
  /** Offset of the ModRM byte in the instruction, when it has one (operands.ts). */
  readonly modrmOffset?: number;
}

const MAX_LENGTH = 15;

// Operand-size-dependent immediate ("iz": 4 bytes, 2 under a 66 prefix).
const IZ = -1;
// ModRM present.
const M = 1;

/**
 * One-byte map. Entry: [modrm?, immediate size or IZ]; null = prefix/escape/special (handled
 * in code) or invalid.
 */
type OpInfo = readonly [number, number] | null;
const ONE_BYTE: OpInfo[] = new Array<OpInfo>(256).fill(null);
function set(from: number, to: number, info: readonly [number, number]): void {
  for (let op = from; op <= to; op++) ONE_BYTE[op] = info;
}
// ALU blocks 00–3F: op r/m,r ×4 then AL,ib and eAX,iz, then push/pop seg or BCD ops.
for (let base = 0x00; base < 0x40; base += 8) {
  set(base, base + 3, [M, 0]);
  ONE_BYTE[base + 4] = [0, 1];
  ONE_BYTE[base + 5] = [0, IZ];
  ONE_BYTE[base + 6] = [0, 0];
  ONE_BYTE[base + 7] = [0, 0];
}
ONE_BYTE[0x0f] = null; // escape
ONE_BYTE[0x26] = ONE_BYTE[0x2e] = ONE_BYTE[0x36] = ONE_BYTE[0x3e] = null; // segment prefixes
set(0x40, 0x61, [0, 0]); // inc/dec/push/pop reg, pusha/popa
ONE_BYTE[0x62] = [M, 0]; // bound (EVEX when mod=11: refused below)
ONE_BYTE[0x63] = [M, 0]; // arpl
ONE_BYTE[0x68] = [0, IZ];
ONE_BYTE[0x69] = [M, IZ];
ONE_BYTE[0x6a] = [0, 1];
ONE_BYTE[0x6b] = [M, 1];
set(0x6c, 0x6f, [0, 0]); // ins/outs
set(0x70, 0x7f, [0, 1]); // jcc rel8
ONE_BYTE[0x80] = [M, 1];
ONE_BYTE[0x81] = [M, IZ];
ONE_BYTE[0x82] = [M, 1];
ONE_BYTE[0x83] = [M, 1];
set(0x84, 0x8f, [M, 0]);
set(0x90, 0x99, [0, 0]);
ONE_BYTE[0x9a] = null; // far call ptr16:32
set(0x9b, 0x9f, [0, 0]);
// A0–A3 moffs: special.
set(0xa4, 0xa7, [0, 0]);
ONE_BYTE[0xa8] = [0, 1];
ONE_BYTE[0xa9] = [0, IZ];
set(0xaa, 0xaf, [0, 0]);
set(0xb0, 0xb7, [0, 1]);
set(0xb8, 0xbf, [0, IZ]);
ONE_BYTE[0xc0] = [M, 1];
ONE_BYTE[0xc1] = [M, 1];
ONE_BYTE[0xc2] = [0, 2];
ONE_BYTE[0xc3] = [0, 0];
ONE_BYTE[0xc4] = [M, 0]; // les (VEX3 when mod=11: special)
ONE_BYTE[0xc5] = [M, 0]; // lds (VEX2 when mod=11: special)
ONE_BYTE[0xc6] = [M, 1];
ONE_BYTE[0xc7] = [M, IZ];
ONE_BYTE[0xc8] = [0, 3]; // enter iw, ib
ONE_BYTE[0xc9] = [0, 0];
ONE_BYTE[0xca] = [0, 2];
set(0xcb, 0xcc, [0, 0]);
ONE_BYTE[0xcd] = [0, 1];
set(0xce, 0xcf, [0, 0]);
set(0xd0, 0xd3, [M, 0]);
ONE_BYTE[0xd4] = [0, 1];
ONE_BYTE[0xd5] = [0, 1];
ONE_BYTE[0xd6] = [0, 0]; // salc
ONE_BYTE[0xd7] = [0, 0];
set(0xd8, 0xdf, [M, 0]); // x87
set(0xe0, 0xe7, [0, 1]); // loop/jcxz rel8, in/out ib
ONE_BYTE[0xe8] = [0, IZ];
ONE_BYTE[0xe9] = [0, IZ];
ONE_BYTE[0xea] = null; // far jmp ptr16:32
ONE_BYTE[0xeb] = [0, 1];
set(0xec, 0xef, [0, 0]);
ONE_BYTE[0xf1] = [0, 0];
set(0xf4, 0xf5, [0, 0]);
ONE_BYTE[0xf6] = null; // group 3: test has an immediate
ONE_BYTE[0xf7] = null;
set(0xf8, 0xfd, [0, 0]);
ONE_BYTE[0xfe] = [M, 0];
ONE_BYTE[0xff] = [M, 0];

/** One-byte opcodes that trap, are privileged or do I/O: not moved into a thunk. */
const TRAPS = new Set([
  0x6c, 0x6d, 0x6e, 0x6f, 0xcc, 0xcd, 0xce, 0xcf, 0xe4, 0xe5, 0xe6, 0xe7, 0xec, 0xed, 0xee, 0xef, 0xf1, 0xf4, 0xfa, 0xfb,
]);

/** Two-byte map (0F xx): [modrm?, immediate] or null = invalid/special. */
const TWO_BYTE: OpInfo[] = new Array<OpInfo>(256).fill(null);
function set2(from: number, to: number, info: readonly [number, number]): void {
  for (let op = from; op <= to; op++) TWO_BYTE[op] = info;
}
set2(0x00, 0x03, [M, 0]);
set2(0x05, 0x09, [0, 0]); // syscall clts sysret invd wbinvd
TWO_BYTE[0x0b] = [0, 0]; // ud2
TWO_BYTE[0x0d] = [M, 0]; // prefetch
TWO_BYTE[0x0e] = [0, 0]; // femms
TWO_BYTE[0x0f] = [M, 1]; // 3DNow!: ModRM then a suffix byte
set2(0x10, 0x1f, [M, 0]);
set2(0x20, 0x23, [M, 0]); // mov cr/dr
set2(0x28, 0x2f, [M, 0]);
set2(0x30, 0x35, [0, 0]); // wrmsr rdtsc rdmsr rdpmc sysenter sysexit
TWO_BYTE[0x37] = [0, 0]; // getsec
set2(0x40, 0x6f, [M, 0]);
set2(0x70, 0x73, [M, 1]);
set2(0x74, 0x76, [M, 0]);
TWO_BYTE[0x77] = [0, 0]; // emms
set2(0x78, 0x79, [M, 0]);
set2(0x7c, 0x7f, [M, 0]);
set2(0x80, 0x8f, [0, IZ]); // jcc rel32
set2(0x90, 0x9f, [M, 0]);
set2(0xa0, 0xa2, [0, 0]);
TWO_BYTE[0xa3] = [M, 0];
TWO_BYTE[0xa4] = [M, 1];
TWO_BYTE[0xa5] = [M, 0];
set2(0xa8, 0xaa, [0, 0]);
TWO_BYTE[0xab] = [M, 0];
TWO_BYTE[0xac] = [M, 1];
set2(0xad, 0xaf, [M, 0]);
set2(0xb0, 0xb9, [M, 0]);
TWO_BYTE[0xba] = [M, 1];
set2(0xbb, 0xc1, [M, 0]);
TWO_BYTE[0xc2] = [M, 1];
TWO_BYTE[0xc3] = [M, 0];
set2(0xc4, 0xc6, [M, 1]);
TWO_BYTE[0xc7] = [M, 0];
set2(0xc8, 0xcf, [0, 0]); // bswap
set2(0xd0, 0xff, [M, 0]);

/** Two-byte opcodes that trap or are privileged. */
const TRAPS_0F = new Set([0x05, 0x06, 0x07, 0x08, 0x09, 0x0b, 0x20, 0x21, 0x22, 0x23, 0x30, 0x32, 0x33, 0x34, 0x35, 0x37, 0xaa, 0xb9, 0xff]);

/*
 * The decoder's cursor, in module state rather than closures: a decode then allocates only its
 * result. It runs for every instruction of every function the tracer classifies (~250,000 in
 * Wine's kernelbase), and per-call closures and temporary objects were most of its time, in
 * the garbage collector too. Nothing here calls back into decodeInstruction.
 */
let bytesNow: Uint8Array = new Uint8Array(0);
/** Next byte to read, the first byte not to read, and the instruction's start. */
let p = 0;
let end = 0;
let start = 0;
let addr16 = false;
/** Offset of the ModRM byte in the instruction, -1 when none was read. */
let modrmAt = -1;

function unknown(note: string): Instruction {
  return { offset: start, length: 0, kind: "unknown", note };
}

/** The next byte, or -1 past the end. */
function nextByte(): number {
  return p < end ? bytesNow[p++]! : -1;
}

/** Reads ModRM (+SIB, displacement); its reg field, or -1 when truncated. */
function readModrm(): number {
  modrmAt = p - start;
  const m = nextByte();
  if (m < 0) return -1;
  const mod = m >> 6;
  const rm = m & 7;
  let disp = 0;
  if (addr16) {
    if (mod === 0 && rm === 6) disp = 2;
    else if (mod === 1) disp = 1;
    else if (mod === 2) disp = 2;
  } else if (mod !== 3) {
    if (rm === 4) {
      const sib = nextByte();
      if (sib < 0) return -1;
      if (mod === 0 && (sib & 7) === 5) disp = 4;
    }
    if (mod === 0 && rm === 5) disp = 4;
    else if (mod === 1) disp = 1;
    else if (mod === 2) disp = 4;
  }
  p += disp;
  if (p > end) return -1;
  return (m >> 3) & 7;
}

/** An Instruction while its optional fields are filled in. */
type InstructionBeingBuilt = { -readonly [K in keyof Instruction]: Instruction[K] };

function finish(immediate: number, kind: InstructionKind = "plain", note?: string): Instruction {
  p += immediate;
  if (p > end) return unknown("truncated");
  const insn: InstructionBeingBuilt = { offset: start, length: p - start, kind };
  if (note !== undefined) insn.note = note;
  if (modrmAt >= 0) insn.modrmOffset = modrmAt;
  return insn;
}

function relative(kind: InstructionKind, size: number, condition?: number): Instruction {
  const at = p;
  p += size;
  if (p > end) return unknown("truncated");
  const b = bytesNow;
  const displacement = size === 1 ? (b[at]! << 24) >> 24 : size === 2 ? ((b[at]! | (b[at + 1]! << 8)) << 16) >> 16 : b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24);
  const insn: InstructionBeingBuilt = { offset: start, length: p - start, kind, displacement, displacementOffset: at - start, displacementSize: size };
  if (condition !== undefined) insn.condition = condition;
  return insn;
}

/** Decodes the instruction at `offset`; never throws (runs past the end → "unknown"). */
export function decodeInstruction(bytes: Uint8Array, offset: number): Instruction {
  bytesNow = bytes;
  p = offset;
  start = offset;
  end = Math.min(bytes.length, offset + MAX_LENGTH);
  addr16 = false;
  modrmAt = -1;

  let opsize16 = false;
  let op: number;
  for (;;) {
    op = nextByte();
    if (op < 0) return unknown("truncated in prefixes");
    if (op === 0x66) opsize16 = true;
    else if (op === 0x67) addr16 = true;
    else if (op === 0xf0 || op === 0xf2 || op === 0xf3 || op === 0x26 || op === 0x2e || op === 0x36 || op === 0x3e || op === 0x64 || op === 0x65) continue;
    else break;
  }
  const iz = opsize16 ? 2 : 4;

  if (op === 0x0f) return decode0F(iz, opsize16);

  // Relative transfers first.
  if (op >= 0x70 && op <= 0x7f) return relative("jcc-rel8", 1, op & 0xf);
  if (op === 0xeb) return relative("jmp-rel8", 1);
  if (op >= 0xe0 && op <= 0xe3) return relative("loop-rel8", 1);
  if (op === 0xe8) return opsize16 ? relative("relative-other", 2) : relative("call-rel32", 4);
  if (op === 0xe9) return opsize16 ? relative("relative-other", 2) : relative("jmp-rel32", 4);

  switch (op) {
    case 0x9a:
    case 0xea:
      return finish(iz + 2, "trap", "far transfer");
    case 0xa0:
    case 0xa1:
    case 0xa2:
    case 0xa3:
      return finish(addr16 ? 2 : 4);
    case 0xf6:
    case 0xf7: {
      const reg = readModrm();
      if (reg < 0) return unknown("truncated");
      return finish(reg <= 1 ? (op === 0xf6 ? 1 : iz) : 0);
    }
    case 0xc4:
    case 0xc5:
      // In 32-bit mode, mod=11 after C4/C5 makes it a VEX prefix, not les/lds.
      if (p < end && bytes[p]! >> 6 === 3) return decodeVex(op, bytes, p, end, offset, addr16);
      break;
    case 0x62:
      if (p < end && bytes[p]! >> 6 === 3) return unknown("EVEX prefix");
      break;
    case 0xc7:
      if (p < end && bytes[p] === 0xf8) return finish(1 + iz, "relative-other", "xbegin");
      break;
    case 0xc6:
      if (p < end && bytes[p] === 0xf8) return finish(2, "plain"); // xabort ib
      break;
  }

  const info = ONE_BYTE[op];
  if (info === null || info === undefined) return unknown(`opcode 0x${op.toString(16)}`);
  if (info[0] === M && readModrm() < 0) return unknown("truncated");
  const imm = info[1] === IZ ? iz : info[1];
  return TRAPS.has(op) ? finish(imm, "trap", `opcode 0x${op.toString(16)} traps or is privileged`) : finish(imm, "plain");
}

function decode0F(iz: number, opsize16: boolean): Instruction {
  const op2 = nextByte();
  if (op2 < 0) return unknown("truncated after 0F");
  if (op2 >= 0x80 && op2 <= 0x8f) return opsize16 ? relative("relative-other", 2) : relative("jcc-rel32", 4, op2 & 0xf);
  if (op2 === 0x38 || op2 === 0x3a) {
    const op3 = nextByte();
    if (op3 < 0) return unknown("truncated after 0F 38/3A");
    if (readModrm() < 0) return unknown("truncated");
    return finish(op2 === 0x3a ? 1 : 0);
  }
  const info = TWO_BYTE[op2];
  if (info === null || info === undefined) return unknown(`opcode 0x0f 0x${op2.toString(16)}`);
  if (info[0] === M && readModrm() < 0) return unknown("truncated");
  const imm = info[1] === IZ ? iz : info[1];
  return TRAPS_0F.has(op2) ? finish(imm, "trap", `opcode 0x0f 0x${op2.toString(16)} traps or is privileged`) : finish(imm, "plain");
}

/** VEX-encoded (AVX) instruction: prefix bytes, opcode, ModRM, imm8 for the 0F3A map. */
function decodeVex(prefix: number, bytes: Uint8Array, start: number, end: number, offset: number, addr16: boolean): Instruction {
  let p = start;
  let map = 1;
  if (prefix === 0xc4) {
    if (p >= end) return { offset, length: 0, kind: "unknown", note: "truncated VEX" };
    map = bytes[p]! & 0x1f;
    p += 2;
  } else {
    p += 1;
  }
  if (p + 2 > end) return { offset, length: 0, kind: "unknown", note: "truncated VEX" };
  p += 1; // opcode
  const m = bytes[p++]!;
  const mod = m >> 6;
  const rm = m & 7;
  if (addr16) return { offset, length: 0, kind: "unknown", note: "VEX with 16-bit addressing" };
  if (mod !== 3) {
    if (rm === 4) {
      if (p >= end) return { offset, length: 0, kind: "unknown", note: "truncated VEX" };
      const sib = bytes[p++]!;
      if (mod === 0 && (sib & 7) === 5) p += 4;
    }
    if (mod === 0 && rm === 5) p += 4;
    else if (mod === 1) p += 1;
    else if (mod === 2) p += 4;
  }
  if (map === 3) p += 1;
  else if (map !== 1 && map !== 2) return { offset, length: 0, kind: "unknown", note: `VEX map ${map}` };
  if (p > end) return { offset, length: 0, kind: "unknown", note: "truncated VEX" };
  return { offset, length: p - offset, kind: "plain" };
}

/** Target of a relative transfer at `address` (absolute, u32). */
export function relativeTarget(insn: Instruction, address: number): number | undefined {
  if (insn.displacement === undefined) return undefined;
  return (address + insn.length + insn.displacement) >>> 0;
}

/**
 * The number of instructions in `bytes` (whole instructions from offset 0, as a translated
 * block holds them). An undecodable byte counts as one instruction of one byte.
 */
export function countInstructions(bytes: Uint8Array): number {
  let n = 0;
  for (let at = 0; at < bytes.length; n++) {
    const insn = decodeInstruction(bytes, at);
    at += insn.kind === "unknown" || insn.length === 0 ? 1 : insn.length;
  }
  return n;
}
