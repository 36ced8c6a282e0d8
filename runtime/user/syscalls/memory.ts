/**
 * Virtual memory: reserve, commit, decommit, release, protect and query pages of the
 * process's user space, as Windows does (64 KiB allocation granularity, page-granular commit,
 * MEM_TOP_DOWN, zero bits), plus reading and writing the process's own memory. Only the
 * current process can be addressed.
 *
 * What the machine and the tracer own is refused the way Windows refuses the kernel's range
 * and its own structures in user space (the checks of NtAllocateVirtualMemory,
 * NtFreeVirtualMemory, NtProtectVirtualMemory, NtQueryVirtualMemory and MmCopyVirtualMemory,
 * as the Windows Research Kernel and ReactOS write them):
 *  - an address in the system range (GDT, host stubs, KTHREAD objects, the tracer's thunk and
 *    return-slot pages) is a bad parameter: STATUS_INVALID_PARAMETER_2 for allocate, free and
 *    protect (the base address is their second parameter), STATUS_INVALID_PARAMETER for query,
 *    STATUS_ACCESS_VIOLATION for read and write;
 *  - KUSER_SHARED_DATA has no VAD: free gives STATUS_MEMORY_NOT_ALLOCATED, protect
 *    STATUS_CONFLICTING_ADDRESSES, allocating there STATUS_INVALID_PARAMETER_2 (it is above
 *    the highest address an allocation may start at);
 *  - the PEB and the TEBs are secured VADs: they cannot be freed, nor given less than
 *    read-write access (STATUS_INVALID_PAGE_PROTECTION, MiCheckSecuredVad's answer).
 * So the host's own pages never change under it, whatever the guest asks.
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

/** MM_HIGHEST_USER_ADDRESS (x86, 2 GiB user space): free and protect refuse what lies above. */
const HIGHEST_USER_ADDRESS = USER_HIGH - 1;
/** MM_HIGHEST_VAD_ADDRESS: the last 64 KiB of user space hold KUSER_SHARED_DATA, never an allocation or a view. */
export const HIGHEST_VAD_ADDRESS = USER_HIGH - GRANULARITY - 1;
const STATUS_INVALID_PARAMETER_2 = 0xc00000f0;
const STATUS_INVALID_PARAMETER_3 = 0xc00000f1;
const STATUS_INVALID_PARAMETER_4 = 0xc00000f2;
const STATUS_UNABLE_TO_DELETE_SECTION = 0xc000001b;
const STATUS_FREE_VM_NOT_AT_BASE = 0xc000009f;
const STATUS_PARTIAL_COPY = 0x8000000d;
/** Bytes NtReadVirtualMemory / NtWriteVirtualMemory move at a time. */
const COPY_PIECE = 0x10000;

/**
 * MiCheckSecuredVad for the PEB and TEBs: only read-write protections (MmReadWrite >= 11:
 * PAGE_READWRITE, PAGE_WRITECOPY and their EXECUTE_ forms, without PAGE_GUARD) keep them usable.
 */
function keepsSecuredUsable(prot: number): boolean {
  if ((prot & PageProt.GUARD) !== 0) return false;
  const base = prot & 0xff;
  return base === PageProt.READWRITE || base === PageProt.WRITECOPY || base === PageProt.EXECUTE_READWRITE || base === PageProt.EXECUTE_WRITECOPY;
}

function currentProcess(c: SyscallCall, handle: number): boolean {
  return handle >>> 0 === CURRENT_PROCESS || c.process.handles.get(handle) === c.process.processObject;
}

/** Highest address an allocation with `zeroBits` may reach (Windows: that many leading zero bits). */
function limitFor(zeroBits: number): number | undefined {
  const top = HIGHEST_VAD_ADDRESS + 1;
  if (zeroBits === 0) return top;
  if (zeroBits > 21) return zeroBits >= 32 ? Math.min(top, zeroBits + 1) : undefined;
  return Math.min(top, 2 ** (32 - zeroBits));
}

function allocate(c: SyscallCall): number {
  const [process, pBase, zeroBits, pSize, type, protect] = c.args as [number, number, number, number, number, number];
  if (!currentProcess(c, process)) return Status.INVALID_HANDLE;
  const g = c.process.guest;
  const mem = c.process.machine.memory;
  const base = g.u32(pBase);
  const size = g.u32(pSize);
  if ((type & ~(Mem.COMMIT | Mem.RESERVE | Mem.RESET | Mem.TOP_DOWN | 0x200000 | 0x20000000 | 0x400000)) !== 0) return Status.INVALID_PARAMETER;
  if ((type & (Mem.COMMIT | Mem.RESERVE | Mem.RESET)) === 0) return Status.INVALID_PARAMETER;
  if (!validPageProt(protect)) return Status.INVALID_PAGE_PROTECTION;
  // Nothing is allocated in the system range or over KUSER_SHARED_DATA, and no size reaches them.
  if (base > HIGHEST_VAD_ADDRESS) return STATUS_INVALID_PARAMETER_2;
  if (HIGHEST_VAD_ADDRESS + 1 - base < size || size === 0) return STATUS_INVALID_PARAMETER_4;
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
  if (a === undefined || end > a.base + a.size) return a === undefined ? Status.CONFLICTING_ADDRESSES : Status.INVALID_PARAMETER;
  const owned = c.process.hostOwned(a.base);
  if (owned === "no-vad") return Status.CONFLICTING_ADDRESSES;
  if (owned === "secured" && !keepsSecuredUsable(protect)) return Status.INVALID_PAGE_PROTECTION;
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
  if (type !== Mem.RELEASE && type !== Mem.DECOMMIT) return STATUS_INVALID_PARAMETER_4;
  if (base >= HIGHEST_USER_ADDRESS) return STATUS_INVALID_PARAMETER_2;
  if (HIGHEST_USER_ADDRESS - base < size) return STATUS_INVALID_PARAMETER_3;
  const a = mem.allocationAt(base);
  const owned = a !== undefined ? c.process.hostOwned(a.base) : undefined;
  if (a === undefined || owned === "no-vad") return Status.MEMORY_NOT_ALLOCATED;
  if (owned === "secured") return Status.INVALID_PAGE_PROTECTION;
  if (a.kind !== "private") return STATUS_UNABLE_TO_DELETE_SECTION;
  if (type === Mem.RELEASE) {
    if (size === 0 ? base !== a.base : !(pageDown(base) === a.base && pageUp(base + size) === a.base + a.size)) return size === 0 ? STATUS_FREE_VM_NOT_AT_BASE : Status.UNABLE_TO_FREE_VM;
    g.setU32(pBase, a.base);
    g.setU32(pSize, a.size);
    mem.release(a.base);
    return Status.SUCCESS;
  }
  // MEM_DECOMMIT
  const start = pageDown(base);
  const end = size === 0 ? a.base + a.size : pageUp(base + size);
  if (end > a.base + a.size) return Status.UNABLE_TO_FREE_VM;
  mem.decommit(start, end - start);
  g.setU32(pBase, start);
  g.setU32(pSize, end - start);
  return Status.SUCCESS;
}

function protect(c: SyscallCall): number {
  const [process, pBase, pSize, newProt, pOld] = c.args as [number, number, number, number, number];
  if (!currentProcess(c, process)) return Status.INVALID_HANDLE;
  const g = c.process.guest;
  const mem = c.process.machine.memory;
  const base = g.u32(pBase);
  const size = g.u32(pSize);
  if (!validPageProt(newProt)) return Status.INVALID_PAGE_PROTECTION;
  // MmUserProbeAddress (USER_HIGH) bounds what may be protected: never the system range.
  if (base > USER_HIGH) return STATUS_INVALID_PARAMETER_2;
  if (USER_HIGH - base < size) return STATUS_INVALID_PARAMETER_3;
  const start = pageDown(base);
  const end = pageUp(base + Math.max(1, size));
  if (end > USER_HIGH || start < USER_LOW) return Status.INVALID_PARAMETER;
  const a = mem.allocationAt(start);
  if (a === undefined || end > a.base + a.size) return Status.CONFLICTING_ADDRESSES;
  const owned = c.process.hostOwned(a.base);
  if (owned === "no-vad") return Status.CONFLICTING_ADDRESSES;
  if (owned === "secured" && !keepsSecuredUsable(newProt)) return Status.INVALID_PAGE_PROTECTION;
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

/**
 * MmCopyVirtualMemory within the process, as Windows does it: both ranges must lie in user
 * space (else STATUS_ACCESS_VIOLATION), the whole destination must be writable (ProbeForWrite,
 * else STATUS_ACCESS_VIOLATION); the source is copied piece by piece up to its first page that
 * cannot be read, which ends the copy with STATUS_PARTIAL_COPY and the bytes moved so far. A
 * run out of time (--timeout) stops between pieces, also as a partial copy.
 */
function copyVirtual(c: SyscallCall, from: number, to: number, size: number, pDone: number): number {
  const g = c.process.guest;
  const mem = c.process.machine.memory;
  if (from + size > USER_HIGH || to + size > USER_HIGH) return Status.ACCESS_VIOLATION;
  if (pDone !== 0) g.probe(pDone, 4, true);
  g.probe(to, size, true);
  let done = 0;
  while (done < size) {
    const n = Math.min(COPY_PIECE - ((from + done) % COPY_PIECE), size - done);
    const piece = mem.readSome(from + done, n);
    if (piece.length > 0) g.write(to + done, piece);
    done += piece.length;
    if (piece.length < n || (done < size && c.process.machine.outOfTime())) {
      g.optU32(pDone, done);
      return STATUS_PARTIAL_COPY;
    }
  }
  g.optU32(pDone, done);
  return Status.SUCCESS;
}

function readVirtual(c: SyscallCall): number {
  const [process, address, buffer, size, pRead] = c.args as [number, number, number, number, number];
  if (!currentProcess(c, process)) return Status.INVALID_HANDLE;
  return copyVirtual(c, address, buffer, size, pRead);
}

function writeVirtual(c: SyscallCall): number {
  const [process, address, buffer, size, pWritten] = c.args as [number, number, number, number, number];
  if (!currentProcess(c, process)) return Status.INVALID_HANDLE;
  return copyVirtual(c, buffer, address, size, pWritten);
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
