/**
 * Reading the files a command is given: one clear error naming the file and the reason. Only
 * regular files are read (base/inputfile.ts): a FIFO, a device or a /proc file is refused at
 * once instead of blocking or reading forever.
 */
export { readInputFile, refuseNonRegularInput } from "../base/index.js";

/** The DOS header's "MZ": enough to treat a file as a (possibly damaged) image and let the PE parser say what is wrong. */
export function startsWithMz(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x4d && bytes[1] === 0x5a;
}
