/**
 * Issue 7 must-show items on the kernel samples (samples/kernel/, expected values in
 * samples/kernel/README.md and expected.json). Function names come from llvm-pdbutil (an
 * independent reader of the samples' PDBs), not from ntrace's own PDB parser.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { openTraceBytes, type TraceEvent, type TraceFile } from "../../tracefile/index.js";
import { MissingImportError } from "../../runtime/index.js";
import { parseIrpSpec, runDriver } from "../../runtime/kernel/index.js";
import { runDriverTraced, type TracedDriverRunResult as TracedKernelRunResult } from "../support/runs.js";

const K = "samples/kernel";
const DRIVERS = { image: `${K}/kfunc.sys`, load: [`${K}/kfilt1.sys`, `${K}/khog.sys`] };
const IRPS = ["create", "devctl:0x80002000:01020304", "devctl:0x80002000:ffff", "devctl:0x80002004", "close"];
const expected = JSON.parse(readFileSync(`${K}/expected.json`, "utf8")) as { requests: { irp: string; status: number; information: number; output?: string }[] };

/** rva → procedure name of a sample image, from `llvm-pdbutil dump -symbols` (.text is at RVA 0x1000). */
function procedures(pdb: string): Map<number, string> {
  const text = execFileSync("llvm-pdbutil", ["dump", "-symbols", pdb], { encoding: "utf8" });
  const map = new Map<number, string>();
  for (const m of text.matchAll(/S_[GL]PROC32 \[size = \d+\] `([^`]+)`[\s\S]*?addr = 0001:(\d+)/g)) map.set(0x1000 + Number(m[2]), m[1]!);
  return map;
}
const NAMES = new Map(["kfunc", "kfilt1", "khog"].map((n) => [`${n}.sys`, procedures(`${K}/${n}.pdb`)]));

function nameOf(trace: TraceFile, fn: number): string {
  const a = trace.functionAddress(fn)!;
  return `${a.module.name.replace(/\.sys$/, "")}!${NAMES.get(a.module.name)?.get(a.rva) ?? `+0x${a.rva.toString(16)}`}`;
}

const traced = new Map<number, TracedKernelRunResult>();
function tracedRun(cpus: number): TracedKernelRunResult {
  let r = traced.get(cpus);
  if (r === undefined) {
    r = runDriverTraced({ ...DRIVERS, cpus, irps: IRPS.map(parseIrpSpec), maxInstructions: 10_000_000 });
    traced.set(cpus, r);
  }
  return r;
}

describe.each([1, 4])("driver stack with --cpus %i", (cpus) => {
  test("gives the documented IoStatus and output for each request", () => {
    const r = tracedRun(cpus).run;
    expect(r.failure).toBeUndefined();
    const compute = r.irps.filter((i) => i.ioctl === 0x80002000);
    expect(compute).toHaveLength(2);
    for (const [i, want] of expected.requests.entries()) {
      const got = r.irps[i]!;
      expect(got.status).toBe(want.status);
      // The QUERY's Information is 8 + 16 per DPC run (one per CPU): 24 for --cpus 1.
      expect(got.information).toBe(want.irp === "devctl:0x80002004" ? 8 + 16 * cpus : want.information);
      // Output word [4] is KeNumberProcessors: the documented value is for --cpus 1.
      if (want.output !== undefined) {
        const out = Buffer.from(want.output, "hex");
        out.writeUInt32LE(cpus, 16);
        expect(got.output).toBe(out.toString("hex"));
      }
    }
    // The QUERY request: one DPC per CPU ran.
    const q = Buffer.from(r.irps[3]!.output!, "hex");
    expect(q.readUInt32LE(0)).toBe(cpus);
    expect(r.output).toContain("khog: unload after 5 completions\n");
  });

  test("each request's trace nests khog > kfilt1 > kfunc dispatch routines, completion routines on the way back", () => {
    const r = tracedRun(cpus);
    const trace = openTraceBytes(r.bytes!);
    const requester = Buffer.from(r.run.irps[3]!.output!, "hex").readUInt32LE(4);
    // Entries open a frame; exits, unwinds (the caught ExRaiseStatus) and unclosed close one.
    const events = [...trace.events()].filter((e) => e.thread === requester && e.kind <= 3);
    // Top-level calls on the requester thread (depth 0 → 1 transitions) and their subtree.
    const requests: string[][] = [];
    let depth = 0;
    let current: string[] = [];
    for (const e of events) {
      const name = nameOf(trace, e.fn);
      if (e.kind === 0) {
        if (depth === 0) current = [];
        current.push(`${"  ".repeat(depth)}${name}`);
        depth++;
      } else {
        depth--;
        if (depth === 0) requests.push(current);
      }
    }
    const irpTrees = requests.filter((t) => t[0] === "khog!HogDispatch");
    expect(irpTrees).toHaveLength(IRPS.length);
    for (const tree of irpTrees) {
      // In order (a subsequence of the request's call tree, indentation = depth):
      // HogDispatch → FilterPassDown → Filt1Dispatch → FilterPassDown → KFunc* dispatch, then,
      // inside kfunc's IoCompleteRequest, kfilt1's completion routine before khog's.
      const want: (string | RegExp)[] = [
        "khog!HogDispatch",
        "  khog!FilterPassDown",
        "    kfilt1!Filt1Dispatch",
        "      kfilt1!FilterPassDown",
        /^ {8}kfunc!KFunc(DeviceControl|CreateClose)$/,
        "          kfilt1!FilterComplete",
        "          khog!FilterComplete",
      ];
      let at = 0;
      for (const w of want) {
        const i = tree.findIndex((l, k) => k >= at && (typeof w === "string" ? l === w : w.test(l)));
        expect(i, `${String(w)} in\n${tree.join("\n")}`).toBeGreaterThanOrEqual(at);
        at = i + 1;
      }
      expect(tree.filter((l) => l.endsWith("!FilterComplete"))).toHaveLength(2);
      expect(tree.filter((l) => /!(HogDispatch|Filt1Dispatch|KFuncDeviceControl|KFuncCreateClose)$/.test(l))).toHaveLength(3);
    }
  });

  test("the DPC runs on its CPU's DPC stack, attributed to the interrupted thread's KTHREAD", () => {
    const r = tracedRun(cpus);
    const q = Buffer.from(r.run.irps[3]!.output!, "hex");
    const requester = q.readUInt32LE(4);
    const seenCpus = new Set<number>();
    for (let i = 0; i < q.readUInt32LE(0); i++) {
      const [cpu, esp, thread, irql] = [0, 4, 8, 12].map((o) => q.readUInt32LE(8 + 16 * i + o)) as [number, number, number, number];
      const c = r.cpus[cpu]!;
      seenCpus.add(cpu);
      expect(esp).toBeGreaterThanOrEqual(c.dpcStackLimit);
      expect(esp).toBeLessThan(c.dpcStackBase);
      expect(irql).toBe(2);
      // The local DPC interrupted the requester; the others interrupted their CPU's idle thread.
      expect(thread).toBe(cpu === 0 ? requester : c.idleThread);
    }
    expect(seenCpus.size).toBe(cpus);
    // In the trace: DpcRoutine's entries carry an ESP inside a DPC stack, on the thread fs:[0x124] named.
    const trace = openTraceBytes(r.bytes!);
    const dpcEntries = [...trace.events()].filter((e) => e.kind === 0 && nameOf(trace, e.fn) === "kfunc!DpcRoutine");
    expect(dpcEntries.length).toBe(2 * cpus); // two COMPUTE requests
    for (const e of dpcEntries) {
      const c = r.cpus.find((x) => e.esp >= x.dpcStackLimit && e.esp < x.dpcStackBase);
      expect(c).toBeDefined();
      expect(e.thread).toBe(c!.index === 0 ? requester : c!.idleThread);
    }
  });

  test("the trace holds the hog's frame: ESP at entry of HogDispatch and of the function it calls", () => {
    const r = tracedRun(cpus);
    const trace = openTraceBytes(r.bytes!);
    const evs = [...trace.events()].filter((e) => e.kind === 0);
    const hog = evs.findIndex((e) => nameOf(trace, e.fn) === "khog!HogDispatch");
    const next = evs.slice(hog + 1).find((e) => e.thread === evs[hog]!.thread)!;
    expect(nameOf(trace, next.fn)).toBe("khog!HogScan");
    // sub esp, 3000 (llvm-objdump, README) + 3 saved registers + the return address.
    const objdump = execFileSync("llvm-objdump", ["-d", "--no-show-raw-insn", `${K}/khog.sys`], { encoding: "utf8" });
    const sub = Number(/subl\s+\$(\d+), %esp/.exec(objdump.split("\n").filter((l) => /subl\s+\$\d{4}, %esp/.test(l)).join("\n"))![1]);
    expect(sub).toBe(3000);
    const frame = evs[hog]!.esp - next.esp;
    expect(frame).toBeGreaterThanOrEqual(3000);
    expect(frame).toBeLessThan(3000 + 0x40);
  });
});

describe("--cpus 4 idle threads", () => {
  test("four distinct idle-thread keys, all CID 0:0, marked idle with their CPU, events never mixed", () => {
    const r = tracedRun(4);
    const trace = openTraceBytes(r.bytes!);
    const idle = trace.threads.filter((t) => t.idle === true);
    expect(idle).toHaveLength(4);
    expect(new Set(idle.map((t) => t.key)).size).toBe(4);
    expect(idle.map((t) => [t.process, t.thread])).toEqual([[0, 0], [0, 0], [0, 0], [0, 0]]);
    expect(idle.map((t) => t.cpu).sort()).toEqual([0, 1, 2, 3]);
    expect(idle.map((t) => t.key)).toEqual(r.cpus.map((c) => c.idleThread));
    // Each idle thread's events are its CPU's DPCs only: every entry's ESP is in that CPU's DPC stack.
    for (const t of idle) {
      const c = r.cpus[t.cpu!]!;
      const evs: TraceEvent[] = [...trace.events(t.key)];
      for (const e of evs) expect(e.thread).toBe(t.key);
      const entries = evs.filter((e) => e.kind === 0);
      if (c.index > 0) expect(entries.length).toBeGreaterThan(0);
      for (const e of entries) {
        expect(e.esp).toBeGreaterThanOrEqual(c.dpcStackLimit);
        expect(e.esp).toBeLessThan(c.dpcStackBase);
      }
    }
  });
});

describe("failures", () => {
  test("a driver importing an unimplemented kernel API fails to load naming it", () => {
    let err: unknown;
    try {
      runDriver({ image: `${K}/kmissing.sys`, irps: [] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MissingImportError);
    expect((err as MissingImportError).missing).toEqual(["ntoskrnl.exe!KeQueryPerformanceCounter"]);
    expect((err as Error).message).toContain("kmissing.sys");
  });

  test("KeBugCheckEx ends the run with a report; the trace up to it is intact", () => {
    const r = runDriverTraced({ ...DRIVERS, cpus: 2, irps: ["create", "devctl:0x80002008:78563412", "close"].map(parseIrpSpec) });
    expect(r.run.bugCheck?.code).toBe(0xe2);
    expect(r.run.bugCheck?.parameters).toEqual([0x12345678, 0x78 + 0x56 + 0x34 + 0x12, 0, 0]);
    expect(r.run.bugCheck?.address).toMatch(/^kfunc\.sys\+0x/);
    expect(r.run.failure).toMatch(/^bug check 0x000000E2 \(0x12345678, 0x00000114, 0x00000000, 0x00000000\)/);
    expect(r.run.irps.map((i) => i.majorName)).toEqual(["IRP_MJ_CREATE"]); // nothing after the bug check
    const trace = openTraceBytes(r.bytes!);
    expect(trace.complete).toBe(true);
    expect(trace.verify({ decode: true })).toEqual([]);
    const names = [...trace.events()].filter((e) => e.kind === 0).map((e) => nameOf(trace, e.fn));
    expect(names).toContain("kfunc!KFuncDeviceControl");
    expect(names[names.length - 1]).toBe("kfunc!ChecksumInput");
    // The open frames of the requester were closed as UNCLOSED, none lost.
    const unclosed = [...trace.events()].filter((e) => e.kind === 3).map((e) => nameOf(trace, e.fn));
    expect(unclosed).toEqual(expect.arrayContaining(["kfunc!KFuncDeviceControl", "kfilt1!Filt1Dispatch", "khog!HogDispatch"]));
  });
});

describe("ntrace stack on the kernel trace (reader)", () => {
  test("names the hog function with its frame size and the request's total stack", async () => {
    const { prepareReader, runStack, StringOutput } = await import("../../reader/index.js");
    const r = tracedRun(1);
    const trace = openTraceBytes(r.bytes!);
    const out = new StringOutput();
    runStack(prepareReader(trace, { symbolPath: K, warn: () => {} }), out);
    const text = out.text();
    // kf-style line for the hog: "<memory> <EntryESP> khog!HogDispatch" with 3000 + saved registers + return address.
    const hog = /^\s*\d+\s+(\d+)\s+[0-9a-f]{8}\s+khog!HogDispatch$/m.exec(text);
    expect(hog, text).not.toBeNull();
    expect(Number(hog![1])).toBeGreaterThanOrEqual(3000);
    expect(Number(hog![1])).toBeLessThan(3064);
    // The requester's deepest stack (the request's total) includes the hog and all three drivers.
    const total = /^\s*(\d+)\s+total bytes$/m.exec(text.slice(text.indexOf("khog!HogDispatch") - 2000));
    expect(Number(total![1])).toBeGreaterThan(Number(hog![1]));
  });
});
