import { X86Reg } from "../engine/index.js";
/** Registers the host reads and edits while a thread is off the CPU, in this order. */
export const CONTEXT_REGS = [
    X86Reg.EAX,
    X86Reg.ECX,
    X86Reg.EDX,
    X86Reg.EBX,
    X86Reg.ESP,
    X86Reg.EBP,
    X86Reg.ESI,
    X86Reg.EDI,
    X86Reg.EIP,
    X86Reg.EFLAGS,
];
const INDEX = Object.fromEntries(CONTEXT_REGS.map((r, i) => [r, i]));
export const ctxIndex = (reg) => INDEX[reg];
export class GuestThread {
    key;
    cid;
    teb;
    stackBase;
    stackLimit;
    stackRegion;
    ordinal;
    state = "ready";
    /** Saved registers (CONTEXT_REGS order) while not on a CPU; authoritative over `engineContext`'s. */
    ctx = new Array(CONTEXT_REGS.length).fill(0);
    /** The rest of the CPU state (segments, x87, SSE) saved when the thread left the CPU. */
    engineContext;
    wait;
    exitCode;
    error;
    hostFrames = [];
    /** Suspend count (NtSuspendThread / created suspended): runs only at 0. */
    suspendCount = 0;
    /** An alert is pending (NtAlertThreadByThreadId before the wait). */
    alerted = false;
    /** Kernel mode: the CPU's idle thread (CID 0:0). */
    idle;
    /** The CPU this thread is bound to (kernel idle threads). */
    cpu;
    constructor(key, cid, teb, stackBase, stackLimit, 
    /** Lowest address of the stack's allocation (guard page). */
    stackRegion, 
    /** Index of creation (deterministic ordering). */
    ordinal) {
        this.key = key;
        this.cid = cid;
        this.teb = teb;
        this.stackBase = stackBase;
        this.stackLimit = stackLimit;
        this.stackRegion = stackRegion;
        this.ordinal = ordinal;
    }
    get(reg) {
        return this.ctx[ctxIndex(reg)];
    }
    set(reg, value) {
        this.ctx[ctxIndex(reg)] = value >>> 0;
    }
}
