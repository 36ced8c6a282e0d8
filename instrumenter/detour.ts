/**
 * Detour patching for functions without hot-patch padding: the first instructions (≥ 5
 * bytes) are replaced by `jmp trampoline`; the trampoline records the entry, runs those
 * instructions relocated and jumps back after them.
 *
 * A function is refused, with the reason, when
 *  - a branch inside it lands inside the displaced bytes (after the first): found by following
 *    its code from the entry (recursive descent over relative branches and visible jump
 *    tables `jmp [table + reg*4]`) within its extent (its PDB size, else up to the next known
 *    function or the end of the section);
 *  - its code cannot all be followed (an undecodable instruction), since a branch from the
 *    unknown part could land in the displaced bytes;
 *  - the displaced bytes would cross the function's end (it returns or jumps away first);
 *  - a displaced instruction cannot be relocated (loop/jecxz rel8, rel16, traps).
 *
 * `followFunction` also yields the function's direct call targets (discovery without symbols).
 */
import type { CodeBytes } from "./image.js";
import { decodeInstruction, type Instruction } from "./x86/decode.js";
import { flowOf } from "./x86/flow.js";
import { relocationProblem } from "./x86/relocate.js";

/** Bytes the detour jump (`E9 rel32`) overwrites at least. */
export const DETOUR_LENGTH = 5;
/** Jump-table entries read at most (a table ends at the first entry outside the function). */
const MAX_TABLE_ENTRIES = 4096;

export interface FunctionFlow {
  /** RVAs inside the function that some branch of it targets (jump-table entries included). */
  readonly targets: ReadonlySet<number>;
  /** RVAs of direct call targets (`call rel32`), anywhere in the image. */
  readonly calls: ReadonlySet<number>;
  /** RVAs outside the extent that a direct jump or branch of it leaves to (tail calls, cold parts). */
  readonly exits: ReadonlySet<number>;
  /** Undefined when every path was followed; else why not (the first problem met). */
  readonly incomplete?: string;
}

/**
 * Follows the code of the function at `rva` whose extent is [rva, end): every path from the
 * entry, through relative branches and visible jump tables, until it returns, leaves the
 * extent or stops. `imageBase` turns a jump table's absolute address into an RVA.
 */
export function followFunction(code: CodeBytes, rva: number, end: number, imageBase: number): FunctionFlow {
  const targets = new Set<number>();
  const calls = new Set<number>();
  const exits = new Set<number>();
  let incomplete: string | undefined;
  // Decoding may read up to 15 bytes past an instruction start; read the extent plus slack
  // where the image allows it.
  const length = Math.max(0, end - rva);
  const bytes = length === 0 ? new Uint8Array(0) : code.read(rva, length + 15) ?? code.read(rva, length) ?? new Uint8Array(0);
  // one flag per byte of the extent: an instruction start already decoded
  const seen = new Uint8Array(length);
  const work: number[] = [rva];
  const inside = (t: number) => t >= rva && t < end;
  while (work.length > 0) {
    let at = work.pop()!;
    while (inside(at) && seen[at - rva] === 0) {
      seen[at - rva] = 1;
      const insn = decodeInstruction(bytes, at - rva);
      if (insn.kind === "unknown" || insn.length === 0) {
        incomplete ??= `undecodable instruction at +0x${(at - rva).toString(16)}${insn.note !== undefined ? ` (${insn.note})` : ""}`;
        break;
      }
      const flow = flowOf(bytes, insn, at + imageBase);
      const next = at + insn.length;
      if (flow.kind === "next") {
        at = next;
        continue;
      }
      if (flow.kind === "call") {
        const t = (flow.target - imageBase) >>> 0;
        calls.add(t);
        if (inside(t)) targets.add(t); // call $+5 / pop: the pushed address is a target too
        at = next;
        continue;
      }
      if (flow.kind === "branch" || flow.kind === "jump") {
        const t = (flow.target - imageBase) >>> 0;
        if (inside(t)) {
          targets.add(t);
          work.push(t);
        } else {
          exits.add(t);
        }
        if (flow.kind === "jump") break;
        at = next;
        continue;
      }
      if (flow.kind === "table") {
        const table = (flow.table - imageBase) >>> 0;
        for (let i = 0; i < MAX_TABLE_ENTRIES; i++) {
          const entry = code.read(table + 4 * i, 4);
          if (entry === undefined) break;
          const t = ((entry[0]! | (entry[1]! << 8) | (entry[2]! << 16) | (entry[3]! << 24)) - imageBase) >>> 0;
          if (!inside(t)) break;
          targets.add(t);
          work.push(t);
        }
      }
      break; // table jumps, returns, traps
    }
  }
  return { targets, calls, exits, ...(incomplete !== undefined ? { incomplete } : {}) };
}

export type DetourPlan =
  | { readonly ok: true; readonly displaced: readonly Instruction[]; readonly length: number; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly reason: string };

/**
 * Which instructions a detour at `rva` displaces, or why it cannot: `end` is the function's
 * extent, `flow` what following its code found.
 */
export function planDetour(code: CodeBytes, rva: number, end: number, flow: FunctionFlow): DetourPlan {
  const head = code.read(rva, Math.min(end - rva, DETOUR_LENGTH + 15)) ?? code.read(rva, end - rva);
  if (head === undefined || end - rva < DETOUR_LENGTH) return { ok: false, reason: `function too short for a detour (${Math.max(0, end - rva)} bytes, ${DETOUR_LENGTH} needed)` };
  const displaced: Instruction[] = [];
  let length = 0;
  while (length < DETOUR_LENGTH) {
    const insn = decodeInstruction(head, length);
    if (insn.kind === "unknown" || insn.length === 0) return { ok: false, reason: `displaced instruction at +0x${length.toString(16)} is undecodable${insn.note !== undefined ? ` (${insn.note})` : ""}` };
    const problem = relocationProblem(insn);
    if (problem !== undefined) return { ok: false, reason: `displaced instruction at +0x${length.toString(16)} cannot be relocated: ${problem}` };
    displaced.push(insn);
    length += insn.length;
    if (length < DETOUR_LENGTH) {
      const f = flowOf(head, insn, rva);
      if (f.kind === "end" || f.kind === "jump" || f.kind === "table") return { ok: false, reason: `function too short for a detour: it leaves after ${length} byte(s), ${DETOUR_LENGTH} needed` };
    }
  }
  if (rva + length > end) return { ok: false, reason: `the displaced ${length} bytes would cross the function's end (+0x${(end - rva).toString(16)})` };
  for (const t of flow.targets) {
    if (t > rva && t < rva + length) return { ok: false, reason: `a branch lands inside the displaced bytes (at +0x${(t - rva).toString(16)})` };
  }
  if (flow.incomplete !== undefined) return { ok: false, reason: `its code cannot all be followed: ${flow.incomplete}` };
  return { ok: true, displaced, length, bytes: head.slice(0, length) };
}
