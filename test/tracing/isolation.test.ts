/**
 * Isolation (issue 3, runtime/README.md): guest memory and host memory never alias, except
 * dedicated read-only host pages — the exit thunk's return-slot page, holding only the return
 * address the host writes (the rest zero), and in user mode the GDT and KUSER_SHARED_DATA
 * (issue 14; test/user/hostile.test.ts checks the guest cannot write them). Checked on a real traced run, on a bare
 * engine (a guest store into the page faults; a guest load sees what the host wrote), and in
 * the source: the one uc_mem_map_ptr is the one in mapHostMemory.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runSession, type Machine, type MachineObserver } from "../../runtime/index.js";
import { EngineFault, Prot, UnicornEngine, X86Reg } from "../../runtime/engine/index.js";
import { MAILBOX_TAG, RETURN_SLOT_TAG, Tracer } from "../../runtime/tracing/tracer.js";
import { EventKind, MemorySink, TraceWriter, openTraceBytes } from "../../tracefile/index.js";
import { ROOT, sample } from "./helpers.js";

/** A host page the tracer mapped, as the guest sees it when the process's one thread ends. */
interface HostPage {
  readonly regions: [number, number][];
  readonly bytes: Uint8Array;
}

/**
 * fib.dll Run(5), traced by a Tracer on runSession's machine. The tracer is the observer (as
 * runSession makes it); this one forwards every callback to it and also watches fib.dll's entry
 * point (DllMain, traced): at its first instruction [esp] is the real return address its caller
 * pushed. The page tagged `tag` is read when the process's one thread ends (ExitProcess),
 * before the machine is closed.
 */
function tracedFib(tag: string) {
  const sink = new MemorySink();
  const writer = TraceWriter.create(sink, {
    clock: { kind: "guest-instructions", unit: "instructions", description: "test" },
    cpus: 1,
    toolVersion: "test",
    commandLine: [],
    argCount: 0,
    mode: "user",
  });
  const tracer = new Tracer(writer, {});
  let machine: Machine | undefined;
  let page: HostPage | undefined;
  let cheapGuestStores = false;
  const dllMain: { ret: number; esp: number }[] = [];
  const forward = tracer as unknown as MachineObserver;
  const observer: MachineObserver = {
    // Every callback the tracer has, unchanged ...
    ...Object.fromEntries(
      (["onModuleUnloaded", "onThreadStart", "onException", "onUnwind", "onContextResume", "onSliceStart", "onSliceEnd", "onSyscall"] as const).map((k) => [k, (forward[k] as ((...a: unknown[]) => void) | undefined)?.bind(tracer)]),
    ),
    // ... and these three wrapped.
    onMachineReady: (m) => {
      machine = m;
      forward.onMachineReady!.call(tracer, m);
    },
    onModuleLoaded: (mod) => {
      forward.onModuleLoaded!.call(tracer, mod);
      if (mod.name.toLowerCase() !== "fib.dll") return;
      machine!.engine.addCodeHook(mod.entry, mod.entry, () => {
        const t = machine!.currentThread()!;
        const esp = machine!.reg(t, X86Reg.ESP);
        dllMain.push({ ret: machine!.memory.u32(esp), esp });
      });
    },
    onThreadExit: (t, code) => {
      forward.onThreadExit!.call(tracer, t, code);
      const regions = machine!.memory.list().filter((r) => r.tag === tag);
      cheapGuestStores = machine!.engine.cheapGuestStores === true;
      page = { regions: regions.map((r) => [r.size, r.prot]), bytes: regions.length > 0 ? machine!.engine.readMemory(regions[0]!.base, 0x1000) : new Uint8Array(0x1000) };
    },
  } as MachineObserver;
  const run = runSession({ target: { mode: "user", image: sample("fib/fib.dll"), call: { name: "Run", args: [5] } }, observer }).run;
  tracer.finish();
  writer.close();
  return { run, tracer, trace: sink.bytes(), machine: machine!, page: page!, dllMain, cheapGuestStores };
}

describe("the return-slot page, the tracer's only host memory the guest sees", () => {
  it("is mapped read-only and holds the last real return address and zeros only (fib.dll Run(5), traced)", () => {
    const { run, tracer, trace, machine, page, dllMain } = tracedFib(RETURN_SLOT_TAG);
    expect(run.result).toBe(5);
    expect(page.regions).toEqual([[0x1000, Prot.READ]]);
    // The last frame to return through the exit thunk is DllMain(DLL_PROCESS_DETACH), called by
    // Wine's loader at ExitProcess (the trace's last function event is its EXIT): the slot holds
    // exactly the return address the loader pushed for that call, in ntdll; every other byte is zero.
    expect(dllMain).toHaveLength(2); // attach, detach
    const events = [...openTraceBytes(trace).events()].filter((e) => e.kind === EventKind.Entry || e.kind === EventKind.Exit || e.kind === EventKind.Unwind);
    expect(events.at(-1)!.kind).toBe(EventKind.Exit);
    expect(events.at(-1)!.fn).toBe(events.at(-2)!.fn); // DllMain's entry, then its exit
    const ret = new DataView(page.bytes.buffer, page.bytes.byteOffset).getUint32(0, true);
    expect(ret).toBe(dllMain[1]!.ret);
    expect(machine.describeAddress(ret)).toMatch(/^ntdll\.dll/);
    expect(page.bytes.subarray(4).every((b) => b === 0)).toBe(true);
    expect(tracer.stats.exits).toBeGreaterThan(0);
  });

  it("the mailbox page (native recorder, engines with cheap guest stores): one guest-writable page holding the last return address, ESP and EAX only (fib.dll Run(5), traced)", () => {
    const { run, tracer, page, dllMain, cheapGuestStores } = tracedFib(MAILBOX_TAG);
    expect(run.result).toBe(5);
    if (!cheapGuestStores || tracer.recorder !== "native") {
      // other engines keep the older layout: no guest-writable host page at all
      expect(page.regions).toEqual([]);
      return;
    }
    expect(page.regions).toEqual([[0x1000, Prot.RW]]);
    // The last traced return was DllMain(DLL_PROCESS_DETACH)'s: the mailbox holds the return
    // address its caller pushed, ESP as its `ret 12` left it (stdcall, three arguments) and its
    // result (TRUE).
    const dv = new DataView(page.bytes.buffer, page.bytes.byteOffset);
    const detach = dllMain[1]!;
    expect([0, 4, 8].map((o) => dv.getUint32(o, true))).toEqual([detach.ret, detach.esp + 4 + 12, 1]);
    expect(page.bytes.subarray(12).every((b) => b === 0)).toBe(true);
  });

  it("a guest store into a read-only host page faults; a guest load reads what the host wrote", () => {
    const e = new UnicornEngine();
    try {
      const view = e.mapHostMemory(0x200000, 0x1000, Prot.READ);
      expect(view.length).toBe(0x1000);
      expect(view.every((b) => b === 0)).toBe(true); // a fresh buffer: no host data in it
      view.set([0x78, 0x56, 0x34, 0x12], 0);
      e.mapMemory(0x100000, 0x1000, Prot.RX);
      // mov eax, [0x200000]; mov [0x200004], eax
      e.writeMemory(0x100000, new Uint8Array([0xa1, 0x00, 0x00, 0x20, 0x00, 0xa3, 0x04, 0x00, 0x20, 0x00, 0x90]));
      e.start(0x100000, 0x100005, 0, 0);
      expect(e.readRegister(X86Reg.EAX)).toBe(0x12345678);
      let fault: unknown;
      try {
        e.start(0x100005, 0x10000a, 0, 0);
      } catch (err) {
        fault = err;
      }
      expect(fault).toBeInstanceOf(EngineFault);
      expect((fault as EngineFault).code).toBe(12); // UC_ERR_WRITE_PROT
      expect(view.subarray(4, 8).every((b) => b === 0)).toBe(true);
    } finally {
      e.close();
    }
  });

  it("the sources map host memory into the guest in one place only (UnicornEngine.mapHostMemory)", () => {
    const hits: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|c)$/.test(name)) {
          readFileSync(p, "utf8").split("\n").forEach((line, i) => {
            // (the koffi prototype declaration is not a call)
            if (/uc_mem_map_ptr\s*\(|mapInstructionCounter/.test(line) && !line.includes("h.func(")) hits.push(`${p.slice(ROOT.length + 1)}:${i + 1}`);
          });
        }
      }
    };
    for (const d of ["runtime", "bin", "instrumenter", "bench"]) walk(join(ROOT, d));
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatch(/^runtime\/engine\/unicorn\.ts:/);
    expect(readFileSync(join(ROOT, hits[0]!.split(":")[0]!), "utf8")).toMatch(/mapHostMemory\(address: number, size: number, prot: Prot\): Uint8Array \{[^}]*uc_mem_map_ptr\(/);
  });
});
