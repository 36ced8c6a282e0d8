/**
 * The system range of the guest address space (>= 0x80000000), owned by the machine, its
 * personalities and the tracer, and the KTHREAD offsets every thread object carries.
 *
 *   0x80000000  GDT (one page)
 *   0x80010000  host stubs: addresses whose code hook reaches TypeScript (machine trampolines,
 *               system-call and unix-call dispatchers, kernel built-in APIs); filled with int3
 *   0x80100000  KTHREAD/ETHREAD objects, ETHREAD_SIZE each: the thread keys
 *   0x80300000  kernel personality: KPCR/KPRCB per CPU, then kernel threads from 0x80400000
 *               (runtime/kernel/layout.ts)
 *   0x90000000  system arena: tracer thunk pages and other host-owned guest memory
 */

export const GDT_BASE = 0x80000000;

export const HOST_STUBS = 0x80010000;
export const HOST_STUBS_SIZE = 0x000f0000;
export const HOST_STUBS_END = HOST_STUBS + HOST_STUBS_SIZE - 1;
/** Trampolines the machine owns (first page of HOST_STUBS). */
export const STUB = {
  /** A guest function called by the host returns here. */
  RETURN: HOST_STUBS + 0x00,
  /** A thread's start routine returns here: the thread ends with EAX. */
  THREAD_EXIT: HOST_STUBS + 0x10,
  /** Machine start-up: the iretd that drops to CPL 3, and where it lands. */
  IRET: HOST_STUBS + 0x20,
  USER_ENTRY: HOST_STUBS + 0x30,
} as const;
/** Stubs handed out by Machine.addStub start here. */
export const FIRST_DYNAMIC_STUB = HOST_STUBS + 0x1000;

export const KTHREAD_REGION = 0x80100000;
export const KTHREAD_REGION_SIZE = 0x00100000;
export const ETHREAD_SIZE = 0x400;

export const SYSTEM_ARENA = 0x90000000;
export const SYSTEM_ARENA_END = 0xa0000000;
/**
 * Where the arena's code (the tracer's thunks) starts. Unicorn finds the translated code of an
 * indirect jump's or return's target in a 4,096-entry cache hashed from the address: its low 6
 * bits and bits 12-17, each mixed with the 6 bits above (QEMU's tb_jmp_cache_hash_func). Code
 * at the same hash evicts each other's entry, and a miss costs a linear search of the engine's
 * memory regions. Every traced call runs the module's exit thunk, so its hash must not be
 * that of the program's hot return sites: at 0x90FC0000, bits 18-23 are all ones, so the
 * thunk pages hash apart from the first pages of modules at 256 KiB-aligned bases (0x10000000,
 * and the arena's own start), where small programs' code sits. Measured: traced fib(30) took
 * 1.8 s with its exit thunk at 0x90001000 (sharing a hash with fib's return site 0x10001041)
 * and 1.45 s from here.
 */
export const SYSTEM_ARENA_CODE = 0x90fc0000;

/**
 * KTHREAD/ETHREAD fields set for each thread, at the offsets of Windows 7 SP1 x86
 * (_KTHREAD: InitialStack 0x28, StackLimit 0x2c, Teb 0x88, StackBase 0x190, size 0x200;
 * _ETHREAD: Cid 0x22c, size 0x2b8). Source: the type information of Windows 7 SP1 x86
 * ntoskrnl.exe's symbols as dumped in github.com/ntdiff/headers
 * (Win7_SP1/x86/System32/ntoskrnl.exe/Standalone/_KTHREAD.h, _ETHREAD.h); Geoff Chappell's
 * KTHREAD page agrees (6.2 moved InitialStack/StackLimit/StackBase "previously at 0x28, 0x2C,
 * 0x0190"). The object's address is the thread's key everywhere in ntrace.
 */
export const KTHREAD = {
  InitialStack: 0x28,
  StackLimit: 0x2c,
  Teb: 0x88,
  StackBase: 0x190,
  CidProcess: 0x22c,
  CidThread: 0x230,
} as const;
