/**
 * Kernel-mode address layout and the x86 offsets of the structures the kernel personality
 * builds, as laid out by Windows 7 SP1 x86 (the release whose KTHREAD/ETHREAD offsets
 * core/layout.ts uses). Sizes and offsets match samples/kernel/include/kdk.h (checked there
 * with _Static_assert against the same numbers).
 */

import { HOST_STUBS } from "../core/layout.js";

/** Built-in DLLs (ntoskrnl.exe, hal.dll): synthetic images in the host stub region, 64 KiB apart. */
export const BUILTIN_DLL_BASE = HOST_STUBS + 0x10000;
export const BUILTIN_DLL_STRIDE = 0x10000;

/** One KPCR (with the KPRCB embedded at 0x120) per CPU, KPCR_STRIDE apart. */
export const KPCR_REGION = 0x80300000;
export const KPCR_STRIDE = 0x4000;
/** KTHREAD/ETHREAD objects of kernel threads (idle, system): the thread keys. */
export const KERNEL_THREAD_REGION = 0x80400000;
export const KERNEL_THREAD_REGION_SIZE = 0x00100000;
export const KTHREAD_OBJECT_SIZE = 0x400;
/** x86 KERNEL_STACK_SIZE (12 KiB), used for thread stacks and the per-CPU DPC stacks. */
export const KERNEL_STACK_SIZE = 0x3000;

/** KPCR (x86). NtTib first: fs:[0] is the kernel-mode SEH chain head. */
export const KPCR = {
  ExceptionList: 0x00,
  StackBase: 0x04,
  StackLimit: 0x08,
  SelfPcr: 0x1c,
  Prcb: 0x20,
  Irql: 0x24,
  MajorVersion: 0x44,
  MinorVersion: 0x46,
  SetMember: 0x48,
  Number: 0x51,
  PrcbData: 0x120,
} as const;

/** KPRCB (x86) offsets relative to the KPRCB (KPCR + 0x120). */
export const KPRCB = {
  MinorVersion: 0x00,
  MajorVersion: 0x02,
  CurrentThread: 0x04, // fs:[0x124]
  NextThread: 0x08,
  IdleThread: 0x0c, // fs:[0x12C]
  LegacyNumber: 0x10,
  SetMember: 0x14,
  DpcStack: 0x1908,
  DpcRoutineActive: 0x1932,
} as const;

/** KTHREAD/ETHREAD fields beyond nt/layout.ts's KTHREAD. */
export const KTHREAD_EXTRA = {
  HeaderType: 0x00, // DISPATCHER_HEADER.Type = 6 (ThreadObject)
  HeaderSize: 0x02,
} as const;

export const DISPATCHER_HEADER = { Type: 0x00, Size: 0x02, SignalState: 0x04, WaitListHead: 0x08 } as const;
export const KEVENT_SIZE = 0x10;

export const KDPC = {
  Type: 0x00,
  Importance: 0x01,
  Number: 0x02,
  DpcListEntry: 0x04,
  DeferredRoutine: 0x0c,
  DeferredContext: 0x10,
  SystemArgument1: 0x14,
  SystemArgument2: 0x18,
  DpcData: 0x1c,
} as const;
export const KDPC_SIZE = 0x20;
/** KDPC.Number for a targeted DPC: MAXIMUM_PROCESSORS + processor (Windows 7: 32 + n). */
export const DPC_TARGET_BASE = 32;

export const UNICODE_STRING = { Length: 0, MaximumLength: 2, Buffer: 4 } as const;

export const DRIVER_OBJECT = {
  Type: 0x00,
  Size: 0x02,
  DeviceObject: 0x04,
  Flags: 0x08,
  DriverStart: 0x0c,
  DriverSize: 0x10,
  DriverSection: 0x14,
  DriverExtension: 0x18,
  DriverName: 0x1c,
  DriverInit: 0x2c,
  DriverStartIo: 0x30,
  DriverUnload: 0x34,
  MajorFunction: 0x38,
} as const;
export const DRIVER_OBJECT_SIZE = 0xa8;
export const IRP_MJ_MAXIMUM_FUNCTION = 0x1b;

export const DEVICE_OBJECT = {
  Type: 0x00,
  Size: 0x02,
  ReferenceCount: 0x04,
  DriverObject: 0x08,
  NextDevice: 0x0c,
  AttachedDevice: 0x10,
  CurrentIrp: 0x14,
  Flags: 0x1c,
  Characteristics: 0x20,
  DeviceExtension: 0x28,
  DeviceType: 0x2c,
  StackSize: 0x30,
  AlignmentRequirement: 0x5c,
  Dpc: 0x74,
  DeviceLock: 0x9c,
  DeviceObjectExtension: 0xb0,
} as const;
export const DEVICE_OBJECT_SIZE = 0xb8;
export const DO_DEVICE_INITIALIZING = 0x80;

export const IRP = {
  Type: 0x00,
  Size: 0x02,
  MdlAddress: 0x04,
  Flags: 0x08,
  SystemBuffer: 0x0c,
  ThreadListEntry: 0x10,
  IoStatusStatus: 0x18,
  IoStatusInformation: 0x1c,
  RequestorMode: 0x20,
  PendingReturned: 0x21,
  StackCount: 0x22,
  CurrentLocation: 0x23,
  Cancel: 0x24,
  UserIosb: 0x28,
  UserEvent: 0x2c,
  UserBuffer: 0x3c,
  Thread: 0x50,
  CurrentStackLocation: 0x60,
  OriginalFileObject: 0x64,
} as const;
export const IRP_SIZE = 0x70;
export const IRP_BUFFERED_IO = 0x10;
export const IRP_DEALLOCATE_BUFFER = 0x20;
export const IRP_INPUT_OPERATION = 0x40;

export const IO_STACK_LOCATION = {
  MajorFunction: 0x00,
  MinorFunction: 0x01,
  Flags: 0x02,
  Control: 0x03,
  OutputBufferLength: 0x04,
  InputBufferLength: 0x08,
  IoControlCode: 0x0c,
  Type3InputBuffer: 0x10,
  DeviceObject: 0x14,
  FileObject: 0x18,
  CompletionRoutine: 0x1c,
  Context: 0x20,
} as const;
export const IO_STACK_LOCATION_SIZE = 0x24;
export const SL_PENDING_RETURNED = 0x01;
export const SL_INVOKE_ON_CANCEL = 0x20;
export const SL_INVOKE_ON_SUCCESS = 0x40;
export const SL_INVOKE_ON_ERROR = 0x80;

export const FILE_OBJECT_SIZE = 0x80;

export const IRQL = { PASSIVE: 0, APC: 1, DISPATCH: 2, HIGH: 31 } as const;

export const NTSTATUS = {
  SUCCESS: 0x00000000,
  PENDING: 0x00000103,
  TIMEOUT: 0x00000102,
  MORE_PROCESSING_REQUIRED: 0xc0000016,
  INVALID_DEVICE_REQUEST: 0xc0000010,
  OBJECT_NAME_COLLISION: 0xc0000035,
  OBJECT_NAME_NOT_FOUND: 0xc0000034,
  INSUFFICIENT_RESOURCES: 0xc000009a,
} as const;

/** Bug-check codes the personality raises itself. */
export const BUGCHECK = {
  NO_MORE_IRP_STACK_LOCATIONS: 0x35,
  SYSTEM_THREAD_EXCEPTION_NOT_HANDLED: 0x7e,
  UNEXPECTED_KERNEL_MODE_TRAP: 0x7f,
  IRQL_NOT_LESS_OR_EQUAL: 0x0a,
} as const;

/** IRP_MJ_* names accepted on the command line. */
export const IRP_MJ: Record<string, number> = {
  create: 0x00,
  create_named_pipe: 0x01,
  close: 0x02,
  read: 0x03,
  write: 0x04,
  query_information: 0x05,
  set_information: 0x06,
  flush_buffers: 0x09,
  device_control: 0x0e,
  devctl: 0x0e,
  ioctl: 0x0e,
  internal_device_control: 0x0f,
  shutdown: 0x10,
  cleanup: 0x12,
  power: 0x16,
  system_control: 0x17,
  pnp: 0x1b,
};

export function majorName(major: number): string {
  const names: Record<number, string> = { 0: "IRP_MJ_CREATE", 2: "IRP_MJ_CLOSE", 3: "IRP_MJ_READ", 4: "IRP_MJ_WRITE", 0xe: "IRP_MJ_DEVICE_CONTROL", 0xf: "IRP_MJ_INTERNAL_DEVICE_CONTROL", 0x12: "IRP_MJ_CLEANUP", 0x1b: "IRP_MJ_PNP" };
  return names[major] ?? `IRP_MJ_0x${major.toString(16)}`;
}
