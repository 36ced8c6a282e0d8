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
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) {
        const inSection = rva + i - section.rva;
        const fileOffset = section.rawOffset + inSection;
        out[i] = inSection < section.rawSize && fileOffset < image.bytes.length ? image.bytes[fileOffset]! : 0;
      }
      return out;
    },
  };
}
