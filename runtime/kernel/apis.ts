/**
 * Built-in ntoskrnl.exe and hal.dll exports (TypeScript over guest state), bound to drivers'
 * imports through the same built-in DLL/stub mechanism as kernel32. stdcall APIs pop their
 * arguments, DbgPrint is cdecl, the KfXxx, IofXxx and ObfXxx ones are fastcall (ECX, EDX; nothing on
 * the stack). APIs that call back into drivers (IofCallDriver, IofCompleteRequest) or run
 * DPCs write the thread's registers themselves and return "redirected".
 */
import { X86Reg } from "../engine/index.js";
import { INSTRUCTIONS_PER_MS, type ApiCall, type ApiDef, type ApiOutcome } from "../core/machine.js";
import type { GuestThread, Waitable } from "../core/thread.js";
import { IoManager } from "./io.js";
import type { KernelMachine } from "./kernel.js";
import { BUGCHECK, DEVICE_OBJECT, DISPATCHER_HEADER, DPC_TARGET_BASE, IRP, IRQL, KDPC, KDPC_SIZE, NTSTATUS } from "./layout.js";

type Impl = (c: ApiCall) => ApiOutcome;
const EXCEPTION_NONCONTINUABLE_FLAG = false;

/** A KEVENT (or any dispatcher object with a SignalState) in guest memory, as a machine Waitable. */
class DispatcherObject implements Waitable {
  readonly kind = "KEVENT";
  constructor(
    private readonly k: KernelMachine,
    readonly address: number,
  ) {}
  isSignaled(): boolean {
    return this.k.machine.memory.u32(this.address + DISPATCHER_HEADER.SignalState) !== 0;
  }
  acquire(): void {
    // SynchronizationEvent (type 1): a satisfied wait resets it.
    if (this.k.machine.memory.read(this.address, 1)[0] === 1) this.k.machine.memory.setU32(this.address + DISPATCHER_HEADER.SignalState, 0);
  }
  describe(): string {
    return `KEVENT at 0x${this.address.toString(16)}`;
  }
}

export function kernelApis(k: KernelMachine): ApiDef[] {
  const defs: ApiDef[] = [];
  const nt = (name: string, args: number, impl: Impl, conv: "stdcall" | "cdecl" = "stdcall") => defs.push({ dll: "ntoskrnl.exe", name, args, conv, impl });
  const hal = (name: string, args: number, impl: Impl) => defs.push({ dll: "hal.dll", name, args, conv: "stdcall", impl });
  const machine = () => k.machine;
  const mem = () => k.machine.memory;
  const io = () => k.io;
  const ecx = (c: ApiCall) => machine().reg(c.thread, X86Reg.ECX);
  const edx = (c: ApiCall) => machine().reg(c.thread, X86Reg.EDX);
  const esp = (c: ApiCall) => machine().reg(c.thread, X86Reg.ESP);
  const u8 = (a: number) => mem().read(a, 1)[0]!;

  /** Returns from the API now (pop = argument bytes the callee pops), then runs pending DPCs. */
  const returnThenDpcs = (c: ApiCall, pop: number, eax: number | undefined): ApiOutcome => {
    IoManager.returnTo(k, c.thread, esp(c), pop, eax);
    if (k.irql(k.currentCpu().index) < IRQL.DISPATCH && k.dpcsPending()) k.interruptWithDpcs(k.currentCpu(), c.thread);
    return { kind: "redirected" };
  };
  const lowerIrql = (c: ApiCall, value: number, pop: number, eax: number | undefined): ApiOutcome => {
    k.setIrql(k.currentCpu().index, value);
    return returnThenDpcs(c, pop, eax);
  };

  // ---- debug output and pool
  nt("DbgPrint", 1, (c) => (k.debugOutput(formatDbgPrint(k, esp(c) + 4)), 0), "cdecl");
  nt("ExAllocatePoolWithTag", 3, (c) => io().alloc(c.args[1]!));
  nt("ExAllocatePool", 2, (c) => io().alloc(c.args[1]!));
  nt("ExFreePoolWithTag", 2, (c) => (k.pool.freeBlock(c.args[0]!), 0));
  nt("ExFreePool", 1, (c) => (k.pool.freeBlock(c.args[0]!), 0));
  nt("RtlInitUnicodeString", 2, (c) => {
    const [dst, src] = c.args as [number, number];
    const n = src === 0 ? 0 : mem().wstring(src).length * 2;
    mem().write(dst, new Uint8Array([n & 0xff, n >> 8, (n + (src === 0 ? 0 : 2)) & 0xff, (n + (src === 0 ? 0 : 2)) >> 8]));
    mem().setU32(dst + 4, src);
    return 0;
  });

  // ---- exceptions and bug checks
  nt("ExRaiseStatus", 1, (c) => ({ kind: "raise", fault: { code: c.args[0]!, address: c.returnAddress, parameters: [] }, continuable: EXCEPTION_NONCONTINUABLE_FLAG }));
  nt("RtlRaiseException", 1, (c) => k.seh.rtlRaiseException(c));
  nt("RtlUnwind", 4, (c) => k.seh.rtlUnwind(c));
  nt("KeBugCheckEx", 5, (c) => {
    k.raiseBugCheck(c.thread, c.args[0]!, c.args.slice(1), c.returnAddress);
    return { kind: "redirected" };
  });
  nt("KeBugCheck", 1, (c) => {
    k.raiseBugCheck(c.thread, c.args[0]!, [], c.returnAddress);
    return { kind: "redirected" };
  });

  // ---- devices and drivers
  nt("IoCreateDevice", 7, (c) => {
    const [driver, extSize, name, type, chars, , out] = c.args as [number, number, number, number, number, number, number];
    const r = io().createDevice(driver, extSize, name, type, chars);
    if (out !== 0) mem().setU32(out, r.device);
    return r.status;
  });
  nt("IoDeleteDevice", 1, (c) => (io().deleteDevice(c.args[0]!), 0));
  nt("IoAttachDeviceToDeviceStack", 2, (c) => io().attach(c.args[0]!, c.args[1]!));
  nt("IoDetachDevice", 1, (c) => (io().detach(c.args[0]!), 0));
  nt("IoGetAttachedDeviceReference", 1, (c) => io().topOf(c.args[0]!));
  nt("IoGetAttachedDevice", 1, (c) => io().topOf(c.args[0]!));
  nt("IoGetDeviceObjectPointer", 4, (c) => {
    const [name, , fileOut, devOut] = c.args as [number, number, number, number];
    const dev = io().deviceByName(io().readUnicodeString(name));
    if (dev === undefined) return NTSTATUS.OBJECT_NAME_NOT_FOUND;
    if (fileOut !== 0) mem().setU32(fileOut, io().fileObject(dev));
    if (devOut !== 0) mem().setU32(devOut, io().topOf(dev));
    return NTSTATUS.SUCCESS;
  });
  nt("ObfDereferenceObject", 0, () => 0);
  nt("ObfReferenceObject", 0, () => 0);
  nt("ObDereferenceObject", 1, () => 0);

  // ---- IRPs
  /** Calls the next driver's dispatch routine: `stackArgs` says where (dev, irp) already are. */
  const callDriver = (c: ApiCall, dev: number, irp: number, fastcall: boolean): ApiOutcome => {
    const fn = io().callDriverTarget(dev, irp);
    if (fn === undefined) {
      k.raiseBugCheck(c.thread, BUGCHECK.NO_MORE_IRP_STACK_LOCATIONS, [irp, 0, 0, 0], c.returnAddress);
      return { kind: "redirected" };
    }
    const t = c.thread;
    if (fastcall) {
      // [ret] → [ret][dev][irp]: the dispatch routine (stdcall, 2 args) returns straight to
      // IofCallDriver's caller with ESP as IofCallDriver's own return would leave it.
      const sp = esp(c);
      const ret = mem().u32(sp);
      const nsp = sp - 8;
      mem().setU32(nsp, ret);
      mem().setU32(nsp + 4, dev);
      mem().setU32(nsp + 8, irp);
      machine().setReg(t, X86Reg.ESP, nsp);
    }
    machine().setReg(t, X86Reg.EIP, fn);
    return { kind: "redirected" };
  };
  nt("IofCallDriver", 0, (c) => callDriver(c, ecx(c), edx(c), true));
  nt("IoCallDriver", 2, (c) => callDriver(c, c.args[0]!, c.args[1]!, false));
  const completeRequest = (c: ApiCall, irp: number, pop: number): ApiOutcome => {
    const sp = esp(c);
    io().completeRequest(c.thread, irp, () => IoManager.returnTo(k, c.thread, sp, pop, undefined));
    return { kind: "redirected" };
  };
  nt("IofCompleteRequest", 0, (c) => completeRequest(c, ecx(c), 0));
  nt("IoCompleteRequest", 2, (c) => completeRequest(c, c.args[0]!, 8));
  nt("IoAllocateIrp", 2, (c) => io().allocateIrp(c.args[0]! & 0xff));
  nt("IoFreeIrp", 1, (c) => (io().freeIrp(c.args[0]!), 0));
  nt("IoBuildDeviceIoControlRequest", 9, (c) => {
    const [code, dev, input, inLen, output, outLen, internal, event, iosb] = c.args as number[] as [number, number, number, number, number, number, number, number, number];
    const irp = io().buildRequest(dev, internal & 0xff ? 0x0f : 0x0e, code, input, inLen, outLen, "built", output, c.thread);
    mem().setU32(irp + IRP.UserEvent, event);
    mem().setU32(irp + IRP.UserIosb, iosb);
    return irp;
  });

  // ---- IRQL, spin locks, DPCs
  hal("KeGetCurrentIrql", 0, () => k.irql(k.currentCpu().index));
  nt("KeGetCurrentIrql", 0, () => k.irql(k.currentCpu().index));
  hal("KfRaiseIrql", 0, (c) => {
    const cpu = k.currentCpu().index;
    const old = k.irql(cpu);
    k.setIrql(cpu, ecx(c) & 0xff);
    return old;
  });
  hal("KfLowerIrql", 0, (c) => lowerIrql(c, ecx(c) & 0xff, 0, undefined));
  nt("KeRaiseIrqlToDpcLevel", 0, () => {
    const cpu = k.currentCpu().index;
    const old = k.irql(cpu);
    k.setIrql(cpu, IRQL.DISPATCH);
    return old;
  });
  nt("KeInitializeSpinLock", 1, (c) => (mem().setU32(c.args[0]!, 0), 0));
  hal("KfAcquireSpinLock", 0, (c) => {
    const cpu = k.currentCpu().index;
    const old = k.irql(cpu);
    k.setIrql(cpu, IRQL.DISPATCH);
    mem().setU32(ecx(c), c.thread.key | 1);
    return old;
  });
  hal("KfReleaseSpinLock", 0, (c) => {
    mem().setU32(ecx(c), 0);
    return lowerIrql(c, edx(c) & 0xff, 0, undefined);
  });
  nt("KeInitializeDpc", 3, (c) => {
    const [dpc, routine, context] = c.args as [number, number, number];
    mem().write(dpc, new Uint8Array(KDPC_SIZE));
    mem().write(dpc + KDPC.Type, new Uint8Array([0x13, 1 /* MediumImportance */]));
    mem().setU32(dpc + KDPC.DeferredRoutine, routine);
    mem().setU32(dpc + KDPC.DeferredContext, context);
    return 0;
  });
  nt("KeSetTargetProcessorDpc", 2, (c) => {
    const n = DPC_TARGET_BASE + (c.args[1]! & 0xff);
    mem().write(c.args[0]! + KDPC.Number, new Uint8Array([n & 0xff, n >> 8]));
    return 0;
  });
  // Inserting below DISPATCH_LEVEL requests the DISPATCH interrupt, delivered as the IRQL
  // comes back down: the DPC runs before KeInsertQueueDpc returns.
  nt("KeInsertQueueDpc", 3, (c) => {
    const queued = k.queueDpc(c.args[0]!, c.args[1]!, c.args[2]!);
    return returnThenDpcs(c, 12, queued ? 1 : 0);
  });
  nt("KeRemoveQueueDpc", 1, (c) => {
    const dpc = c.args[0]!;
    for (const cpu of k.cpus) {
      const i = cpu.dpcQueue.indexOf(dpc);
      if (i >= 0) {
        cpu.dpcQueue.splice(i, 1);
        mem().setU32(dpc + KDPC.DpcData, 0);
        return 1;
      }
    }
    return 0;
  });
  nt("KeNumberProcessors", 0, () => ({ kind: "fail", message: "KeNumberProcessors is data, not code" }));
  nt("KeGetCurrentProcessorNumber", 0, () => k.currentCpu().index);

  // ---- threads and waits
  nt("KeGetCurrentThread", 0, (c) => c.thread.key);
  nt("PsGetCurrentThread", 0, (c) => c.thread.key);
  nt("PsGetCurrentThreadId", 0, (c) => c.thread.cid.thread);
  nt("PsGetCurrentProcessId", 0, (c) => c.thread.cid.process);
  nt("PsCreateSystemThread", 7, (c) => {
    const [handleOut, , , , cidOut, start, context] = c.args as [number, number, number, number, number, number, number];
    const t = k.createThread(start, context);
    const h = k.addHandle(t);
    if (handleOut !== 0) mem().setU32(handleOut, h);
    if (cidOut !== 0) {
      mem().setU32(cidOut, t.cid.process);
      mem().setU32(cidOut + 4, t.cid.thread);
    }
    return NTSTATUS.SUCCESS;
  });
  nt("PsTerminateSystemThread", 1, (c) => ({ kind: "exitThread", code: c.args[0]! }));
  nt("ZwClose", 1, (c) => (k.handles.delete(c.args[0]!) ? 0 : 0xc0000008 /* STATUS_INVALID_HANDLE */));
  nt("NtClose", 1, (c) => (k.handles.delete(c.args[0]!) ? 0 : 0xc0000008));
  nt("KeInitializeEvent", 3, (c) => {
    const [ev, type, state] = c.args as [number, number, number];
    mem().write(ev, new Uint8Array([type & 0xff, 0, 4, 0]));
    mem().setU32(ev + DISPATCHER_HEADER.SignalState, state & 0xff ? 1 : 0);
    mem().setU32(ev + DISPATCHER_HEADER.WaitListHead, ev + DISPATCHER_HEADER.WaitListHead);
    mem().setU32(ev + DISPATCHER_HEADER.WaitListHead + 4, ev + DISPATCHER_HEADER.WaitListHead);
    return 0;
  });
  nt("KeSetEvent", 3, (c) => {
    const ev = c.args[0]!;
    const old = mem().u32(ev + DISPATCHER_HEADER.SignalState);
    mem().setU32(ev + DISPATCHER_HEADER.SignalState, 1);
    machine().wakeWaiters();
    return old;
  });
  nt("KeResetEvent", 1, (c) => {
    const old = mem().u32(c.args[0]! + DISPATCHER_HEADER.SignalState);
    mem().setU32(c.args[0]! + DISPATCHER_HEADER.SignalState, 0);
    return old;
  });
  nt("KeClearEvent", 1, (c) => (mem().setU32(c.args[0]! + DISPATCHER_HEADER.SignalState, 0), 0));
  nt("KeReadStateEvent", 1, (c) => mem().u32(c.args[0]! + DISPATCHER_HEADER.SignalState));
  nt("KeWaitForSingleObject", 5, (c) => {
    const [object, , , , timeoutPtr] = c.args as [number, number, number, number, number];
    const target = k.handleObject(object) ?? new DispatcherObject(k, object);
    if (target.isSignaled(c.thread)) {
      target.acquire(c.thread);
      return NTSTATUS.SUCCESS;
    }
    let deadline: number | undefined;
    if (timeoutPtr !== 0) {
      const lo = mem().u32(timeoutPtr);
      const hi = mem().u32(timeoutPtr + 4) | 0;
      const v = hi * 0x100000000 + lo; // 100 ns units; negative = relative
      const ms = v < 0 ? -v / 10_000 : 0;
      if (ms === 0) return NTSTATUS.TIMEOUT;
      deadline = machine().clock() + Math.ceil(ms * INSTRUCTIONS_PER_MS);
    }
    if (k.irql(k.currentCpu().index) >= IRQL.DISPATCH) {
      k.raiseBugCheck(c.thread, BUGCHECK.IRQL_NOT_LESS_OR_EQUAL, [object, k.irql(k.currentCpu().index), 0, c.returnAddress], c.returnAddress);
      return { kind: "redirected" };
    }
    return { kind: "block", wait: { objects: [target], all: false, deadline, timeoutValue: NTSTATUS.TIMEOUT, reason: `KeWaitForSingleObject(${target.describe()})` } };
  });
  nt("KeDelayExecutionThread", 3, (c) => {
    const p = c.args[2]!;
    const v = p === 0 ? 0 : (mem().u32(p + 4) | 0) * 0x100000000 + mem().u32(p);
    const ms = v < 0 ? -v / 10_000 : 0;
    return { kind: "block", wait: { objects: [], all: false, deadline: machine().clock() + Math.max(1, Math.ceil(ms * INSTRUCTIONS_PER_MS)), timeoutValue: NTSTATUS.SUCCESS, reason: "KeDelayExecutionThread" } };
  });
  void DEVICE_OBJECT;
  void u8;
  return defs;
}

/** A waitable for a thread handle (signalled when the thread ended). */
export class ThreadWaitable implements Waitable {
  readonly kind = "thread";
  constructor(readonly thread: GuestThread) {}
  isSignaled(): boolean {
    return this.thread.state === "terminated";
  }
  acquire(): void {}
  describe(): string {
    return `thread 0x${this.thread.key.toString(16)}`;
  }
}

/**
 * Characters one DbgPrint call transmits: Windows sends at most 512 bytes of a message (the
 * rest is lost), so no width, precision or argument a driver passes makes the host build more.
 */
export const DBGPRINT_MAX = 512;

/**
 * DbgPrint's formatting (the kernel's printf subset): %d %i %u %x %X %o %c %s %S %ws %p %Z
 * %wZ %%, with flags (- 0 + space #), width, precision and the h/l/ll/I64 size prefixes.
 * `argp` points at the format argument. At most DBGPRINT_MAX characters: widths, precisions
 * and strings are bounded by it, and conversions past it are not formatted.
 */
export function formatDbgPrint(k: KernelMachine, argp: number): string {
  const m = k.machine.memory;
  const format = m.cstring(m.u32(argp));
  let next = argp + 4;
  const arg = () => {
    const v = m.u32(next);
    next += 4;
    return v;
  };
  const bounded = (n: number) => Math.min(Math.max(n, 0), DBGPRINT_MAX);
  let produced = 0; // characters produced so far (literal text counted at each conversion)
  let consumed = 0; // where in the format the last conversion ended
  const text = format.replace(/%([-+ 0#]*)(\d+|\*)?(?:\.(\d+|\*))?(hh|h|ll|l|w|I64|I32)?([diuxXocsSpZ%])/g, (all: string, flags: string, w: string | undefined, prec: string | undefined, size: string | undefined, conv: string, at: number) => {
    produced += at - consumed;
    consumed = at + all.length;
    if (produced >= DBGPRINT_MAX) return "";
    const out = convert(flags, w, prec, size, conv);
    produced += out.length;
    return out;
  });
  return text.slice(0, DBGPRINT_MAX);

  function convert(flags: string, w: string | undefined, prec: string | undefined, size: string | undefined, conv: string): string {
    if (conv === "%") return "%";
    const width = bounded(w === "*" ? arg() | 0 : w !== undefined ? Number(w) : 0);
    const precision = prec === "*" ? bounded(arg() | 0) : prec !== undefined ? bounded(Number(prec)) : undefined;
    let text: string;
    switch (conv) {
      case "d":
      case "i": {
        const wide = size === "ll" || size === "I64";
        const lo = arg();
        // 64-bit values as BigInt: a double loses them (and their sign) past 2^53.
        const v = wide ? BigInt.asIntN(64, (BigInt(arg()) << 32n) | BigInt(lo)) : BigInt(lo | 0);
        text = v.toString();
        if (flags.includes("+") && v >= 0n) text = `+${text}`;
        break;
      }
      case "u":
      case "x":
      case "X":
      case "o": {
        const wide = size === "ll" || size === "I64";
        const lo = arg();
        const v = wide ? BigInt(arg()) * 0x100000000n + BigInt(lo) : BigInt(lo);
        text = v.toString(conv === "u" ? 10 : conv === "o" ? 8 : 16);
        if (conv === "X") text = text.toUpperCase();
        if (flags.includes("#") && conv !== "u" && v !== 0n) text = (conv === "o" ? "0" : conv === "X" ? "0X" : "0x") + text;
        break;
      }
      case "p":
        text = arg().toString(16).toUpperCase().padStart(8, "0");
        break;
      case "c":
        text = String.fromCharCode(arg() & (size === "w" || size === "l" ? 0xffff : 0xff));
        break;
      case "s":
      case "S": {
        const a = arg();
        const wide = conv === "S" ? size !== "h" : size === "w" || size === "l";
        text = a === 0 ? "(null)" : wide ? m.wstring(a, DBGPRINT_MAX) : m.cstring(a, DBGPRINT_MAX);
        if (precision !== undefined) text = text.slice(0, precision);
        break;
      }
      case "Z": {
        const a = arg();
        text = a === 0 ? "(null)" : size === "w" ? k.io.readUnicodeString(a) : ansiString(k, a);
        break;
      }
      default:
        text = "";
    }
    if (text.length < width) text = flags.includes("-") ? text.padEnd(width) : flags.includes("0") && conv !== "s" && conv !== "S" && conv !== "c" ? zeroPad(text, width) : text.padStart(width);
    return text;
  }
}

function zeroPad(text: string, width: number): string {
  const sign = text.startsWith("-") || text.startsWith("+") ? text[0]! : "";
  return sign + text.slice(sign.length).padStart(width - sign.length, "0");
}

function ansiString(k: KernelMachine, a: number): string {
  const m = k.machine.memory;
  const len = m.read(a, 2);
  const n = len[0]! | (len[1]! << 8);
  const buf = m.u32(a + 4);
  return buf === 0 ? "" : new TextDecoder("latin1").decode(m.read(buf, n));
}
