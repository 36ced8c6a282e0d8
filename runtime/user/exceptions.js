/** Names of the exception codes a report may mention (winnt.h / ntstatus.h). */
const NAMES = {
    0x80000001: "guard page violation",
    0x80000002: "datatype misalignment",
    0x80000003: "breakpoint",
    0x80000004: "single step",
    0xc0000005: "access violation",
    0xc0000006: "in-page error",
    0xc0000008: "invalid handle",
    0xc000001d: "illegal instruction",
    0xc0000025: "noncontinuable exception",
    0xc0000026: "invalid disposition",
    0xc000008c: "array bounds exceeded",
    0xc000008d: "floating-point denormal operand",
    0xc000008e: "floating-point division by zero",
    0xc000008f: "floating-point inexact result",
    0xc0000090: "floating-point invalid operation",
    0xc0000091: "floating-point overflow",
    0xc0000092: "floating-point stack check",
    0xc0000093: "floating-point underflow",
    0xc0000094: "integer division by zero",
    0xc0000095: "integer overflow",
    0xc0000096: "privileged instruction",
    0xc00000fd: "stack overflow",
    0xc0000409: "stack buffer overrun",
    0xc0000417: "invalid C runtime parameter",
    0xe06d7363: "Microsoft C++ exception",
    0x20474343: "GCC C++ exception",
    0x40010006: "debug print",
};
export function exceptionName(code) {
    return NAMES[code >>> 0] ?? "software exception";
}
