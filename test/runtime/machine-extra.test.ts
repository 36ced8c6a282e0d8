/**
 * Machine properties beyond the samples' results: KTHREAD/ETHREAD field offsets (Windows 7 SP1
 * x86, see runtime/core/layout.ts for the source), the deadlock report, the quantum changing the
 * interleaving but not the result, and base relocations applied exactly as llvm-readobj lists
 * them. Programs run as the CLI runs them (runSession); an observer reads the machine's state.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runSession, type LoadedModule, type Machine, type RunResult } from "../../runtime/index.js";

// threads.c: counter = 200*(1+2+3+4) = 2000, tls_ok_mask 0xF << 12, main_tls_ok << 16, late_ran 5 << 20
const THREADS_EXIT = 2000 + (0xf << 12) + (1 << 16) + (5 << 20);

interface ThreadObjects {
  /** Per thread: what the machine says (ThreadView) and what its KTHREAD/ETHREAD and TEB hold. */
  readonly view: { key: number; stackBase: number; stackLimit: number; teb: number; cid: [number, number] };
  readonly kthread: { initialStack: number; stackLimit: number; teb: number; stackBase: number; cid: [number, number] };
  readonly teb: { self: number; stackBase: number; cid: [number, number] };
  /** TEBs of the threads still running when this one started. */
  readonly liveTebs: number[];
}

/** threads.exe on 2 CPUs with this quantum: its summary, the schedule, and each thread's objects at its start. */
function threadsRun(quantum: number): { run: RunResult; schedule: string[]; objects: ThreadObjects[] } {
  let machine: Machine | undefined;
  const objects: ThreadObjects[] = [];
  const live = new Map<number, number>();
  const run = runSession({
    cpus: 2,
    quantum,
    target: { mode: "user", image: "samples/threads/threads.exe" },
    observer: {
      onMachineReady: (m) => void (machine = m),
      onThreadStart: (t) => {
        const u32 = (a: number) => machine!.memory.u32(a);
        objects.push({
          view: { key: t.key, stackBase: t.stackBase, stackLimit: t.stackLimit, teb: t.teb, cid: [t.cid.process, t.cid.thread] },
          kthread: { initialStack: u32(t.key + 0x28), stackLimit: u32(t.key + 0x2c), teb: u32(t.key + 0x88), stackBase: u32(t.key + 0x190), cid: [u32(t.key + 0x22c), u32(t.key + 0x230)] },
          teb: { self: u32(t.teb + 0x18), stackBase: u32(t.teb + 4), cid: [u32(t.teb + 0x20), u32(t.teb + 0x24)] },
          liveTebs: [...live.values()],
        });
        live.set(t.key, t.teb);
      },
      onThreadExit: (t) => void live.delete(t.key),
    },
  }).run as RunResult;
  return { run, schedule: machine!.schedule.map((s) => `${s.cpu}:${s.thread.toString(16)}@${s.clock}`), objects };
}

const runs = new Map<number, ReturnType<typeof threadsRun>>();
const threads = (quantum: number) => runs.get(quantum) ?? runs.set(quantum, threadsRun(quantum)).get(quantum)!;

describe("KTHREAD / ETHREAD (Windows 7 SP1 x86 offsets)", () => {
  it("holds InitialStack 0x28, StackLimit 0x2c, Teb 0x88, StackBase 0x190, Cid 0x22c — for every thread, matching its TEB", () => {
    const { objects } = threads(20_000);
    expect(objects).toHaveLength(6);
    for (const o of objects) {
      expect(o.kthread).toEqual({ initialStack: o.view.stackBase, stackLimit: o.view.stackLimit, teb: o.view.teb, stackBase: o.view.stackBase, cid: o.view.cid });
      // The TEB the KTHREAD names is the thread's: Self, NtTib.StackBase and ClientId agree.
      expect(o.teb).toEqual({ self: o.view.teb, stackBase: o.view.stackBase, cid: o.view.cid });
      expect(o.view.key).toBeGreaterThanOrEqual(0x80000000);
      expect(o.view.stackLimit).toBeLessThan(o.view.stackBase);
    }
    expect(new Set(objects.map((o) => o.view.key)).size).toBe(6);
    // A thread's TEB is its own while it runs (an ended thread's TEB is freed and may be reused, as on Windows).
    for (const o of objects) expect(o.liveTebs).not.toContain(o.view.teb);
  });
});

describe("deadlock", () => {
  it("stops with an error naming each blocked thread and what it waits on (ntrace run exits 124)", () => {
    // fixtures/machine.dll Deadlock: WaitForSingleObject(INFINITE) on an event nobody sets, in the only thread.
    const r = spawnSync(process.execPath, ["dist/bin/ntrace.js", "run", "test/runtime/fixtures/machine.dll", "--call", "Deadlock", "--no-trace", "--json"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(124);
    const out = JSON.parse(r.stdout) as { result?: number; failure?: string; threads: { key: string; cid: { thread: number } }[] };
    expect(out.result).toBeUndefined();
    expect(out.threads).toHaveLength(1);
    const t = out.threads[0]!;
    expect(out.failure).toMatch(new RegExp(`^deadlock: every thread is blocked with no timeout: thread ${t.key} \\(CID [0-9a-f]+:${t.cid.thread.toString(16)}\\) waits on .*event`, "i"));
    expect(r.stderr).toContain(`ntrace: ${out.failure}`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("threads.exe and the quantum", () => {
  it("changes the interleaving, not the result", () => {
    // threads.exe blocks or yields within a few hundred instructions: only short quanta preempt it.
    const a = threads(50);
    const b = threads(20_000);
    for (const r of [a, b]) {
      expect(r.run.failure).toBeUndefined();
      expect(r.run.exitCode).toBe(THREADS_EXIT);
    }
    expect(a.schedule).not.toEqual(b.schedule);
    expect(a.schedule.length).toBeGreaterThan(b.schedule.length);
  });
});

describe("base relocations", () => {
  it("apply every HIGHLOW fixup llvm-readobj lists, by the load delta, and the code still runs", () => {
    // fib.dll is loaded first (--load) at the preferred base fib_nopad.dll shares: fib_nopad.dll
    // is mapped elsewhere. When its Run is entered (relocated, DllMain done), every fixup is read.
    let machine: Machine | undefined;
    let moved: LoadedModule | undefined;
    let atRun: Map<number, number> | undefined;
    const readobj = spawnSync("llvm-readobj", ["--coff-basereloc", "--file-headers", "samples/fib/fib_nopad.dll"], { encoding: "utf8" });
    expect(readobj.status).toBe(0);
    const preferred = parseInt(/ImageBase: (0x[0-9A-Fa-f]+)/.exec(readobj.stdout)![1]!, 16);
    const fixups = [...readobj.stdout.matchAll(/Type: HIGHLOW\s+Address: (0x[0-9A-Fa-f]+)/g)].map((x) => parseInt(x[1]!, 16));
    expect(fixups.length).toBeGreaterThan(0);
    const run = runSession({
      target: { mode: "user", image: "samples/fib/fib_nopad.dll", load: ["samples/fib/fib.dll"], call: { name: "Run", args: [20] } },
      observer: {
        onMachineReady: (m) => void (machine = m),
        onModuleLoaded: (m) => {
          if (m.name.toLowerCase() !== "fib_nopad.dll") return;
          moved = m;
          const runRva = m.image!.exports!.entries.find((e) => e.names.includes("Run"))!.rva;
          machine!.engine.addCodeHook(m.base + runRva, m.base + runRva, () => {
            atRun ??= new Map(fixups.map((rva) => [rva, machine!.memory.u32(m.base + rva)]));
          });
        },
      },
    }).run as RunResult;
    expect(run.failure).toBeUndefined();
    expect(run.result).toBe(6765);
    const fib = machine!.modules.find((m) => m.name.toLowerCase() === "fib.dll")!;
    expect(fib.base).toBe(preferred);
    expect(moved!.base).not.toBe(preferred);
    const delta = (moved!.base - preferred) >>> 0;
    const file = readFileSync("samples/fib/fib_nopad.dll");
    const sections = moved!.image!.sections;
    expect(atRun?.size).toBe(fixups.length);
    for (const rva of fixups) {
      const s = sections.find((sec) => rva >= sec.rva && rva < sec.rva + Math.max(sec.virtualSize, sec.rawSize))!;
      const original = file.readUInt32LE(s.rawOffset + (rva - s.rva));
      expect({ rva, value: atRun!.get(rva) }).toEqual({ rva, value: (original + delta) >>> 0 });
    }
  });
});
