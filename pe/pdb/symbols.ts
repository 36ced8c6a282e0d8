/**
 * CodeView symbol records (llvm.org/docs/PDB/CodeViewSymbols.html): each record is a 2-byte
 * length (not counting itself), a 2-byte kind, then the payload. We read S_PUB32 from the
 * symbol record stream and the PROCSYM32 family from module streams, skipping everything
 * else by length. Every record is bounded by its own length, so a broken one cannot make us
 * read into its neighbour.
 */
import { ByteReader, escapeControl } from "../../base/index.js";
import type { ProcedureKind } from "./types.js";

export const S_PUB32 = 0x110e;
export const S_LPROC32 = 0x110f;
export const S_GPROC32 = 0x1110;
export const S_LPROC32_ID = 0x1146;
export const S_GPROC32_ID = 0x1147;
/** Module streams start with this signature: C13 line information follows the symbols. */
export const CV_SIGNATURE_C13 = 4;

const utf8 = new TextDecoder("utf-8");

/**
 * NUL-terminated UTF-8 name in [offset, end): ASCII names (nearly all) are built directly,
 * which matters when a PDB has 100,000+ functions.
 */
function readName(r: ByteReader, offset: number, end: number, structure: string): string {
  const bytes = r.bytes;
  let plain = true; // printable ASCII only
  let i = offset;
  while (i < end && bytes[i] !== 0) {
    if (bytes[i]! >= 0x80 || bytes[i]! < 0x20) plain = false;
    i++;
  }
  if (i >= end) r.fail(structure, "Name", offset, `name is not NUL-terminated within its ${end - offset}-byte record`);
  // Anything else is decoded with its control characters escaped (a damaged or hostile PDB).
  if (!plain || i - offset > 256) return escapeControl(utf8.decode(bytes.subarray(offset, i)));
  let s = "";
  for (let j = offset; j < i; j++) s += String.fromCharCode(bytes[j]!);
  return s;
}

/** PUBSYMFLAGS bits. */
export const PUB_CODE = 1;
export const PUB_FUNCTION = 2;
export const PUB_MANAGED = 4;
export const PUB_MSIL = 8;

export const PROC_KINDS: ReadonlyMap<number, ProcedureKind> = new Map<number, ProcedureKind>([
  [S_GPROC32, "S_GPROC32"],
  [S_LPROC32, "S_LPROC32"],
  [S_GPROC32_ID, "S_GPROC32_ID"],
  [S_LPROC32_ID, "S_LPROC32_ID"],
]);

export interface PublicRecord {
  /** Offset of the record in the symbol record stream (what llvm-pdbutil prints). */
  readonly recordOffset: number;
  readonly flags: number;
  readonly offset: number;
  readonly segment: number;
  readonly name: string;
}

export interface ProcRecord {
  /** Offset of the record in the module stream. */
  readonly recordOffset: number;
  readonly kind: ProcedureKind;
  readonly parent: number;
  readonly end: number;
  readonly next: number;
  readonly codeSize: number;
  readonly dbgStart: number;
  readonly dbgEnd: number;
  readonly functionType: number;
  readonly codeOffset: number;
  readonly segment: number;
  readonly flags: number;
  readonly name: string;
}

/**
 * Calls `visit(kind, recordStart, payloadStart, recordEnd)` for each record in [start, end).
 * A record whose length runs past `end` or is too short to hold its kind is a FormatError.
 */
export function forEachRecord(
  r: ByteReader,
  start: number,
  end: number,
  visit: (kind: number, recordStart: number, payloadStart: number, recordEnd: number) => void,
): void {
  const S = "CodeView symbol record";
  let at = start;
  while (at + 4 <= end) {
    const length = r.u16(at, S, "RecordLen");
    if (length < 2) r.fail(S, "RecordLen", at, `record length ${length} cannot hold a record kind`);
    const recordEnd = at + 2 + length;
    if (recordEnd > end) r.fail(S, "RecordLen", at, `record of ${length} bytes runs past the end of the symbols at 0x${end.toString(16)}`);
    visit(r.u16(at + 2, S, "RecordKind"), at, at + 4, recordEnd);
    at = recordEnd;
  }
}

/** S_PUB32: Flags u32, Offset u32, Segment u16, Name. */
export function readPublic(r: ByteReader, recordStart: number, payload: number, recordEnd: number): PublicRecord {
  const S = "S_PUB32";
  if (payload + 10 > recordEnd) r.fail(S, undefined, recordStart, "record too short for its fields");
  return {
    recordOffset: recordStart,
    flags: r.u32(payload, S, "Flags"),
    offset: r.u32(payload + 4, S, "Offset"),
    segment: r.u16(payload + 8, S, "Segment"),
    name: readName(r, payload + 10, recordEnd, S),
  };
}

/**
 * PROCSYM32: Parent, End, Next, CodeSize, DbgStart, DbgEnd, FunctionType, CodeOffset (u32
 * each), Segment u16, Flags u8, Name.
 */
export function readProc(r: ByteReader, kind: ProcedureKind, recordStart: number, payload: number, recordEnd: number): ProcRecord {
  const S = kind;
  if (payload + 35 > recordEnd) r.fail(S, undefined, recordStart, "record too short for its fields");
  return {
    recordOffset: recordStart,
    kind,
    parent: r.u32(payload, S, "Parent"),
    end: r.u32(payload + 4, S, "End"),
    next: r.u32(payload + 8, S, "Next"),
    codeSize: r.u32(payload + 12, S, "CodeSize"),
    dbgStart: r.u32(payload + 16, S, "DbgStart"),
    dbgEnd: r.u32(payload + 20, S, "DbgEnd"),
    functionType: r.u32(payload + 24, S, "FunctionType"),
    codeOffset: r.u32(payload + 28, S, "CodeOffset"),
    segment: r.u16(payload + 32, S, "Segment"),
    flags: r.u8(payload + 34, S, "Flags"),
    name: readName(r, payload + 35, recordEnd, S),
  };
}

/** All S_PUB32 records of the symbol record stream, in stream order. */
export function readPublics(bytes: Uint8Array, streamIndex: number): PublicRecord[] {
  const r = new ByteReader(bytes, "PDB", `symbol records (${streamIndex})`);
  const out: PublicRecord[] = [];
  forEachRecord(r, 0, bytes.length, (kind, start, payload, end) => {
    if (kind === S_PUB32) out.push(readPublic(r, start, payload, end));
  });
  return out;
}

/**
 * The procedures of one module stream: a 4-byte signature, then `symByteSize - 4` bytes of
 * records. Signatures other than C13 are refused (C7/C11 predate every toolchain we read).
 */
export function readModuleProcedures(bytes: Uint8Array, streamIndex: number, symByteSize: number): ProcRecord[] {
  const r = new ByteReader(bytes, "PDB", `module symbols (${streamIndex})`);
  const out: ProcRecord[] = [];
  if (symByteSize === 0) return out;
  const M = "module symbol stream";
  if (symByteSize < 4 || symByteSize > bytes.length) {
    r.fail(M, "SymByteSize", 0, `symbol byte size ${symByteSize} does not fit in the ${bytes.length}-byte stream`);
  }
  const signature = r.u32(0, M, "Signature");
  if (signature !== CV_SIGNATURE_C13) r.fail(M, "Signature", 0, `unsupported CodeView signature ${signature} (expected 4, C13)`);
  forEachRecord(r, 4, symByteSize, (kind, start, payload, end) => {
    const procKind = PROC_KINDS.get(kind);
    if (procKind !== undefined) out.push(readProc(r, procKind, start, payload, end));
  });
  return out;
}
