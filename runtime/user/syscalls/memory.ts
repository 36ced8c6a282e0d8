/**
 * Virtual memory: reserve, commit, decommit, release, protect and query pages of the
 * process's user space, as Windows does (64 KiB allocation granularity, page-granular commit,
 * MEM_TOP_DOWN, zero bits), plus reading and writing the process's own memory. Only the
 * current process can be addressed; the system range (tracer, GDT, thread objects) is not
 * user space and every call on it fails.
 */
import { GRANULARITY, Mem, PAGE, PageProt, USER_HIGH, USER_LOW, pageDown, pageUp, validPageProt, type Allocation } from "../../core/memory.js";
import type { UserProcess } from "../process.js";
import { UNIX_HANDLE_WIN32U } from "../process.js";
import { utf16le } from "../guest.js";
import { CURRENT_PROCESS } from "../objects.js";
import { Status, type SyscallCall, type SyscallTable } from "./types.js";

const MemoryInformation = { Basic: 0, WorkingSet: 1, SectionName: 2, RegionInformation: 3, WineUnixFuncs: 1000, WineUnixWow64Funcs: 1001 } as const;
/** The handle ntdll gets for its own (never called) unix library. */
const UNIX_HANDLE_NTDLL = 0x6e74646c;

function currentProcess(c: SyscallCall, handle: number): boolean {
  return handle >>> 0 === CURRENT_PROCESS || c.process.handles.get(handle) === c.process.processObject;
}

/** Highest address an allocation with `zeroBits` may reach (Windows: that many leading zero bits). */
function limitFor(zeroBits: number): number | undefined {
  if (zeroBits === 0) return USER_HIGH;
  if (zeroBits > 21) return zeroBits >= 32 ? Math.min(USER_HIGH, zeroBits + 1) : undefined;
  return Math.min(USER_HIGH, 2 ** (32 - zeroBits));
}

function allocate(c: SyscallCall): number {
  const [process, pBase, zeroBits, pSize, type, protect] = c.args as [number, number, number, number, number, number];
  if (!currentProcess(c, process)) return Status.INVALID_HANDLE;
  const g = c.process.guest;
  const mem = c.process.machine.memory;
  const base = g.u32(pBase);
  const size = g.u32(pSize);
  if (size === 0) return Status.INVALID_PARAMETER;
  if ((type & ~(Mem.COMMIT | Mem.RESERVE | Mem.RESET | Mem.TOP_DOWN | 0x200000 | 0x20000000 | 0x400000)) !== 0) return Status.INVALID_PARAMETER;
  if ((type & (Mem.COMMIT | Mem.RESERVE | Mem.RESET)) === 0) return Status.INVALID_PARAMETER;
  if (!validPageProt(protect)) return Status.INVALID_PAGE_PROTECTION;
  const limit = limitFor(zeroBits);
  if (limit === undefined) return Status.INVALID_PARAMETER;
  if ((type & Mem.RESET) !== 0) {
    // MEM_RESET: the contents may be discarded; keeping them is a valid implementation.
    g.setU32(pBase, pageDown(base));
    return Status.SUCCESS;
  }
  if (base === 0 || (type & Mem.RESERVE) !== 0) {
    if (base !== 0) {
      const start = Math.floor(base / GRANULARITY) * GRANULARITY;
      const end = pageUp(base + size);
      if (start < USER_LOW || end > limit || end <= start) return Status.INVALID_PARAMETER;
      if (!mem.isFree(start, end - start)) return Status.CONFLICTING_ADDRESSES;
      const alloc = mem.reserve(start, end - start, "private", "VirtualAlloc", protect);
      if ((type & Mem.COMMIT) !== 0) mem.commit(alloc.base, alloc.size, protect);
      g.setU32(pBase, alloc.base);
      g.setU32(pSize, alloc.size);
      return Status.SUCCESS;
    }
    const rounded = pageUp(size);
    if (rounded > limit - USER_LOW) return Status.NO_MEMORY;
    const at = mem.findFree(rounded, USER_LOW, limit, GRANULARITY, (type & Mem.TOP_DOWN) !== 0);
    if (at === undefined) return Status.NO_MEMORY;
    const alloc = mem.reserve(at, rounded, "private", "VirtualAlloc", protect);
    if ((type & Mem.COMMIT) !== 0) mem.commit(alloc.base, alloc.size, protect);
    g.setU32(pBase, alloc.base);
    g.setU32(pSize, alloc.size);
    return Status.SUCCESS;
  }
  // MEM_COMMIT inside an existing reservation.
  const start = pageDown(base);
  const end = pageUp(base + size);
  const a = mem.allocationAt(start);
  if (a === undefined || a.kind === "system" || end > a.base + a.size) return a === undefined ? Status.CONFLICTING_ADDRESSES : Status.INVALID_PARAMETER;
  if (a.kind === "image" || a.kind === "mapped") {
    // Committing already-committed pages of a view only changes nothing (Windows allows it).
    for (let p = start; p < end; p += PAGE) if (a.pages[(p - a.base) / PAGE] === 0) return Status.CONFLICTING_ADDRESSES;
  } else mem.commit(start, end - start, protect);
  g.setU32(pBase, start);
  g.setU32(pSize, end - start);
  return Status.SUCCESS;
}

function free(c: SyscallCall): number {
  const [process, pBase, pSize, type] = c.args as [number, number, number, number];
  if (!currentProcess(c, process)) return Status.INVALID_HANDLE;
  const g = c.process.guest;
  const mem = c.process.machine.memory;
  const base = g.u32(pBase);
  const size = g.u32(pSize);
  const a = mem.allocationAt(base);
  if (a === undefined || base >= USER_HIGH) return Status.MEMORY_NOT_ALLOCATED;
  if (a.kind !== "private") return Status.UNABLE_TO_FREE_VM;
  if (type === Mem.RELEASE) {
    if (size === 0 ? base !== a.base : !(pageDown(base) === a.base && pageUp(base + size) === a.base + a.size)) return size === 0 ? 0xc000009f /* STATUS_FREE_VM_NOT_AT_BASE */ : Status.UNABLE_TO_FREE_VM;
    g.setU32(pBase, a.base);
    g.setU32(pSize, a.size);
    mem.release(a.base);
    return Status.SUCCESS;
  }
  if (type === Mem.DECOMMIT) {
    const start = pageDown(base);
    const end = size === 0 ? a.base + a.size : pageUp(base + size);
    if (end > a.base + a.size) return Status.UNABLE_TO_FREE_VM;
    mem.decommit(start, end - start);
    g.setU32(pBase, start);
    g.setU32(pSize, end - start);
    return Status.SUCCESS;
  }
  return Status.INVALID_PARAMETER;
}

function protect(c: SyscallCall): number {
  const [process, pBase, pSize, newProt, pOld] = c.args as [number, number, number, number, number];
  if (!currentProcess(c, process)) return Status.INVALID_HANDLE;
  const g = c.process.guest;
  const mem = c.process.machine.memory;
  const base = g.u32(pBase);
  const size = g.u32(pSize);
  if (!validPageProt(newProt)) return Status.INVALID_PAGE_PROTECTION;
  const start = pageDown(base);
  const end = pageUp(base + Math.max(1, size));
  if (end > USER_HIGH || start < USER_LOW) return Status.INVALID_PARAMETER;
  const a = mem.allocationAt(start);
  if (a === undefined || a.kind === "system" || end > a.base + a.size) return Status.CONFLICTING_ADDRESSES;
  const old = mem.protectPages(start, end - start, newProt);
  if (old === undefined) return Status.NOT_COMMITTED;
  g.setU32(pOld, old);
  g.setU32(pBase, start);
  g.setU32(pSize, end - start);
  return Status.SUCCESS;
}

function basicInformation(a: Allocation | undefined, info: ReturnType<UserProcess["machine"]["memory"]["query"]>): Uint8Array {
  const out = new Uint8Array(28);
  const v = new DataView(out.buffer);
  v.setUint32(0, info.baseAddress, true);
  v.setUint32(4, info.allocationBase, true);
  v.setUint32(8, a !== undefined ? info.allocationProtect : 0, true);
  v.setUint32(12, info.regionSize, true);
  v.setUint32(16, info.state, true);
  v.setUint32(20, info.state === Mem.COMMIT ? info.protect : 0, true);
  v.setUint32(24, info.type, true);
  return out;
}

function query(c: SyscallCall): number {
  const [process, address, cls, buffer, length, pReturn] = c.args as [number, number, number, number, number, number];
  if (!currentProcess(c, process)) return Status.INVALID_HANDLE;
  const p = c.process;
  const g = p.guest;
  if (address >>> 0 >= USER_HIGH) return Status.INVALID_PARAMETER;
  switch (cls) {
    case MemoryInformation.Basic: {
      if (length < 28) return Status.INFO_LENGTH_MISMATCH;
      const info = p.machine.memory.query(address);
      const a = info.allocation;
      let region = info;
      if (a === undefined) {
        // A free region ends at the next allocation or at the top of user space.
        const end = Math.min(USER_HIGH, info.baseAddress + info.regionSize);
        region = { ...info, regionSize: end - info.baseAddress };
      }
      g.write(buffer, basicInformation(a, region));
      g.optU32(pReturn, 28);
      return Status.SUCCESS;
    }
    case MemoryInformation.SectionName: {
      const module = p.machine.moduleAt(address);
      const a = p.machine.memory.allocationAt(address);
      if (module === undefined || a === undefined || a.kind !== "image") return Status.INVALID_ADDRESS;
      const name = utf16le(`\\Device\\HarddiskVolume1${module.guestPath.replace(/^[A-Za-z]:/, "")}`);
      const need = 8 + name.length + 2;
      g.optU32(pReturn, need);
      if (length < need) return Status.BUFFER_OVERFLOW;
      g.setU16(buffer, name.length);
      g.setU16(buffer + 2, name.length + 2);
      g.setU32(buffer + 4, buffer + 8);
      g.write(buffer + 8, name);
      g.setU16(buffer + 8 + name.length, 0);
      return Status.SUCCESS;
    }
    case MemoryInformation.WineUnixFuncs: {
      if (length < 8) return Status.INFO_LENGTH_MISMATCH;
      const module = p.machine.moduleAt(address);
      const name = module?.name.toLowerCase();
      const handle = name === "ntdll.dll" ? UNIX_HANDLE_NTDLL : name === "win32u.dll" ? UNIX_HANDLE_WIN32U : 0;
      if (handle === 0) return Status.DLL_NOT_FOUND;
      g.setI64(buffer, handle);
      return Status.SUCCESS;
    }
    default:
      return Status.INVALID_INFO_CLASS;
  }
}

function readVirtual(c: SyscallCall): number {
  const [process, address, buffer, size, pRead] = c.args as [number, number, number, number, number];
  if (!currentProcess(c, process)) return Status.INVALID_HANDLE;
  const g = c.process.guest;
  if (size > 0x4000000) return Status.INVALID_PARAMETER;
  for (let done = 0; done < size; done += 0x10000) {
    const n = Math.min(0x10000, size - done);
    g.write(buffer + done, g.read(address + done, n));
  }
  g.optU32(pRead, size);
  return Status.SUCCESS;
}

function writeVirtual(c: SyscallCall): number {
  const [process, address, buffer, size, pWritten] = c.args as [number, number, number, number, number];
  if (!currentProcess(c, process)) return Status.INVALID_HANDLE;
  const g = c.process.guest;
  if (size > 0x4000000) return Status.INVALID_PARAMETER;
  for (let done = 0; done < size; done += 0x10000) {
    const n = Math.min(0x10000, size - done);
    g.write(address + done, g.read(buffer + done, n));
  }
  g.optU32(pWritten, size);
  return Status.SUCCESS;
}

export const memorySyscalls: SyscallTable = {
  NtAllocateVirtualMemory: { args: ["handle", "psize", "ulong", "psize", "ulong", "ulong"], handler: allocate },
  NtFreeVirtualMemory: { args: ["handle", "psize", "psize", "ulong"], handler: free },
  NtProtectVirtualMemory: { args: ["handle", "psize", "psize", "ulong", "ptr"], handler: protect },
  NtQueryVirtualMemory: { args: ["handle", "ptr", "class", "ptr", "ulong", "ptr"], handler: query },
  NtReadVirtualMemory: { args: ["handle", "ptr", "ptr", "ulong", "ptr"], handler: readVirtual },
  NtWriteVirtualMemory: { args: ["handle", "ptr", "ptr", "ulong", "ptr"], handler: writeVirtual },
  NtFlushInstructionCache: { args: ["handle", "ptr", "ulong"], handler: () => Status.SUCCESS },
  NtFlushVirtualMemory: { args: ["handle", "psize", "psize", "iosb"], handler: () => Status.SUCCESS },
  NtLockVirtualMemory: { args: ["handle", "psize", "psize", "ulong"], handler: () => Status.SUCCESS },
  NtUnlockVirtualMemory: { args: ["handle", "psize", "psize", "ulong"], handler: () => Status.SUCCESS },
  NtAllocateVirtualMemoryEx: {
    args: ["handle", "psize", "psize", "ulong", "ulong", "ptr", "ulong"],
    handler: (c) => allocate({ ...c, args: [c.args[0]!, c.args[1]!, 0, c.args[2]!, c.args[3]!, c.args[4]!] }),
  },
};

export { PageProt };
