/**
 * Engine facts: what single guest operations cost in unicorn through the project's Engine
 * binding, measured with hand-assembled loops (no loader, no machine). Each variant runs
 * `mov ecx, N; L: <body>; dec ecx; jnz L` and the cost of <body> is its time minus the empty
 * loop's, divided by N. These are the unit prices the tracer's design choices are made of.
 */
import type { Engine } from "../../runtime/engine/types.js";

export const CODE = 0x10000;
/** A data page that holds no code. */
export const DATA = 0x20000;
const STACK_TOP = 0x40000;

export type FactVariant =
  | "empty"
  | "storeData"
  | "storeCodePage"
  | "loadData"
  | "callRet"
  | "jsHook"
  | "countLimit";

const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** Loop bodies (32-bit code); the callee of callRet sits at CODE+0x100. */
function body(v: FactVariant): number[] {
  switch (v) {
    case "storeData": return [0x89, 0x0d, ...u32(DATA + 0x10)]; // mov [DATA+0x10], ecx
    case "storeCodePage": return [0x89, 0x0d, ...u32(CODE + 0x800)]; // mov [CODE+0x800], ecx (same page as the loop)
    case "loadData": return [0x8b, 0x05, ...u32(DATA + 0x10)]; // mov eax, [DATA+0x10]
    case "callRet": return [0xe8, ...u32(0)]; // call rel32 (patched below)
    default: return [0x90]; // nop (empty, jsHook, countLimit)
  }
}

export interface FactResult {
  readonly seconds: number;
  readonly iterations: number;
}

/** Assemble and run one variant on a fresh engine; returns the time of the run. */
export function runFact(makeEngine: () => Engine, v: FactVariant, iterations: number): FactResult {
  const e = makeEngine();
  try {
    e.mapMemory(CODE, 0x1000, 7);
    e.mapMemory(DATA, 0x1000, 3);
    e.mapMemory(STACK_TOP - 0x10000, 0x10000, 3);
    const loop = [0xb9, ...u32(iterations)];
    const top = loop.length;
    const b = body(v);
    const code = [...loop, ...b, 0x49, 0x75, 0];
    const end = CODE + code.length;
    code[code.length - 1] = (top - code.length) & 0xff; // jnz back to the body
    if (v === "callRet") {
      const callAt = top; // E8 at body start; rel32 from the next instruction
      const rel = 0x100 - (callAt + 5);
      code.splice(callAt + 1, 4, ...u32(rel >>> 0));
    }
    e.writeMemory(CODE, Uint8Array.from(code));
    e.writeMemory(CODE + 0x100, Uint8Array.of(0xc3)); // ret
    e.writeRegister(30 /* ESP */, STACK_TOP - 0x100);
    if (v === "jsHook") {
      let hits = 0;
      e.addCodeHook(CODE + top, CODE + top, () => void hits++);
    }
    const start = process.hrtime.bigint();
    // count > 0 makes unicorn count instructions (the machine's time slices do this).
    e.start(CODE, end, 0, v === "countLimit" ? 0xfffffff0 : 0);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (e.readRegister(19 /* EAX */) < 0 || e.readRegister(22 /* ECX */) !== 0) throw new Error(`${v}: loop did not finish (ECX=${e.readRegister(22)})`);
    return { seconds, iterations };
  } finally {
    e.close();
  }
}
