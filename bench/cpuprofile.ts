/**
 * Reads a V8 .cpuprofile (node --cpu-prof) into self time per function and per category of
 * the tracing hot path. Native code called through koffi (unicorn's uc_emu_start, memory and
 * register reads) has no frame of its own: its time is the self time of the JS function that
 * made the call, so the engine wrapper's start() self time is guest emulation, and the other
 * engine wrappers' self time is FFI calls made from hooks.
 */
import { readFileSync } from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FunctionTime {
  readonly name: string;
  readonly where: string;
  readonly category: string;
  readonly seconds: number;
}

export interface ProfileSummary {
  readonly totalSeconds: number;
  readonly byCategory: { category: string; seconds: number }[];
  readonly top: FunctionTime[];
}

/** Where a function's self time goes, by its source file (dist/ paths of this project). */
export function categorize(frame: CallFrame): string {
  const url = frame.url;
  const fn = frame.functionName;
  if (fn === "(garbage collector)") return "garbage collection";
  if (fn === "(idle)") return "idle";
  if (fn === "(program)") return "native, no JS frame (V8, start-up)";
  // The native recorder's log → trace columns conversion (ntr_emit) is called through koffi from its binding.
  if (/\/runtime\/engine\/nativehooks\./.test(url) && fn === "emit") return "native log → trace columns (ntr_emit)";
  if (/\/runtime\/engine\//.test(url)) return /^(start|emuStart)$/.test(fn) ? "guest emulation + native↔JS hook transitions (uc_emu_start)" : "FFI calls into unicorn (reads/writes/regs/hook glue)";
  if (/\/runtime\/tracing\//.test(url)) return "tracer hook callbacks (runtime/tracing)";
  if (/\/instrumenter\//.test(url)) return "instrumenter (discovery, patch/thunk generation)";
  if (/\/tracefile\/(writer|sink)\./.test(url)) return "trace writer append / file sink";
  if (/\/tracefile\//.test(url)) return "chunk encoding (columns, varint, CRC)";
  if (/zlib/.test(url)) return "chunk compression (zlib)";
  if (/\/runtime\//.test(url)) return "machine (scheduler, loader, NT personality)";
  if (/\/pe\//.test(url)) return "PE/PDB parsing";
  if (/koffi/.test(url)) return fn.endsWith("load") ? "loading the native libraries (koffi)" : "FFI calls into unicorn (reads/writes/regs/hook glue)";
  if (url === "" || url.startsWith("node:")) return "node internals";
  return "other";
}

export function summarizeProfile(path: string, top = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const n of p.nodes) byId.set(n.id, n);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    // timeDeltas[i] is the time before sample i; attribute the next delta to this sample.
    const dt = p.timeDeltas[i + 1] ?? 0;
    selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + dt);
  }
  const perFunction = new Map<string, FunctionTime & { seconds: number }>();
  const perCategory = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const f = node.callFrame;
    const category = categorize(f);
    const file = f.url.replace(/^file:\/\/.*?\/dist\//, "").replace(/^file:\/\//, "");
    const key = `${f.functionName}@${file}:${f.lineNumber + 1}`;
    const s = us / 1e6;
    total += s;
    perCategory.set(category, (perCategory.get(category) ?? 0) + s);
    const prev = perFunction.get(key);
    if (prev !== undefined) prev.seconds += s;
    else perFunction.set(key, { name: f.functionName === "" ? "(anonymous)" : f.functionName, where: `${file}:${f.lineNumber + 1}`, category, seconds: s });
  }
  return {
    totalSeconds: total,
    byCategory: [...perCategory].map(([category, seconds]) => ({ category, seconds })).sort((a, b) => b.seconds - a.seconds),
    top: [...perFunction.values()].sort((a, b) => b.seconds - a.seconds).slice(0, top),
  };
}
