/**
 * Conversions between the contract types (types.ts) and the generated protobuf messages of
 * the non-hot records: header, module, thread, footer. Event chunks use columns.ts.
 */
import { threadKey } from "../base/index.js";
import { ntrace } from "./generated/trace.js";
import type { ClockKind, ModuleRecord, RunSummary, ThreadRecord, TraceHeader } from "./types.js";

export const pb = ntrace.trace.v1;

/** protobufjs decodes 64-bit fields as Long objects (when the long package is present). */
export function toNumber(v: number | { toNumber(): number } | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === "number" ? v : v.toNumber();
}

export function encodeHeader(h: TraceHeader): Uint8Array {
  return pb.Header.encode({
    formatMajor: h.formatMajor,
    formatMinor: h.formatMinor,
    clock: { kind: h.clock.kind, unit: h.clock.unit, description: h.clock.description },
    cpus: h.cpus,
    toolVersion: h.toolVersion,
    commandLine: [...h.commandLine],
    argCount: h.argCount,
    mode: h.mode,
    ...(h.engine !== undefined ? { engine: h.engine } : {}),
  }).finish();
}

export function decodeHeader(b: Uint8Array): TraceHeader {
  const m = pb.Header.decode(b);
  return {
    formatMajor: m.formatMajor,
    formatMinor: m.formatMinor,
    clock: {
      kind: (m.clock?.kind ?? "") as ClockKind,
      unit: m.clock?.unit ?? "",
      description: m.clock?.description ?? "",
    },
    cpus: m.cpus,
    toolVersion: m.toolVersion,
    commandLine: m.commandLine,
    argCount: m.argCount,
    mode: m.mode,
    ...(m.engine !== "" ? { engine: m.engine } : {}),
  };
}

export function encodeModule(r: ModuleRecord): Uint8Array {
  return pb.Module.encode({
    index: r.index,
    name: r.name,
    path: r.path,
    base: r.base >>> 0,
    size: r.size >>> 0,
    timeDateStamp: r.timeDateStamp >>> 0,
    checksum: r.checksum >>> 0,
    exportNames: r.exportNames.map((e) => ({ rva: e.rva >>> 0, name: e.name })),
    debugBlock: r.debugBlock,
    functionRvas: r.functionRvas.map((x) => x >>> 0),
    firstFunctionId: r.firstFunctionId,
  }).finish();
}

export function decodeModule(b: Uint8Array): ModuleRecord {
  const m = pb.Module.decode(b);
  return {
    index: m.index,
    name: m.name,
    path: m.path,
    base: m.base,
    size: m.size,
    timeDateStamp: m.timeDateStamp,
    checksum: m.checksum,
    exportNames: m.exportNames.map((e) => ({ rva: e.rva ?? 0, name: e.name ?? "" })),
    // A copy: the decoded field may be a view into a shared read buffer.
    debugBlock: Uint8Array.prototype.slice.call(m.debugBlock),
    functionRvas: m.functionRvas,
    firstFunctionId: m.firstFunctionId,
  };
}

export function encodeThread(t: ThreadRecord): Uint8Array {
  return pb.Thread.encode({
    key: t.key >>> 0,
    process: t.process >>> 0,
    thread: t.thread >>> 0,
    ...(t.cpu !== undefined ? { cpu: t.cpu } : {}),
    startAddress: t.startAddress >>> 0,
    ...(t.name !== undefined ? { name: t.name } : {}),
    idle: t.idle === true,
  }).finish();
}

export function decodeThread(b: Uint8Array): ThreadRecord {
  const m = pb.Thread.decode(b);
  const hasCpu = m.cpu !== undefined && m.cpu !== null;
  const hasName = m.name !== undefined && m.name !== null;
  return {
    key: threadKey(m.key),
    process: m.process,
    thread: m.thread,
    ...(hasCpu ? { cpu: m.cpu as number } : {}),
    startAddress: m.startAddress,
    ...(hasName ? { name: m.name as string } : {}),
    ...(m.idle ? { idle: true } : {}),
  };
}

/** One event chunk as the footer indexes it. */
export interface ChunkInfo {
  /** File offset of the chunk's record. */
  readonly offset: number;
  readonly thread: number;
  readonly seq: number;
  readonly count: number;
  readonly firstTs: number;
  readonly lastTs: number;
}

export interface FooterData {
  readonly moduleOffsets: readonly number[];
  readonly threadOffsets: readonly number[];
  readonly chunks: readonly ChunkInfo[];
  readonly totalEvents: number;
  readonly run?: RunSummary;
}

export function encodeFooter(f: FooterData): Uint8Array {
  return pb.Footer.encode({
    moduleOffsets: [...f.moduleOffsets],
    threadOffsets: [...f.threadOffsets],
    chunks: f.chunks.map((c) => ({ ...c })),
    totalEvents: f.totalEvents,
    ...(f.run !== undefined ? { run: encodeRunSummary(f.run) } : {}),
  }).finish();
}

export function decodeFooter(b: Uint8Array): FooterData {
  const m = pb.Footer.decode(b);
  return {
    moduleOffsets: m.moduleOffsets.map(toNumber),
    threadOffsets: m.threadOffsets.map(toNumber),
    chunks: m.chunks.map((c) => ({
      offset: toNumber(c.offset),
      thread: c.thread ?? 0,
      seq: c.seq ?? 0,
      count: c.count ?? 0,
      firstTs: toNumber(c.firstTs),
      lastTs: toNumber(c.lastTs),
    })),
    totalEvents: toNumber(m.totalEvents),
    ...(m.run !== null && m.run !== undefined ? { run: decodeRunSummary(m.run) } : {}),
  };
}

function encodeRunSummary(r: RunSummary): ntrace.trace.v1.IRunSummary {
  return {
    ...(r.exitCode !== undefined ? { exitCode: r.exitCode >>> 0 } : {}),
    ...(r.result !== undefined ? { result: r.result >>> 0 } : {}),
    ...(r.failure !== undefined ? { failure: r.failure } : {}),
    instructions: r.instructions,
    ...(r.elapsedNs !== undefined ? { elapsedNs: Math.round(r.elapsedNs) } : {}),
    ...(r.interrupted !== undefined ? { interrupted: { cause: r.interrupted.cause, reason: r.interrupted.reason } } : {}),
  };
}

/** Optional proto3 fields decode as null/undefined when absent. */
const present = <T>(v: T | null | undefined): v is T => v !== null && v !== undefined;

function decodeRunSummary(m: ntrace.trace.v1.IRunSummary): RunSummary {
  return {
    ...(present(m.exitCode) ? { exitCode: m.exitCode } : {}),
    ...(present(m.result) ? { result: m.result } : {}),
    ...(present(m.failure) ? { failure: m.failure } : {}),
    instructions: toNumber(m.instructions),
    ...(present(m.elapsedNs) ? { elapsedNs: toNumber(m.elapsedNs) } : {}),
    ...(present(m.interrupted) ? { interrupted: { cause: m.interrupted.cause ?? "", reason: m.interrupted.reason ?? "" } } : {}),
  };
}
