/**
 * The kernel personality: per-CPU KPCR/KPRCB (fs = selector 0x30 = the CPU's KPCR), an idle
 * thread per CPU (own KTHREAD, CID 0:0, bound to its CPU), system threads with KTHREAD/ETHREAD
 * objects, IRQL per CPU, per-CPU DPC queues run on the CPU's DPC stack, kernel-mode SEH
 * (KPCR.NtTib.ExceptionList) and bug checks: the Personality of a machine core running at
 * CPL 0. See README.md.
 */
import { hex } from "../../base/index.js";
import { X86Reg } from "../engine/index.js";
import { GuestError } from "../core/errors.js";
import { descriptor, GDT_BASE, Selector } from "../core/gdt.js";
import { STUB } from "../core/layout.js";
import { DEFAULT_DEBUG_OUTPUT_CAP, Machine, type Cpu, type FaultInfo } from "../core/machine.js";
import { PAGE } from "../core/memory.js";
import type { Personality } from "../core/personality.js";
import { CONTEXT_REGS, type GuestThread, type Waitable } from "../core/thread.js";
import type { ClientId, LoadedModule, MachineOptions } from "../core/types.js";
import { BuiltinDlls } from "./builtins.js";
import { GuestHeap } from "./heap.js";
import { Loader } from "./loader.js";
import { installSeh, type SehDispatcher } from "./seh.js";
import { kernelApis, ThreadWaitable } from "./apis.js";
import { IoManager } from "./io.js";
import {
  BUGCHECK,
  IRQL,
  KDPC,
  KERNEL_STACK_SIZE,
  KERNEL_THREAD_REGION,
  KERNEL_THREAD_REGION_SIZE,
  KPCR,
  KPCR_REGION,
  KPCR_STRIDE,
  KPRCB,
  KTHREAD_EXTRA,
  KTHREAD_OBJECT_SIZE,
} from "./layout.js";

/** The System process id and the first system thread id (multiples of 4, like Windows). */
export const SYSTEM_PROCESS_ID = 4;
const FIRST_SYSTEM_THREAD_ID = 8;
const END_OF_CHAIN = 0xffffffff;
/** A kernel thread's start routine returns here: the thread ends (PspSystemThreadStartup). */
const STUB_THREAD_EXIT = STUB.THREAD_EXIT;

export interface KernelCpu {
  readonly index: number;
  readonly kpcr: number;
  readonly idle: GuestThread;
  /** DPC stack: [limit, base) — ESP starts at base. */
  readonly dpcStackLimit: number;
  readonly dpcStackBase: number;
  /** KDPC addresses queued on this CPU, in order. */
  readonly dpcQueue: number[];
  /** DPCs are being run on this CPU right now. */
  dpcActive: boolean;
}

export interface BugCheck {
  readonly code: number;
  readonly parameters: readonly [number, number, number, number];
  /** Thread and address of the caller (KeBugCheckEx's return address or the fault). */
  readonly thread: string;
  readonly address: string;
}

export class KernelMachine implements Personality {
  readonly name = "kernel";
  readonly machine: Machine;
  readonly builtins: BuiltinDlls;
  readonly loader: Loader;
  readonly pool: GuestHeap;
  readonly seh: SehDispatcher;
  readonly io: IoManager;
  readonly cpus: KernelCpu[] = [];
  bugCheck: BugCheck | undefined;
  /** KPCR.NtTib.ExceptionList of threads that are not on a CPU right now. */
  private readonly savedExceptionList = new Map<GuestThread, number>();
  private nextKthread = KERNEL_THREAD_REGION;
  private nextThreadId = FIRST_SYSTEM_THREAD_ID;
  /** Thread handles handed out by PsCreateSystemThread. */
  readonly handles = new Map<number, GuestThread>();
  private nextHandle = 0x80000004;
  private readonly idleStub: number;

  /** Most characters of DbgPrint output the run keeps (`maxDebugOutput`). */
  readonly debugCap: number;
  private debugKept = 0;
  /** DbgPrint messages past the cap: counted, not kept. */
  readonly debugDropped = { messages: 0, cut: 0, characters: 0 };

  constructor(options: MachineOptions & { readonly allowMissingImports?: boolean; readonly maxDebugOutput?: number } = {}) {
    const machine = new Machine(options, "kernel");
    this.debugCap = options.maxDebugOutput ?? DEFAULT_DEBUG_OUTPUT_CAP;
    machine.setPersonality(this);
    this.machine = machine;
    const m = machine.memory;
    m.mapAt(KERNEL_THREAD_REGION, KERNEL_THREAD_REGION_SIZE, 3, "kernel KTHREAD objects");
    m.mapAt(KPCR_REGION, KPCR_STRIDE * machine.cpus.length, 3, "KPCR/KPRCB per CPU");

    // DPC stacks first: they get the lowest addresses, below every thread stack (a tracer
    // that cuts frames by ESP then never mistakes a DPC frame for a return into older frames).
    const dpcStacks = machine.cpus.map((c) => this.allocateStack(`DPC stack of CPU ${c.index}`));

    this.pool = new GuestHeap(machine);
    this.io = new IoManager(this);
    this.builtins = new BuiltinDlls(machine, kernelApis(this), { "ntkrnlpa.exe": "ntoskrnl.exe", "ntkrnlmp.exe": "ntoskrnl.exe", "ntkrpamp.exe": "ntoskrnl.exe", "halmacpi.dll": "hal.dll", "halaacpi.dll": "hal.dll" });
    this.loader = new Loader(machine, this.builtins, { searchPaths: [], allowMissingImports: options.allowMissingImports ?? false });
    // KeNumberProcessors is data (CCHAR): drivers read it through the IAT from the export's address.
    const ntos = this.builtins.module("ntoskrnl.exe")!;
    const knp = this.builtins.exportAddress(ntos, "KeNumberProcessors", undefined)!;
    machine.engine.writeMemory(knp, new Uint8Array([machine.cpus.length, 0, 0, 0]));

    this.seh = installSeh(machine, {
      getHead: (t) => (machine.isLive(t) ? m.u32(this.liveKpcr() + KPCR.ExceptionList) : this.savedExceptionList.get(t) ?? END_OF_CHAIN),
      setHead: (t, record) => (machine.isLive(t) ? m.setU32(this.liveKpcr() + KPCR.ExceptionList, record) : this.savedExceptionList.set(t, record >>> 0)),
      stackRange: (t) => this.stackRangeOf(t),
      selectors: { cs: Selector.R0_CODE, data: Selector.R0_DATA, fs: Selector.R0_PCR },
      // Kernel mode has no process to end: an exception nobody handles is a bug check.
      unhandled: (t: GuestThread, fault: FaultInfo) => this.raiseBugCheck(t, BUGCHECK.SYSTEM_THREAD_EXCEPTION_NOT_HANDLED, [fault.code, fault.address, 0, 0], fault.address),
    });

    // The idle loop: an idle thread with nothing (left) to do parks until DPCs arrive.
    this.idleStub = machine.addStub({
      dll: "ntoskrnl.exe",
      name: "KiIdleLoop",
      args: 0,
      conv: "stdcall",
      impl: (c) => {
        machine.parkHostThread(c.thread);
        return { kind: "redirected" };
      },
    });
    machine.cpus.forEach((_c, i) => {
      const kpcr = KPCR_REGION + KPCR_STRIDE * i;
      const idle = this.createThread(this.idleStub, 0, { cid: { process: 0, thread: 0 }, idle: true, cpu: i, parked: true });
      const stack = dpcStacks[i]!;
      const kc: KernelCpu = { index: i, kpcr, idle, dpcStackLimit: stack.limit, dpcStackBase: stack.base, dpcQueue: [], dpcActive: false };
      this.cpus.push(kc);
      m.setU32(kpcr + KPCR.ExceptionList, END_OF_CHAIN);
      m.setU32(kpcr + KPCR.SelfPcr, kpcr);
      m.setU32(kpcr + KPCR.Prcb, kpcr + KPCR.PrcbData);
      m.write(kpcr + KPCR.Irql, new Uint8Array([IRQL.PASSIVE]));
      m.write(kpcr + KPCR.MajorVersion, new Uint8Array([1, 0, 1, 0]));
      m.setU32(kpcr + KPCR.SetMember, (1 << i) >>> 0);
      m.write(kpcr + KPCR.Number, new Uint8Array([i]));
      const prcb = kpcr + KPCR.PrcbData;
      m.write(prcb + KPRCB.MinorVersion, new Uint8Array([1, 0, 1, 0]));
      m.setU32(prcb + KPRCB.CurrentThread, idle.key);
      m.setU32(prcb + KPRCB.IdleThread, idle.key);
      m.write(prcb + KPRCB.LegacyNumber, new Uint8Array([i]));
      m.setU32(prcb + KPRCB.SetMember, (1 << i) >>> 0);
      m.setU32(prcb + KPRCB.DpcStack, stack.base);
    });

    machine.observer.onMachineReady?.(machine);
    // The idle threads exist from boot: announce them after the tracer is ready.
    for (const c of this.cpus) machine.observer.onThreadStart?.(c.idle);
  }

  /** A driver's DbgPrint message (at most DBGPRINT_MAX characters already): kept up to the run's cap, counted past it. */
  debugOutput(text: string): void {
    if (this.debugKept >= this.debugCap) {
      this.debugDropped.messages++;
      this.debugDropped.characters += text.length;
      return;
    }
    const kept = text.slice(0, this.debugCap - this.debugKept);
    if (kept.length < text.length) {
      this.debugDropped.cut++;
      this.debugDropped.characters += text.length - kept.length;
    }
    this.debugKept += Math.max(1, kept.length);
    this.machine.output.push(kept);
  }

  // ---------------------------------------------------------------- threads

  private allocateStack(tag: string): { limit: number; base: number; region: number } {
    const r = this.machine.memory.allocate(KERNEL_STACK_SIZE + PAGE, 3, tag);
    this.machine.memory.protect(r.base, PAGE, 0); // guard page: overflow faults
    return { region: r.base, limit: r.base + PAGE, base: r.base + PAGE + KERNEL_STACK_SIZE };
  }

  /**
   * A kernel thread running `start(parameter)` (stdcall; returning ends the thread) on its own
   * 12 KiB stack, with a KTHREAD/ETHREAD object (its key). `parked`: host-driven (callGuest).
   */
  createThread(start: number, parameter: number, o: { cid?: ClientId; idle?: boolean; cpu?: number; parked?: boolean; announce?: boolean } = {}): GuestThread {
    const machine = this.machine;
    const m = machine.memory;
    if (this.nextKthread + KTHREAD_OBJECT_SIZE > KERNEL_THREAD_REGION + KERNEL_THREAD_REGION_SIZE) throw new GuestError("too many kernel threads");
    const key = this.nextKthread;
    this.nextKthread += KTHREAD_OBJECT_SIZE;
    const cid = o.cid ?? { process: SYSTEM_PROCESS_ID, thread: this.nextThreadId };
    if (o.cid === undefined) this.nextThreadId += 4;
    const stack = this.allocateStack(o.idle === true ? `idle thread stack of CPU ${o.cpu ?? 0}` : `kernel stack of thread ${hex(key)}`);
    m.write(key + KTHREAD_EXTRA.HeaderType, new Uint8Array([6, 0, 0x80 / 4, 0]));
    let esp = stack.base - 0x10;
    esp -= 4;
    m.setU32(esp, parameter);
    esp -= 4;
    m.setU32(esp, STUB_THREAD_EXIT);
    const t = machine.addThread({
      key,
      cid,
      teb: 0,
      stackBase: stack.base,
      stackLimit: stack.limit,
      stackRegion: stack.region,
      registers: { [X86Reg.ESP]: esp, [X86Reg.EBP]: 0, [X86Reg.EIP]: start },
      start: o.parked === true ? "parked" : "ready",
      ...(o.idle === true ? { idle: true } : {}),
      ...(o.cpu !== undefined ? { cpu: o.cpu } : {}),
      announce: o.announce !== false && o.idle !== true,
    });
    this.savedExceptionList.set(t, END_OF_CHAIN);
    return t;
  }

  /** A host-driven system thread (DriverEntry, IRPs, unload run on it through callGuest). */
  createHostThread(): GuestThread {
    const t = this.createThread(STUB_THREAD_EXIT, 0, { parked: true });
    t.set(X86Reg.ESP, t.stackBase - 0x10);
    return t;
  }

  /** A handle for a thread (PsCreateSystemThread); waiting on it waits for the thread's end. */
  addHandle(t: GuestThread): number {
    const h = this.nextHandle;
    this.nextHandle += 4;
    this.handles.set(h, t);
    return h;
  }

  /** The waitable behind a thread handle or a KTHREAD address, if `object` is one. */
  handleObject(object: number): Waitable | undefined {
    const t = this.handles.get(object) ?? this.machine.threads.find((x) => x.key === object);
    return t !== undefined ? new ThreadWaitable(t) : undefined;
  }

  // ---------------------------------------------------------------- CPUs, IRQL

  private liveKpcr(): number {
    const c = this.machine.currentCpu();
    return this.cpus[c?.index ?? 0]!.kpcr;
  }

  /** The kernel CPU the calling (live) thread runs on. */
  currentCpu(): KernelCpu {
    return this.cpus[this.machine.currentCpu()?.index ?? 0]!;
  }

  irql(cpu: number): number {
    return this.machine.memory.read(this.cpus[cpu]!.kpcr + KPCR.Irql, 1)[0]!;
  }

  setIrql(cpu: number, value: number): void {
    this.machine.memory.write(this.cpus[cpu]!.kpcr + KPCR.Irql, new Uint8Array([value & 0xff]));
  }

  // ---------------------------------------------------------------- Personality

  deliverException(t: GuestThread, fault: FaultInfo): void {
    this.seh.dispatch(t, fault, fault.noncontinuable !== true);
  }

  /** Idle threads belong to their CPU. */
  canRunOn(t: GuestThread, cpu: Cpu): boolean {
    return t.cpu === undefined || t.cpu === cpu.index;
  }

  /** A thread at IRQL >= DISPATCH_LEVEL is not preempted. */
  preemptable(t: GuestThread): boolean {
    const c = this.machine.cpus.find((x) => x.thread === t);
    return c === undefined || this.irql(c.index) < IRQL.DISPATCH;
  }

  beforeSlice(cpu: Cpu, t: GuestThread): void {
    const kc = this.cpus[cpu.index]!;
    const m = this.machine.memory;
    // fs = this CPU's KPCR (the descriptor covers the KPCR and the embedded KPRCB).
    this.machine.engine.writeMemory(GDT_BASE + (Selector.R0_PCR & ~7), descriptor(kc.kpcr, KPCR_STRIDE - 1, 0x92));
    this.machine.engine.writeRegister(X86Reg.FS, Selector.R0_PCR);
    m.setU32(kc.kpcr + KPCR.PrcbData + KPRCB.CurrentThread, t.key);
    m.setU32(kc.kpcr + KPCR.ExceptionList, this.savedExceptionList.get(t) ?? END_OF_CHAIN);
    m.setU32(kc.kpcr + KPCR.StackBase, t.stackBase);
    m.setU32(kc.kpcr + KPCR.StackLimit, t.stackLimit);
    // A scheduling point: DPCs queued for this CPU (e.g. targeted from another CPU) interrupt
    // the thread about to run, if the CPU is below DISPATCH_LEVEL.
    if (kc.dpcQueue.length > 0 && !kc.dpcActive && this.irql(cpu.index) < IRQL.DISPATCH) this.interruptWithDpcs(kc, t);
  }

  afterSlice(cpu: Cpu, t: GuestThread): void {
    const kc = this.cpus[cpu.index]!;
    this.savedExceptionList.set(t, this.machine.memory.u32(kc.kpcr + KPCR.ExceptionList));
  }

  // ---------------------------------------------------------------- DPCs

  /** KeInsertQueueDpc: queue on the DPC's target CPU (or the current one). False if queued already. */
  queueDpc(dpc: number, arg1: number, arg2: number): boolean {
    const m = this.machine.memory;
    if (m.u32(dpc + KDPC.DpcData) !== 0) return false;
    const number = m.read(dpc + KDPC.Number, 2);
    const target = number[0]! | (number[1]! << 8);
    const cpu = target >= 32 && target - 32 < this.cpus.length ? this.cpus[target - 32]! : this.currentCpu();
    m.setU32(dpc + KDPC.SystemArgument1, arg1);
    m.setU32(dpc + KDPC.SystemArgument2, arg2);
    m.setU32(dpc + KDPC.DpcData, cpu.kpcr + KPCR.PrcbData + KPRCB.DpcStack); // "inserted": non-zero
    cpu.dpcQueue.push(dpc);
    // A CPU running nothing wakes its idle thread, which runs the DPC (as KiIdleLoop does).
    const mc = this.machine.cpus[cpu.index]!;
    if (cpu !== this.currentCpu() && (mc.thread === undefined || mc.thread === cpu.idle) && cpu.idle.state === "blocked") this.machine.makeReady(cpu.idle);
    return true;
  }

  /** True when the current CPU has DPCs to run and may run them now. */
  dpcsPending(): boolean {
    const kc = this.currentCpu();
    return kc.dpcQueue.length > 0 && !kc.dpcActive;
  }

  /**
   * Runs the CPU's queued DPCs on `t` as an interrupt would: the thread's registers are kept,
   * ESP moves to the CPU's DPC stack, each DeferredRoutine(Dpc, Context, Arg1, Arg2) is called
   * at DISPATCH_LEVEL, then ESP and every register go back. fs:[0x124] stays `t`: a stack
   * switch without a thread switch. Works on a live thread (from an API hook, after the API's
   * return was written) and on a stopped one (slice start).
   */
  interruptWithDpcs(kc: KernelCpu, t: GuestThread): void {
    const machine = this.machine;
    const m = machine.memory;
    const saved = CONTEXT_REGS.map((r) => machine.reg(t, r));
    const oldIrql = this.irql(kc.index);
    kc.dpcActive = true;
    this.setIrql(kc.index, IRQL.DISPATCH);
    m.write(kc.kpcr + KPCR.PrcbData + KPRCB.DpcRoutineActive, new Uint8Array([1]));
    machine.setReg(t, X86Reg.ESP, kc.dpcStackBase);
    const step = (): void => {
      const dpc = kc.dpcQueue.shift();
      if (dpc === undefined) {
        m.write(kc.kpcr + KPCR.PrcbData + KPRCB.DpcRoutineActive, new Uint8Array([0]));
        this.setIrql(kc.index, oldIrql);
        kc.dpcActive = false;
        CONTEXT_REGS.forEach((r, i) => machine.setReg(t, r, saved[i]!));
        return;
      }
      const routine = m.u32(dpc + KDPC.DeferredRoutine);
      const args = [dpc, m.u32(dpc + KDPC.DeferredContext), m.u32(dpc + KDPC.SystemArgument1), m.u32(dpc + KDPC.SystemArgument2)];
      m.setU32(dpc + KDPC.DpcData, 0); // dequeued: may be queued again from its routine
      machine.setReg(t, X86Reg.ESP, kc.dpcStackBase);
      machine.callGuest(t, routine, args, () => step());
    };
    step();
  }

  /** [limit, base) of the stack `t` is on now: its own, or a DPC stack. */
  stackRangeOf(t: GuestThread): readonly [number, number] {
    const esp = this.machine.reg(t, X86Reg.ESP);
    for (const c of this.cpus) if (esp >= c.dpcStackLimit && esp <= c.dpcStackBase) return [c.dpcStackLimit, c.dpcStackBase];
    return [t.stackLimit, t.stackBase];
  }

  // ---------------------------------------------------------------- bug checks

  /** Ends the run like KeBugCheckEx: every thread stops; the report is in `bugCheck`. */
  raiseBugCheck(t: GuestThread, code: number, p: readonly number[], address: number): void {
    if (this.bugCheck !== undefined) return;
    const parameters = [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, p[3] ?? 0].map((v) => v >>> 0) as [number, number, number, number];
    this.bugCheck = { code: code >>> 0, parameters, thread: hex(t.key), address: this.machine.describeAddress(address) };
    const h8 = (v: number) => `0x${(v >>> 0).toString(16).toUpperCase().padStart(8, "0")}`;
    const message = `bug check ${h8(code)} (${parameters.map(h8).join(", ")}) in thread ${hex(t.key)} at ${this.machine.describeAddress(address)}`;
    this.machine.leaveSlice(t, () => this.machine.exitProcess(code, message));
  }

  loadDriverImage(path: string): LoadedModule {
    return this.loader.loadFile(path);
  }

  close(): void {
    this.machine.close();
  }
}
