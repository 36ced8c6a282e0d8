/**
 * Threads and the process: creating threads as NtCreateThreadEx does (TEB, stack, initial
 * context, LdrInitializeThunk), suspending, resuming, terminating; thread contexts
 * (NtGetContextThread, NtSetContextThread, NtContinue); raising exceptions (NtRaiseException);
 * ending the process. Every thread keeps its KTHREAD object: the machine keys it by that.
 */
import { X86Reg } from "../../engine/index.js";
import type { ApiOutcome } from "../../core/machine.js";
import type { GuestThread } from "../../core/thread.js";
import { applyContext, captureContext } from "../context.js";
import { CONTEXT, EXCEPTION_RECORD } from "../layout.js";
import { CURRENT_PROCESS, CURRENT_THREAD, ProcessObject, ThreadObject } from "../objects.js";
import { objectOf, putHandle } from "./common.js";
import { Status, type SyscallCall, type SyscallTable } from "./types.js";

const THREAD_CREATE_FLAGS_CREATE_SUSPENDED = 1;
const PS_ATTRIBUTE_CLIENT_ID = 0x10003;
const PS_ATTRIBUTE_TEB_ADDRESS = 0x10004;
/** STATUS_TOO_MANY_THREADS: the run's thread limit (MachineOptions.maxThreads, --max-threads) is reached. */
const STATUS_TOO_MANY_THREADS = 0xc0000129;

/** The thread a handle names (the pseudo-handle of the current thread included). */
function threadOf(c: SyscallCall, handle: number): GuestThread | number {
  const o = objectOf(c, handle, ThreadObject);
  return typeof o === "number" ? o : o.thread;
}

function createThreadEx(c: SyscallCall): number {
  const [pHandle, access, , process, start, param, flags, , , stackReserve, pAttrList] = c.args as number[] as [number, number, number, number, number, number, number, number, number, number, number];
  const p = c.process;
  if (process >>> 0 !== CURRENT_PROCESS && !(p.handles.get(process) instanceof ProcessObject)) return Status.INVALID_HANDLE;
  // Every thread keeps its KTHREAD key for the run (a trace names each thread once): past the
  // limit, creation fails the way Windows fails it for a process out of thread resources.
  if (p.machine.threadsLeft() <= 0) return STATUS_TOO_MANY_THREADS;
  p.guest.probe(pHandle, 4, true);
  const t = p.createThread(start, param, { suspended: (flags & THREAD_CREATE_FLAGS_CREATE_SUSPENDED) !== 0, stackReserve });
  if (t === undefined) return Status.NO_MEMORY; // no address space left for its stack or TEB
  const status = putHandle(c, pHandle, p.threads.get(t)!.object, access === 0 ? 0x1fffff : access);
  if (status !== undefined) return status;
  if (pAttrList !== 0) {
    const g = p.guest;
    const total = g.u32(pAttrList);
    for (let at = pAttrList + 4; at + 16 <= pAttrList + Math.min(total, 0x1000); at += 16) {
      const attribute = g.u32(at);
      const value = g.u32(at + 8);
      if (attribute === PS_ATTRIBUTE_CLIENT_ID) {
        g.setU32(value, t.cid.process);
        g.setU32(value + 4, t.cid.thread);
      } else if (attribute === PS_ATTRIBUTE_TEB_ADDRESS) g.setU32(value, t.teb);
    }
  }
  return Status.SUCCESS;
}

function terminateThread(c: SyscallCall): ApiOutcome {
  const [handle, status] = c.args as [number, number];
  const t = handle === 0 ? c.thread : threadOf(c, handle);
  if (typeof t === "number") return t;
  const p = c.process;
  const alive = [...p.threads.keys()].filter((x) => x.state !== "terminated");
  if (t === c.thread) {
    if (alive.length <= 1) return endProcess(c, status);
    return { kind: "exitThread", code: status };
  }
  p.machine.terminateThread(t, status);
  return Status.SUCCESS;
}

/** The process ends with `status` (every thread stops); an exception nobody handled is reported. */
export function endProcess(c: SyscallCall, status: number): ApiOutcome {
  const p = c.process;
  p.exitStatus = status >>> 0;
  p.processObject.exited = true;
  const unhandled = p.unhandled.get(c.thread);
  if (unhandled !== undefined && unhandled.code >>> 0 === status >>> 0) {
    const message = p.describeUnhandled(c.thread, unhandled);
    p.machine.failure ??= message;
    c.thread.error ??= message;
  }
  return { kind: "exitProcess", code: status };
}

function terminateProcess(c: SyscallCall): ApiOutcome {
  const [handle, status] = c.args as [number, number];
  const p = c.process;
  if (handle === 0) {
    // Wine's RtlExitUserProcess first ends every other thread, then detaches the DLLs.
    for (const t of p.threads.keys()) if (t !== c.thread && t.state !== "terminated") p.machine.terminateThread(t, status);
    return Status.SUCCESS;
  }
  const o = p.object(handle, c.thread);
  if (o !== p.processObject) return o === undefined ? Status.INVALID_HANDLE : Status.OBJECT_TYPE_MISMATCH;
  return endProcess(c, status);
}

function resumeSuspend(c: SyscallCall, resume: boolean): number {
  const [handle, pPrevious] = c.args as [number, number];
  const t = threadOf(c, handle);
  if (typeof t === "number") return t;
  if (t.state === "terminated") return Status.THREAD_IS_TERMINATING;
  const previous = resume ? c.process.machine.resume(t) : c.process.machine.suspend(t);
  c.process.guest.optU32(pPrevious, previous);
  return Status.SUCCESS;
}

/** Applies a CONTEXT to the calling thread and continues there (NtContinue, NtSetContextThread on itself). */
function continueWith(c: SyscallCall, pContext: number): ApiOutcome {
  const p = c.process;
  const ctx = p.guest.read(pContext, CONTEXT.SIZE);
  applyContext(p.machine, c.thread, ctx);
  const esp = p.machine.reg(c.thread, X86Reg.ESP);
  const eip = p.machine.reg(c.thread, X86Reg.EIP);
  const code = p.resumeCode(c.thread, pContext, esp);
  p.machine.observer.onContextResume?.(c.thread, esp, eip, code);
  return { kind: "redirected" };
}

function getContext(c: SyscallCall): number {
  const [handle, pContext] = c.args as [number, number];
  const t = threadOf(c, handle);
  if (typeof t === "number") return t;
  const p = c.process;
  const flags = p.guest.u32(pContext + CONTEXT.ContextFlags);
  const full = captureContext(p.machine, t);
  // The calling thread sees the state at its return from the call.
  if (t === c.thread) {
    const v = new DataView(full.buffer);
    const esp = p.machine.reg(t, X86Reg.ESP);
    v.setUint32(CONTEXT.Eip, p.machine.memory.u32(esp), true);
    v.setUint32(CONTEXT.Esp, esp + 4, true);
    v.setUint32(CONTEXT.Eax, 0, true);
  }
  // Copy only the parts the caller asked for.
  const parts: [number, number, number][] = [
    [0x01, CONTEXT.Ebp, CONTEXT.SegSs + 4], // CONTROL (Ebp..SegSs)
    [0x02, CONTEXT.Edi, CONTEXT.Ebp], // INTEGER
    [0x04, CONTEXT.SegGs, CONTEXT.Edi], // SEGMENTS
    [0x08, CONTEXT.FloatSave, CONTEXT.SegGs], // FLOATING_POINT
    [0x20, CONTEXT.ExtendedRegisters, CONTEXT.SIZE], // EXTENDED_REGISTERS
  ];
  for (const [bit, from, to] of parts) if ((flags & bit) !== 0) p.guest.write(pContext + from, full.subarray(from, to));
  return Status.SUCCESS;
}

function setContext(c: SyscallCall): ApiOutcome {
  const [handle, pContext] = c.args as [number, number];
  const t = threadOf(c, handle);
  if (typeof t === "number") return t;
  if (t === c.thread) return continueWith(c, pContext);
  applyContext(c.process.machine, t, c.process.guest.read(pContext, CONTEXT.SIZE));
  return Status.SUCCESS;
}

/**
 * NtRaiseException(record, context, first_chance): a first chance goes to
 * KiUserExceptionDispatcher(record, context) on the caller's stack (the record and context stay
 * where the caller built them, as Wine does); a second chance means nobody handled it.
 */
function raiseException(c: SyscallCall): ApiOutcome {
  const [pRecord, pContext, firstChance] = c.args as [number, number, number];
  const p = c.process;
  const g = p.guest;
  const code = g.u32(pRecord + EXCEPTION_RECORD.ExceptionCode);
  const flags = g.u32(pRecord + EXCEPTION_RECORD.ExceptionFlags);
  const address = g.u32(pRecord + EXCEPTION_RECORD.ExceptionAddress);
  const n = Math.min(g.u32(pRecord + EXCEPTION_RECORD.NumberParameters), EXCEPTION_RECORD.MAXIMUM_PARAMETERS);
  const parameters = Array.from({ length: n }, (_, i) => g.u32(pRecord + EXCEPTION_RECORD.ExceptionInformation + 4 * i));
  g.probe(pContext, CONTEXT.SIZE, true);
  if (firstChance === 0) {
    // The second chance: no handler took it.
    p.unhandled.set(c.thread, { code, address, parameters });
    return endProcess(c, code);
  }
  if (code === 0x40010006 || code === 0x4001000a) p.recordDebugString(code, parameters);
  const m = p.machine;
  p.noteDispatch(c.thread, pContext, code);
  m.observer.onException?.(c.thread, { code, flags, address, parameters, recordAddress: pRecord });
  const esp = m.reg(c.thread, X86Reg.ESP); // [esp] = the return into the NtRaiseException stub
  g.setU32(esp - 4, pRecord);
  g.setU32(esp, pContext);
  m.setReg(c.thread, X86Reg.ESP, esp - 4);
  m.setReg(c.thread, X86Reg.EIP, p.entryPoints.KiUserExceptionDispatcher);
  return { kind: "redirected" };
}

function openThread(c: SyscallCall): number {
  const [pHandle, access, , pCid] = c.args as [number, number, number, number];
  const tid = c.process.guest.u32(pCid + 4);
  const t = c.process.threadById(tid);
  if (t === undefined) return Status.INVALID_CID;
  return putHandle(c, pHandle, c.process.threads.get(t)!.object, access) ?? Status.SUCCESS;
}

function openProcess(c: SyscallCall): number {
  const [pHandle, access, , pCid] = c.args as [number, number, number, number];
  const pid = pCid !== 0 ? c.process.guest.u32(pCid) : 0;
  if (pid !== c.process.processId) return Status.INVALID_CID;
  return putHandle(c, pHandle, c.process.processObject, access) ?? Status.SUCCESS;
}

function nextThread(c: SyscallCall): number {
  const [process, handle, access, , , pNew] = c.args as [number, number, number, number, number, number];
  if (process >>> 0 !== CURRENT_PROCESS && c.process.handles.get(process) !== c.process.processObject) return Status.INVALID_HANDLE;
  const all = [...c.process.threads.values()].filter((u) => u.thread.state !== "terminated");
  let index = 0;
  if (handle !== 0) {
    const t = threadOf(c, handle);
    if (typeof t === "number") return t;
    index = all.findIndex((u) => u.thread === t) + 1;
  }
  const next = all[index];
  if (next === undefined) return Status.NO_MORE_ENTRIES;
  return putHandle(c, pNew, next.object, access) ?? Status.SUCCESS;
}

export const threadSyscalls: SyscallTable = {
  NtCreateThreadEx: { args: ["ptr", "access", "objattr", "handle", "ptr", "ptr", "ulong", "ulong", "ulong", "ulong", "ptr"], handler: createThreadEx },
  NtTerminateThread: { args: ["handle", "status"], handler: terminateThread },
  NtTerminateProcess: { args: ["handle", "status"], handler: terminateProcess },
  NtResumeThread: { args: ["handle", "ptr"], handler: (c) => resumeSuspend(c, true) },
  NtAlertResumeThread: { args: ["handle", "ptr"], handler: (c) => resumeSuspend(c, true) },
  NtSuspendThread: { args: ["handle", "ptr"], handler: (c) => resumeSuspend(c, false) },
  NtContinue: { args: ["ptr", "bool"], handler: (c) => continueWith(c, c.args[0]!) },
  NtGetContextThread: { args: ["handle", "ptr"], handler: getContext },
  NtSetContextThread: { args: ["handle", "ptr"], handler: setContext },
  NtRaiseException: { args: ["ptr", "ptr", "bool"], handler: raiseException },
  NtTestAlert: { args: [], handler: () => Status.SUCCESS },
  NtOpenThread: { args: ["ptr", "access", "objattr", "ptr"], handler: openThread },
  NtOpenProcess: { args: ["ptr", "access", "objattr", "ptr"], handler: openProcess },
  NtGetNextThread: { args: ["handle", "handle", "access", "ulong", "ulong", "ptr"], handler: nextThread },
  NtGetCurrentProcessorNumber: { args: [], handler: (c) => c.process.machine.currentCpu()?.index ?? 0 },
  NtCreateUserProcess: {
    args: ["ptr", "ptr", "access", "access", "objattr", "objattr", "ulong", "ulong", "ptr", "ptr", "ptr"],
    // One process per machine: a program starting another (or kernelbase starting winedbg
    // for an unhandled exception) is told it cannot, as when the image is not there.
    handler: () => Status.NOT_SUPPORTED,
  },
};

export { CURRENT_THREAD };
