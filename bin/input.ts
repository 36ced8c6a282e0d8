/** Reading the files a command is given: one clear NtraceError naming the file and the reason. */
import { readFileSync } from "node:fs";
import { NtraceError } from "../base/index.js";

/** Reads a file for a command; a missing or unreadable file (or a directory) is an NtraceError naming it. */
export function readInputFile(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : "";
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : e instanceof Error ? e.message : String(e);
    throw new NtraceError(`${file}: cannot read: ${why}`);
  }
}

/** The DOS header's "MZ": enough to treat a file as a (possibly damaged) image and let the PE parser say what is wrong. */
export function startsWithMz(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x4d && bytes[1] === 0x5a;
}
