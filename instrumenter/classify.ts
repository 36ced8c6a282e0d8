/**
 * Prologue classification: can this function be hot-patched, and how?
 *
 * - `msvc`: the function starts with the 2-byte no-op `8B FF` / `89 FF` (mov edi,edi) and is
 *   preceded by ≥5 bytes of padding (`CC`, `90` or `00`). The thunk continues at fn+2.
 * - `clang`: the first instruction is ≥2 bytes, decodable and relocatable; ≥5 bytes of
 *   padding precede it. The thunk runs a relocated copy of it, then jumps to fn+length.
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
  | { readonly patch: "none"; readonly reason: string };

/**
 * An index over all discovered functions for the "belongs to no other function" checks;
 * build it once per image with `functionIndex` and pass it to `classify`.
 */
export interface FunctionIndex {
  /** Sorted starts. */
  readonly starts: readonly number[];
  readonly all: readonly DiscoveredFunction[];
}

export function functionIndex(all: readonly DiscoveredFunction[]): FunctionIndex {
  const sorted = [...all].sort((a, b) => a.rva - b.rva);
  return { starts: sorted.map((f) => f.rva), all: sorted };
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

  const container = index.all.find((g) => g.rva !== rva && g.size !== undefined && g.rva < rva && rva < g.rva + g.size);
  if (container !== undefined) return none(`inside another function (${container.name} at 0x${container.rva.toString(16)})`);

  // Padding: count padding bytes backwards, staying inside the section and after the end of
  // the previous function (its last bytes may well be 00, e.g. `ret 4` = C2 04 00).
  let floor: number = section.rva;
  for (const g of index.all) {
    if (g.rva >= rva) break;
    floor = Math.max(floor, g.size !== undefined ? g.rva + g.size : g.rva + 1);
  }
  const room = Math.max(0, Math.min(16, rva - floor));
  const before = code.read(rva - room, room) ?? new Uint8Array(0);
  let padding = 0;
  while (padding < before.length && PADDING_BYTES.has(before[before.length - 1 - padding]!)) padding++;
  const head = code.read(rva, Math.min(16, section.rva + Math.max(section.virtualSize, section.rawSize) - rva));
  if (head === undefined || head.length < 2) return none("function runs past the end of its section");

  if (head[0] === 0xeb && head[1] === 0xf9 && before.length >= 5 && (before[before.length - 5] === 0xe8 || before[before.length - 5] === 0xe9)) return none("already patched (starts with EB F9 after an E8 call or E9 jump)");
  if (padding === 0) return none(floor === section.rva && room === 0 ? "no padding: function starts at the section start" : "no padding before the entry");
  if (padding < PADDING_NEEDED) return none(`padding too short: ${padding} byte(s) of CC/90/00 before the entry, ${PADDING_NEEDED} needed`);

  // The 5 padding bytes must belong to no other function.
  const padStart = rva - PADDING_NEEDED;
  for (const g of index.all) {
    if (g.rva === rva) continue;
    if (g.rva >= padStart && g.rva < rva) return none(`padding overlaps function ${g.name} at 0x${g.rva.toString(16)}`);
    if (g.size !== undefined && g.rva < rva && g.rva + g.size > padStart) {
      return none(`padding overlaps function ${g.name} (0x${g.rva.toString(16)}+0x${g.size.toString(16)})`);
    }
  }

  if ((head[0] === 0x8b || head[0] === 0x89) && head[1] === 0xff) return { patch: "msvc", firstLength: 2 };

  const first = decodeInstruction(head, 0);
  if (first.kind === "unknown") return none(`first instruction is undecodable${first.note !== undefined ? ` (${first.note})` : ""}`);
  if (first.length < 2) return none(`first instruction too short (${first.length} byte, 2 needed)`);
  const problem = relocationProblem(first);
  if (problem !== undefined) return none(`first instruction unsafe to relocate: ${problem}`);
  if (fn.size !== undefined && first.length > fn.size) return none(`first instruction (${first.length} bytes) is longer than the function (${fn.size} bytes)`);
  return { patch: "clang", firstLength: first.length, first };
}
