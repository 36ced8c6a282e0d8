/**
 * x86 CONTEXT records in guest memory: built from a thread's registers (exception delivery,
 * NtGetContextThread) and applied to them (NtContinue, NtSetContextThread). Integer and control
 * registers come from the machine's saved registers; x87 and SSE state (FloatSave and the
 * FXSAVE image in ExtendedRegisters) from the engine when the thread is on the CPU.
 */
import { X86Reg } from "../engine/index.js";
import { Selector } from "../core/gdt.js";
import { CONTEXT, CONTEXT_FLAGS } from "./layout.js";
const INTEGER = [
    [CONTEXT.Edi, X86Reg.EDI],
    [CONTEXT.Esi, X86Reg.ESI],
    [CONTEXT.Ebx, X86Reg.EBX],
    [CONTEXT.Edx, X86Reg.EDX],
    [CONTEXT.Ecx, X86Reg.ECX],
    [CONTEXT.Eax, X86Reg.EAX],
];
const CONTROL = [
    [CONTEXT.Ebp, X86Reg.EBP],
    [CONTEXT.Eip, X86Reg.EIP],
    [CONTEXT.EFlags, X86Reg.EFLAGS],
    [CONTEXT.Esp, X86Reg.ESP],
];
/** EFLAGS bits user mode may set (IOPL, VM, VIF/VIP and reserved bits stay as the CPU has them). */
const USER_EFLAGS = 0x00250fd5;
/** The CONTEXT bytes of `t` now (CONTEXT_FULL | FLOATING_POINT | EXTENDED_REGISTERS). */
export function captureContext(machine, t, overrides = {}) {
    const b = new Uint8Array(CONTEXT.SIZE);
    const v = new DataView(b.buffer);
    v.setUint32(CONTEXT.ContextFlags, CONTEXT_FLAGS.FULL | CONTEXT_FLAGS.FLOATING_POINT | CONTEXT_FLAGS.EXTENDED_REGISTERS, true);
    for (const [off, reg] of [...INTEGER, ...CONTROL])
        v.setUint32(off, overrides[reg] ?? machine.reg(t, reg), true);
    v.setUint32(CONTEXT.SegCs, Selector.R3_CODE, true);
    v.setUint32(CONTEXT.SegSs, Selector.R3_DATA, true);
    v.setUint32(CONTEXT.SegDs, Selector.R3_DATA, true);
    v.setUint32(CONTEXT.SegEs, Selector.R3_DATA, true);
    v.setUint32(CONTEXT.SegFs, Selector.R3_TEB, true);
    v.setUint32(CONTEXT.SegGs, 0, true);
    if (machine.isLive(t))
        writeFloatState(machine, b);
    else {
        // A thread off the CPU: its x87/SSE state is in its saved engine context, which only the
        // engine can read; report the power-on defaults Windows gives a new thread.
        v.setUint32(CONTEXT.FloatSave, 0x27f, true);
        v.setUint32(CONTEXT.FloatSave + 8, 0xffff, true);
        v.setUint16(CONTEXT.ExtendedRegisters, 0x27f, true);
        v.setUint32(CONTEXT.ExtendedRegisters + 24, 0x1f80, true);
    }
    return b;
}
/** Applies the parts of a CONTEXT its flags select to `t`'s registers. */
export function applyContext(machine, t, ctx) {
    const v = new DataView(ctx.buffer, ctx.byteOffset, ctx.byteLength);
    const flags = v.getUint32(CONTEXT.ContextFlags, true);
    if ((flags & CONTEXT_FLAGS.INTEGER & 0xffff) !== 0)
        for (const [off, reg] of INTEGER)
            machine.setReg(t, reg, v.getUint32(off, true));
    if ((flags & CONTEXT_FLAGS.CONTROL & 0xffff) !== 0) {
        for (const [off, reg] of CONTROL) {
            let value = v.getUint32(off, true);
            if (reg === X86Reg.EFLAGS)
                value = (value & USER_EFLAGS) | 0x202 | (machine.reg(t, X86Reg.EFLAGS) & ~USER_EFLAGS & ~0x200);
            machine.setReg(t, reg, value);
        }
    }
    if (machine.isLive(t))
        readFloatState(machine, ctx, flags);
}
/** FloatSave (FNSAVE layout) and ExtendedRegisters (FXSAVE layout) from the engine. */
function writeFloatState(machine, b) {
    const e = machine.engine;
    const v = new DataView(b.buffer);
    const cw = e.readRegister(X86Reg.FPCW) & 0xffff;
    const sw = e.readRegister(X86Reg.FPSW) & 0xffff;
    const tag = e.readRegister(X86Reg.FPTAG) & 0xffff;
    const mxcsr = e.readRegister(X86Reg.MXCSR);
    const fs = CONTEXT.FloatSave;
    v.setUint32(fs, cw | 0xffff0000, true);
    v.setUint32(fs + 4, sw | 0xffff0000, true);
    v.setUint32(fs + 8, tag | 0xffff0000, true);
    const x = CONTEXT.ExtendedRegisters;
    v.setUint16(x, cw, true);
    v.setUint16(x + 2, sw, true);
    // FXSAVE keeps an abridged tag: one bit per register, set when not empty.
    let abridged = 0;
    for (let i = 0; i < 8; i++)
        if (((tag >> (2 * i)) & 3) !== 3)
            abridged |= 1 << i;
    b[x + 4] = abridged;
    v.setUint32(x + 24, mxcsr, true);
    v.setUint32(x + 28, 0xffff, true);
    const top = (sw >> 11) & 7;
    for (let i = 0; i < 8; i++) {
        // ST(i) is physical register (top + i) & 7; FNSAVE and FXSAVE both store ST order.
        const st = e.readWideRegister((X86Reg.FP0 + ((top + i) & 7)), 10);
        b.set(st, fs + 28 + 10 * i);
        b.set(st, x + 32 + 16 * i);
    }
    for (let i = 0; i < 8; i++)
        b.set(e.readWideRegister((X86Reg.XMM0 + i), 16), x + 160 + 16 * i);
}
function readFloatState(machine, ctx, flags) {
    const e = machine.engine;
    const v = new DataView(ctx.buffer, ctx.byteOffset, ctx.byteLength);
    const x = CONTEXT.ExtendedRegisters;
    if ((flags & CONTEXT_FLAGS.EXTENDED_REGISTERS & 0xffff) !== 0) {
        e.writeRegister(X86Reg.FPCW, v.getUint16(x, true));
        e.writeRegister(X86Reg.MXCSR, v.getUint32(x + 24, true) & 0xffff);
        for (let i = 0; i < 8; i++)
            e.writeWideRegister((X86Reg.XMM0 + i), ctx.subarray(x + 160 + 16 * i, x + 176 + 16 * i));
    }
    else if ((flags & CONTEXT_FLAGS.FLOATING_POINT & 0xffff) !== 0) {
        e.writeRegister(X86Reg.FPCW, v.getUint16(CONTEXT.FloatSave, true));
    }
}
