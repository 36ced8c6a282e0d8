/**
 * x86 SEH, as KiUserExceptionDispatcher/RtlDispatchException and RtlUnwind do it:
 * EXCEPTION_RECORD and CONTEXT (CONTEXT_FULL, x86 layout) are built on the faulting thread's
 * stack, the fs:[0] chain is walked, and each handler is called in the guest
 * (handler(ExceptionRecord, EstablisherFrame, ContextRecord, DispatcherContext), cdecl) through
 * the machine's return trampoline. A registration record outside StackLimit..StackBase or
 * misaligned stops dispatch (EXCEPTION_STACK_INVALID): the exception is unhandled.
 * Not yet: nested-exception (EXCEPTION_NESTED_CALL) bookkeeping for exceptions inside handlers.
 */
import { X86Reg } from "../engine/index.js";
import type { ApiCall, ApiOutcome, FaultInfo, Machine } from "../machine.js";
import type { GuestThread } from "../thread.js";
import { TEB } from "./layout.js";

export interface SehDispatcher {
  raiseException(c: ApiCall): ApiOutcome;
  rtlRaiseException(c: ApiCall): ApiOutcome;
  rtlUnwind(c: ApiCall): ApiOutcome;
}

const EXCEPTION_NONCONTINUABLE = 0x1;
const EXCEPTION_UNWINDING = 0x2;
const EXCEPTION_EXIT_UNWIND = 0x4;
const EXCEPTION_STACK_INVALID = 0x8;
const STATUS_NONCONTINUABLE_EXCEPTION = 0xc0000025;
const CONTEXT_FULL = 0x10007;
const CONTEXT_SIZE = 0x2cc;
const RECORD_SIZE = 0x50;
const END_OF_CHAIN = 0xffffffff;

/** CONTEXT field offsets (x86) for the registers the machine saves. */
const CTX: [number, number][] = [
  [X86Reg.EDI, 0x9c], [X86Reg.ESI, 0xa0], [X86Reg.EBX, 0xa4], [X86Reg.EDX, 0xa8], [X86Reg.ECX, 0xac],
  [X86Reg.EAX, 0xb0], [X86Reg.EBP, 0xb4], [X86Reg.EIP, 0xb8], [X86Reg.EFLAGS, 0xc0], [X86Reg.ESP, 0xc4],
];

export function installSeh(machine: Machine): SehDispatcher {
  const mem = machine.memory;
  const validRecord = (t: GuestThread, rec: number) => rec % 4 === 0 && rec >= t.stackLimit && rec + 8 <= t.stackBase;

  const dispatch = (t: GuestThread, fault: FaultInfo, continuable: boolean): void => {
    const esp0 = machine.reg(t, X86Reg.ESP);
    // CONTEXT, then EXCEPTION_RECORD below it, below the faulting ESP (as the kernel does).
    const ctx = ((esp0 - CONTEXT_SIZE) & ~3) >>> 0;
    const rec = ctx - RECORD_SIZE;
    mem.write(ctx, new Uint8Array(CONTEXT_SIZE));
    mem.setU32(ctx, CONTEXT_FULL);
    for (const [r, off] of CTX) mem.setU32(ctx + off, machine.reg(t, r as never));
    mem.setU32(ctx + 0xbc, 0x1b);
    mem.setU32(ctx + 0xc8, 0x23);
    mem.setU32(ctx + 0x98, 0x23);
    mem.setU32(ctx + 0x94, 0x23);
    mem.setU32(ctx + 0x90, 0x3b);
    const flags = continuable ? 0 : EXCEPTION_NONCONTINUABLE;
    const params = fault.parameters.slice(0, 15);
    mem.write(rec, new Uint8Array(RECORD_SIZE));
    mem.setU32(rec, fault.code);
    mem.setU32(rec + 4, flags);
    mem.setU32(rec + 0xc, fault.address);
    mem.setU32(rec + 0x10, params.length);
    params.forEach((v, i) => mem.setU32(rec + 0x14 + 4 * i, v));
    machine.setReg(t, X86Reg.ESP, rec - 0x10);
    machine.observer.onException?.(t, { code: fault.code, flags, address: fault.address, parameters: params, recordAddress: rec });

    const next = (registration: number): void => {
      if (registration === END_OF_CHAIN || registration === 0) return machine.unhandled(t, fault);
      if (!validRecord(t, registration)) {
        mem.setU32(rec + 4, mem.u32(rec + 4) | EXCEPTION_STACK_INVALID);
        return machine.unhandled(t, fault);
      }
      const handler = mem.u32(registration + 4);
      machine.callGuest(t, handler, [rec, registration, ctx, 0], (disposition) => {
        if (disposition === 0) {
          // ExceptionContinueExecution
          if (mem.u32(rec + 4) & EXCEPTION_NONCONTINUABLE) {
            return machine.leaveSlice(t, (th) => machine.unhandled(th, { code: STATUS_NONCONTINUABLE_EXCEPTION, address: fault.address, parameters: [] }));
          }
          for (const [r, off] of CTX) machine.setReg(t, r as never, mem.u32(ctx + off));
          machine.observer.onContextResume?.(t, mem.u32(ctx + 0xc4), mem.u32(ctx + 0xb8), fault.code);
          return;
        }
        if (disposition === 1) return next(mem.u32(registration));
        machine.leaveSlice(t, (th) => machine.unhandled(th, { code: 0xc0000026 /* STATUS_INVALID_DISPOSITION */, address: fault.address, parameters: [] }));
      });
    };
    next(mem.u32(t.teb + TEB.ExceptionList));
  };
  machine.exceptionDispatcher = { dispatch };

  return {
    raiseException: (c) => {
      const [code, flags, n, args] = c.args as [number, number, number, number];
      const parameters = args === 0 ? [] : Array.from({ length: Math.min(n, 15) }, (_, i) => mem.u32(args + 4 * i));
      return { kind: "raise", fault: { code, address: c.returnAddress, parameters }, continuable: (flags & EXCEPTION_NONCONTINUABLE) === 0 };
    },
    rtlRaiseException: (c) => {
      const r = c.args[0]!;
      const n = Math.min(mem.u32(r + 0x10), 15);
      const parameters = Array.from({ length: n }, (_, i) => mem.u32(r + 0x14 + 4 * i));
      return { kind: "raise", fault: { code: mem.u32(r), address: mem.u32(r + 0xc) || c.returnAddress, parameters }, continuable: (mem.u32(r + 4) & EXCEPTION_NONCONTINUABLE) === 0 };
    },
    rtlUnwind: (c) => {
      const [targetFrame, targetIp, recordArg, returnValue] = c.args as [number, number, number, number];
      const t = c.thread;
      const espAfter = machine.reg(t, X86Reg.ESP) + 4 + 16;
      // The record handlers see: the caller's, with the unwinding flag; or a fresh one.
      let rec = recordArg;
      if (rec === 0) {
        rec = ((machine.reg(t, X86Reg.ESP) - RECORD_SIZE - 0x40) & ~3) >>> 0;
        mem.write(rec, new Uint8Array(RECORD_SIZE));
        mem.setU32(rec, 0xc0000027 /* STATUS_UNWIND */);
        mem.setU32(rec + 0xc, c.returnAddress);
        machine.setReg(t, X86Reg.ESP, rec - 0x10);
      } else machine.setReg(t, X86Reg.ESP, Math.min(machine.reg(t, X86Reg.ESP), rec) - 0x40);
      mem.setU32(rec + 4, mem.u32(rec + 4) | EXCEPTION_UNWINDING | (targetFrame === 0 ? EXCEPTION_EXIT_UNWIND : 0));
      const code = mem.u32(rec);
      const finish = () => {
        machine.setReg(t, X86Reg.EAX, returnValue);
        machine.setReg(t, X86Reg.ESP, espAfter);
        const eip = targetIp !== 0 ? targetIp : c.returnAddress;
        machine.setReg(t, X86Reg.EIP, eip);
        machine.observer.onContextResume?.(t, espAfter, eip, code);
      };
      const step = (registration: number): void => {
        if (registration === END_OF_CHAIN || registration === 0 || registration === targetFrame) return finish();
        if (!validRecord(t, registration)) return machine.leaveSlice(t, (th) => machine.unhandled(th, { code: 0xc0000028 /* STATUS_BAD_STACK */, address: c.returnAddress, parameters: [] }));
        machine.callGuest(t, mem.u32(registration + 4), [rec, registration, 0, 0], () => {
          machine.observer.onUnwind?.(t, { establisherFrame: registration, targetFrame, code });
          const nextRecord = mem.u32(registration);
          mem.setU32(t.teb + TEB.ExceptionList, nextRecord);
          step(nextRecord);
        });
      };
      step(mem.u32(t.teb + TEB.ExceptionList));
      return { kind: "redirected" };
    },
  };
}
