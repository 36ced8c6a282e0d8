/** Guest address-space layout and the x86 offsets of the NT structures the machine builds. */

/** Host-API region: built-in DLL images (stubs) and the machine's own trampolines. */
export const HOST_REGION = 0x7c000000;
export const HOST_REGION_END = 0x7cffffff;
/** Trampolines the machine owns (first page of HOST_REGION). */
export const STUB = {
  /** A guest function called by the host returns here. */
  RETURN: HOST_REGION + 0x00,
  /** A thread's start routine returns here: ExitThread(EAX). */
  THREAD_EXIT: HOST_REGION + 0x10,
  /** Machine start-up: the iretd that drops to CPL 3, and where it lands. */
  IRET: HOST_REGION + 0x20,
  USER_ENTRY: HOST_REGION + 0x30,
} as const;
/** Built-in DLLs get synthetic images from here, 64 KiB apart (inside the mapped 1 MiB HOST_REGION). */
export const BUILTIN_DLL_BASE = 0x7c010000;
export const BUILTIN_DLL_STRIDE = 0x00010000;

export const PEB_ADDRESS = 0x7ffdf000;
/** TEB n lives at TEB_TOP - n * 0x1000 (n from 0), as Windows XP placed them below the PEB. */
export const TEB_TOP = 0x7ffde000;
export const TEB_SIZE = 0x1000;

/** Kernel-range region holding one KTHREAD/ETHREAD object per thread. */
export const KTHREAD_REGION = 0x80100000;
export const KTHREAD_REGION_SIZE = 0x00100000;
export const ETHREAD_SIZE = 0x400;

/** NT_TIB / TEB (x86). */
export const TEB = {
  ExceptionList: 0x00,
  StackBase: 0x04,
  StackLimit: 0x08,
  Self: 0x18,
  EnvironmentPointer: 0x1c,
  ClientIdProcess: 0x20,
  ClientIdThread: 0x24,
  ActiveRpcHandle: 0x28,
  ThreadLocalStoragePointer: 0x2c,
  ProcessEnvironmentBlock: 0x30,
  LastErrorValue: 0x34,
  TlsSlots: 0xe10,
  TlsExpansionSlots: 0xf94,
} as const;
export const TLS_MINIMUM_AVAILABLE = 64;

/** PEB (x86). */
export const PEB = {
  BeingDebugged: 0x02,
  ImageBaseAddress: 0x08,
  Ldr: 0x0c,
  ProcessParameters: 0x10,
  ProcessHeap: 0x18,
  NumberOfProcessors: 0x64,
} as const;

/**
 * KTHREAD/ETHREAD fields set for each thread, at the offsets of Windows 7 SP1 x86
 * (_KTHREAD: InitialStack 0x28, StackLimit 0x2c, Teb 0x88, StackBase 0x190, size 0x200;
 * _ETHREAD: Cid 0x22c, size 0x2b8). Source: the type information of Windows 7 SP1 x86
 * ntoskrnl.exe's symbols as dumped in github.com/ntdiff/headers
 * (Win7_SP1/x86/System32/ntoskrnl.exe/Standalone/_KTHREAD.h, _ETHREAD.h); Geoff Chappell's
 * KTHREAD page agrees (6.2 moved InitialStack/StackLimit/StackBase "previously at 0x28, 0x2C,
 * 0x0190"). 0x18/0x1c, used here before, are the Windows XP/2003 offsets.
 * The object's address is the thread's key everywhere in ntrace.
 */
export const KTHREAD = {
  InitialStack: 0x28,
  StackLimit: 0x2c,
  Teb: 0x88,
  StackBase: 0x190,
  CidProcess: 0x22c,
  CidThread: 0x230,
} as const;

/** CRITICAL_SECTION (x86): the guest may read these fields inline. */
export const CRITICAL_SECTION = {
  DebugInfo: 0x00,
  LockCount: 0x04,
  RecursionCount: 0x08,
  OwningThread: 0x0c,
  LockSemaphore: 0x10,
  SpinCount: 0x14,
} as const;
