/**
 * Prologue classification: can this function be hot-patched, and how?
 *
 * - `msvc`: the function starts with the 2-byte no-op `8B FF` / `89 FF` (mov edi,edi) and is
 *   preceded by ≥5 bytes of padding (`CC`, `90` or `00`). The thunk continues at fn+2.
 * - `clang`: the first instruction is ≥2 bytes, decodable and relocatable; ≥5 bytes of
 *   padding precede it. The thunk runs a relocated copy of it, then jumps to fn+length.
 * - `syscall`: a Wine system-call stub (`mov eax, N; mov edx, thunk; call edx; ret K`): not
 *   patched; the runtime records it where the call reaches its system-call dispatcher.
 * - `none`: anything else, with the reason.
 *
 * Padding must lie in the same executable section and belong to no other function: it must
 * not overlap [rva, rva+size) of any function whose size is known, and must not contain the
 * start of any other function (which covers the previous function when its size is unknown).
 */
import type { PeImage } from "../pe/types.js";
import type { DiscoveredFunction } from "./discover.js";
import { type CodeBytes, fileCodeBytes, isExecutable, sectionOf } from "./image.js";
import { decodeInstruction, type Instruction } from "./x86/decode.js";
import { relocationProblem } from "./x86/relocate.js";

export const PADDING_NEEDED = 5;
const PADDING_BYTES = new Set([0xcc, 0x90, 0x00]);

export type PatchClass =
  | { readonly patch: "msvc"; readonly firstLength: 2 }
  | { readonly patch: "clang"; readonly firstLength: number; readonly first: Instruction }
  | { readonly patch: "syscall"; readonly number: number; readonly argBytes: number }
  | { readonly patch: "none"; readonly reason: string };

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
): PatchClass {
  const none = (reason: string): PatchClass => ({ patch: "none", reason });
  const rva = fn.rva;
  const section = sectionOf(image, rva);
  if (section === undefined) return none("not inside any section");
  if (!isExecutable(section)) return none(`not in an executable section (${section.name})`);

  const below = countBelow(index, rva);
  const widest = below > 0 ? index.sizedReach[below - 1]! : -1;
  const container = widest >= 0 ? index.all[widest]! : undefined;
  if (container !== undefined && rva < container.rva + container.size!) return none(`inside another function (${container.name} at 0x${container.rva.toString(16)})`);

  // Padding: count padding bytes backwards, staying inside the section and after the end of
  // the previous function (its last bytes may well be 00, e.g. `ret 4` = C2 04 00). So the
  // padding counted belongs to no other function.
  const floor = Math.max(section.rva, below > 0 ? index.reach[below - 1]! : 0);
  const room = Math.max(0, Math.min(16, rva - floor));
  const before = code.read(rva - room, room) ?? new Uint8Array(0);
  let padding = 0;
  while (padding < before.length && PADDING_BYTES.has(before[before.length - 1 - padding]!)) padding++;
  const head = code.read(rva, Math.min(16, section.rva + Math.max(section.virtualSize, section.rawSize) - rva));
  if (head === undefined || head.length < 2) return none("function runs past the end of its section");
  const stub = syscallStub(head);
  if (stub !== undefined) return { patch: "syscall", ...stub };

  if (head[0] === 0xeb && head[1] === 0xf9 && before.length >= 5 && (before[before.length - 5] === 0xe8 || before[before.length - 5] === 0xe9)) return none("already patched (starts with EB F9 after an E8 call or E9 jump)");
  if (padding === 0) return none(floor === section.rva && room === 0 ? "no padding: function starts at the section start" : "no padding before the entry");
  if (padding < PADDING_NEEDED) return none(`padding too short: ${padding} byte(s) of CC/90/00 before the entry, ${PADDING_NEEDED} needed`);

  if ((head[0] === 0x8b || head[0] === 0x89) && head[1] === 0xff) return { patch: "msvc", firstLength: 2 };

  const first = decodeInstruction(head, 0);
  if (first.kind === "unknown") return none(`first instruction is undecodable${first.note !== undefined ? ` (${first.note})` : ""}`);
  if (first.length < 2) return none(`first instruction too short (${first.length} byte, 2 needed)`);
  const problem = relocationProblem(first);
  if (problem !== undefined) return none(`first instruction unsafe to relocate: ${problem}`);
  if (fn.size !== undefined && first.length > fn.size) return none(`first instruction (${first.length} bytes) is longer than the function (${fn.size} bytes)`);
  return { patch: "clang", firstLength: first.length, first };
}
