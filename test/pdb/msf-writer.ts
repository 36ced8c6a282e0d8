/**
 * A small MSF 7.00 writer for tests: lays the given streams out again with another block
 * size. With `interleave`, stream blocks are handed out round-robin (stream 0 block 0, stream
 * 1 block 0, ..., stream 0 block 1, ...) so every multi-block stream is non-contiguous, and
 * the directory is placed after the data, so it too can span several blocks. Blocks 1 and 2
 * of every interval (the free block maps) are skipped, as real writers do.
 */
import { MSF7_MAGIC, NIL_STREAM_SIZE } from "../../pe/pdb/index.js";
export { prng } from "../support/prng.js";

export function writeMsf(streams: readonly (Uint8Array | null)[], blockSize: number, interleave = true): Uint8Array {
  let next = 3; // 0: superblock, 1-2: free block maps
  const allocate = (): number => {
    while (next % blockSize === 1 || next % blockSize === 2) next++;
    return next++;
  };
  const counts = streams.map((s) => (s === null ? 0 : Math.ceil(s.length / blockSize)));
  const blocks: number[][] = streams.map(() => []);
  if (interleave) {
    for (let round = 0; round < Math.max(0, ...counts); round++) {
      // Alternate the direction each round so neighbours do not stay in lockstep.
      const order = streams.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      for (const i of order) if (round < counts[i]!) blocks[i]!.push(allocate());
    }
  } else {
    streams.forEach((_, i) => {
      for (let j = 0; j < counts[i]!; j++) blocks[i]!.push(allocate());
    });
  }

  const dirWords = [streams.length, ...streams.map((s) => (s === null ? NIL_STREAM_SIZE : s.length)), ...blocks.flat()];
  const directory = new Uint8Array(dirWords.length * 4);
  const dv = new DataView(directory.buffer);
  dirWords.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  const dirBlocks = Array.from({ length: Math.ceil(directory.length / blockSize) }, allocate);
  if (dirBlocks.length * 4 > blockSize) throw new Error("writeMsf: block map does not fit in one block");
  const blockMapAddr = allocate();
  const numBlocks = next;

  const out = new Uint8Array(numBlocks * blockSize);
  const ov = new DataView(out.buffer);
  out.set(MSF7_MAGIC, 0);
  ov.setUint32(32, blockSize, true);
  ov.setUint32(36, 1, true); // FreeBlockMapBlock
  ov.setUint32(40, numBlocks, true);
  ov.setUint32(44, directory.length, true);
  ov.setUint32(52, blockMapAddr, true);
  const put = (data: Uint8Array, list: readonly number[]): void => {
    list.forEach((b, j) => out.set(data.subarray(j * blockSize, (j + 1) * blockSize), b * blockSize));
  };
  streams.forEach((s, i) => {
    if (s !== null) put(s, blocks[i]!);
  });
  put(directory, dirBlocks);
  dirBlocks.forEach((b, j) => ov.setUint32(blockMapAddr * blockSize + j * 4, b, true));
  return out;
}

