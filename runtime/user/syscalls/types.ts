/**
 * How a system call is declared: once, in the table of its family, with its name, its typed
 * arguments (for the syscall log and error reports) and its handler. The dispatcher
 * (dispatcher.ts) finds the number of each name in Wine's ntdll.dll at load time.
 */
import type { ApiOutcome } from "../../core/machine.js";
import type { GuestThread } from "../../core/thread.js";
import type { UserProcess } from "../process.js";

/** Argument kinds: how the syscall log prints them. */
export type ArgKind =
  | "handle"
  | "ptr"
  | "ulong"
  | "long"
  | "bool"
  | "access" // ACCESS_MASK
  | "status"
  | "class" // an information class
  | "ustr" // PUNICODE_STRING
  | "objattr" // POBJECT_ATTRIBUTES
  | "iosb" // PIO_STATUS_BLOCK
  | "plarge" // PLARGE_INTEGER
  | "psize"; // PSIZE_T / PULONG in-out

/** What a handler sees of one call. */
export interface SyscallCall {
  readonly process: UserProcess;
  readonly thread: GuestThread;
  /** The argument dwords, as many as Wine's ntdll passes. */
  readonly args: readonly number[];
  /** Where the call came from (the return address into ntdll's stub's caller). */
  readonly caller: number;
  readonly name: string;
}

/**
 * NTSTATUS (the call returns at once) or a machine outcome: block on objects (the wait's
 * onSatisfied / timeoutValue give the status), "redirected" (NtContinue and friends set the
 * whole context), thread or process exit.
 */
export type SyscallResult = ApiOutcome;

export interface SyscallDecl {
  readonly args: readonly ArgKind[];
  readonly handler: (c: SyscallCall) => SyscallResult;
}

/** One family's table: syscall name → declaration. */
export type SyscallTable = Readonly<Record<string, SyscallDecl>>;

/** NTSTATUS values the handlers return. */
export const Status = {
  SUCCESS: 0x00000000,
  WAIT_0: 0x00000000,
  ABANDONED_WAIT_0: 0x00000080,
  USER_APC: 0x000000c0,
  ALERTED: 0x00000101,
  TIMEOUT: 0x00000102,
  PENDING: 0x00000103,
  REPARSE: 0x00000104,
  MORE_ENTRIES: 0x00000105,
  NOT_ALL_ASSIGNED: 0x00000106,
  SOME_NOT_MAPPED: 0x00000107,
  OBJECT_NAME_EXISTS: 0x40000000,
  IMAGE_NOT_AT_BASE: 0x40000003,
  BUFFER_OVERFLOW: 0x80000005,
  NO_MORE_FILES: 0x80000006,
  NO_MORE_ENTRIES: 0x8000001a,
  UNSUCCESSFUL: 0xc0000001,
  NOT_IMPLEMENTED: 0xc0000002,
  INVALID_INFO_CLASS: 0xc0000003,
  INFO_LENGTH_MISMATCH: 0xc0000004,
  ACCESS_VIOLATION: 0xc0000005,
  INVALID_HANDLE: 0xc0000008,
  INVALID_CID: 0xc000000b,
  INVALID_PARAMETER: 0xc000000d,
  NO_SUCH_FILE: 0xc000000f,
  INVALID_DEVICE_REQUEST: 0xc0000010,
  END_OF_FILE: 0xc0000011,
  NO_MEMORY: 0xc0000017,
  CONFLICTING_ADDRESSES: 0xc0000018,
  NOT_MAPPED_VIEW: 0xc0000019,
  UNABLE_TO_FREE_VM: 0xc000001a,
  ACCESS_DENIED: 0xc0000022,
  BUFFER_TOO_SMALL: 0xc0000023,
  OBJECT_TYPE_MISMATCH: 0xc0000024,
  NONCONTINUABLE_EXCEPTION: 0xc0000025,
  INVALID_DISPOSITION: 0xc0000026,
  NOT_COMMITTED: 0xc000002d,
  OBJECT_NAME_INVALID: 0xc0000033,
  OBJECT_NAME_NOT_FOUND: 0xc0000034,
  OBJECT_NAME_COLLISION: 0xc0000035,
  OBJECT_PATH_INVALID: 0xc0000039,
  OBJECT_PATH_NOT_FOUND: 0xc000003a,
  OBJECT_PATH_SYNTAX_BAD: 0xc000003b,
  SHARING_VIOLATION: 0xc0000043,
  INVALID_PAGE_PROTECTION: 0xc0000045,
  MUTANT_NOT_OWNED: 0xc0000046,
  SEMAPHORE_LIMIT_EXCEEDED: 0xc0000047,
  SECTION_NOT_IMAGE: 0xc0000049,
  THREAD_IS_TERMINATING: 0xc000004b,
  INVALID_IMAGE_FORMAT: 0xc000007b,
  DISK_FULL: 0xc000007f,
  NO_TOKEN: 0xc000007c,
  MEMORY_NOT_ALLOCATED: 0xc00000a0,
  FILE_IS_A_DIRECTORY: 0xc00000ba,
  NOT_SUPPORTED: 0xc00000bb,
  INVALID_IMAGE_NOT_MZ: 0xc000012f,
  NOT_A_DIRECTORY: 0xc0000103,
  DIRECTORY_NOT_EMPTY: 0xc0000101,
  CANNOT_DELETE: 0xc0000121,
  FILE_DELETED: 0xc0000123,
  INVALID_VIEW_SIZE: 0xc000001f,
  PROCESS_IS_TERMINATING: 0xc000010a,
  DLL_NOT_FOUND: 0xc0000135,
  ENTRYPOINT_NOT_FOUND: 0xc0000139,
  STACK_OVERFLOW: 0xc00000fd,
  BAD_STACK: 0xc0000028,
  INVALID_UNWIND_TARGET: 0xc0000029,
  NOT_FOUND: 0xc0000225,
  INVALID_ADDRESS: 0xc0000141,
  INVALID_FILE_FOR_SECTION: 0xc0000020,
  MAPPED_ALIGNMENT: 0xc0000220,
} as const;

/** The status is a success or informational code (NT_SUCCESS). */
export const ntSuccess = (status: number): boolean => status >>> 0 < 0x80000000;
