/** Test helpers: synthetic traces written with the real TraceWriter (in memory). */
import { readFileSync } from "node:fs";
import { threadKey, type ThreadKey } from "../../base/index.js";
import { parsePe, buildDebugBlock } from "../../pe/index.js";
import { MemorySink, TraceWriter, openTraceBytes, type TraceFile } from "../../tracefile/index.js";
import type { ModuleRecord, ModuleRecordInit, ThreadEventWriter } from "../../tracefile/types.js";
import { prepareReader, StringOutput, type ReaderContext, type ReaderOptions } from "../../reader/index.js";

export const ROOT = new URL("../../", import.meta.url).pathname;

/** fib.pdb's procedures from llvm-pdbutil (golden): name → RVA (.text is section 1). */
export function fibProcedures(): Map<string, number> {
  const text = readFileSync(`${ROOT}test/golden/reader/fib-procedures.txt`, "utf8");
  const image = parsePe(readFileSync(`${ROOT}samples/fib/fib.dll`));
  const textRva = image.sections[0]!.rva;
  const out = new Map<string, number>();
  const re = /S_GPROC32 \[size = \d+\] `([^`]+)`\s*\n\s*parent = \d+, end = \d+, addr = 0001:(\d+)/g;
  for (const m of text.matchAll(re)) out.set(m[1]!, textRva + Number(m[2]));
  return out;
}

/** The module record of a sample image as the runtime would write it (real debug block). */
export function sampleModule(imagePath: string, functionRvas: number[], recordedPath = `C:\\gone\\${imagePath.split("/").pop()}`): ModuleRecordInit {
  const image = parsePe(readFileSync(`${ROOT}${imagePath}`));
  const exportNames = (image.exports?.entries ?? []).flatMap((e) => e.names.map((name) => ({ rva: e.rva as number, name })));
  return {
    name: imagePath.split("/").pop()!,
    path: recordedPath,
    base: image.imageBase,
    size: image.sizeOfImage,
    timeDateStamp: image.timeDateStamp,
    checksum: image.checksum,
    exportNames,
    debugBlock: buildDebugBlock(image.debug),
    functionRvas,
  };
}

export interface TraceBuild {
  writer: TraceWriter;
  sink: MemorySink;
  module(init: ModuleRecordInit): ModuleRecord;
  thread(key: number, process?: number, thread?: number): ThreadEventWriter;
  finish(): TraceFile;
}

export function newTrace(options: { clockUnit?: "ns" | "instructions"; argCount?: number; chunkEvents?: number } = {}): TraceBuild {
  const sink = new MemorySink();
  const ns = options.clockUnit === "ns";
  const writer = TraceWriter.create(
    sink,
    {
      clock: ns
        ? { kind: "host-monotonic", unit: "ns", description: "test" }
        : { kind: "guest-instructions", unit: "instructions", description: "test" },
      cpus: 1,
      toolVersion: "test",
      commandLine: ["test"],
      argCount: options.argCount ?? 0,
      mode: "user",
    },
    options.chunkEvents !== undefined ? { chunkEvents: options.chunkEvents } : {},
  );
  return {
    writer,
    sink,
    module: (init) => writer.addModule(init),
    thread(key, process = 4, thread = 8) {
      writer.addThread({ key: threadKey(key), process, thread, startAddress: 0 });
      return writer.thread(threadKey(key));
    },
    finish() {
      writer.close();
      return openTraceBytes(sink.bytes());
    },
  };
}

/** Simulated clock and stack for scripted calls on one thread. */
export class Script {
  ts = 1000;
  esp: number;
  readonly w: ThreadEventWriter;
  constructor(w: ThreadEventWriter, esp = 0x0012ff00) {
    this.w = w;
    this.esp = esp;
  }
  /** Calls fn: entry with the current ESP, body(), exit. `frame` = bytes fn uses below its entry ESP before calling. */
  call(fn: number, frame: number, body?: () => void, cost = 10): void {
    this.w.entry(this.ts, fn, this.esp);
    this.ts += cost;
    const saved = this.esp;
    this.esp -= frame;
    body?.();
    this.esp = saved;
    this.ts += cost;
    this.w.exit(this.ts, fn, 0);
  }
}

/** Run(n) → fib recursion → leaf, as fib.c does. ids: function ids. */
export function scriptFibRun(s: Script, n: number, ids: { Run: number; fib: number; leaf: number }): void {
  const fib = (k: number): void => {
    s.call(ids.fib, 12, () => {
      if (k < 2) s.call(ids.leaf, 4);
      else {
        fib(k - 1);
        fib(k - 2);
      }
    });
  };
  s.call(ids.Run, 8, () => fib(n));
}

export function capture(trace: TraceFile, options: Omit<ReaderOptions, "warn"> = {}): { ctx: ReaderContext; out: StringOutput; warnings: string[] } {
  const warnings: string[] = [];
  const ctx = prepareReader(trace, { symbolPath: "", env: {}, ...options, warn: (m) => warnings.push(m) });
  return { ctx, out: new StringOutput(), warnings };
}

export type { ThreadKey };
