/**
 * Broken and foreign input: refusals by name (small MSF, MSFZ), "not a PDB", truncation, and
 * corrupt directory / DBI / symbol records, each naming the structure, field and offset.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FormatError, UnsupportedFormatError } from "../../base/index.js";
import { isPdb, parsePdb, readPdbIdentity, tryParsePdb, MSF2_MAGIC, MSFZ_MAGIC } from "../../pe/pdb/index.js";
import { writeMsf } from "./msf-writer.js";

const ROOT = join(import.meta.dirname, "..", "..");
const FIB = new Uint8Array(readFileSync(join(ROOT, "samples/fib/fib.pdb")));
const fib = parsePdb(FIB);
const DBI = 3;
const SYMBOL_RECORDS = fib.dbi!.symRecordStream;

function caught(f: () => unknown): FormatError {
  try {
    f();
  } catch (err) {
    if (err instanceof FormatError) return err;
    throw err;
  }
  throw new Error("expected a FormatError, parse succeeded");
}

/** fib.pdb laid out again with one stream changed. */
function withStream(index: number, mutate: (bytes: Uint8Array) => Uint8Array): Uint8Array {
  const streams = fib.msf.streamSizes.map((_, i) => fib.msf.stream(i));
  streams[index] = mutate(new Uint8Array(streams[index]!));
  return writeMsf(streams, 4096, false);
}

function u32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, true);
}
function setU32(bytes: Uint8Array, offset: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(offset, value >>> 0, true);
}
function setU16(bytes: Uint8Array, offset: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setUint16(offset, value, true);
}

function magicFile(magic: Uint8Array): Uint8Array {
  const b = new Uint8Array(4096);
  b.set(magic);
  return b;
}

describe("containers recognized and refused by name", () => {
  it("isPdb: MSF 7.00, small MSF and MSFZ are PDB containers; other bytes are not", () => {
    expect(isPdb(FIB)).toBe(true);
    expect(isPdb(magicFile(MSF2_MAGIC))).toBe(true);
    expect(isPdb(magicFile(MSFZ_MAGIC))).toBe(true);
    expect(isPdb(new TextEncoder().encode("MZ\x90\0 not a pdb"))).toBe(false);
    expect(isPdb(new Uint8Array(0))).toBe(false);
  });

  it("small MSF (PDB 2.0) → UnsupportedFormatError", () => {
    const err = caught(() => parsePdb(magicFile(MSF2_MAGIC), "old.pdb"));
    expect(err).toBeInstanceOf(UnsupportedFormatError);
    expect(err.message).toBe("PDB: MSF superblock.Magic at old.pdb, offset 0x0: PDB 2.0 small MSF files are not supported");
  });

  it("MSFZ → UnsupportedFormatError naming MSFZ", () => {
    const err = caught(() => parsePdb(magicFile(MSFZ_MAGIC), "new.pdb"));
    expect(err).toBeInstanceOf(UnsupportedFormatError);
    expect(err.message).toBe("PDB: MSF superblock.Magic at new.pdb, offset 0x0: MSFZ (compressed PDB) containers are not supported");
  });

  it("not a PDB at all → FormatError 'not a PDB (MSF 7.00) file'", () => {
    const err = caught(() => parsePdb(readFileSync(join(ROOT, "samples/fib/fib.c")), "fib.c"));
    expect(err).not.toBeInstanceOf(UnsupportedFormatError);
    expect(err.message).toBe("PDB: MSF superblock.Magic at fib.c, offset 0x0: not a PDB (MSF 7.00) file");
  });
});

describe("broken MSF 7.00", () => {
  it("truncated inside the superblock", () => {
    const err = caught(() => parsePdb(FIB.subarray(0, 40)));
    expect(err.location).toMatchObject({ format: "PDB", structure: "MSF superblock", offset: 0 });
  });

  it("truncated file: NumBlocks no longer fits", () => {
    const err = caught(() => parsePdb(FIB.subarray(0, FIB.length - 4096), "cut.pdb"));
    expect(err.message).toBe(`PDB: MSF superblock.NumBlocks at cut.pdb, offset 0x28: 19 blocks of 4096 bytes do not fit in the ${FIB.length - 4096}-byte file (truncated?)`);
  });

  it("block size that is not a power of two in 512..65536", () => {
    for (const bad of [256, 4000, 131072]) {
      const b = new Uint8Array(FIB);
      setU32(b, 32, bad);
      expect(caught(() => parsePdb(b)).location).toMatchObject({ structure: "MSF superblock", field: "BlockSize", offset: 32 });
    }
  });

  it("block map address past NumBlocks", () => {
    const b = new Uint8Array(FIB);
    setU32(b, 52, 1000);
    expect(caught(() => parsePdb(b)).message).toBe("PDB: MSF superblock.BlockMapAddr at offset 0x34: block index 1000 is past NumBlocks (19)");
  });

  it("directory block past NumBlocks (block map entry)", () => {
    const b = new Uint8Array(FIB);
    const map = u32(b, 52) * 4096;
    setU32(b, map, 19);
    expect(caught(() => parsePdb(b)).location).toMatchObject({ structure: "MSF block map", field: "DirectoryBlock", offset: map });
  });

  it("stream directory pointing past NumBlocks names the directory entry", () => {
    const b = new Uint8Array(FIB);
    const directory = u32(b, u32(b, 52) * 4096) * 4096;
    const numStreams = u32(b, directory);
    // Stream 0 is empty, so the first block entry belongs to stream 1 (the info stream).
    const entry = 4 + numStreams * 4;
    setU32(b, directory + entry, 0x12345);
    const err = caught(() => parsePdb(b, "bad.pdb"));
    expect(err.location).toMatchObject({ format: "PDB", structure: "MSF stream directory", field: "StreamBlocks[1]", offset: entry, stream: "directory", file: "bad.pdb" });
    expect(err.message).toBe(`PDB: MSF stream directory.StreamBlocks[1] at bad.pdb, stream directory, offset 0x${entry.toString(16)}: block index 74565 is past NumBlocks (19)`);
  });

  it("stream sizes larger than the file", () => {
    const b = new Uint8Array(FIB);
    const directory = u32(b, u32(b, 52) * 4096) * 4096;
    setU32(b, directory + 4 + 4 * 4, 0x7fffffff); // stream 4
    expect(caught(() => parsePdb(b)).location).toMatchObject({ structure: "MSF stream directory", field: "StreamSizes", stream: "directory" });
  });
});

describe("broken streams", () => {
  it("DBI header: VersionSignature", () => {
    const err = caught(() => parsePdb(withStream(DBI, (s) => (setU32(s, 0, 0), s))));
    expect(err.message).toBe("PDB: DBI header.VersionSignature at stream DBI (3), offset 0x0: expected -1, found 0");
  });

  it("DBI header: substream sizes running past the stream", () => {
    const err = caught(() => parsePdb(withStream(DBI, (s) => (setU32(s, 24, 0x100000), s))));
    expect(err.location).toMatchObject({ structure: "DBI header", stream: "DBI (3)", offset: 48 });
  });

  it("DBI truncated to half its header", () => {
    const err = caught(() => parsePdb(withStream(DBI, (s) => s.slice(0, 32))));
    expect(err.location).toMatchObject({ structure: "DBI header", stream: "DBI (3)", offset: 0 });
  });

  it("ModInfo naming a stream that does not exist", () => {
    const err = caught(() => parsePdb(withStream(DBI, (s) => (setU16(s, 64 + 34, 999), s))));
    expect(err.location).toMatchObject({ structure: "ModInfo", field: "ModuleSymStream", offset: 64 + 34, stream: "DBI (3)" });
  });

  it("symbol record whose length runs past the stream", () => {
    const err = caught(() => parsePdb(withStream(SYMBOL_RECORDS, (s) => (setU16(s, 0, 0xfff0), s))));
    expect(err.location).toMatchObject({ structure: "CodeView symbol record", field: "RecordLen", offset: 0, stream: `symbol records (${SYMBOL_RECORDS})` });
  });

  it("S_PUB32 too short for its fields", () => {
    const first = fib.publics.find((p) => p.recordOffset === 0)!;
    expect(first).toBeDefined();
    // Shrink the first record to 8 bytes and turn the rest of it into a padding record.
    const err = caught(() =>
      parsePdb(
        withStream(SYMBOL_RECORDS, (s) => {
          const len = s[0]! | (s[1]! << 8);
          setU16(s, 0, 6);
          setU16(s, 8, len - 8);
          setU16(s, 10, 0x0006); // S_END: skipped by kind
          return s;
        }),
      ),
    );
    expect(err.location).toMatchObject({ structure: "S_PUB32", offset: 0 });
  });

  it("S_GPROC32 name without terminator inside its record", () => {
    const proc = fib.procedures[0]!;
    const stream = fib.modules[proc.moduleIndex]!.symbolStream;
    const err = caught(() =>
      parsePdb(
        withStream(stream, (s) => {
          const at = proc.recordOffset!;
          const len = s[at]! | (s[at + 1]! << 8);
          s.fill(0x41, at + 4 + 35, at + 2 + len); // name and padding become 'A's
          return s;
        }),
      ),
    );
    expect(err.location).toMatchObject({ structure: "S_GPROC32", field: "Name", stream: `module symbols (${stream})` });
  });

  it("module stream with a non-C13 signature", () => {
    const stream = fib.modules[0]!.symbolStream;
    const err = caught(() => parsePdb(withStream(stream, (s) => (setU32(s, 0, 1), s))));
    expect(err.message).toBe(`PDB: module symbol stream.Signature at stream module symbols (${stream}), offset 0x0: unsupported CodeView signature 1 (expected 4, C13)`);
  });
});

describe("tryParsePdb and readPdbIdentity", () => {
  it("tryParsePdb: null for other formats, the parse for a PDB, refusals still thrown", () => {
    expect(tryParsePdb(new TextEncoder().encode("MZ not a pdb"))).toBeNull();
    expect(tryParsePdb(FIB)?.guid).toBe(fib.guid);
    expect(() => tryParsePdb(magicFile(MSFZ_MAGIC))).toThrow(UnsupportedFormatError);
  });

  it("readPdbIdentity agrees with the full parse", () => {
    expect(readPdbIdentity(FIB)).toEqual({ guid: fib.guid, age: fib.age, infoAge: fib.infoAge, signature: fib.signature });
    expect(caught(() => readPdbIdentity(FIB.subarray(0, 100), "x.pdb")).location.file).toBe("x.pdb");
  });
});

describe("work stays linear in the file size", () => {
  it("two modules naming the same symbol stream are refused", () => {
    const second = 64 + (fib.modules.length > 1 ? fibModuleRecordSize() : 0);
    const err = caught(() => parsePdb(withStream(DBI, (s) => (setU16(s, second + 34, fib.modules[0]!.symbolStream), s))));
    expect(err.location).toMatchObject({ structure: "ModInfo", field: "ModuleSymStream", offset: second + 34, stream: "DBI (3)" });
    expect(err.detail).toBe(`module 1 names symbol stream ${fib.modules[0]!.symbolStream}, which belongs to module 0`);
  });
});

/** Size of fib.pdb's first ModInfo record (fixed part, two names, 4-byte alignment). */
function fibModuleRecordSize(): number {
  const m = fib.modules[0]!;
  const enc = new TextEncoder();
  return (64 + enc.encode(m.name).length + 1 + enc.encode(m.objectName).length + 1 + 3) & ~3;
}
