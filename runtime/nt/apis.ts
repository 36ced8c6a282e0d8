/**
 * Built-in kernel32/ntdll APIs, implemented in TypeScript against guest state only (no host
 * files, network, processes or environment). Each has its real calling convention and
 * argument count: stdcall pops its arguments, cdecl ones (DbgPrint) leave them.
 */
import { X86Reg } from "../engine/index.js";
import { INSTRUCTIONS_PER_MS, STATUS, type ApiCall, type ApiDef, type ApiOutcome } from "../machine.js";
import type { GuestThread, Waitable } from "../thread.js";
import { CRITICAL_SECTION, TEB, TLS_MINIMUM_AVAILABLE } from "./layout.js";
import { CriticalSectionWait, EventObject, MutexObject, SemaphoreObject, ThreadObject, enterOwned } from "./objects.js";
import type { UserProcess } from "./process.js";

const INFINITE = 0xffffffff;
const ERROR_INVALID_HANDLE = 6;
const ERROR_NOT_ENOUGH_MEMORY = 8;
const ERROR_INVALID_PARAMETER = 87;
const ERROR_MOD_NOT_FOUND = 126;
const ERROR_PROC_NOT_FOUND = 127;
const ERROR_NOT_OWNER = 288;
const MEM_RELEASE = 0x8000;
const CREATE_SUSPENDED = 0x4;

type Impl = (c: ApiCall) => ApiOutcome;

export function userApis(p: UserProcess): ApiDef[] {
  const defs: ApiDef[] = [];
  const def = (dll: string, name: string, args: number, impl: Impl, conv: "stdcall" | "cdecl" = "stdcall") => defs.push({ dll, name, args, conv, impl });
  const k32 = (name: string, args: number, impl: Impl) => def("kernel32.dll", name, args, impl);
  const nt = (name: string, args: number, impl: Impl, conv: "stdcall" | "cdecl" = "stdcall") => def("ntdll.dll", name, args, impl, conv);
  const mem = () => p.machine.memory;
  const setLastError = (t: GuestThread, v: number) => mem().setU32(t.teb + TEB.LastErrorValue, v);
  const str = (a: number, wide: boolean) => (a === 0 ? "" : wide ? mem().wstring(a) : mem().cstring(a));
  const timeoutDeadline = (ms: number) => (ms === INFINITE ? undefined : p.machine.clock() + ms * INSTRUCTIONS_PER_MS);

  // ---- identity, errors, process
  k32("GetCurrentThreadId", 0, (c) => c.thread.cid.thread);
  k32("GetCurrentProcessId", 0, (c) => c.thread.cid.process);
  k32("GetCurrentThread", 0, () => 0xfffffffe);
  k32("GetCurrentProcess", 0, () => 0xffffffff);
  k32("GetLastError", 0, (c) => mem().u32(c.thread.teb + TEB.LastErrorValue));
  k32("SetLastError", 1, (c) => (setLastError(c.thread, c.args[0]!), 0));
  nt("RtlGetLastWin32Error", 0, (c) => mem().u32(c.thread.teb + TEB.LastErrorValue));
  nt("RtlSetLastWin32Error", 1, (c) => (setLastError(c.thread, c.args[0]!), 0));
  nt("NtCurrentTeb", 0, (c) => c.thread.teb);
  k32("ExitProcess", 1, (c) => ({ kind: "exitProcess", code: c.args[0]! }));
  k32("TerminateProcess", 2, (c) => (c.args[0] === 0xffffffff ? { kind: "exitProcess", code: c.args[1]! } : (setLastError(c.thread, ERROR_INVALID_HANDLE), 0)));
  k32("ExitThread", 1, (c) => ({ kind: "exitThread", code: c.args[0]! }));
  k32("GetCommandLineA", 0, () => p.commandLineA);
  k32("GetCommandLineW", 0, () => p.commandLineW);

  // ---- debug output
  const debugString = (wide: boolean): Impl => (c) => (p.machine.output.push(str(c.args[0]!, wide)), 0);
  k32("OutputDebugStringA", 1, debugString(false));
  k32("OutputDebugStringW", 1, debugString(true));
  nt("DbgPrint", 1, (c) => (p.machine.output.push(formatPrintf(p, c)), 0), "cdecl");

  // ---- threads and waits
  k32("CreateThread", 6, (c) => {
    const [, stackSize, start, param, flags, tidOut] = c.args as [number, number, number, number, number, number];
    const t = p.machine.createThread(start, param, stackSize === 0 ? 0x100000 : stackSize, (flags & CREATE_SUSPENDED) !== 0);
    if (flags & CREATE_SUSPENDED) p.suspended.add(t);
    if (tidOut !== 0) mem().setU32(tidOut, t.cid.thread);
    return p.handles.add(new ThreadObject(t));
  });
  k32("ResumeThread", 1, (c) => {
    const o = p.handles.get(c.args[0]!);
    if (!(o instanceof ThreadObject)) return (setLastError(c.thread, ERROR_INVALID_HANDLE), 0xffffffff);
    if (p.suspended.delete(o.thread)) {
      p.machine.makeReady(o.thread);
      return 1;
    }
    return 0;
  });
  k32("GetExitCodeThread", 2, (c) => {
    const o = p.handles.get(c.args[0]!);
    if (!(o instanceof ThreadObject)) return (setLastError(c.thread, ERROR_INVALID_HANDLE), 0);
    mem().setU32(c.args[1]!, o.thread.state === "terminated" ? o.thread.exitCode ?? 0 : 259 /* STILL_ACTIVE */);
    return 1;
  });
  const wait = (c: ApiCall, handles: readonly number[], all: boolean, ms: number): ApiOutcome => {
    const objects: Waitable[] = [];
    for (const h of handles) {
      const o = h === 0xfffffffe ? new ThreadObject(c.thread) : p.handles.get(h);
      if (o === undefined || !isWaitable(o)) return (setLastError(c.thread, ERROR_INVALID_HANDLE), STATUS.WAIT_FAILED);
      objects.push(o);
    }
    // Satisfied now: return at once (no thread switch).
    const ready = all ? (objects.every((o) => o.isSignaled(c.thread)) ? 0 : -1) : objects.findIndex((o) => o.isSignaled(c.thread));
    if (ready >= 0) {
      if (all) for (const o of objects) o.acquire(c.thread);
      else objects[ready]!.acquire(c.thread);
      return STATUS.WAIT_0 + ready;
    }
    if (ms === 0) return STATUS.TIMEOUT;
    return { kind: "block", wait: { objects, all, deadline: timeoutDeadline(ms), reason: objects.map((o) => o.describe()).join(all ? " and " : " or ") } };
  };
  k32("WaitForSingleObject", 2, (c) => wait(c, [c.args[0]!], false, c.args[1]!));
  k32("WaitForSingleObjectEx", 3, (c) => wait(c, [c.args[0]!], false, c.args[1]!));
  const waitMultiple: Impl = (c) => {
    const [n, array, all, ms] = c.args as [number, number, number, number];
    if (n === 0 || n > 64) return (setLastError(c.thread, ERROR_INVALID_PARAMETER), STATUS.WAIT_FAILED);
    const handles = Array.from({ length: n }, (_, i) => mem().u32(array + 4 * i));
    return wait(c, handles, all !== 0, ms);
  };
  k32("WaitForMultipleObjects", 4, waitMultiple);
  k32("WaitForMultipleObjectsEx", 5, waitMultiple);
  const sleep = (ms: number): ApiOutcome =>
    ms === 0 ? { kind: "yield", value: 0 } : { kind: "block", wait: { objects: [], all: false, deadline: timeoutDeadline(ms), timeoutValue: 0, reason: `Sleep(${ms})` } };
  k32("Sleep", 1, (c) => sleep(c.args[0]!));
  k32("SleepEx", 2, (c) => sleep(c.args[0]!));
  k32("SwitchToThread", 0, () => ({ kind: "yield", value: 1 }));

  // ---- events, mutexes, semaphores, handles
  const createEvent = (wide: boolean): Impl => (c) => p.handles.add(new EventObject(c.args[1] !== 0, c.args[2] !== 0, str(c.args[3]!, wide)));
  k32("CreateEventA", 4, createEvent(false));
  k32("CreateEventW", 4, createEvent(true));
  const eventOp = (op: (e: EventObject) => void): Impl => (c) => {
    const o = p.handles.get(c.args[0]!);
    if (!(o instanceof EventObject)) return (setLastError(c.thread, ERROR_INVALID_HANDLE), 0);
    op(o);
    p.machine.wakeWaiters();
    return 1;
  };
  k32("SetEvent", 1, eventOp((e) => (e.signaled = true)));
  k32("ResetEvent", 1, eventOp((e) => (e.signaled = false)));
  k32("PulseEvent", 1, eventOp((e) => {
    e.signaled = true;
    p.machine.wakeWaiters();
    e.signaled = false;
  }));
  const createMutex = (wide: boolean): Impl => (c) => {
    const m = new MutexObject(str(c.args[2]!, wide));
    if (c.args[1] !== 0) m.acquire(c.thread);
    return p.handles.add(m);
  };
  k32("CreateMutexA", 3, createMutex(false));
  k32("CreateMutexW", 3, createMutex(true));
  k32("ReleaseMutex", 1, (c) => {
    const o = p.handles.get(c.args[0]!);
    if (!(o instanceof MutexObject)) return (setLastError(c.thread, ERROR_INVALID_HANDLE), 0);
    if (o.owner !== c.thread) return (setLastError(c.thread, ERROR_NOT_OWNER), 0);
    if (--o.count === 0) o.owner = undefined;
    p.machine.wakeWaiters();
    return 1;
  });
  const createSemaphore = (wide: boolean): Impl => (c) => p.handles.add(new SemaphoreObject(c.args[1]!, c.args[2]!, str(c.args[3]!, wide)));
  k32("CreateSemaphoreA", 4, createSemaphore(false));
  k32("CreateSemaphoreW", 4, createSemaphore(true));
  k32("ReleaseSemaphore", 3, (c) => {
    const o = p.handles.get(c.args[0]!);
    if (!(o instanceof SemaphoreObject) || o.count + c.args[1]! > o.maximum) return (setLastError(c.thread, o === undefined ? ERROR_INVALID_HANDLE : 298), 0);
    if (c.args[2] !== 0) mem().setU32(c.args[2]!, o.count);
    o.count += c.args[1]!;
    p.machine.wakeWaiters();
    return 1;
  });
  k32("CloseHandle", 1, (c) => (p.handles.close(c.args[0]!) ? 1 : (setLastError(c.thread, ERROR_INVALID_HANDLE), 0)));

  // ---- critical sections (kernel32 names forward to the ntdll implementations)
  const initCs = (c: ApiCall): number => {
    const cs = c.args[0]!;
    mem().write(cs, new Uint8Array(24));
    mem().setU32(cs + CRITICAL_SECTION.LockCount, 0xffffffff);
    mem().setU32(cs + CRITICAL_SECTION.SpinCount, c.args[1] ?? 0);
    return 1;
  };
  const enterCs: Impl = (c) => {
    const w = new CriticalSectionWait(p.machine, c.args[0]!);
    if (w.isSignaled(c.thread)) return (enterOwned(p.machine, c.args[0]!, c.thread), 0);
    return { kind: "block", wait: { objects: [w], all: false, deadline: undefined, onSatisfied: () => 0, reason: w.describe() } };
  };
  const tryEnterCs: Impl = (c) => {
    const w = new CriticalSectionWait(p.machine, c.args[0]!);
    if (!w.isSignaled(c.thread)) return 0;
    enterOwned(p.machine, c.args[0]!, c.thread);
    return 1;
  };
  const leaveCs: Impl = (c) => {
    const cs = c.args[0]!;
    const m = mem();
    if (m.u32(cs + CRITICAL_SECTION.OwningThread) !== c.thread.cid.thread) return 0;
    const rec = m.u32(cs + CRITICAL_SECTION.RecursionCount) - 1;
    m.setU32(cs + CRITICAL_SECTION.RecursionCount, rec);
    m.setU32(cs + CRITICAL_SECTION.LockCount, (m.u32(cs + CRITICAL_SECTION.LockCount) - 1) >>> 0);
    if (rec === 0) {
      m.setU32(cs + CRITICAL_SECTION.OwningThread, 0);
      p.machine.wakeWaiters();
    }
    return 0;
  };
  const deleteCs: Impl = () => 0;
  for (const [dll, prefix] of [["kernel32.dll", ""], ["ntdll.dll", "Rtl"]] as const) {
    def(dll, `${prefix}InitializeCriticalSection`, 1, (c) => (initCs(c), 0));
    def(dll, `${prefix}InitializeCriticalSectionAndSpinCount`, 2, initCs);
    def(dll, `${prefix}InitializeCriticalSectionEx`, 3, initCs);
    def(dll, `${prefix}EnterCriticalSection`, 1, enterCs);
    def(dll, `${prefix}TryEnterCriticalSection`, 1, tryEnterCs);
    def(dll, `${prefix}LeaveCriticalSection`, 1, leaveCs);
    def(dll, `${prefix}DeleteCriticalSection`, 1, deleteCs);
  }

  // ---- interlocked (x86 kernel32 exports them; the hook runs with every thread stopped)
  const inter = (name: string, args: number, f: (a: readonly number[], old: number) => [number, number]) =>
    k32(name, args, (c) => {
      const old = mem().u32(c.args[0]!);
      const [store, ret] = f(c.args, old);
      mem().setU32(c.args[0]!, store);
      return ret;
    });
  inter("InterlockedIncrement", 1, (_a, o) => [(o + 1) >>> 0, (o + 1) >>> 0]);
  inter("InterlockedDecrement", 1, (_a, o) => [(o - 1) >>> 0, (o - 1) >>> 0]);
  inter("InterlockedExchange", 2, (a, o) => [a[1]!, o]);
  inter("InterlockedExchangeAdd", 2, (a, o) => [(o + a[1]!) >>> 0, o]);
  inter("InterlockedCompareExchange", 3, (a, o) => [o === a[2] ? a[1]! : o, o]);

  // ---- TLS
  k32("TlsAlloc", 0, () => {
    const i = p.tlsUsed.findIndex((u) => !u);
    if (i < 0) return 0xffffffff;
    p.tlsUsed[i] = true;
    for (const t of p.machine.threads) mem().setU32(t.teb + TEB.TlsSlots + 4 * i, 0);
    return i;
  });
  k32("TlsFree", 1, (c) => {
    const i = c.args[0]!;
    if (i >= TLS_MINIMUM_AVAILABLE || !p.tlsUsed[i]) return (setLastError(c.thread, ERROR_INVALID_PARAMETER), 0);
    p.tlsUsed[i] = false;
    return 1;
  });
  k32("TlsGetValue", 1, (c) => {
    const i = c.args[0]!;
    if (i >= TLS_MINIMUM_AVAILABLE) return (setLastError(c.thread, ERROR_INVALID_PARAMETER), 0);
    setLastError(c.thread, 0);
    return mem().u32(c.thread.teb + TEB.TlsSlots + 4 * i);
  });
  k32("TlsSetValue", 2, (c) => {
    const i = c.args[0]!;
    if (i >= TLS_MINIMUM_AVAILABLE) return (setLastError(c.thread, ERROR_INVALID_PARAMETER), 0);
    mem().setU32(c.thread.teb + TEB.TlsSlots + 4 * i, c.args[1]!);
    return 1;
  });

  // ---- heaps
  k32("GetProcessHeap", 0, () => p.processHeap.handle);
  k32("HeapCreate", 3, () => p.createHeap().handle);
  k32("HeapDestroy", 1, (c) => (p.heaps.delete(c.args[0]!) ? 1 : 0));
  const heapAlloc: Impl = (c) => {
    const h = p.heaps.get(c.args[0]!);
    if (h === undefined) return (setLastError(c.thread, ERROR_INVALID_HANDLE), 0);
    return h.alloc(c.args[2]!, c.args[1]!);
  };
  const heapFree: Impl = (c) => (c.args[2] === 0 ? 1 : p.heaps.get(c.args[0]!)?.freeBlock(c.args[2]!) ? 1 : 0);
  k32("HeapAlloc", 3, heapAlloc);
  k32("HeapFree", 3, heapFree);
  nt("RtlAllocateHeap", 3, heapAlloc);
  nt("RtlFreeHeap", 3, heapFree);
  const heapReAlloc: Impl = (c) => p.heaps.get(c.args[0]!)?.realloc(c.args[2]!, c.args[3]!, c.args[1]!) ?? 0;
  k32("HeapReAlloc", 4, heapReAlloc);
  nt("RtlReAllocateHeap", 4, heapReAlloc);
  const heapSize: Impl = (c) => p.heaps.get(c.args[0]!)?.size(c.args[2]!) ?? 0xffffffff;
  k32("HeapSize", 3, heapSize);
  nt("RtlSizeHeap", 3, heapSize);

  // ---- virtual memory
  k32("VirtualAlloc", 4, (c) => {
    const [address, size, , protect] = c.args as [number, number, number, number];
    const prot = winProtToUc(protect);
    if (size === 0 || prot === undefined) return (setLastError(c.thread, ERROR_INVALID_PARAMETER), 0);
    const m = mem();
    if (address !== 0) {
      const r = m.regionAt(address);
      if (r !== undefined && address + size <= r.base + r.size) {
        m.protect(address, size, prot); // committing reserved pages: everything is committed already
        return address & ~0xfff;
      }
      if (!m.isFree(address & ~0xffff, size)) return (setLastError(c.thread, 487 /* ERROR_INVALID_ADDRESS */), 0);
      return m.mapAt(address & ~0xffff, size + (address & 0xffff), prot, "VirtualAlloc").base;
    }
    try {
      return m.allocate(size, prot, "VirtualAlloc").base;
    } catch {
      return (setLastError(c.thread, ERROR_NOT_ENOUGH_MEMORY), 0);
    }
  });
  k32("VirtualFree", 3, (c) => {
    const [address, , type] = c.args as [number, number, number];
    if (type & MEM_RELEASE) {
      const r = mem().regionAt(address);
      if (r === undefined || r.base !== address || r.tag !== "VirtualAlloc") return (setLastError(c.thread, ERROR_INVALID_PARAMETER), 0);
      mem().free(address);
    }
    return 1; // MEM_DECOMMIT: pages stay (contents are not guaranteed anyway)
  });
  k32("VirtualProtect", 4, (c) => {
    const [address, size, protect, oldOut] = c.args as [number, number, number, number];
    const prot = winProtToUc(protect);
    if (prot === undefined) return (setLastError(c.thread, ERROR_INVALID_PARAMETER), 0);
    const old = mem().protect(address, size, prot);
    if (old === undefined) return (setLastError(c.thread, 487), 0);
    if (oldOut !== 0) mem().setU32(oldOut, ucProtToWin(old));
    p.machine.engine.flushCode(address & ~0xfff, ((address + size + 0xfff) & ~0xfff) - (address & ~0xfff));
    return 1;
  });

  // ---- time (virtual: derived from instructions executed)
  k32("GetTickCount", 0, () => Math.floor(p.machine.clock() / INSTRUCTIONS_PER_MS) >>> 0);
  k32("GetTickCount64", 0, (c) => {
    const ms = Math.floor(p.machine.clock() / INSTRUCTIONS_PER_MS);
    p.machine.setReg(c.thread, X86Reg.EDX, Math.floor(ms / 0x100000000));
    return ms >>> 0;
  });
  k32("QueryPerformanceCounter", 1, (c) => (writeU64(p, c.args[0]!, p.machine.clock()), 1));
  k32("QueryPerformanceFrequency", 1, (c) => (writeU64(p, c.args[0]!, INSTRUCTIONS_PER_MS * 1000), 1));

  // ---- modules
  const getModuleHandle = (wide: boolean): Impl => (c) => {
    if (c.args[0] === 0) return p.mainModule?.base ?? 0;
    const m = p.findModuleByName(str(c.args[0]!, wide));
    return m?.base ?? (setLastError(c.thread, ERROR_MOD_NOT_FOUND), 0);
  };
  k32("GetModuleHandleA", 1, getModuleHandle(false));
  k32("GetModuleHandleW", 1, getModuleHandle(true));
  k32("GetProcAddress", 2, (c) => {
    const m = p.machine.modules.find((x) => x.base === c.args[0]);
    if (m === undefined) return (setLastError(c.thread, ERROR_MOD_NOT_FOUND), 0);
    const n = c.args[1]!;
    const address = n < 0x10000 ? p.loader.resolveExport(m, undefined, n, undefined, 0) : p.loader.resolveExport(m, mem().cstring(n, 512), undefined, undefined, 0);
    return address ?? (setLastError(c.thread, ERROR_PROC_NOT_FOUND), 0);
  });
  const loadLibrary = (wide: boolean): Impl => (c) => p.loadLibrary(c, str(c.args[0]!, wide));
  k32("LoadLibraryA", 1, loadLibrary(false));
  k32("LoadLibraryW", 1, loadLibrary(true));
  k32("LoadLibraryExA", 3, loadLibrary(false));
  k32("LoadLibraryExW", 3, loadLibrary(true));
  k32("FreeLibrary", 1, () => 1);
  k32("DisableThreadLibraryCalls", 1, () => 1);

  // ---- exceptions (dispatch lives in seh.ts)
  k32("RaiseException", 4, (c) => p.raiseException(c));
  nt("RtlRaiseException", 1, (c) => p.rtlRaiseException(c));
  nt("RtlUnwind", 4, (c) => p.rtlUnwind(c));
  k32("RtlUnwind", 4, (c) => p.rtlUnwind(c));
  k32("SetUnhandledExceptionFilter", 1, (c) => {
    const old = p.unhandledFilter;
    p.unhandledFilter = c.args[0]!;
    return old;
  });
  k32("UnhandledExceptionFilter", 1, () => 0 /* EXCEPTION_CONTINUE_SEARCH */);

  // ---- small memory helpers some compilers import from ntdll
  nt("RtlZeroMemory", 2, (c) => (mem().write(c.args[0]!, new Uint8Array(c.args[1]!)), 0));
  nt("RtlFillMemory", 3, (c) => (mem().write(c.args[0]!, new Uint8Array(c.args[1]!).fill(c.args[2]! & 0xff)), 0));
  nt("RtlMoveMemory", 3, (c) => (mem().write(c.args[0]!, mem().read(c.args[1]!, c.args[2]!)), 0));
  nt("memset", 3, (c) => (mem().write(c.args[0]!, new Uint8Array(c.args[2]!).fill(c.args[1]! & 0xff)), c.args[0]!), "cdecl");
  nt("memcpy", 3, (c) => (mem().write(c.args[0]!, mem().read(c.args[1]!, c.args[2]!)), c.args[0]!), "cdecl");
  nt("memmove", 3, (c) => (mem().write(c.args[0]!, mem().read(c.args[1]!, c.args[2]!)), c.args[0]!), "cdecl");
  return defs;
}

function isWaitable(o: unknown): o is Waitable {
  return typeof o === "object" && o !== null && "isSignaled" in o && "acquire" in o;
}

function writeU64(p: UserProcess, address: number, value: number): void {
  p.machine.memory.setU32(address, value >>> 0);
  p.machine.memory.setU32(address + 4, Math.floor(value / 0x100000000) >>> 0);
}

/** PAGE_* → unicorn protection bits. */
export function winProtToUc(protect: number): number | undefined {
  switch (protect & 0xff) {
    case 0x01: return 0;
    case 0x02: return 1;
    case 0x04: case 0x08: return 3;
    case 0x10: return 4;
    case 0x20: return 5;
    case 0x40: case 0x80: return 7;
    default: return undefined;
  }
}

export function ucProtToWin(prot: number): number {
  return [0x01, 0x02, 0x04, 0x04, 0x10, 0x20, 0x40, 0x40][prot & 7]!;
}

/** DbgPrint's format (subset of printf: %d %i %u %x %X %p %s %S %c %%, widths ignored). */
function formatPrintf(p: UserProcess, c: ApiCall): string {
  const m = p.machine.memory;
  const fmt = m.cstring(c.args[0]!);
  const esp = p.machine.reg(c.thread, X86Reg.ESP);
  let argAddress = esp + 8; // return address, format
  const next = () => {
    const v = m.u32(argAddress);
    argAddress += 4;
    return v;
  };
  return fmt.replace(/%[-+ #0]*\d*(?:\.\d+)?(?:l|h|ll|I64)?([diuxXpscS%])/g, (_all, conv: string) => {
    switch (conv) {
      case "%": return "%";
      case "d": case "i": return String(next() | 0);
      case "u": return String(next());
      case "x": return next().toString(16);
      case "X": return next().toString(16).toUpperCase();
      case "p": return next().toString(16).padStart(8, "0");
      case "s": return m.cstring(next());
      case "S": return m.wstring(next());
      case "c": return String.fromCharCode(next() & 0xff);
      default: return "";
    }
  });
}
