/**
 * x86 SEH, as KiUserExceptionDispatcher/RtlDispatchException and RtlUnwind do it:
 * EXCEPTION_RECORD and CONTEXT (CONTEXT_FULL, x86 layout) are built on the faulting thread's
 * stack, the fs:[0] chain is walked, and each handler is called in the guest
 * (handler(ExceptionRecord, EstablisherFrame, ContextRecord, DispatcherContext), cdecl) through
 * the machine's return trampoline. A registration record outside StackLimit..StackBase or
 * misaligned stops dispatch (EXCEPTION_STACK_INVALID): the exception is unhandled.
 *
 * Nested exceptions and collided unwinds, as ntdll's RtlpExecuteHandler2 does it: while a
 * handler runs, the dispatcher has its own registration record on the stack
 * {Next, protector, EstablisherFrame of the running handler} at the head of fs:[0]. An
 * exception raised inside the handler reaches that record first; its handler (the exception
 * protector) answers ExceptionNestedException and reports the running handler's frame through
 * DispatcherContext, and the new dispatch sets EXCEPTION_NESTED_CALL for every handler up to
 * and including that frame. An RtlUnwind started inside an unwind handler meets the unwind
 * protector, which answers ExceptionCollidedUnwind with the frame the first unwind was at: the
 * second unwind continues after that frame instead of calling its handler again.
 * (ReactOS sdk/lib/rtl/i386/except_asm.s RtlpExecuteHandler2/RtlpExceptionProtector/
 * RtlpUnwindProtector and except.c RtlDispatchException/RtlUnwind; Wine's call_stack_handlers.)
 */
import { X86Reg } from "../engine/index.js";
import type { ApiCall, ApiOutcome, FaultInfo, Machine } from "../core/machine.js";
import type { GuestThread } from "../core/thread.js";

export interface SehDispatcher {
  /** Dispatches a fault or raised exception through the thread's registration records. */
  dispatch(t: GuestThread, fault: FaultInfo, continuable: boolean): void;
  raiseException(c: ApiCall): ApiOutcome;
  rtlRaiseException(c: ApiCall): ApiOutcome;
  rtlUnwind(c: ApiCall): ApiOutcome;
}

const EXCEPTION_NONCONTINUABLE = 0x1;
const EXCEPTION_UNWINDING = 0x2;
const EXCEPTION_EXIT_UNWIND = 0x4;
const EXCEPTION_STACK_INVALID = 0x8;
const EXCEPTION_NESTED_CALL = 0x10;
const STATUS_NONCONTINUABLE_EXCEPTION = 0xc0000025;
const STATUS_INVALID_DISPOSITION = 0xc0000026;
const STATUS_BAD_STACK = 0xc0000028;
const STATUS_INVALID_UNWIND_TARGET = 0xc0000029;
const STATUS_STACK_OVERFLOW = 0xc00000fd;

/** EXCEPTION_DISPOSITION values. */
const DISPOSITION = { ContinueExecution: 0, ContinueSearch: 1, NestedException: 2, CollidedUnwind: 3 } as const;
/** The dispatcher's frame around a handler call: registration record (12) + DispatcherContext (4). */
const HANDLER_FRAME_SIZE = 16;
const CONTEXT_FULL = 0x10007;
const CONTEXT_SIZE = 0x2cc;
const RECORD_SIZE = 0x50;
const END_OF_CHAIN = 0xffffffff;

/** CONTEXT field offsets (x86) for the registers the machine saves. */
const CTX: [number, number][] = [
  [X86Reg.EDI, 0x9c], [X86Reg.ESI, 0xa0], [X86Reg.EBX, 0xa4], [X86Reg.EDX, 0xa8], [X86Reg.ECX, 0xac],
  [X86Reg.EAX, 0xb0], [X86Reg.EBP, 0xb4], [X86Reg.EIP, 0xb8], [X86Reg.EFLAGS, 0xc0], [X86Reg.ESP, 0xc4],
];

/**
 * Where the kernel keeps what a user-mode TEB would hold: the chain head is
 * KPCR.NtTib.ExceptionList of the thread's CPU, the stack limits come from the KTHREAD or the
 * DPC stack, the CONTEXT gets ring-0 selectors; and what an exception nobody handles does.
 */
export interface SehEnvironment {
  readonly getHead: (t: GuestThread) => number;
  readonly setHead: (t: GuestThread, record: number) => void;
  /** [limit, base) the registration records must lie in. */
  readonly stackRange: (t: GuestThread) => readonly [number, number];
  /** CONTEXT selectors: cs, ss/ds/es, fs. */
  readonly selectors: { readonly cs: number; readonly data: number; readonly fs: number };
  readonly unhandled: (t: GuestThread, fault: FaultInfo) => void;
}

export function installSeh(machine: Machine, env: SehEnvironment): SehDispatcher {
  const mem = machine.memory;
  const validRecord = (t: GuestThread, rec: number) => {
    const [limit, base] = env.stackRange(t);
    return rec % 4 === 0 && rec >= limit && rec + 8 <= base;
  };

  const head = env.getHead;
  const setHead = env.setHead;
  const sel = env.selectors;
  const setFlags = (rec: number, set: number, clear = 0): void => mem.setU32(rec + 4, ((mem.u32(rec + 4) | set) & ~clear) >>> 0);

  /** CONTEXT_FULL of `t`'s current registers at `at` (user-mode selectors). */
  const writeContext = (t: GuestThread, at: number): void => {
    mem.write(at, new Uint8Array(CONTEXT_SIZE));
    mem.setU32(at, CONTEXT_FULL);
    for (const [r, off] of CTX) mem.setU32(at + off, machine.reg(t, r as never));
    mem.setU32(at + 0xbc, sel.cs);
    mem.setU32(at + 0xc8, sel.data);
    mem.setU32(at + 0x98, sel.data);
    mem.setU32(at + 0x94, sel.data);
    mem.setU32(at + 0x90, sel.fs);
  };
  const loadContext = (t: GuestThread, at: number): void => {
    for (const [r, off] of CTX) machine.setReg(t, r as never, mem.u32(at + off));
  };

  // The handlers of the dispatcher's own registration records (RtlpExceptionProtector and
  // RtlpUnwindProtector): record + 8 holds the establisher frame of the handler running.
  const protector = (name: string, active: (flags: number) => boolean, disposition: number): number =>
    machine.addStub({
      dll: "ntdll.dll",
      name,
      args: 4,
      conv: "stdcall",
      impl: (c) => {
        const [rec, frame, , dispatcherContext] = c.args as [number, number, number, number];
        if (!active(mem.u32(rec + 4))) return DISPOSITION.ContinueSearch;
        if (dispatcherContext !== 0) mem.setU32(dispatcherContext, mem.u32(frame + 8));
        return disposition;
      },
    });
  const unwinding = (flags: number) => (flags & (EXCEPTION_UNWINDING | EXCEPTION_EXIT_UNWIND)) !== 0;
  const exceptionProtector = protector("RtlpExceptionProtector", (f) => !unwinding(f), DISPOSITION.NestedException);
  const unwindProtector = protector("RtlpUnwindProtector", unwinding, DISPOSITION.CollidedUnwind);

  /**
   * RtlpExecuteHandler2: links the dispatcher's record {head, protector, registration} for the
   * duration of handler(record, registration, context, &dispatcherContext), unlinks it
   * afterwards and hands on the disposition and the DispatcherContext the handler left.
   */
  const executeHandler = (t: GuestThread, protectorStub: number, rec: number, registration: number, ctx: number, done: (disposition: number, dispatcherContext: number) => void): void => {
    const esp = machine.reg(t, X86Reg.ESP);
    const frame = ((esp - HANDLER_FRAME_SIZE) & ~3) >>> 0;
    mem.setU32(frame, head(t));
    mem.setU32(frame + 4, protectorStub);
    mem.setU32(frame + 8, registration);
    mem.setU32(frame + 12, 0);
    setHead(t, frame);
    machine.setReg(t, X86Reg.ESP, frame);
    machine.callGuest(t, mem.u32(registration + 4), [rec, registration, ctx, frame + 12], (disposition) => {
      // `mov esp, fs:[0]; pop fs:[0]`: it pops whatever record is at the head now, its own
      // normally, the unwind target's after a handler unwound past it (Windows does the same).
      const current = head(t);
      if (validRecord(t, current)) setHead(t, mem.u32(current));
      machine.setReg(t, X86Reg.ESP, esp);
      done(disposition >>> 0, mem.u32(frame + 12));
    });
  };

  /**
   * RtlDispatchException (after KiUserExceptionDispatcher built the records). `chained` is the
   * EXCEPTION_RECORD this one is raised about (STATUS_NONCONTINUABLE_EXCEPTION etc.), or 0.
   */
  const dispatch = (t: GuestThread, fault: FaultInfo, continuable: boolean, chained = 0): void => {
    const esp0 = machine.reg(t, X86Reg.ESP);
    // CONTEXT, then EXCEPTION_RECORD below it, below the faulting ESP (as the kernel does).
    const ctx = ((esp0 - CONTEXT_SIZE) & ~3) >>> 0;
    const rec = ctx - RECORD_SIZE;
    if (esp0 > t.stackLimit && esp0 <= t.stackBase && rec - 0x100 < t.stackLimit) {
      // No room for the records on this stack (runaway nesting): Windows ends the process too.
      return env.unhandled(t, { code: STATUS_STACK_OVERFLOW, address: fault.address, parameters: [] });
    }
    writeContext(t, ctx);
    const flags = continuable ? 0 : EXCEPTION_NONCONTINUABLE;
    const params = fault.parameters.slice(0, 15);
    mem.write(rec, new Uint8Array(RECORD_SIZE));
    mem.setU32(rec, fault.code);
    mem.setU32(rec + 4, flags);
    mem.setU32(rec + 8, chained);
    mem.setU32(rec + 0xc, fault.address);
    mem.setU32(rec + 0x10, params.length);
    params.forEach((v, i) => mem.setU32(rec + 0x14 + 4 * i, v));
    machine.setReg(t, X86Reg.ESP, rec - 0x10);
    machine.observer.onException?.(t, { code: fault.code, flags, address: fault.address, parameters: params, recordAddress: rec });

    // RtlRaiseException from inside the dispatcher: a new, noncontinuable exception about this one.
    const raiseAbout = (code: number) => machine.leaveSlice(t, (th) => dispatch(th, { code, address: fault.address, parameters: [] }, false, rec));
    // The highest establisher frame a nested exception was raised from: handlers up to and
    // including it are called with EXCEPTION_NESTED_CALL.
    let nestedFrame = 0;
    const next = (registration: number): void => {
      if (registration === END_OF_CHAIN || registration === 0) return env.unhandled(t, fault);
      if (!validRecord(t, registration)) {
        setFlags(rec, EXCEPTION_STACK_INVALID);
        return env.unhandled(t, fault);
      }
      executeHandler(t, exceptionProtector, rec, registration, ctx, (disposition, dispatcherContext) => {
        if (registration === nestedFrame) {
          setFlags(rec, 0, EXCEPTION_NESTED_CALL);
          nestedFrame = 0;
        }
        switch (disposition) {
          case DISPOSITION.ContinueExecution:
            if (mem.u32(rec + 4) & EXCEPTION_NONCONTINUABLE) return raiseAbout(STATUS_NONCONTINUABLE_EXCEPTION);
            loadContext(t, ctx);
            machine.observer.onContextResume?.(t, mem.u32(ctx + 0xc4), mem.u32(ctx + 0xb8), fault.code);
            return;
          case DISPOSITION.ContinueSearch:
            if (mem.u32(rec + 4) & EXCEPTION_STACK_INVALID) return env.unhandled(t, fault);
            return next(mem.u32(registration));
          case DISPOSITION.NestedException:
            setFlags(rec, EXCEPTION_NESTED_CALL);
            if (dispatcherContext > nestedFrame) nestedFrame = dispatcherContext;
            return next(mem.u32(registration));
          default:
            return raiseAbout(STATUS_INVALID_DISPOSITION);
        }
      });
    };
    next(head(t));
  };
  return {
    dispatch: (t, fault, continuable) => dispatch(t, fault, continuable),
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
      const espAtCall = machine.reg(t, X86Reg.ESP);
      const espAfter = espAtCall + 4 + 16;
      const eip = targetIp !== 0 ? targetIp : c.returnAddress;
      // RtlUnwind's frame: a fresh EXCEPTION_RECORD when the caller passed none, and the CONTEXT
      // it continues with (handlers receive it).
      let below = ((Math.min(espAtCall, recordArg !== 0 ? recordArg : espAtCall) - 0x40) & ~3) >>> 0;
      let rec = recordArg;
      if (rec === 0) {
        rec = below - RECORD_SIZE;
        below = rec;
        mem.write(rec, new Uint8Array(RECORD_SIZE));
        mem.setU32(rec, 0xc0000027 /* STATUS_UNWIND */);
        mem.setU32(rec + 0xc, c.returnAddress);
      }
      const ctx = below - CONTEXT_SIZE;
      writeContext(t, ctx);
      mem.setU32(ctx + 0xb0, returnValue);
      mem.setU32(ctx + 0xb8, eip);
      mem.setU32(ctx + 0xc4, espAfter);
      machine.setReg(t, X86Reg.ESP, ctx - 0x10);
      setFlags(rec, EXCEPTION_UNWINDING | (targetFrame === 0 ? EXCEPTION_EXIT_UNWIND : 0));
      const code = mem.u32(rec);
      const finish = () => {
        machine.setReg(t, X86Reg.EAX, returnValue);
        machine.setReg(t, X86Reg.ESP, espAfter);
        machine.setReg(t, X86Reg.EIP, eip);
        machine.observer.onContextResume?.(t, espAfter, eip, code);
      };
      // RtlRaiseException from inside RtlUnwind: noncontinuable, about the unwind's record.
      const raiseAbout = (status: number) => machine.leaveSlice(t, (th) => dispatch(th, { code: status, address: c.returnAddress, parameters: [] }, false, rec));
      const unlink = (frame: number): number => {
        machine.observer.onUnwind?.(t, { establisherFrame: frame, targetFrame, code });
        const nextRecord = mem.u32(frame);
        setHead(t, nextRecord);
        return nextRecord;
      };
      const step = (registration: number): void => {
        if (registration === END_OF_CHAIN || registration === 0 || registration === targetFrame) return finish();
        // The target lies below this record: it is not on the chain (any more).
        if (targetFrame !== 0 && targetFrame < registration) return raiseAbout(STATUS_INVALID_UNWIND_TARGET);
        if (!validRecord(t, registration)) return raiseAbout(STATUS_BAD_STACK);
        executeHandler(t, unwindProtector, rec, registration, ctx, (disposition, dispatcherContext) => {
          if (disposition === DISPOSITION.CollidedUnwind) {
            // `registration` is another unwind's protector record: that unwind was calling the
            // handler of `dispatcherContext`; both go without calling that handler again.
            if (!validRecord(t, dispatcherContext)) return raiseAbout(STATUS_BAD_STACK);
            unlink(registration);
            return step(unlink(dispatcherContext));
          }
          if (disposition !== DISPOSITION.ContinueSearch) return raiseAbout(STATUS_INVALID_DISPOSITION);
          step(unlink(registration));
        });
      };
      step(head(t));
      return { kind: "redirected" };
    },
  };
}
