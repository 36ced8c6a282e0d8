/**
 * Mutations of intact traces for the trace fuzz suite: bit flips, truncations, chunk reorder /
 * duplicate / splice, varint and length overwrites (top-level fields, frame headers, and the
 * event columns inside a chunk), chunks given another chunk's identity, dropped module and
 * thread records, appended garbage. A mutation that rewrites a record recomputes
 * its CRCs most of the time, so the reader's checks beyond the CRC are reached; the footer is
 * then either rebuilt for the new layout, kept stale, or dropped.
 *
 * Everything is driven by a seeded PRNG (test/support/prng.ts): a case is replayed from its seed.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { decodeChunkMeta } from "../../tracefile/chunk.js";
import { crc32 } from "../../tracefile/crc32.js";
import { FRAME_OVERHEAD, RecordKind, frameRecord, parseFrameHeader, trailer } from "../../tracefile/framing.js";
import { pb } from "../../tracefile/records.js";
import { assemble, type Ending, type ParsedTrace } from "../tracefile/layout.js";

export { parseTrace, type ParsedTrace } from "../tracefile/layout.js";

// ---- protobuf wire walking ----

/** One field of a protobuf message: where its key, (length prefix) and value lie. */
interface WireField {
  readonly field: number;
  readonly wire: number;
  readonly keyStart: number;
  /** Start of the value (for wire type 2: of the length prefix). */
  readonly valueStart: number;
  /** For wire type 2: where the content starts (after the length prefix). */
  readonly contentStart: number;
  readonly end: number;
}

function readVarint(b: Uint8Array, p: number): { value: bigint; end: number } | null {
  let v = 0n;
  let shift = 0n;
  for (let i = 0; i < 10 && p < b.length; i++) {
    const x = b[p++]!;
    v |= BigInt(x & 127) << shift;
    if (x < 128) return { value: v, end: p };
    shift += 7n;
  }
  return null;
}

export function encodeVarint(v: bigint): Uint8Array {
  const out: number[] = [];
  let x = BigInt.asUintN(64, v);
  while (x >= 128n) {
    out.push(Number(x & 127n) | 128);
    x >>= 7n;
  }
  out.push(Number(x));
  return Uint8Array.from(out);
}

/** The fields of a message, as far as they parse. */
function walk(b: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let p = 0;
  while (p < b.length) {
    const key = readVarint(b, p);
    if (key === null) break;
    const field = Number(key.value >> 3n);
    const wire = Number(key.value & 7n);
    const valueStart = key.end;
    if (wire === 0) {
      const v = readVarint(b, valueStart);
      if (v === null) break;
      fields.push({ field, wire, keyStart: p, valueStart, contentStart: valueStart, end: v.end });
      p = v.end;
    } else if (wire === 2) {
      const len = readVarint(b, valueStart);
      if (len === null || len.end + Number(len.value) > b.length) break;
      const end = len.end + Number(len.value);
      fields.push({ field, wire, keyStart: p, valueStart, contentStart: len.end, end });
      p = end;
    } else if (wire === 1 || wire === 5) {
      const end = valueStart + (wire === 1 ? 8 : 4);
      if (end > b.length) break;
      fields.push({ field, wire, keyStart: p, valueStart, contentStart: valueStart, end });
      p = end;
    } else break;
  }
  return fields;
}

/** Start and end of every varint in a packed field's content. */
function packedVarints(b: Uint8Array, from: number, to: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let p = from;
  while (p < to) {
    const v = readVarint(b.subarray(0, to), p);
    if (v === null) break;
    out.push({ start: p, end: v.end });
    p = v.end;
  }
  return out;
}

function splice(b: Uint8Array, start: number, end: number, insert: Uint8Array): Uint8Array {
  return Buffer.concat([b.subarray(0, start), insert, b.subarray(end)]);
}

// ---- values ----

const INTERESTING: readonly bigint[] = [
  0n, 1n, 2n, 3n, 6n, 7n, 8n, 63n, 64n, 127n, 128n, 255n, 0x7fffn, 0xffffn, 0x10000n,
  2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n,
];

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}

function interesting(rand: () => number, original: bigint): bigint {
  const r = rand();
  if (r < 0.6) return pick(rand, INTERESTING);
  if (r < 0.8) return original + (rand() < 0.5 ? 1n : -1n);
  return BigInt(Math.floor(rand() * 2 ** 32)) << BigInt(Math.floor(rand() * 3) * 16);
}

// ---- mutations ----

export interface Mutation {
  readonly bytes: Uint8Array;
  /** What was done, for failure reports. */
  readonly what: string;
}

type Mutator = (t: ParsedTrace, rand: () => number, corpus: readonly ParsedTrace[]) => Mutation;

/** An ending for a trace whose record layout changed. */
function someEnding(t: ParsedTrace, rand: () => number): Ending {
  const r = rand();
  if (t.footer === undefined || r < 0.15) return { kind: "none" };
  if (r < 0.3) return { kind: "stale", footer: t.footer };
  return { kind: "reindex" };
}

function endingName(e: Ending): string {
  return e.kind === "reindex" ? "footer rebuilt" : e.kind === "stale" ? "stale footer" : "no footer";
}

const chunkIndexes = (t: ParsedTrace) => t.records.flatMap((r, i) => (r.kind === RecordKind.EventChunk ? [i] : []));

const bitFlips: Mutator = (t, rand) => {
  const b = t.bytes.slice();
  const n = 1 + Math.floor(rand() * 4);
  const at: number[] = [];
  for (let i = 0; i < n; i++) {
    const o = Math.floor(rand() * b.length);
    b[o]! ^= 1 << Math.floor(rand() * 8);
    at.push(o);
  }
  return { bytes: b, what: `bit flips at ${at.join(",")}` };
};

const truncation: Mutator = (t, rand) => {
  const cut = Math.floor(rand() * t.bytes.length);
  return { bytes: t.bytes.slice(0, cut), what: `truncated at ${cut}` };
};

const reorderChunks: Mutator = (t, rand) => {
  const idx = chunkIndexes(t);
  const records = [...t.records];
  const swaps = 1 + Math.floor(rand() * 3);
  const done: string[] = [];
  for (let s = 0; s < swaps; s++) {
    const a = pick(rand, idx);
    const b = pick(rand, idx);
    [records[a], records[b]] = [records[b]!, records[a]!];
    done.push(`${a}<->${b}`);
  }
  if (rand() < 0.2) records.reverse();
  const ending = someEnding(t, rand);
  return { bytes: assemble(t, records, ending), what: `chunks swapped ${done.join(" ")}, ${endingName(ending)}` };
};

const duplicateRecords: Mutator = (t, rand) => {
  const records = [...t.records];
  const n = 1 + Math.floor(rand() * 3);
  const done: string[] = [];
  for (let i = 0; i < n; i++) {
    // mostly chunks; sometimes a module or thread record
    const from = rand() < 0.75 ? pick(rand, chunkIndexes(t)) : Math.floor(rand() * t.records.length);
    const to = Math.floor(rand() * (records.length + 1));
    records.splice(to, 0, t.records[from]!);
    done.push(`${from}->${to}`);
  }
  const ending = someEnding(t, rand);
  return { bytes: assemble(t, records, ending), what: `records duplicated ${done.join(" ")}, ${endingName(ending)}` };
};

const spliceOther: Mutator = (t, rand, corpus) => {
  const other = pick(rand, corpus);
  const r = rand();
  if (r < 0.5) {
    // records of another trace inserted at record boundaries
    const records = [...t.records];
    const n = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) records.splice(Math.floor(rand() * (records.length + 1)), 0, pick(rand, other.records));
    const ending = someEnding(t, rand);
    return { bytes: assemble(t, records, ending), what: `${n} record(s) of ${other.name} inserted, ${endingName(ending)}` };
  }
  // a byte range of another trace over a byte range of this one
  const from = Math.floor(rand() * other.bytes.length);
  const len = 1 + Math.floor(rand() * Math.min(600, other.bytes.length - from));
  const at = Math.floor(rand() * t.bytes.length);
  const cut = rand() < 0.5 ? len : Math.floor(rand() * 600);
  const bytes = splice(t.bytes, at, Math.min(t.bytes.length, at + cut), other.bytes.subarray(from, from + len));
  return { bytes, what: `${other.name}[${from}, +${len}) spliced over [${at}, +${cut})` };
};

/** Overwrites one varint or length prefix of a record's payload; CRCs fixed unless told otherwise. */
const fieldOverwrite: Mutator = (t, rand) => {
  const i = Math.floor(rand() * (t.records.length + 2)) - 2; // -2: header, -1: footer
  const target = i === -2 ? headerPayload(t) : i === -1 ? t.footer : t.records[i]!.payload;
  if (target === undefined) return bitFlips(t, rand, []);
  const fields = walk(target);
  if (fields.length === 0) return bitFlips(t, rand, []);
  const f = pick(rand, fields);
  let payload: Uint8Array;
  let what: string;
  if (f.wire === 2 && rand() < 0.6 && f.end > f.contentStart) {
    // a packed list or a nested message: overwrite one varint inside it
    const inner = rand() < 0.5 ? packedVarints(target, f.contentStart, f.end) : walk(target.subarray(f.contentStart, f.end)).filter((x) => x.wire === 0).map((x) => ({ start: f.contentStart + x.valueStart, end: f.contentStart + x.end }));
    if (inner.length === 0) return bitFlips(t, rand, []);
    const v = pick(rand, inner);
    const value = interesting(rand, readVarint(target, v.start)!.value);
    const inside = splice(target.subarray(f.contentStart, f.end), v.start - f.contentStart, v.end - f.contentStart, encodeVarint(value));
    payload = Buffer.concat([target.subarray(0, f.valueStart), encodeVarint(BigInt(inside.length)), inside, target.subarray(f.end)]);
    what = `field ${f.field} element = ${value}`;
  } else if (f.wire === 2) {
    const value = interesting(rand, BigInt(f.end - f.contentStart));
    payload = splice(target, f.valueStart, f.contentStart, encodeVarint(value));
    what = `field ${f.field} length = ${value}`;
  } else if (f.wire === 0) {
    const value = interesting(rand, readVarint(target, f.valueStart)!.value);
    payload = splice(target, f.valueStart, f.end, encodeVarint(value));
    what = `field ${f.field} = ${value}`;
  } else {
    payload = target.slice();
    payload[f.valueStart] = Math.floor(rand() * 256);
    what = `field ${f.field} fixed-size byte`;
  }
  return rewriteRecord(t, i, payload, `${recordName(t, i)}: ${what}`, rand);
};

/** Mutates the event columns inside one chunk (inflated, changed, stored plain or deflated again). */
const columnOverwrite: Mutator = (t, rand) => {
  const i = pick(rand, chunkIndexes(t));
  const m = decodeChunkMeta(t.records[i]!.payload);
  let raw: Uint8Array = m.encoding === 1 ? inflateRawSync(m.columns) : m.columns;
  const fields = walk(raw);
  const f = pick(rand, fields);
  const elems = packedVarints(raw, f.contentStart, f.end);
  const edits: string[] = [];
  if (elems.length > 0 && rand() < 0.85) {
    const e = pick(rand, elems);
    const value = f.field === 1 && rand() < 0.5 ? BigInt(Math.floor(rand() * 10)) : interesting(rand, readVarint(raw, e.start)!.value);
    const inside = splice(raw.subarray(f.contentStart, f.end), e.start - f.contentStart, e.end - f.contentStart, encodeVarint(value));
    raw = Buffer.concat([raw.subarray(0, f.valueStart), encodeVarint(BigInt(inside.length)), inside, raw.subarray(f.end)]);
    edits.push(`column ${f.field} element = ${value}`);
  } else {
    raw = splice(raw, f.keyStart, f.end, new Uint8Array(0));
    edits.push(`column ${f.field} removed`);
  }
  const plain = rand() < 0.4;
  const columns = plain ? raw : deflateRawSync(raw);
  const payload = pb.EventChunk.encode({
    thread: m.thread,
    seq: m.seq,
    count: m.count,
    firstTs: m.firstTs,
    lastTs: m.lastTs,
    encoding: plain ? 0 : 1,
    rawSize: raw.length,
    columns,
  }).finish();
  return rewriteRecord(t, i, payload, `chunk record ${i}: ${edits.join(", ")}${plain ? ", stored plain" : ""}`, rand, 1);
};

/** Overwrites a frame header's kind or length and recomputes the frame CRC (or not). */
const frameOverwrite: Mutator = (t, rand) => {
  const spans = recordSpans(t.bytes);
  const s = pick(rand, spans);
  const b = t.bytes.slice();
  const dv = new DataView(b.buffer);
  const field = rand() < 0.5 ? 4 : 8;
  const value = Number(BigInt.asUintN(32, interesting(rand, BigInt(dv.getUint32(s + field, true)))));
  dv.setUint32(s + field, value, true);
  const fixCrc = rand() < 0.8;
  if (fixCrc) dv.setUint32(s + 12, crc32(b.subarray(s, s + 12)), true);
  return { bytes: b, what: `frame at ${s}: ${field === 4 ? "kind" : "length"} = ${value}${fixCrc ? "" : " (frame CRC stale)"}` };
};

const appendGarbage: Mutator = (t, rand, corpus) => {
  const r = rand();
  let extra: Uint8Array;
  let what: string;
  if (r < 0.3) {
    extra = Uint8Array.from({ length: 1 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 256));
    what = `${extra.length} random bytes appended`;
  } else if (r < 0.5) {
    const other = pick(rand, corpus);
    extra = other.bytes;
    what = `${other.name} appended whole`;
  } else if (r < 0.8) {
    const rec = pick(rand, t.records);
    extra = frameRecord(rec.kind, rec.payload);
    what = `a copy of a kind ${rec.kind} record appended`;
  } else {
    extra = trailer(Math.floor(rand() * t.bytes.length));
    what = "a second trailer appended";
  }
  return { bytes: Buffer.concat([t.bytes, extra]), what };
};

/** Gives a chunk another chunk's thread and sequence number, or a thread that has no record. */
const chunkIdentity: Mutator = (t, rand) => {
  const idx = chunkIndexes(t);
  const i = pick(rand, idx);
  const m = decodeChunkMeta(t.records[i]!.payload);
  const other = decodeChunkMeta(t.records[pick(rand, idx)]!.payload);
  const r = rand();
  const [thread, seq, what] =
    r < 0.4 ? [other.thread, other.seq, "another chunk's thread and seq"] : r < 0.7 ? [m.thread, m.seq + 1 + Math.floor(rand() * 3), "a later seq"] : [0x7e57_0000 + Math.floor(rand() * 16) * 0x1000, m.seq, "a thread with no record"];
  const payload = pb.EventChunk.encode({ ...pb.EventChunk.decode(t.records[i]!.payload), thread, seq }).finish();
  return rewriteRecord(t, i, payload, `chunk record ${i}: ${what} (thread 0x${thread.toString(16)}, seq ${seq})`, rand, 1);
};

/** Drops module or thread records: events then name functions or threads nothing describes. */
const dropRecords: Mutator = (t, rand) => {
  const kind = rand() < 0.5 ? RecordKind.Module : RecordKind.Thread;
  const candidates = t.records.flatMap((r, i) => (r.kind === kind ? [i] : []));
  const gone = pick(rand, candidates);
  const ending = someEnding(t, rand);
  return { bytes: assemble(t, t.records.filter((_, i) => i !== gone), ending), what: `record ${gone} (kind ${kind}) dropped, ${endingName(ending)}` };
};

export const MUTATORS: readonly { readonly name: string; readonly weight: number; readonly run: Mutator }[] = [
  { name: "bit flips", weight: 3, run: bitFlips },
  { name: "truncation", weight: 2, run: truncation },
  { name: "chunk reorder", weight: 2, run: reorderChunks },
  { name: "duplicate records", weight: 2, run: duplicateRecords },
  { name: "splice", weight: 2, run: spliceOther },
  { name: "field overwrite", weight: 4, run: fieldOverwrite },
  { name: "column overwrite", weight: 3, run: columnOverwrite },
  { name: "chunk identity", weight: 1, run: chunkIdentity },
  { name: "dropped records", weight: 1, run: dropRecords },
  { name: "frame overwrite", weight: 1, run: frameOverwrite },
  { name: "appended garbage", weight: 1, run: appendGarbage },
];

const TOTAL_WEIGHT = MUTATORS.reduce((a, m) => a + m.weight, 0);

/** One mutation (sometimes two stacked) of `t`. */
export function mutate(t: ParsedTrace, rand: () => number, corpus: readonly ParsedTrace[]): Mutation {
  const first = pickMutator(rand).run(t, rand, corpus);
  if (rand() >= 0.1) return first;
  const second = bitFlips({ ...t, bytes: first.bytes }, rand, corpus);
  return { bytes: second.bytes, what: `${first.what}; then ${second.what}` };
}

function pickMutator(rand: () => number) {
  let r = rand() * TOTAL_WEIGHT;
  for (const m of MUTATORS) {
    r -= m.weight;
    if (r < 0) return m;
  }
  return MUTATORS[0]!;
}

// ---- helpers ----

function headerPayload(t: ParsedTrace): Uint8Array {
  return t.prefix.subarray(8 + 16, t.prefix.length - 4);
}

function recordName(t: ParsedTrace, i: number): string {
  return i === -2 ? "header" : i === -1 ? "footer" : `record ${i} (kind ${t.records[i]!.kind})`;
}

/**
 * The trace with record `i` (-2 header, -1 footer) holding `payload`. Its CRCs are right
 * unless `staleCrc` (then the old payload CRC is kept); the footer is rebuilt, stale or gone.
 */
function rewriteRecord(t: ParsedTrace, i: number, payload: Uint8Array, what: string, rand: () => number, crcFixOdds = 0.85): Mutation {
  const staleCrc = rand() >= crcFixOdds;
  if (i === -2) {
    const framed = frameRecord(RecordKind.Header, payload);
    if (staleCrc) framed.set(t.prefix.subarray(t.prefix.length - 4), framed.length - 4);
    const prefix = Buffer.concat([t.prefix.subarray(0, 8), framed]);
    const ending: Ending = t.footer === undefined ? { kind: "none" } : { kind: "reindex" };
    return { bytes: assemble({ ...t, prefix }, t.records, ending), what: `${what}${staleCrc ? " (CRC stale)" : ""}` };
  }
  if (i === -1) {
    const body = assemble(t, t.records, { kind: "none" });
    const framed = frameRecord(RecordKind.Footer, payload);
    if (staleCrc) framed[framed.length - 1]! ^= 1;
    return { bytes: Buffer.concat([body, framed, trailer(body.length)]), what: `${what}${staleCrc ? " (CRC stale)" : ""}` };
  }
  const records = [...t.records];
  records[i] = { kind: records[i]!.kind, payload };
  let bytes = assemble(t, records, someEndingFor(t, rand));
  if (staleCrc) {
    // find the record again and break its payload CRC
    const spans = recordSpans(bytes);
    const s = spans[i + 1];
    if (s !== undefined) {
      const fh = parseFrameHeader(bytes, s)!;
      bytes = bytes.slice();
      bytes[s + 16 + fh.length]! ^= 0x5a;
    }
  }
  return { bytes, what: `${what}${staleCrc ? " (CRC stale)" : ""}` };
}

function someEndingFor(t: ParsedTrace, rand: () => number): Ending {
  if (t.footer === undefined) return { kind: "none" };
  return rand() < 0.85 ? { kind: "reindex" } : { kind: "stale", footer: t.footer };
}

/** Offsets of every record (header first) of a trace whose framing is intact. */
function recordSpans(b: Uint8Array): number[] {
  const out: number[] = [];
  let p = 8;
  while (p + 16 <= b.length) {
    const fh = parseFrameHeader(b, p);
    if (fh === null) break;
    out.push(p);
    p += FRAME_OVERHEAD + fh.length;
  }
  return out;
}
