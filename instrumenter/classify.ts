/**
 * How each function is traced (its method):
 *
 * - `hotpatch-msvc`: the function starts with the 2-byte no-op `8B FF` / `89 FF` (mov edi,edi)
 *   and is preceded by ≥5 bytes of padding (`CC`, `90` or `00`). The thunk continues at fn+2.
 * - `hotpatch-clang`: the first instruction is ≥2 bytes, decodable and relocatable; ≥5 bytes
 *   of padding precede it. The thunk runs a relocated copy of it, then jumps to fn+length.
 * - `detour`: no usable padding: the first instructions (≥5 bytes) become `jmp thunk`; the
 *   thunk runs them relocated and jumps back (detour.ts says when a function is refused).
 * - `probe`: neither: an engine hook on the first instruction records the entry (the
 *   function's bytes stay untouched; slower). The reason says why it is not patched.
 * - `syscall`: a Wine system-call stub (`mov eax, N; mov edx, thunk; call edx; ret K`): not
 *   patched; the runtime records it where the call reaches its system-call dispatcher.
 * - `none`: not traceable at all (not code, inside another function), with the reason.
 *
 * Padding must lie in the same executable section and belong to no other function: it is
 * counted only after the end of the previous function.
 */
import type { PeImage } from "../pe/types.js";
import type { DiscoveredFunction } from "./discover.js";
import { type CodeBytes, codeEnd, fileCodeBytes, isExecutable, sectionOf } from "./image.js";
import { decodeInstruction, type Instruction } from "./x86/decode.js";
import { relocationProblem } from "./x86/relocate.js";
import { followFunction, planDetour, type FunctionFlow } from "./detour.js";
import { runtimeWriteIn, runtimeWrites } from "./pseudoreloc.js";

export const PADDING_NEEDED = 5;

/**
 * Functions of libgcc's DWARF unwinder (unwind-dw2.c) that start from their own return address
 * or rewrite it (__builtin_eh_return): patching them would hide the stack from the unwinder.
 */
const DWARF_UNWINDER = new Set([
  "_Unwind_RaiseException",
  "_Unwind_RaiseException_Phase2",
  "_Unwind_Resume",
  "_Unwind_Resume_or_Rethrow",
  "_Unwind_ForcedUnwind",
  "_Unwind_ForcedUnwind_Phase2",
  "_Unwind_Backtrace",
  "uw_init_context_1",
]);
const PADDING_BYTES = new Set([0xcc, 0x90, 0x00]);

export type PatchClass =
  | { readonly patch: "hotpatch-msvc"; readonly firstLength: 2 }
  | { readonly patch: "hotpatch-clang"; readonly firstLength: number; readonly first: Instruction }
  | { readonly patch: "detour"; readonly displaced: readonly Instruction[]; readonly length: number; readonly bytes: Uint8Array }
  | { readonly patch: "probe"; readonly reason: string }
  | { readonly patch: "syscall"; readonly number: number; readonly argBytes: number }
  | { readonly patch: "none"; readonly reason: string };

/** A method's name as `ntrace functions` and the run summary print it. */
export type TraceMethod = PatchClass["patch"];

/**
 * Which method to prefer: `auto` (hot-patch, else detour, else probe), `detour` (detour
 * wherever possible, else probe: to compare costs on the same functions), `probe` (every
 * traceable function probed).
 */
export type MethodPreference = "auto" | "detour" | "probe";

/** Wine's i386 system-call stub: B8 imm32 (mov eax, N), BA imm32 (mov edx, thunk), FF D2 (call edx), C2 imm16 | C3. */
export function syscallStub(code: Uint8Array): { readonly number: number; readonly argBytes: number } | undefined {
  if (code.length < 13 || code[0] !== 0xb8 || code[5] !== 0xba || code[10] !== 0xff || code[11] !== 0xd2) return undefined;
  const number = (code[1]! | (code[2]! << 8) | (code[3]! << 16) | (code[4]! << 24)) >>> 0;
  if (number > 0x3fff) return undefined;
  if (code[12] === 0xc3) return { number, argBytes: 0 };
  if (code[12] === 0xc2 && code.length >= 15) return { number, argBytes: code[13]! | (code[14]! << 8) };
  return undefined;
}

/**
 * An index over all discovered functions for the "belongs to no other function" checks;
 * build it once per image with `functionIndex` and pass it to `classify`.
 */
export interface FunctionIndex {
  /** Sorted starts. */
  readonly starts: readonly number[];
  readonly all: readonly DiscoveredFunction[];
  /** Per position i: the furthest end (rva+size, or rva+1 without a size) among all[0..i]. */
  readonly reach: Float64Array;
  /** Per position i: the position of the sized function among all[0..i] that ends furthest (-1: none). */
  readonly sizedReach: Int32Array;
}

export function functionIndex(all: readonly DiscoveredFunction[]): FunctionIndex {
  const sorted = [...all].sort((a, b) => a.rva - b.rva);
  const reach = new Float64Array(sorted.length);
  const sizedReach = new Int32Array(sorted.length);
  let far = 0;
  let farSized = -1;
  sorted.forEach((g, i) => {
    far = Math.max(far, g.size !== undefined ? g.rva + g.size : g.rva + 1);
    if (g.size !== undefined && (farSized < 0 || g.rva + g.size > sorted[farSized]!.rva + sorted[farSized]!.size!)) farSized = i;
    reach[i] = far;
    sizedReach[i] = farSized;
  });
  return { starts: sorted.map((f) => f.rva), all: sorted, reach, sizedReach };
}

/** The number of functions that start below `rva`. */
function countBelow(index: FunctionIndex, rva: number): number {
  let lo = 0;
  let hi = index.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (index.starts[mid]! < rva) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function classify(
  image: PeImage,
  fn: DiscoveredFunction,
  index: FunctionIndex,
  code: CodeBytes = fileCodeBytes(image),
  prefer: MethodPreference = "auto",
  flowOf: (rva: number, end: number) => FunctionFlow = (r, e) => followFunction(code, r, e, image.imageBase),
): PatchClass {
  const none = (reason: string): PatchClass => ({ patch: "none", reason });
  const rva = fn.rva;
  const section = sectionOf(image, rva);
  if (section === undefined) return none("not inside any section");
  if (!isExecutable(section)) return none(`not in an executable section (${section.name})`);
  const sectionEnd = codeEnd(image, section);
  if (rva >= sectionEnd) return none(`past the code the file holds for its section (${section.name}): zero fill`);

  const below = countBelow(index, rva);
  const widest = below > 0 ? index.sizedReach[below - 1]! : -1;
  const container = widest >= 0 ? index.all[widest]! : undefined;
  if (container !== undefined && rva < container.rva + container.size!) return none(`inside another function (${container.name} at 0x${container.rva.toString(16)})`);

  const cold = fn.names.find((n) => /\.cold(\.\d+)?$/.test(n));
  if (cold !== undefined) return none(`the cold part of ${cold.replace(/\.cold(\.\d+)?$/, "")} (GCC moves rarely run code there; it is jumped to, not called)`);
  if (fn.names.some((n) => DWARF_UNWINDER.has(n))) return none("libgcc's DWARF unwinder: it reads its own return address (traced C++ throws rely on it)");
  const head = code.read(rva, Math.min(16, sectionEnd - rva));
  if (head === undefined || head.length < 2) return none("function runs past the end of its section");
  const stub = syscallStub(head);
  if (stub !== undefined) return { patch: "syscall", ...stub };
  // Code that takes its own return address as data (setjmp-like: `pop edx` … `jmp edx`; a
  // get-PC thunk: `mov ebx, [esp]`) would keep the exit thunk's address instead.
  if (head[0]! >= 0x58 && head[0]! <= 0x5f) return none("it pops its own return address at entry (setjmp-like code that returns by jumping)");
  if (head[0] === 0x8b && (head[1]! & 0xc7) === 0x04 && head[2] === 0x24) return none("it reads its own return address at entry (mov r32, [esp]: a get-PC routine)");
  if (prefer === "probe") return { patch: "probe", reason: "probes chosen for every function" };

  const writes = runtimeWrites(image, code);
  const rewritten = (length: number) => {
    const w = runtimeWriteIn(writes, rva, rva + length);
    return w === undefined ? undefined : `the C runtime rewrites +0x${(w.rva - rva).toString(16)} of the bytes it would copy (a mingw pseudo-relocation, applied after patching)`;
  };
  let hot = prefer === "auto" ? hotPatchClass(fn, index, below, section.rva, head, code) : { patch: "probe" as const, reason: "detours chosen over hot-patching" };
  if (hot.patch === "hotpatch-clang") {
    const problem = rewritten(hot.firstLength);
    if (problem !== undefined) hot = { patch: "probe", reason: `no hot patch: ${problem}` };
  }
  if (hot.patch !== "probe") return hot;

  // The function's extent: its PDB size, else up to the next function, else the section end.
  let end = sectionEnd;
  if (fn.size !== undefined && fn.size > 0) end = Math.min(end, rva + fn.size);
  else {
    const nextAt = countBelow(index, rva + 1);
    if (nextAt < index.starts.length) end = Math.min(end, index.starts[nextAt]!);
  }
  const plan = planDetour(code, rva, end, flowOf(rva, end));
  const problem = plan.ok ? rewritten(plan.length) : undefined;
  if (plan.ok && problem === undefined) return { patch: "detour", displaced: plan.displaced, length: plan.length, bytes: plan.bytes };
  if (plan.ok) return { patch: "probe", reason: `${hot.reason}; no detour: ${problem}` };
  return { patch: "probe", reason: prefer === "auto" ? `${hot.reason}; no detour: ${plan.reason}` : `no detour: ${plan.reason}` };
}

/** The hot-patch forms, or a probe with the reason neither fits. */
function hotPatchClass(fn: DiscoveredFunction, index: FunctionIndex, below: number, sectionRva: number, head: Uint8Array, code: CodeBytes): PatchClass {
  const rva = fn.rva;
  const refuse = (reason: string): PatchClass => ({ patch: "probe", reason });
  // Padding: count padding bytes backwards, staying inside the section and after the end of
  // the previous function (its last bytes may well be 00, e.g. `ret 4` = C2 04 00). So the
  // padding counted belongs to no other function.
  const floor = Math.max(sectionRva, below > 0 ? index.reach[below - 1]! : 0);
  const room = Math.max(0, Math.min(16, rva - floor));
  const before = code.read(rva - room, room) ?? new Uint8Array(0);
  let padding = 0;
  while (padding < before.length && PADDING_BYTES.has(before[before.length - 1 - padding]!)) padding++;
  if (head[0] === 0xeb && head[1] === 0xf9 && before.length >= 5 && (before[before.length - 5] === 0xe8 || before[before.length - 5] === 0xe9)) return { patch: "none", reason: "already patched (starts with EB F9 after an E8 call or E9 jump)" };
  if (padding === 0) return refuse(floor === sectionRva && room === 0 ? "no padding: function starts at the section start" : "no padding before the entry");
  if (padding < PADDING_NEEDED) return refuse(`padding too short: ${padding} byte(s) of CC/90/00 before the entry, ${PADDING_NEEDED} needed`);
  if ((head[0] === 0x8b || head[0] === 0x89) && head[1] === 0xff) return { patch: "hotpatch-msvc", firstLength: 2 };
  const first = decodeInstruction(head, 0);
  if (first.kind === "unknown") return refuse(`first instruction is undecodable${first.note !== undefined ? ` (${first.note})` : ""}`);
  if (first.length < 2) return refuse(`first instruction too short (${first.length} byte, 2 needed)`);
  const problem = relocationProblem(first);
  if (problem !== undefined) return refuse(`first instruction unsafe to relocate: ${problem}`);
  if (fn.size !== undefined && first.length > fn.size) return refuse(`first instruction (${first.length} bytes) is longer than the function (${fn.size} bytes)`);
  return { patch: "hotpatch-clang", firstLength: first.length, first };
}
