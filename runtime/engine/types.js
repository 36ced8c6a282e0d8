/**
 * The one engine interface the machine runs on. `UnicornEngine` implements it over the
 * native libunicorn.so.2 through koffi; a WebAssembly unicorn could implement it too.
 * Addresses and values are u32 numbers (the guest is 32-bit x86).
 */
import { NtraceError } from "../../base/index.js";
/** Register ids: unicorn's UC_X86_REG_* numbering (unicorn 2.0.1, include/unicorn/x86.h). */
export const X86Reg = {
    CS: 11,
    DS: 17,
    EAX: 19,
    EBP: 20,
    EBX: 21,
    ECX: 22,
    EDI: 23,
    EDX: 24,
    EFLAGS: 25,
    EIP: 26,
    ES: 28,
    ESI: 29,
    ESP: 30,
    FS: 32,
    GS: 33,
    SS: 49,
    CR0: 50,
    /** x87 registers as 80-bit values (10 bytes); FP0 = ST(0) of the physical stack slot 0. */
    FP0: 82,
    ST0: 114,
    XMM0: 122,
    IDTR: 242,
    GDTR: 243,
    FPCW: 246,
    FPTAG: 247,
    MXCSR: 249,
    FPSW: 31,
};
/** Page protections (UC_PROT_*). */
export const Prot = { NONE: 0, READ: 1, WRITE: 2, EXEC: 4, RW: 3, RX: 5, RWX: 7 };
/** What an invalid-memory hook was called for (UC_MEM_* values). */
export const MemAccess = {
    READ_UNMAPPED: 19,
    WRITE_UNMAPPED: 20,
    FETCH_UNMAPPED: 21,
    WRITE_PROT: 22,
    READ_PROT: 23,
    FETCH_PROT: 24,
};
/** Why a start() returned with an engine error (unicorn uc_err code and text). */
export class EngineFault extends NtraceError {
    code;
    constructor(code, message) {
        super(message);
        this.code = code;
    }
}
/** The native engine library is not there: every command that needs it says what to install. */
export class EngineUnavailableError extends NtraceError {
    constructor(detail) {
        super("the unicorn engine library (libunicorn.so.2) is not installed: apt-get install libunicorn2" +
            (detail !== undefined ? ` (${detail})` : ""));
    }
}
