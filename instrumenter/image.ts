/**
 * Reading an image's code by RVA. Classification reads through a `CodeBytes` so that the
 * runtime can hand it the loaded (relocated) bytes from guest memory while `ntrace
 * functions` reads the file.
 */
import type { PeImage, SectionHeader } from "../pe/types.js";

export const IMAGE_SCN_CNT_CODE = 0x00000020;
export const IMAGE_SCN_MEM_EXECUTE = 0x20000000;

/** Reads `length` bytes at `rva`, or undefined when any of them is outside the image. */
export interface CodeBytes {
  read(rva: number, length: number): Uint8Array | undefined;
}

export function sectionOf(image: PeImage, rva: number): SectionHeader | undefined {
  return image.sections.find((s) => rva >= s.rva && rva < s.rva + Math.max(s.virtualSize, s.rawSize));
}

/**
 * End (RVA) of the code a section holds: the bytes its file provides. What lies beyond — the
 * zero fill up to VirtualSize, or bytes past the end of a truncated file — no compiler wrote,
 * and following it would cost time and memory in proportion to a size the header merely claims
 * (no executable section of a real image is longer in memory than in its file).
 */
export function codeEnd(image: PeImage, section: SectionHeader): number {
  const inFile = Math.max(0, Math.min(section.rawSize, image.bytes.length - section.rawOffset));
  return section.rva + Math.min(inFile, Math.max(section.virtualSize, section.rawSize));
}

export function isExecutable(section: SectionHeader): boolean {
  return (section.characteristics & (IMAGE_SCN_MEM_EXECUTE | IMAGE_SCN_CNT_CODE)) !== 0;
}

/** The file's bytes as the loader maps them (bytes past SizeOfRawData read as zero). */
export function fileCodeBytes(image: PeImage): CodeBytes {
  return {
    read(rva: number, length: number): Uint8Array | undefined {
      const section = sectionOf(image, rva);
      if (section === undefined) return undefined;
      const extent = Math.max(section.virtualSize, section.rawSize);
      if (rva + length > section.rva + extent) return undefined;
      // The file's bytes where it has them, zeros after (past SizeOfRawData or the file's end).
      const out = new Uint8Array(length);
      const from = rva - section.rva;
      const available = Math.max(0, Math.min(length, section.rawSize - from, image.bytes.length - (section.rawOffset + from)));
      if (available > 0) out.set(image.bytes.subarray(section.rawOffset + from, section.rawOffset + from + available));
      return out;
    },
  };
}
