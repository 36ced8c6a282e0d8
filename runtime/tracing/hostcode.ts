/**
 * The tracer's own code as the deterministic clock sees it (runtime/engine/README.md, "Clock"):
 * thunk areas and patched entry sites are host code, whose blocks count only the program's
 * instructions in them. So a traced run retires exactly the instructions of the untraced run:
 *  - a continuation counts the instructions it moved out of the function (one per original
 *    instruction), not its stack fix-ups, exit-thunk store or jump back;
 *  - a patched entry counts what it replaced: the MSVC form's `jmp $-5` stands for the
 *    `mov edi,edi` the continuation skips (1); the clang form's jump and a detour's jump count
 *    nothing (the moved instructions count in the continuation); the padding call counts nothing;
 *  - hook slots and the exit thunk count nothing.
 */

import { lowerBound } from "../../base/index.js";

/** A [begin, end) range of guest addresses. */
export type CodeRange = readonly [number, number];

export class HostCode {
  private readonly areas: CodeRange[] = [];
  private readonly sites = new Map<number, { readonly range: CodeRange; readonly counted: readonly number[] }>();
  private readonly areaStarts: number[] = [];
  /** Sorted range starts and ends and counted addresses, rebuilt after a change. */
  private sorted: { ranges: CodeRange[]; starts: number[]; counted: number[] } | undefined;

  /** A thunk area and the addresses of the program instructions inside it. */
  addArea(range: CodeRange, programInstructions: readonly number[]): void {
    this.areas.push(range);
    this.areaStarts.push(...programInstructions);
    this.sorted = undefined;
  }

  /** An entry patch written over [range) (the sites' addresses of counted instructions, if any). */
  sitePatched(fnVa: number, range: CodeRange, counted: readonly number[] = []): void {
    this.sites.set(fnVa, { range, counted });
    this.sorted = undefined;
  }

  /** The entry patch at fnVa was removed: the function's own bytes are back. */
  siteRestored(fnVa: number): void {
    if (this.sites.delete(fnVa)) this.sorted = undefined;
  }

  /** All host code ranges, sorted (for the engine's block clock). */
  ranges(): CodeRange[] {
    return this.build().ranges;
  }

  /**
   * How many program instructions the code at [address, address+size) holds when it starts in
   * host code; undefined when it is the program's own code.
   */
  charge(address: number, size: number): number | undefined {
    const { ranges, starts, counted } = this.build();
    const i = lowerBound(starts, address + 1) - 1; // the last range starting at or before address
    if (i < 0 || address >= ranges[i]![1]) return undefined;
    return lowerBound(counted, address + size) - lowerBound(counted, address);
  }

  private build(): { ranges: CodeRange[]; starts: number[]; counted: number[] } {
    if (this.sorted !== undefined) return this.sorted;
    const ranges = [...this.areas, ...[...this.sites.values()].map((s) => s.range)].sort((a, b) => a[0] - b[0]);
    const counted = [...this.areaStarts, ...[...this.sites.values()].flatMap((s) => s.counted)].sort((a, b) => a - b);
    this.sorted = { ranges, starts: ranges.map((r) => r[0]), counted };
    return this.sorted;
  }
}
