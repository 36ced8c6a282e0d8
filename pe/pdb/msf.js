/**
 * MSF 7.00 ("big MSF") container: the block-structured file every modern PDB lives in.
 * Streams are lists of blocks scattered over the file; `MsfFile.stream(i)` reassembles one
 * into contiguous bytes before anything parses it. Layout: llvm.org/docs/PDB/MsfFile.html.
 *
 * Every block index is checked against NumBlocks and the file length, and the sum of all
 * stream sizes must fit in the file (streams never share blocks), so a hostile file cannot
 * make us allocate more than its own size per stream.
 */
import { ByteReader, FormatError, UnsupportedFormatError } from "../../base/index.js";
/** "Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0" (32 bytes). */
export const MSF7_MAGIC = asciiBytes("Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0");
/** The pre-2000 "small MSF" (PDB 2.0): 16-bit block numbers, refused by name. */
export const MSF2_MAGIC = asciiBytes("Microsoft C/C++ program database 2.00\r\n\x1aJG\0\0");
/** The compressed container (PDZ/MSFZ, microsoft/pdb-rs msfz.md), refused by name. */
export const MSFZ_MAGIC = asciiBytes("Microsoft MSFZ Container\r\n\x1aALD\0\0");
/** Stream size meaning "this stream does not exist". */
export const NIL_STREAM_SIZE = 0xffffffff;
const SUPERBLOCK_SIZE = 56;
function asciiBytes(s) {
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++)
        out[i] = s.charCodeAt(i);
    return out;
}
function startsWith(bytes, magic) {
    if (bytes.length < magic.length)
        return false;
    for (let i = 0; i < magic.length; i++)
        if (bytes[i] !== magic[i])
            return false;
    return true;
}
export function isMsf7(bytes) {
    return startsWith(bytes, MSF7_MAGIC);
}
/** Which container the bytes start with, if any PDB container at all. */
export function msfKind(bytes) {
    if (startsWith(bytes, MSF7_MAGIC))
        return "msf7";
    if (startsWith(bytes, MSF2_MAGIC))
        return "msf2";
    if (startsWith(bytes, MSFZ_MAGIC))
        return "msfz";
    return null;
}
/** The parsed container: superblock, stream sizes and block lists; streams reassembled on demand. */
export class MsfFile {
    superBlock;
    /** Size in bytes of each stream; NIL_STREAM_SIZE for a nil stream. */
    streamSizes;
    streamBlocks;
    bytes;
    constructor(bytes, superBlock, sizes, blocks) {
        this.bytes = bytes;
        this.superBlock = superBlock;
        this.streamSizes = sizes;
        this.streamBlocks = blocks;
    }
    get blockSize() {
        return this.superBlock.blockSize;
    }
    get numStreams() {
        return this.streamSizes.length;
    }
    /** True when the stream index exists and is not nil. */
    hasStream(index) {
        return index >= 0 && index < this.streamSizes.length && this.streamSizes[index] !== NIL_STREAM_SIZE;
    }
    /** The block indices of a stream, in order (for tools and tests that re-lay a file out). */
    blocksOf(index) {
        return this.streamBlocks[index] ?? new Uint32Array(0);
    }
    /**
     * The stream's bytes, contiguous. Returns null for a nil or missing stream. A stream whose
     * blocks happen to be consecutive in the file is returned as a view of the file (no copy);
     * a scattered one is copied together. Callers must not modify the result.
     */
    stream(index) {
        if (!this.hasStream(index))
            return null;
        const size = this.streamSizes[index];
        const blocks = this.streamBlocks[index];
        const bs = this.superBlock.blockSize;
        // Block indices were validated against the file when the directory was read.
        let consecutive = true;
        for (let i = 1; i < blocks.length && consecutive; i++)
            consecutive = blocks[i] === blocks[i - 1] + 1;
        if (blocks.length === 0)
            return new Uint8Array(0);
        if (consecutive)
            return this.bytes.subarray(blocks[0] * bs, blocks[0] * bs + size);
        const out = new Uint8Array(size);
        for (let i = 0; i < blocks.length; i++) {
            const start = blocks[i] * bs;
            const n = Math.min(bs, size - i * bs);
            out.set(this.bytes.subarray(start, start + n), i * bs);
        }
        return out;
    }
    /**
     * Parses the superblock and the stream directory. Throws UnsupportedFormatError for the
     * small MSF and MSFZ containers, FormatError for anything else that is not a sound MSF 7.00.
     */
    static parse(bytes) {
        const kind = msfKind(bytes);
        if (kind === "msf2") {
            throw new UnsupportedFormatError({ format: "PDB", structure: "MSF superblock", field: "Magic", offset: 0 }, "PDB 2.0 small MSF files are not supported");
        }
        if (kind === "msfz") {
            throw new UnsupportedFormatError({ format: "PDB", structure: "MSF superblock", field: "Magic", offset: 0 }, "MSFZ (compressed PDB) containers are not supported");
        }
        if (kind !== "msf7") {
            throw new FormatError({ format: "PDB", structure: "MSF superblock", field: "Magic", offset: 0 }, "not a PDB (MSF 7.00) file");
        }
        const r = new ByteReader(bytes, "PDB");
        const S = "MSF superblock";
        r.need(0, SUPERBLOCK_SIZE, S);
        const sb = {
            blockSize: r.u32(32, S, "BlockSize"),
            freeBlockMapBlock: r.u32(36, S, "FreeBlockMapBlock"),
            numBlocks: r.u32(40, S, "NumBlocks"),
            numDirectoryBytes: r.u32(44, S, "NumDirectoryBytes"),
            blockMapAddr: r.u32(52, S, "BlockMapAddr"),
        };
        const bs = sb.blockSize;
        if (bs < 512 || bs > 65536 || (bs & (bs - 1)) !== 0) {
            r.fail(S, "BlockSize", 32, `block size ${bs} is not a power of two between 512 and 65536`);
        }
        if (sb.freeBlockMapBlock !== 1 && sb.freeBlockMapBlock !== 2) {
            r.fail(S, "FreeBlockMapBlock", 36, `free block map block must be 1 or 2, not ${sb.freeBlockMapBlock}`);
        }
        if (sb.numBlocks === 0 || sb.numBlocks * bs > bytes.length) {
            r.fail(S, "NumBlocks", 40, `${sb.numBlocks} blocks of ${bs} bytes do not fit in the ${bytes.length}-byte file (truncated?)`);
        }
        const capacity = sb.numBlocks * bs;
        if (sb.numDirectoryBytes < 4 || sb.numDirectoryBytes > capacity) {
            r.fail(S, "NumDirectoryBytes", 44, `directory size ${sb.numDirectoryBytes} is impossible for a ${capacity}-byte MSF`);
        }
        const checkBlock = (block, structure, field, offset, stream) => {
            if (block >= sb.numBlocks || block === 0) {
                throw new FormatError({ format: "PDB", structure, field, offset, ...(stream !== undefined ? { stream } : {}) }, block === 0 ? "block 0 is the superblock and cannot hold stream data" : `block index ${block} is past NumBlocks (${sb.numBlocks})`);
            }
        };
        checkBlock(sb.blockMapAddr, S, "BlockMapAddr", 52);
        // The block map: the list of blocks holding the directory, stored contiguously at BlockMapAddr.
        const numDirBlocks = Math.ceil(sb.numDirectoryBytes / bs);
        const mapOffset = sb.blockMapAddr * bs;
        const MAP = "MSF block map";
        r.need(mapOffset, numDirBlocks * 4, MAP);
        const directory = new Uint8Array(sb.numDirectoryBytes);
        for (let i = 0; i < numDirBlocks; i++) {
            const at = mapOffset + i * 4;
            const block = r.u32(at, MAP, "DirectoryBlock");
            checkBlock(block, MAP, "DirectoryBlock", at);
            const n = Math.min(bs, sb.numDirectoryBytes - i * bs);
            directory.set(bytes.subarray(block * bs, block * bs + n), i * bs);
        }
        // The directory: NumStreams, StreamSizes[NumStreams], then each stream's block list.
        const D = "MSF stream directory";
        const dr = new ByteReader(directory, "PDB", "directory");
        const numStreams = dr.u32(0, D, "NumStreams");
        if (numStreams > (directory.length - 4) / 4) {
            dr.fail(D, "NumStreams", 0, `${numStreams} streams cannot fit in a ${directory.length}-byte directory`);
        }
        const sizes = new Array(numStreams);
        let total = 0;
        for (let i = 0; i < numStreams; i++) {
            const size = dr.u32(4 + i * 4, D, "StreamSizes");
            sizes[i] = size;
            if (size !== NIL_STREAM_SIZE)
                total += size;
        }
        if (total > capacity) {
            dr.fail(D, "StreamSizes", 4, `streams total ${total} bytes, more than the ${capacity}-byte file holds`);
        }
        const blocks = new Array(numStreams);
        let at = 4 + numStreams * 4;
        for (let i = 0; i < numStreams; i++) {
            const size = sizes[i];
            const n = size === NIL_STREAM_SIZE ? 0 : Math.ceil(size / bs);
            dr.need(at, n * 4, D, `StreamBlocks[${i}]`);
            const list = new Uint32Array(n);
            for (let j = 0; j < n; j++) {
                const block = dr.u32(at, D, "StreamBlocks");
                checkBlock(block, D, `StreamBlocks[${i}]`, at, "directory");
                list[j] = block;
                at += 4;
            }
            blocks[i] = list;
        }
        return new MsfFile(bytes, sb, sizes, blocks);
    }
}
