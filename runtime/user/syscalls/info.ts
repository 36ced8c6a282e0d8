/**
 * Process, thread, system and token information: the queries Wine's ntdll, kernelbase and the
 * C runtimes make (basic information, image information, priorities, the CPU, time of day,
 * the user's SID ...), answered from the machine's own state: deterministic, never the host's.
 * A class nobody implemented fails with STATUS_INVALID_INFO_CLASS and is reported once.
 */
import { INSTRUCTIONS_PER_MS } from "../../core/machine.js";
import { USER_HIGH } from "../../core/memory.js";
import { utf16le } from "../guest.js";
import { imageInformation } from "../images.js";
import { CURRENT_PROCESS, CURRENT_THREAD, PlainObject, ProcessObject, ThreadObject } from "../objects.js";
import { PEB } from "../layout.js";
import { USER_SID } from "../registry.js";
import { objectOf, putHandle } from "./common.js";
import { Status, type SyscallCall, type SyscallTable } from "./types.js";

/** Little-endian builder for information structures. */
class Out {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u8(at: number, v: number): this {
    this.bytes[at] = v & 0xff;
    return this;
  }
  u16(at: number, v: number): this {
    this.view.setUint16(at, v & 0xffff, true);
    return this;
  }
  u32(at: number, v: number): this {
    this.view.setUint32(at, v >>> 0, true);
    return this;
  }
  u64(at: number, v: bigint | number): this {
    this.view.setBigUint64(at, BigInt.asUintN(64, BigInt(v)), true);
    return this;
  }
  set(at: number, b: Uint8Array): this {
    this.bytes.set(b, at);
    return this;
  }
  get done(): Uint8Array {
    return this.bytes;
  }
}

/** Writes an information structure: STATUS_INFO_LENGTH_MISMATCH when the buffer is too small. */
function answer(c: SyscallCall, buffer: number, length: number, pReturn: number, data: Uint8Array, exact = false): number {
  c.process.guest.optU32(pReturn, data.length);
  if (length < data.length || (exact && length !== data.length)) return Status.INFO_LENGTH_MISMATCH;
  c.process.guest.write(buffer, data);
  return Status.SUCCESS;
}

function unsupported(c: SyscallCall, what: string, cls: number): number {
  c.process.reportOnce(`${c.name}:${cls}`, `${c.name}: information class ${cls} (${what}) is not implemented; the call fails with STATUS_INVALID_INFO_CLASS`);
  return Status.INVALID_INFO_CLASS;
}

/** The SID of the process's user in binary form. */
export function sidBytes(sid: string): Uint8Array {
  const parts = sid.split("-").slice(1).map(Number);
  const [revision, authority, ...subs] = parts as [number, number, ...number[]];
  const out = new Out(8 + 4 * subs.length).u8(0, revision).u8(1, subs.length);
  for (let i = 0; i < 6; i++) out.u8(2 + i, i === 5 ? authority : 0);
  subs.forEach((s, i) => out.u32(8 + 4 * i, s));
  return out.done;
}

// ---------------------------------------------------------------- processes

function queryProcess(c: SyscallCall): number {
  const [handle, cls, buffer, length, pReturn] = c.args as [number, number, number, number, number];
  const p = c.process;
  const o = p.object(handle, c.thread);
  if (!(o instanceof ProcessObject)) return o === undefined ? Status.INVALID_HANDLE : Status.OBJECT_TYPE_MISMATCH;
  const clockMs = p.machine.clock() / INSTRUCTIONS_PER_MS;
  switch (cls) {
    case 0: // ProcessBasicInformation
      return answer(c, buffer, length, pReturn, new Out(24).u32(0, p.exitStatus ?? 0x103).u32(4, p.peb).u32(8, 1).u32(12, 8).u32(16, p.processId).u32(20, 0x10).done, true);
    case 4: // ProcessTimes: creation at the guest epoch, user time = the clock
      return answer(c, buffer, length, pReturn, new Out(32).u64(0, p.systemTime() - BigInt(Math.floor(clockMs * 10000))).u64(24, Math.floor(clockMs * 10000)).done);
    case 5: // ProcessBasePriority (set only)
      return unsupported(c, "ProcessBasePriority", cls);
    case 7: // ProcessDebugPort: no debugger
      return answer(c, buffer, length, pReturn, new Out(4).done, true);
    case 12: // ProcessDefaultHardErrorMode
      return answer(c, buffer, length, pReturn, new Out(4).u32(0, p.hardErrorMode).done, true);
    case 18: // ProcessPriorityClass {Foreground, PriorityClass}
      return answer(c, buffer, length, pReturn, new Out(2).u8(1, 2).done, true);
    case 20: // ProcessHandleCount
      return answer(c, buffer, length, pReturn, new Out(4).u32(0, p.handles.count()).done, true);
    case 21: // ProcessAffinityMask
      return answer(c, buffer, length, pReturn, new Out(4).u32(0, affinity(c)).done, true);
    case 22: // ProcessPriorityBoost
      return answer(c, buffer, length, pReturn, new Out(4).done, true);
    case 24: // ProcessSessionInformation
      return answer(c, buffer, length, pReturn, new Out(4).u32(0, 1).done, true);
    case 26: // ProcessWow64Information: not a WoW64 process
      return answer(c, buffer, length, pReturn, new Out(4).done, true);
    case 27: // ProcessImageFileName (NT path)
    case 43: {
      // ProcessImageFileNameWin32
      const path = cls === 43 ? p.mainImage.guestPath : `\\Device\\HarddiskVolume1${p.mainImage.guestPath.replace(/^[A-Za-z]:/, "")}`;
      const name = utf16le(path);
      const out = new Out(8 + name.length + 2).u16(0, name.length).u16(2, name.length + 2).u32(4, buffer + 8).set(8, name);
      return answer(c, buffer, length, pReturn, out.done);
    }
    case 30: // ProcessDebugObjectHandle
      return 0xc0000353; // STATUS_PORT_NOT_SET
    case 31: // ProcessDebugFlags: no debugger (NoDebugInherit)
      return answer(c, buffer, length, pReturn, new Out(4).u32(0, 1).done, true);
    case 34: // ProcessExecuteFlags: DEP on, permanent
      return answer(c, buffer, length, pReturn, new Out(4).u32(0, 0x09).done, true);
    case 36: // ProcessCookie
      return answer(c, buffer, length, pReturn, new Out(4).u32(0, 0x6e747263).done, true);
    case 37: // ProcessImageInformation
      return answer(c, buffer, length, pReturn, imageInformation(p.mainImageFile), true);
    case 29: // ProcessBreakOnTermination
    case 33: // ProcessIoPriority
    case 39: // ProcessPagePriority
      return answer(c, buffer, length, pReturn, new Out(4).u32(0, cls === 33 ? 2 : cls === 39 ? 5 : 0).done, true);
    default:
      return unsupported(c, "process information", cls);
  }
}

function affinity(c: SyscallCall): number {
  const n = c.process.machine.cpus.length;
  return n >= 32 ? 0xffffffff : (2 ** n - 1) >>> 0;
}

function setProcess(c: SyscallCall): number {
  const [handle, cls, buffer, length] = c.args as [number, number, number, number];
  const p = c.process;
  const o = p.object(handle, c.thread);
  if (!(o instanceof ProcessObject)) return o === undefined ? Status.INVALID_HANDLE : Status.OBJECT_TYPE_MISMATCH;
  switch (cls) {
    case 12: // ProcessDefaultHardErrorMode
      if (length !== 4) return Status.INFO_LENGTH_MISMATCH;
      p.hardErrorMode = p.guest.u32(buffer);
      return Status.SUCCESS;
    case 5: // ProcessBasePriority
    case 18: // ProcessPriorityClass
    case 21: // ProcessAffinityMask
    case 22: // ProcessPriorityBoost
    case 29: // ProcessBreakOnTermination
    case 33: // ProcessIoPriority
    case 34: // ProcessExecuteFlags
    case 39: // ProcessPagePriority
    case 52: // ProcessInstrumentationCallback
    case 77: // ProcessPowerThrottlingState
      return Status.SUCCESS; // scheduling hints: the machine's scheduler is deterministic and ignores them
    case 35: // ProcessTlsInformation (Wine's ldr, for new TLS slots of existing threads)
      return updateTlsOfThreads(c, buffer, length);
    case 1000: // ProcessWineMakeProcessSystem
      return Status.SUCCESS;
    default:
      return unsupported(c, "set process information", cls);
  }
}

/**
 * ProcessTlsInformation: PROCESS_TLS_INFORMATION {Flags, OperationType, ThreadDataCount,
 * TlsIndex|TlsVectorLength, ThreadData[] {Flags, ThreadId, TlsVector|TlsModulePointer}}: swap
 * each listed thread's TLS vector (or its module slot) with the given one, as Windows does.
 */
function updateTlsOfThreads(c: SyscallCall, buffer: number, length: number): number {
  const g = c.process.guest;
  if (length < 16) return Status.INFO_LENGTH_MISMATCH;
  const operation = g.u32(buffer + 4);
  const count = g.u32(buffer + 8);
  const index = g.u32(buffer + 12);
  if (length < 16 + 12 * count || count > 4096) return Status.INFO_LENGTH_MISMATCH;
  const threads = [...c.process.threads.keys()].filter((t) => t.state !== "terminated");
  for (let i = 0; i < count && i < threads.length; i++) {
    const t = threads[i]!;
    const entry = buffer + 16 + 12 * i;
    const tlsPointer = t.teb + 0x2c;
    const value = g.u32(entry + 8);
    if (operation === 1) {
      // ProcessTlsReplaceVector: swap the whole vector
      g.setU32(entry + 8, g.u32(tlsPointer));
      g.setU32(tlsPointer, value);
    } else {
      // ProcessTlsReplaceIndex: swap one module's slot
      const vector = g.u32(tlsPointer);
      if (vector === 0) continue;
      g.setU32(entry + 8, g.u32(vector + 4 * index));
      g.setU32(vector + 4 * index, value);
    }
    g.setU32(entry + 4, t.cid.thread);
    g.setU32(entry, 2); // THREAD_TLS_INFORMATION_ASSIGNED
  }
  return Status.SUCCESS;
}

// ---------------------------------------------------------------- threads

function queryThread(c: SyscallCall): number {
  const [handle, cls, buffer, length, pReturn] = c.args as [number, number, number, number, number];
  const o = objectOf(c, handle, ThreadObject);
  if (typeof o === "number") return o;
  const t = o.thread;
  const p = c.process;
  switch (cls) {
    case 0: // ThreadBasicInformation
      return answer(c, buffer, length, pReturn, new Out(28).u32(0, t.state === "terminated" ? t.exitCode ?? 0 : 0x103).u32(4, t.teb).u32(8, t.cid.process).u32(12, t.cid.thread).u32(16, affinity(c)).u32(20, 8).u32(24, 8).done, true);
    case 1: // ThreadTimes
      return answer(c, buffer, length, pReturn, new Out(32).u64(0, p.systemTime()).done);
    case 6: {
      // ThreadDescriptorTableEntry: DESCRIPTOR_TABLE_ENTRY {Selector, LDT_ENTRY}
      if (length < 12) return Status.INFO_LENGTH_MISMATCH;
      const selector = p.guest.u32(buffer);
      const entry = p.machine.memory.read(0x80000000 + (selector & ~7), 8);
      if ((selector & 4) !== 0 || (selector & ~7) >= 0x80) return Status.INVALID_PARAMETER;
      p.guest.write(buffer + 4, entry);
      p.guest.optU32(pReturn, 12);
      return Status.SUCCESS;
    }
    case 9: // ThreadQuerySetWin32StartAddress
      return answer(c, buffer, length, pReturn, new Out(4).u32(0, p.threadStart(t)).done, true);
    case 12: // ThreadAmILastThread
      return answer(c, buffer, length, pReturn, new Out(4).u32(0, [...p.threads.keys()].filter((x) => x.state !== "terminated").length <= 1 ? 1 : 0).done, true);
    case 13: // ThreadIdealProcessor
    case 14: // ThreadPriorityBoost
    case 17: // ThreadHideFromDebugger
    case 18: // ThreadBreakOnTermination
    case 22: // ThreadIoPriority
      return answer(c, buffer, length, pReturn, new Out(cls === 17 ? 1 : 4).done, true);
    case 20: // ThreadIsTerminated
      return answer(c, buffer, length, pReturn, new Out(4).u32(0, t.state === "terminated" ? 1 : 0).done, true);
    case 30: // ThreadGroupInformation: GROUP_AFFINITY {Mask, Group, Reserved[3]}
      return answer(c, buffer, length, pReturn, new Out(12).u32(0, affinity(c)).done, true);
    case 35: // ThreadSuspendCount
      return answer(c, buffer, length, pReturn, new Out(4).u32(0, t.suspendCount).done, true);
    case 38: {
      // ThreadNameInformation: UNICODE_STRING + name
      const name = utf16le(p.threadName(t));
      return answer(c, buffer, length, pReturn, new Out(8 + name.length).u16(0, name.length).u16(2, name.length).u32(4, name.length > 0 ? buffer + 8 : 0).set(8, name).done);
    }
    default:
      return unsupported(c, "thread information", cls);
  }
}

function setThread(c: SyscallCall): number {
  const [handle, cls, buffer, length] = c.args as [number, number, number, number];
  const o = objectOf(c, handle, ThreadObject);
  if (typeof o === "number") return o;
  const p = c.process;
  switch (cls) {
    case 2: // ThreadPriority
    case 3: // ThreadBasePriority
    case 4: // ThreadAffinityMask
    case 13: // ThreadIdealProcessor
    case 14: // ThreadPriorityBoost
    case 17: // ThreadHideFromDebugger
    case 18: // ThreadBreakOnTermination
    case 22: // ThreadIoPriority
    case 30: // ThreadGroupInformation
    case 33: // ThreadIdealProcessorEx
    case 49: // ThreadPowerThrottlingState
      return Status.SUCCESS; // scheduling hints: the deterministic scheduler ignores them
    case 9: // ThreadQuerySetWin32StartAddress
      if (length !== 4) return Status.INFO_LENGTH_MISMATCH;
      p.setThreadStart(o.thread, p.guest.u32(buffer));
      return Status.SUCCESS;
    case 10: {
      // ThreadZeroTlsCell: zero one TLS slot in every thread
      const index = p.guest.u32(buffer);
      // (ended threads have no TEB any more)
      for (const t of p.threads.keys()) if (index < 64 && t.state !== "terminated") p.machine.memory.setU32(t.teb + 0xe10 + 4 * index, 0);
      return Status.SUCCESS;
    }
    case 38: // ThreadNameInformation
    case 1000: {
      // ThreadWineNativeThreadName
      const name = p.guest.unicodeString(buffer) ?? "";
      p.setThreadName(o.thread, name);
      return Status.SUCCESS;
    }
    default:
      return unsupported(c, "set thread information", cls);
  }
}

// ---------------------------------------------------------------- system

function querySystem(c: SyscallCall): number {
  const [cls, buffer, length, pReturn] = c.args as [number, number, number, number];
  const p = c.process;
  const cpus = p.machine.cpus.length;
  switch (cls) {
    case 0: // SystemBasicInformation
    case 62: // SystemEmulationBasicInformation
      return answer(c, buffer, length, pReturn, new Out(44).u32(4, 156250).u32(8, 0x1000).u32(12, 0x80000).u32(16, 1).u32(20, 0x7ffff).u32(24, 0x10000).u32(28, 0x10000).u32(32, USER_HIGH - 1).u32(36, affinity(c)).u8(40, cpus).done, true);
    case 1: // SystemCpuInformation {Architecture, Level, Revision, MaximumProcessors, FeatureBits}
    case 63: // SystemEmulationProcessorInformation
      return answer(c, buffer, length, pReturn, new Out(12).u16(0, 0).u16(2, 6).u16(4, 0).u16(6, cpus).u32(8, 0x0000_1bbf).done, true);
    case 2: // SystemPerformanceInformation: zeros but the page counts GlobalMemoryStatus reads
      return answer(c, buffer, length, pReturn, new Out(0x138).u32(0x0c, 0x40000).u32(0x10, 0x80000).u32(0x14, 0x80000).done);
    case 3: {
      // SystemTimeOfDayInformation: boot at the guest epoch
      const now = p.systemTime();
      const data = new Out(48).u64(0, now - BigInt(Math.floor(p.machine.clock() / (INSTRUCTIONS_PER_MS / 10000)))).u64(8, now).done;
      const n = Math.min(length, 48);
      p.guest.write(buffer, data.subarray(0, n));
      p.guest.optU32(pReturn, n);
      return Status.SUCCESS;
    }
    case 8: // SystemProcessorPerformanceInformation: per CPU {Idle, Kernel, User, DpcTime, InterruptTime, InterruptCount}
      return answer(c, buffer, length, pReturn, new Out(48 * cpus).done);
    case 23: {
      // SystemInterruptInformation: Wine's RtlGenRandom (advapi32 SystemFunction036, bcrypt's
      // BCryptGenRandom) takes its random bytes from here. A fixed-seed generator of the
      // process keeps runs deterministic; these bytes are not secret.
      const data = new Uint8Array(24 * cpus);
      p.randomBytes(data);
      return answer(c, buffer, length, pReturn, data);
    }
    case 35: // SystemKernelDebuggerInformation: no debugger
      return answer(c, buffer, length, pReturn, new Out(2).done, true);
    case 37: // SystemRegistryQuotaInformation
      return answer(c, buffer, length, pReturn, new Out(12).u32(0, 0x10000000).u32(8, 0x10000000).done);
    case 73: {
      // SystemLogicalProcessorInformation: one core per CPU
      const entries = new Out(24 * cpus);
      for (let i = 0; i < cpus; i++) entries.u32(24 * i, (1 << i) >>> 0).u32(24 * i + 4, 0).u8(24 * i + 8, 1);
      return answer(c, buffer, length, pReturn, entries.done);
    }
    case 103: // SystemCodeIntegrityInformation {Length, CodeIntegrityOptions}
      return answer(c, buffer, length, pReturn, new Out(8).u32(0, 8).u32(4, 1).done, true);
    case 44: // SystemTimeZoneInformation
    case 102: // SystemDynamicTimeZoneInformation
      return answer(c, buffer, length, pReturn, utcTimeZone(cls === 102), false);
    case 1000: {
      // SystemWineVersionInformation: "version\0build\0system\0release"
      const text = Buffer.from(`8.0\0wine-8.0 (Debian 8.0~repack-4)\0ntrace\0${c.process.sys.version || "emulated"}\0`, "latin1");
      return answer(c, buffer, length, pReturn, new Uint8Array(text));
    }
    case 58: // SystemRecommendedSharedDataAlignment
      return answer(c, buffer, length, pReturn, new Out(4).u32(0, 64).done, true);
    default:
      return unsupported(c, "system information", cls);
  }
}

/** RTL_(DYNAMIC_)TIME_ZONE_INFORMATION of UTC: the guest's time zone, every run. */
function utcTimeZone(dynamic: boolean): Uint8Array {
  const out = new Out(dynamic ? 432 : 172);
  const name = utf16le("Coordinated Universal Time");
  out.set(4, name).set(88, name);
  if (dynamic) out.set(172, utf16le("UTC")).u8(428, 1);
  return out.done;
}

// ---------------------------------------------------------------- tokens

class TokenObject extends PlainObject {
  constructor() {
    super("Token");
  }
}

function openToken(c: SyscallCall, pHandle: number, access: number): number {
  return putHandle(c, pHandle, new TokenObject(), access) ?? Status.SUCCESS;
}

function queryToken(c: SyscallCall): number {
  const [handle, cls, buffer, length, pReturn] = c.args as [number, number, number, number, number];
  // The pseudo-handles -4, -5, -6 name the current process, thread and effective tokens.
  const pseudo = handle >>> 0 >= 0xfffffffa && handle >>> 0 <= 0xfffffffc;
  const o = pseudo ? undefined : objectOf(c, handle, TokenObject);
  if (typeof o === "number") return o;
  const user = sidBytes(USER_SID);
  const sidAnd = (sid: Uint8Array, attributes: number) => new Out(8 + sid.length).u32(0, buffer + 8).u32(4, attributes).set(8, sid).done;
  switch (cls) {
    case 1: // TokenUser
      return sized(c, buffer, length, pReturn, sidAnd(user, 0));
    case 2: {
      // TokenGroups: Everyone, Users
      const everyone = sidBytes("S-1-1-0");
      const users = sidBytes("S-1-5-32-545");
      const out = new Out(4 + 16 + everyone.length + users.length).u32(0, 2);
      const a = buffer + 20;
      const b = a + everyone.length;
      out.u32(4, a).u32(8, 7).u32(12, b).u32(16, 7).set(20, everyone).set(20 + everyone.length, users);
      return sized(c, buffer, length, pReturn, out.done);
    }
    case 3: // TokenPrivileges: none
      return sized(c, buffer, length, pReturn, new Out(4).done);
    case 4: // TokenOwner
    case 5: // TokenPrimaryGroup
      return sized(c, buffer, length, pReturn, new Out(4 + user.length).u32(0, buffer + 4).set(4, user).done);
    case 6: // TokenDefaultDacl: no DACL
      return sized(c, buffer, length, pReturn, new Out(4).done);
    case 8: // TokenType: primary
      return sized(c, buffer, length, pReturn, new Out(4).u32(0, 1).done);
    case 10: // TokenStatistics
      return sized(c, buffer, length, pReturn, new Out(56).u32(0, 0x1000).u32(8, 0x3e7).u32(24, 1).done);
    case 12: // TokenSessionId
      return sized(c, buffer, length, pReturn, new Out(4).u32(0, 1).done);
    case 18: // TokenElevationType: default
      return sized(c, buffer, length, pReturn, new Out(4).u32(0, 1).done);
    case 20: // TokenElevation: not elevated
      return sized(c, buffer, length, pReturn, new Out(4).done);
    case 25: {
      // TokenIntegrityLevel: medium
      const label = sidBytes("S-1-16-8192");
      return sized(c, buffer, length, pReturn, new Out(8 + label.length).u32(0, buffer + 8).u32(4, 0x20).set(8, label).done);
    }
    case 29: // TokenIsAppContainer
      return sized(c, buffer, length, pReturn, new Out(4).done);
    default:
      return unsupported(c, "token information", cls);
  }
}

/** Token queries report a short buffer with STATUS_BUFFER_TOO_SMALL and the size needed. */
function sized(c: SyscallCall, buffer: number, length: number, pReturn: number, data: Uint8Array): number {
  c.process.guest.optU32(pReturn, data.length);
  if (length < data.length) return Status.BUFFER_TOO_SMALL;
  c.process.guest.write(buffer, data);
  return Status.SUCCESS;
}

export const infoSyscalls: SyscallTable = {
  NtQueryInformationProcess: { args: ["handle", "class", "ptr", "ulong", "ptr"], handler: queryProcess },
  NtSetInformationProcess: { args: ["handle", "class", "ptr", "ulong"], handler: setProcess },
  NtQueryInformationThread: { args: ["handle", "class", "ptr", "ulong", "ptr"], handler: queryThread },
  NtSetInformationThread: { args: ["handle", "class", "ptr", "ulong"], handler: setThread },
  NtQuerySystemInformation: { args: ["class", "ptr", "ulong", "ptr"], handler: querySystem },
  NtQuerySystemInformationEx: {
    args: ["class", "ptr", "ulong", "ptr", "ulong", "ptr"],
    handler: (c) => querySystem({ ...c, args: [c.args[0]!, c.args[3]!, c.args[4]!, c.args[5]!] }),
  },
  NtOpenProcessToken: { args: ["handle", "access", "ptr"], handler: (c) => openToken(c, c.args[2]!, c.args[1]!) },
  NtOpenProcessTokenEx: { args: ["handle", "access", "ulong", "ptr"], handler: (c) => openToken(c, c.args[3]!, c.args[1]!) },
  // A thread has no impersonation token: callers fall back to the process token.
  NtOpenThreadToken: { args: ["handle", "access", "bool", "ptr"], handler: () => Status.NO_TOKEN },
  NtOpenThreadTokenEx: { args: ["handle", "access", "bool", "ulong", "ptr"], handler: () => Status.NO_TOKEN },
  NtQueryInformationToken: { args: ["handle", "class", "ptr", "ulong", "ptr"], handler: queryToken },
  NtSetInformationToken: { args: ["handle", "class", "ptr", "ulong"], handler: () => Status.SUCCESS },
  NtAdjustPrivilegesToken: {
    args: ["handle", "bool", "ptr", "ulong", "ptr", "ptr"],
    handler: () => Status.NOT_ALL_ASSIGNED,
  },
  NtDuplicateToken: { args: ["handle", "access", "objattr", "bool", "ulong", "ptr"], handler: (c) => openToken(c, c.args[5]!, c.args[1]!) },
  NtAccessCheck: {
    args: ["ptr", "handle", "access", "ptr", "ptr", "ptr", "ptr", "ptr"],
    handler: (c) => {
      const [, , desired, , , , pGranted, pStatus] = c.args as number[] as [number, number, number, number, number, number, number, number];
      c.process.guest.setU32(pGranted, desired);
      c.process.guest.setU32(pStatus, Status.SUCCESS);
      return Status.SUCCESS;
    },
  },
  NtPrivilegeCheck: {
    args: ["handle", "ptr", "ptr"],
    handler: (c) => {
      c.process.guest.setU32(c.args[2]!, 0);
      return Status.SUCCESS;
    },
  },
  NtAllocateLocallyUniqueId: {
    args: ["ptr"],
    handler: (c) => {
      const luid = c.process.nextLuid++;
      c.process.guest.setU32(c.args[0]!, luid);
      c.process.guest.setU32(c.args[0]! + 4, 0);
      return Status.SUCCESS;
    },
  },
  NtIsProcessInJob: { args: ["handle", "handle"], handler: () => 0x00000123 /* STATUS_PROCESS_NOT_IN_JOB */ },
  NtQueryLicenseValue: { args: ["ustr", "ptr", "ptr", "ulong", "ptr"], handler: () => Status.OBJECT_NAME_NOT_FOUND },
  NtQuerySystemEnvironmentValue: { args: ["ustr", "ptr", "ulong", "ptr"], handler: () => 0xc0000100 /* STATUS_VARIABLE_NOT_FOUND */ },
  NtQuerySystemEnvironmentValueEx: { args: ["ustr", "ptr", "ptr", "ptr", "ptr"], handler: () => 0xc0000100 },
  NtPowerInformation: {
    args: ["class", "ptr", "ulong", "ptr", "ulong"],
    // No power management: every level fails (CallNtPowerInformation callers check it).
    handler: (c) => unsupported(c, "power information", c.args[0]!),
  },
  NtRaiseHardError: {
    args: ["status", "ulong", "ulong", "ptr", "ulong", "ptr"],
    handler: (c) => {
      c.process.guest.optU32(c.args[5]!, 1); // ResponseAbort
      return Status.SUCCESS;
    },
  },
};

export { CURRENT_PROCESS, CURRENT_THREAD, PEB };
