/**
 * x86 offsets of the NT user-mode structures the process is built from and the system calls
 * read and write (Wine 8's include/winternl.h, which follows Windows' i386 layouts).
 */
/** NT_TIB / TEB (x86, 0x1000 bytes; the page after it is Wine's per-thread debug buffer). */
export const TEB = {
    ExceptionList: 0x00,
    StackBase: 0x04,
    StackLimit: 0x08,
    Self: 0x18,
    EnvironmentPointer: 0x1c,
    ClientIdProcess: 0x20,
    ClientIdThread: 0x24,
    ThreadLocalStoragePointer: 0x2c,
    ProcessEnvironmentBlock: 0x30,
    LastErrorValue: 0x34,
    CurrentLocale: 0xc4,
    ActivationContextStack: 0x184,
    /** ACTIVATION_CONTEXT_STACK.FrameListCache (LIST_ENTRY) inside ActivationContextStack. */
    ActivationContextStackFrameListCache: 0x184 + 0x0c,
    ActivationContextStackPointer: 0x1a8,
    LastStatusValue: 0xbf4,
    StaticUnicodeString: 0xbf8,
    StaticUnicodeBuffer: 0xc00,
    StaticUnicodeBufferBytes: 261 * 2,
    DeallocationStack: 0xe0c,
    TlsSlots: 0xe10,
    TlsLinks: 0xf10,
    TlsExpansionSlots: 0xf94,
    WowTebOffset: 0xfdc,
};
/** TEB allocation: the TEB page, Wine's debug buffer page (TEB + 1), and a spare page. */
export const TEB_ALLOCATION = 0x3000;
/** PEB (x86). Wine reads its debug-channel table from the page after the PEB. */
export const PEB = {
    BeingDebugged: 0x02,
    ImageBaseAddress: 0x08,
    Ldr: 0x0c,
    ProcessParameters: 0x10,
    ProcessHeap: 0x18,
    ApiSetMap: 0x38,
    NumberOfProcessors: 0x64,
    NtGlobalFlag: 0x68,
    CriticalSectionTimeout: 0x70,
    HeapSegmentReserve: 0x78,
    HeapSegmentCommit: 0x7c,
    HeapDeCommitTotalFreeThreshold: 0x80,
    HeapDeCommitFreeBlockThreshold: 0x84,
    MaximumNumberOfHeaps: 0x8c,
    OSMajorVersion: 0xa4,
    OSMinorVersion: 0xa8,
    OSBuildNumber: 0xac,
    OSPlatformId: 0xb0,
    ImageSubSystem: 0xb4,
    ImageSubSystemMajorVersion: 0xb8,
    ImageSubSystemMinorVersion: 0xbc,
    ImageProcessAffinityMask: 0xc0,
    SessionId: 0x1d4,
};
export const PEB_DEBUG_TABLE_OFFSET = 0x1000;
/** RTL_USER_PROCESS_PARAMETERS (x86). */
export const PARAMS = {
    AllocationSize: 0x00,
    Size: 0x04,
    Flags: 0x08,
    DebugFlags: 0x0c,
    ConsoleHandle: 0x10,
    ConsoleFlags: 0x14,
    hStdInput: 0x18,
    hStdOutput: 0x1c,
    hStdError: 0x20,
    CurrentDirectoryDosPath: 0x24,
    CurrentDirectoryHandle: 0x2c,
    DllPath: 0x30,
    ImagePathName: 0x38,
    CommandLine: 0x40,
    Environment: 0x48,
    dwFlags: 0x68,
    wShowWindow: 0x6c,
    WindowTitle: 0x70,
    Desktop: 0x78,
    ShellInfo: 0x80,
    RuntimeInfo: 0x88,
    EnvironmentSize: 0x290,
    EnvironmentVersion: 0x294,
    SIZE: 0x2a4,
};
export const PROCESS_PARAMS_FLAG_NORMALIZED = 1;
/** RTL_USER_PROCESS_PARAMETERS.ConsoleHandle of a console program without a console window (kernelbase). */
export const CONSOLE_HANDLE_SHELL_NO_WINDOW = 3;
/** KUSER_SHARED_DATA, read by ntdll and kernelbase at a fixed address. */
export const KUSER_SHARED_DATA = 0x7ffe0000;
export const KUSD = {
    TickCountLowDeprecated: 0x000,
    TickCountMultiplier: 0x004,
    InterruptTime: 0x008,
    SystemTime: 0x014,
    TimeZoneBias: 0x020,
    ImageNumberLow: 0x02c,
    ImageNumberHigh: 0x02e,
    NtSystemRoot: 0x030,
    MaxStackTraceDepth: 0x238,
    NtProductType: 0x264,
    ProductTypeIsValid: 0x268,
    NtMajorVersion: 0x26c,
    NtMinorVersion: 0x270,
    ProcessorFeatures: 0x274,
    ActiveConsoleId: 0x2d8,
    NumberOfPhysicalPages: 0x2e8,
    SafeBootMode: 0x2ec,
    TickCount: 0x320,
    Cookie: 0x330,
    ActiveProcessorCount: 0x3c0,
};
/** CONTEXT (x86, 0x2cc bytes). */
export const CONTEXT = {
    ContextFlags: 0x00,
    Dr0: 0x04,
    Dr7: 0x18,
    FloatSave: 0x1c,
    SegGs: 0x8c,
    SegFs: 0x90,
    SegEs: 0x94,
    SegDs: 0x98,
    Edi: 0x9c,
    Esi: 0xa0,
    Ebx: 0xa4,
    Edx: 0xa8,
    Ecx: 0xac,
    Eax: 0xb0,
    Ebp: 0xb4,
    Eip: 0xb8,
    SegCs: 0xbc,
    EFlags: 0xc0,
    Esp: 0xc4,
    SegSs: 0xc8,
    ExtendedRegisters: 0xcc,
    SIZE: 0x2cc,
};
export const CONTEXT_FLAGS = {
    i386: 0x10000,
    CONTROL: 0x10001,
    INTEGER: 0x10002,
    SEGMENTS: 0x10004,
    FLOATING_POINT: 0x10008,
    DEBUG_REGISTERS: 0x10010,
    EXTENDED_REGISTERS: 0x10020,
    FULL: 0x10007,
};
/** EXCEPTION_RECORD (x86, 0x50 bytes). */
export const EXCEPTION_RECORD = {
    ExceptionCode: 0x00,
    ExceptionFlags: 0x04,
    ExceptionRecord: 0x08,
    ExceptionAddress: 0x0c,
    NumberParameters: 0x10,
    ExceptionInformation: 0x14,
    SIZE: 0x50,
    MAXIMUM_PARAMETERS: 15,
};
export const EXCEPTION_NONCONTINUABLE = 0x1;
