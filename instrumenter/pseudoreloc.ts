/**
 * mingw's runtime pseudo-relocations. A mingw-w64 image that uses data of a DLL directly (C++
 * emutls variables, `extern` data without dllimport) carries a list of places the C runtime
 * rewrites at start-up (_pei386_runtime_relocator, before main): immediates inside
 * instructions among them. ntrace patches before that runs, so an instruction it copies out of
 * a function's head (detour, clang-form hot patch) must hold no such place: the runtime would
 * rewrite the original bytes, never the copy. The list's bounds come from the COFF symbols
 * __RUNTIME_PSEUDO_RELOC_LIST__ and __RUNTIME_PSEUDO_RELOC_LIST_END__ (a stripped image has none
 * and is not checked).
 */
import type { PeImage } from "../pe/index.js";
import type { CodeBytes } from "./image.js";

/** A byte range [rva, end) the C runtime rewrites at start-up. */
export interface RuntimeWrite {
  readonly rva: number;
  readonly end: number;
}

const cache = new WeakMap<PeImage, readonly RuntimeWrite[]>();

/** The places the runtime pseudo-relocation list of `image` rewrites, sorted by RVA. */
export function runtimeWrites(image: PeImage, code: CodeBytes): readonly RuntimeWrite[] {
  const known = cache.get(image);
  if (known !== undefined) return known;
  const writes = readPseudoRelocations(image, code);
  cache.set(image, writes);
  return writes;
}

function readPseudoRelocations(image: PeImage, code: CodeBytes): RuntimeWrite[] {
  const at = (suffix: string) => image.coffSymbols.find((s) => s.rva !== undefined && /^_*RUNTIME_PSEUDO_RELOC_LIST(_END)?__$/.test(s.name) && s.name.endsWith(suffix))?.rva;
  const start = at("LIST__");
  const end = at("LIST_END__");
  if (start === undefined || end === undefined || end <= start || end - start > 0x100000) return [];
  const bytes = code.read(start, end - start);
  if (bytes === undefined) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (o: number) => view.getUint32(o, true);
  const writes: RuntimeWrite[] = [];
  // Version 2 starts with the header {0, 0, 1}, then {symbol, target, flags} with the width in
  // bits in flags' low byte; version 1 is a list of {addend, target} dwords.
  if (bytes.length >= 12 && u32(0) === 0 && u32(4) === 0 && u32(8) === 1) {
    for (let o = 12; o + 12 <= bytes.length; o += 12) {
      const bits = u32(o + 8) & 0xff;
      writes.push({ rva: u32(o + 4), end: u32(o + 4) + Math.max(1, bits >>> 3) });
    }
  } else {
    for (let o = 0; o + 8 <= bytes.length; o += 8) writes.push({ rva: u32(o + 4), end: u32(o + 4) + 4 });
  }
  return writes.sort((a, b) => a.rva - b.rva);
}

/** The first runtime-rewritten place overlapping [rva, end), if any. */
export function runtimeWriteIn(writes: readonly RuntimeWrite[], rva: number, end: number): RuntimeWrite | undefined {
  return writes.find((w) => w.rva < end && w.end > rva);
}
