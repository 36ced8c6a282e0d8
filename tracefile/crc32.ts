/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF):
 * the checksum zlib, PNG and gzip use. node:zlib's native crc32 (Node ≥ 20.15) when present,
 * else a table-driven implementation (also exported for tests and other readers).
 */
import * as zlib from "node:zlib";

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Table-driven CRC-32 of `bytes` (unsigned 32-bit result). */
export function crc32Table(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

type NativeCrc32 = (data: Uint8Array, value?: number) => number;
const native = (zlib as unknown as { crc32?: NativeCrc32 }).crc32;

/** CRC-32 of `bytes` (unsigned 32-bit result). */
export const crc32: (bytes: Uint8Array) => number =
  typeof native === "function" ? (bytes) => native(bytes) >>> 0 : (bytes) => crc32Table(bytes);
