/**
 * The one entry point of Wine's system calls. Every Nt* export of Wine's i386 ntdll.dll is
 * `mov eax, N; mov edx, __wine_syscall; call edx; ret K`, and __wine_syscall jumps through the
 * pointer at the start of the exported `__wine_syscall_dispatcher` block ({dispatcher, limit,
 * argument bytes[limit]}). ntrace writes the address of a host stub there, so every system
 * call of the guest reaches `dispatch` with EAX = N, [esp] = the return into the stub and the
 * arguments from [esp+8]. Numbers and argument sizes are read from the stubs themselves
 * (Wine's numbering is its own, not Windows'); names from ntdll's exports. win32u.dll's
 * syscalls (table 1, numbers 0x1000 + n) come through the same stub.
 *
 * A call nobody declared fails with STATUS_NOT_IMPLEMENTED and is reported once (name,
 * number, caller as module!function+offset), or stops the run with --strict-syscalls.
 */
import { hex } from "../../../base/index.js";
import { X86Reg } from "../../engine/index.js";
import type { ApiCall, ApiOutcome, Machine } from "../../core/machine.js";
import { GuestAccessViolation } from "../guest.js";
import type { UserProcess } from "../process.js";
import { Status, type ArgKind, type SyscallDecl, type SyscallTable } from "./types.js";

/** One system call as Wine's DLL declares it. */
export interface SyscallSlot {
  readonly table: number;
  readonly index: number;
  readonly name: string;
  /** Bytes of arguments the stub pops (`ret K`). */
  readonly argBytes: number;
}

/** Bytes from a stub's start to the end of its `call edx`. */
const STUB_CALL_END = 12;

export interface DispatcherOptions {
  /** Stop the run at the first undeclared system call instead of failing the call. */
  readonly strict: boolean;
  /** One line per call (strace-like), when given. */
  readonly log?: (line: string) => void;
  /** Where "unimplemented" reports go (stderr by default). */
  readonly report: (line: string) => void;
}

export class SyscallDispatcher {
  /** (table << 12 | index) → slot. */
  private readonly slots = new Map<number, SyscallSlot>();
  private readonly decls = new Map<string, SyscallDecl>();
  private readonly reported = new Set<string>();
  /** Calls per name (for the summary and tests). */
  readonly counts = new Map<string, number>();

  constructor(
    private readonly process: UserProcess,
    families: readonly SyscallTable[],
    private readonly options: DispatcherOptions,
  ) {
    for (const family of families) {
      for (const [name, decl] of Object.entries(family)) {
        if (this.decls.has(name)) throw new Error(`system call ${name} is declared twice`);
        this.decls.set(name, decl);
      }
    }
  }

  /** Registers the syscalls of one table (ntdll: 0, win32u: 1) from the DLL's stubs. */
  addTable(slots: readonly SyscallSlot[]): void {
    for (const s of slots) this.slots.set((s.table << 12) | s.index, s);
  }

  /** Names of every declared system call (runtime/README.md lists them). */
  declared(): string[] {
    return [...this.decls.keys()].sort();
  }

  isDeclared(name: string): boolean {
    return this.decls.has(name);
  }

  /** The host stub's implementation: one system call of the live thread. */
  dispatch(call: ApiCall): ApiOutcome {
    const machine = call.machine;
    const t = call.thread;
    const eax = machine.reg(t, X86Reg.EAX);
    const esp = machine.reg(t, X86Reg.ESP);
    const key = ((eax >>> 12) & 3) << 12 | (eax & 0xfff);
    const slot = this.slots.get(key);
    // The caller's return address and the arguments are on the guest's stack, where the guest
    // put them: read with a kernel's probing (a stack the guest pointed at memory it may not
    // read makes the call fail with STATUS_ACCESS_VIOLATION, as KiSystemService's copy does).
    const g = this.process.guest;
    let stubReturn: number;
    let caller: number;
    let raw: Uint8Array;
    try {
      stubReturn = g.u32(esp);
      caller = g.u32(esp + 4);
      raw = slot !== undefined && slot.argBytes > 0 ? g.read(esp + 8, slot.argBytes) : new Uint8Array(0);
    } catch (err) {
      if (!(err instanceof GuestAccessViolation)) throw err;
      return Status.ACCESS_VIOLATION;
    }
    if (slot === undefined) return this.unknown(machine, eax, caller);
    // [esp] is the return into the stub (`call edx` is its third instruction, 10 bytes in).
    machine.observer.onSyscall?.(t, (stubReturn - STUB_CALL_END) >>> 0, (esp + 4) >>> 0);
    const args: number[] = [];
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i + 4 <= raw.byteLength; i += 4) args.push(v.getUint32(i, true));
    this.counts.set(slot.name, (this.counts.get(slot.name) ?? 0) + 1);
    const decl = this.decls.get(slot.name);
    if (decl === undefined) {
      const failed = this.unimplemented(machine, slot, caller);
      this.options.log?.(`${hex(t.cid.thread, 4).slice(2)}: ${slot.name}(${formatArgs(this.process, [], args)}) = ${formatResult(failed)}`);
      return failed;
    }
    let result: ApiOutcome;
    try {
      result = decl.handler({ process: this.process, thread: t, args, caller, name: slot.name });
    } catch (err) {
      if (!(err instanceof GuestAccessViolation)) throw err;
      result = Status.ACCESS_VIOLATION;
    }
    if (this.options.log !== undefined) this.options.log(`${hex(t.cid.thread, 4).slice(2)}: ${slot.name}(${formatArgs(this.process, decl.args, args)}) = ${formatResult(result)}`);
    return result;
  }

  private unimplemented(machine: Machine, slot: SyscallSlot, caller: number): ApiOutcome {
    const where = this.process.describeCode(caller);
    const number = (slot.table << 12) | slot.index;
    if (this.options.strict) {
      machine.stop(`unimplemented system call ${slot.name} (number ${hex(number, 1)}) called from ${where} (--strict-syscalls)`);
      return Status.NOT_IMPLEMENTED;
    }
    if (!this.reported.has(slot.name)) {
      this.reported.add(slot.name);
      this.options.report(`unimplemented system call ${slot.name} (number ${hex(number, 1)}) called from ${where}: it fails with STATUS_NOT_IMPLEMENTED`);
    }
    return Status.NOT_IMPLEMENTED;
  }

  private unknown(machine: Machine, number: number, caller: number): ApiOutcome {
    const name = `#${hex(number, 1)}`;
    if (this.options.strict) machine.stop(`system call number ${hex(number, 1)} that no loaded DLL declares, called from ${this.process.describeCode(caller)}`);
    else if (!this.reported.has(name)) {
      this.reported.add(name);
      this.options.report(`system call number ${hex(number, 1)} that no loaded DLL declares, called from ${this.process.describeCode(caller)}: it fails with STATUS_INVALID_PARAMETER`);
    }
    return Status.INVALID_PARAMETER;
  }
}

/** NTSTATUS value → name, for the syscall log. */
const STATUS_NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(Status)) if (!STATUS_NAMES.has(value)) STATUS_NAMES.set(value, `STATUS_${name}`);

function formatResult(result: ApiOutcome): string {
  if (typeof result !== "number") return result.kind === "block" ? `(blocks on ${result.wait.reason})` : `(${result.kind})`;
  const name = STATUS_NAMES.get(result >>> 0);
  return name !== undefined ? `${hex(result)} ${name}` : hex(result);
}

const MAX_LOGGED_STRING = 200;

/** The arguments as the syscall log prints them, by their declared kinds (strace-like). */
export function formatArgs(process: UserProcess, kinds: readonly ArgKind[], args: readonly number[]): string {
  const g = process.guest;
  const quote = (text: string | undefined) => (text === undefined ? "NULL" : JSON.stringify(text.length > MAX_LOGGED_STRING ? `${text.slice(0, MAX_LOGGED_STRING)}...` : text));
  return args
    .map((value, i) => {
      const kind = kinds[i];
      const v = value >>> 0;
      try {
        switch (kind) {
          case "bool":
            return v === 0 ? "FALSE" : "TRUE";
          case "ulong":
            return v < 0x10000 ? String(v) : hex(v, 1);
          case "long":
            return String(v | 0);
          case "ptr":
          case "iosb":
            return v === 0 ? "NULL" : hex(v, 1);
          case "ustr":
            return v === 0 ? "NULL" : quote(g.unicodeString(v));
          case "objattr": {
            if (v === 0) return "NULL";
            const attr = g.objectAttributes(v);
            if (attr === undefined) return hex(v, 1);
            return attr.root !== 0 ? `{root ${hex(attr.root, 1)}, ${quote(attr.name)}}` : quote(attr.name);
          }
          case "plarge":
            return v === 0 ? "NULL" : `[${g.i64(v)}]`;
          case "psize":
            return v === 0 ? "NULL" : `[${hex(g.u32(v), 1)}]`;
          default:
            return hex(v, 1);
        }
      } catch {
        return hex(v, 1); // unreadable guest memory: the raw value
      }
    })
    .join(", ");
}
