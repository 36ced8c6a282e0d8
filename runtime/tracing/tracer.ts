/**
 * The tracing runtime: a MachineObserver that discovers, classifies and patches the
 * functions of each loaded module, and records entry/exit events per thread (keyed by
 * KTHREAD) through host hooks on the thunk area. Design and measurements: README.md.
 */
import { basename } from "node:path";
import { hex, threadKey, type ThreadKey } from "../../base/index.js";
import { buildDebugBlock } from "../../pe/index.js";
import { parsePdb } from "../../pe/pdb/index.js";
import type { Pdb } from "../../pe/pdb/types.js";
import type { PeImage } from "../../pe/types.js";
import {
  CONTINUATION_SIZE,
  HOOK_SLOT_SIZE,
  MAILBOX_EXIT_SIZE,
  MAILBOX_THUNK_SIZE,
  PATCH_LENGTH,
  classifyFunctions,
  continuation,
  detourResume,
  entrySlot,
  exitJumpSlot,
  exitSlot,
  findPdb,
  mailboxEntryThunk,
  mailboxExitThunk,
  FunctionSelection,
  planDetourPatch,
  planPatch,
  DETOUR_PATCH_LENGTH,
  methodCounts,
  syscallStub,
  type MethodPreference,
  type TraceMethod,
  type ClassifiedFunction,
  type CodeBytes,
  type PatchPlan,
  type Store,
} from "../../instrumenter/index.js";
import type { ThreadEventWriter, TraceClock, TraceWriter } from "../../tracefile/index.js";
import { NATIVE_SLOW, Prot, X86Reg, type Engine, type NativeRecorder, type NativeRecorderThread } from "../engine/index.js";
import type { Machine } from "../core/machine.js";
import type { GuestThread } from "../core/thread.js";
import type { LoadedModule, MachineObserver, ThreadView, UnwindStep } from "../core/types.js";
import { HostCode } from "./hostcode.js";

export type ClockChoice = "guest" | "host";
/** How events are recorded (README "Recorders"). */
export type Recorder = "native" | "hooks";

export interface TracerOptions {
  /**
   * System libraries to instrument too (file names, case-insensitive, ".dll" optional); the
   * program's own images (the program and the DLLs that are not system libraries) always are.
   * Naming any also records system calls.
   */
  readonly modules?: readonly string[];
  /** Trace the system libraries too (Wine's DLL set, the kernel's built-ins have no code). */
  readonly system?: boolean;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  /** Argument dwords read at each entry. */
  readonly args?: number;
  /** Which tracing method to prefer (instrumenter/classify.ts): auto, detour or probe. */
  readonly method?: MethodPreference;
  readonly clock?: ClockChoice;
  readonly symbolPath?: readonly string[];
  /** Patch only when the guest clock reaches this count (default: at load). */
  readonly attachAt?: number;
  /** Unpatch when the guest clock reaches this count. */
  readonly detachAt?: number;
  /**
   * How events are recorded (README.md has the measurements): "native" (default: a hook per
   * entry and exit handled by the C helper in native/, JS only on rare paths; falls back to
   * "hooks" when the helper cannot be loaded), "hooks" (the same hooks in JS).
   */
  readonly recorder?: Recorder;
  /** Called about once a second of host time during long runs (the CLI prints progress). */
  readonly progress?: (p: { readonly events: number; readonly instructions: number; readonly elapsedMs: number }) => void;
}

export function traceClock(choice: ClockChoice): TraceClock {
  return choice === "guest"
    ? { kind: "guest-instructions", unit: "instructions", description: "guest instructions retired, global across CPUs (deterministic)" }
    : { kind: "host-monotonic", unit: "ns", description: "host process.hrtime.bigint() since the trace started" };
}

/** The tag of the exit thunk's return-slot page in the machine's memory map. */
export const RETURN_SLOT_TAG = "ntrace return slot (host page, read-only)";
export const MAILBOX_TAG = "ntrace hook mailbox (host page, guest-writable)";
/** The flush policy: completed trace records reach the file at least this often (wall time). */
export const FLUSH_INTERVAL_MS = 1000;

/** Dwords of the mailbox a thread's context keeps: real return, ESP, EAX (and one spare). */
const MAILBOX_WORDS = 4;

/** One open call on a thread's shadow stack. */
interface Frame {
  readonly fn: number;
  /** The real return address the exit thunk returns to. */
  readonly ret: number;
  /** ESP at the function's first instruction (points at the return address). */
  readonly entryEsp: number;
  /** False for frames closed in the trace by detach (they still return through the thunk). */
  recording: boolean;
}

interface ThreadState {
  readonly key: ThreadKey;
  readonly writer: ThreadEventWriter;
  readonly frames: Frame[];
  /**
   * The last RtlUnwind on this thread: its target registration record (0 = none, 0xFFFFFFFF =
   * exit unwind) and exception code. Frames below the target are dead, but the handler that
   * called RtlUnwind still runs on top of them and leaves them by a jump the machine does not
   * see (MSVC's handlers jump to the __except block); the safety net cuts them at the next
   * entry/exit and gives their UNWIND events this code. Cleared when a frame above it returns.
   */
  unwindTarget: number;
  unwindCode: number;
  /**
   * Frames whose return slots hold their real return addresses again because the DWARF
   * unwinder runs (C++ throw): each with the exit thunk to put back if it survives the unwind.
   */
  restored: { readonly frame: Frame; readonly ret: number; readonly exitVa: number }[] | undefined;
  /** ESP at the unwinder's entry while a DWARF unwind is in progress: deeper entries are its own calls. */
  unwinderEsp: number;
  /** Native hooks: the thread's C state (its shadow stack mirrors `frames`). */
  nbuf: NativeRecorderThread | undefined;
  /** Last timestamp written (drained timestamps are clamped to stay monotonic). */
  lastTs: number;
  /** Mailbox layout: the mailbox as the thread left it at its last slice end. */
  readonly mailbox: Uint32Array | undefined;
}

/** A patched (or patchable) function of an instrumented module. */
interface Site {
  readonly fnVa: number;
  readonly id: number;
  readonly plan: PatchPlan;
  readonly method: "hotpatch" | "detour";
  /** Detours: where the function's plain continuation is (threads stopped in the displaced bytes go there). */
  readonly plainVa: number;
  readonly cls: ClassifiedFunction["cls"];
}

interface ThunkArea {
  readonly base: number;
  /** The hook slots: the exit slot, then one per function (the area's base, or after the mailbox exit thunk). */
  readonly slots: number;
  /** Where returns go: the exit slot, or the mailbox exit thunk (either way the area's base). */
  readonly exitVa: number;
  /** The continuations (two per function: traced, plain), in counted code. */
  readonly conts: number;
  /** First function id of the module: slot i+1 is function firstId+i. */
  readonly firstId: number;
  readonly count: number;
}

export interface TracerStats {
  modules: number;
  functions: number;
  patched: number;
  entries: number;
  exits: number;
  unwinds: number;
  unclosed: number;
  lost: number;
  /** System-call stubs watched (not patched: recorded at the dispatcher) and calls recorded. */
  syscallStubs: number;
  syscalls: number;
  /** Functions instrumented per method (the run summary prints them). */
  methods: Record<TraceMethod, number>;
}

export class Tracer implements MachineObserver {
  private machine: Machine | undefined;
  private engine: Engine | undefined;
  private readonly threads = new Map<number, ThreadState>();
  private readonly sites: Site[] = [];
  private readonly areas: ThunkArea[] = [];
  /** System-call stubs of traced modules (stub address → function id, its module's exit thunk). */
  private readonly syscallStubs = new Map<number, { readonly id: number; readonly exitVa: number }>();
  private attached: boolean;
  private everAttached = false;
  private readonly argCount: number;
  private readonly hostStart = process.hrtime.bigint();
  private readonly clockChoice: ClockChoice;
  private readonly wantModule: (module: LoadedModule) => boolean;
  private readonly selection: FunctionSelection;
  /** --module names, lower case, and whether a loaded image answered to each. */
  private readonly namedModules: Map<string, boolean>;
  /** System calls are events when system libraries are traced (`modules` or `system`). */
  private readonly recordSyscalls: boolean;
  readonly stats: TracerStats = { modules: 0, functions: 0, patched: 0, entries: 0, exits: 0, unwinds: 0, unclosed: 0, lost: 0, syscallStubs: 0, syscalls: 0, methods: methodCounts([]) };
  /** Functions instrumented per module (name → listing), for reports and tests. */
  readonly instrumented = new Map<string, ClassifiedFunction[]>();
  // Hot-path cache: the last thread seen.
  private lastThread: GuestThread | undefined;
  private lastState: ThreadState | undefined;
  /** Hook path: the dword the exit thunk jumps through (undefined: the older `ret` exit). */
  private returnSlot: { readonly va: number; readonly view: DataView } | undefined;
  /** The mailbox layout's page (README "Thunks"), when in use. */
  private mailbox: { readonly va: number; readonly words: Uint32Array } | undefined;
  /** Native hooks, when active (see native.ts). */
  private native: NativeRecorder | undefined;
  /**
   * Host clock with the native recorder: ns = anchorNs + (guest clock − anchorClock) · rate, a
   * continuous, monotonic function of the (causally ordered) guest clock whose rate is the
   * host's measured ns per guest instruction, re-measured at every slice end (at least every
   * 50 ms: the machine's wall ticks end slices). Host events and drained events use the same
   * mapping, so cross-thread order holds.
   */
  private anchorClock = 0;
  private anchorNs = 0;
  private rate = 20;
  private sampleClock = 0;
  private sampleNs = 0;

  constructor(
    readonly writer: TraceWriter,
    readonly options: TracerOptions = {},
  ) {
    this.argCount = options.args ?? 0;
    this.clockChoice = options.clock ?? "guest";
    this.attached = options.attachAt === undefined;
    this.namedModules = new Map((options.modules ?? []).map((m) => [m.toLowerCase(), false]));
    // The program's own images always; system libraries when named or with `system`.
    this.wantModule = (module) => this.isNamedModule(module.name) || !module.system || options.system === true;
    this.selection = new FunctionSelection(options.include ?? [], options.exclude ?? []);
    this.recordSyscalls = options.system === true || this.namedModules.size > 0;
  }

  // ---------------------------------------------------------------- machine callbacks

  /**
   * How far the native log's raw counts run ahead of executedInstructions(): 0 with the block
   * clock (its own count), 1 with unicorn's instruction counter.
   */
  private rawAhead = 1;

  onMachineReady(machine: Machine): void {
    this.machine = machine;
    this.engine = machine.engine;
    if (machine.engine.mapHostMemory !== undefined) {
      // The exit thunk jumps through this dword, which the exit hook writes as plain host
      // memory (no engine call, no stack write). Isolation (runtime/README.md): the page is a
      // dedicated host buffer mapped READ-ONLY; it holds this one dword (the real return
      // address of the frame returning now, which the guest already had on its stack) and
      // zeros. The guest cannot write it, and sees no other host memory through it.
      const page = machine.allocate(0x1000, Prot.READ, RETURN_SLOT_TAG);
      machine.engine.unmapMemory(page.base, 0x1000);
      const view = machine.engine.mapHostMemory(page.base, 0x1000, Prot.READ);
      view.fill(0);
      this.returnSlot = { va: page.base, view: new DataView(view.buffer, view.byteOffset, 4) };
      // Kernel mode keeps the JS hooks for now: its scheduler attributes DPCs and switches
      // threads in ways the per-slice thread selection of the C helper does not follow yet
      // (test/kernel fails with it; README "Recorders").
      if ((this.options.recorder ?? "native") === "native" && machine.privilege !== "kernel") {
        this.native = machine.engine.nativeRecorder?.({ returnSlot: view, argCount: this.argCount, slow: (why, address, value) => this.onNativeSlow(why, address, value) });
        if (this.native !== undefined) this.rawAhead = this.native.rawAhead;
        // Who points the return at the exit thunk: the thunks' own stores where guest stores
        // are cheap, else uc_mem_write from the C hook (README "Measured").
        this.native?.setWriteExit(machine.engine.cheapGuestStores !== true);
        if (this.native !== undefined && machine.engine.cheapGuestStores === true) {
          // The mailbox layout: thunks hand the hooks the return address, ESP and EAX in this
          // page, so the hooks' fast paths make no engine calls. Isolation (runtime/README.md):
          // a dedicated host page, the only one the guest may write; it holds what the guest
          // just had in its registers and on its stack, and the hooks only copy values from it.
          const mb = machine.allocate(0x1000, Prot.RW, MAILBOX_TAG);
          machine.engine.unmapMemory(mb.base, 0x1000);
          const page = machine.engine.mapHostMemory(mb.base, 0x1000, Prot.RW);
          page.fill(0);
          this.native.useMailbox(page);
          this.mailbox = { va: mb.base, words: new Uint32Array(page.buffer, page.byteOffset, MAILBOX_WORDS) };
        }
      }
    }
    if (this.options.attachAt !== undefined) machine.at(this.options.attachAt, () => this.attach());
    if (this.options.detachAt !== undefined) machine.at(this.options.detachAt, () => this.detach());
  }

  /** Whether --module names this image (`kernel32.dll` or `kernel32`); marks the name as answered. */
  private isNamedModule(name: string): boolean {
    const lower = name.toLowerCase();
    const key = this.namedModules.has(lower) ? lower : lower.replace(/\.(dll|exe|sys)$/, "");
    if (!this.namedModules.has(key)) return false;
    this.namedModules.set(key, true);
    return true;
  }

  onModuleLoaded(module: LoadedModule): void {
    const machine = this.machine!;
    const engine = this.engine!;
    this.isNamedModule(module.name);
    if (module.builtin) return;
    // C++ unwinders may live in any module, traced or not (libgcc_s_dw2-1.dll, or linked in):
    // their exports are enough for that (a module left untraced is never parsed whole).
    this.watchUnwinder(module, module.exportRvas(UNWINDER_WATCH));
    // With system libraries traced (--module, --system), system calls are recorded too: an
    // untraced system DLL then contributes its system-call stubs only (ntdll's Nt*, win32u's
    // NtUser*/NtGdi*), so a path into the system ends at the call that leaves user mode.
    const syscallsOnly = !this.wantModule(module);
    if (syscallsOnly && !this.recordSyscalls) return;
    if (module.image === null) return;
    const image = module.image;
    if (syscallsOnly && !hasSyscallStubs(image, (rva) => (rva + 15 <= module.size && machine.memory.readable(module.base + rva, 15) ? machine.memory.read(module.base + rva, 15) : undefined))) return;
    const search: { readonly pdb?: Pdb } = syscallsOnly ? {} : findPdb(image, module.path, this.options.symbolPath ?? [], (b) => parsePdb(b));
    const code: CodeBytes = {
      read(rva, length) {
        if (rva < 0 || rva + length > module.size) return undefined;
        if (!machine.memory.readable(module.base + rva, length)) return undefined;
        return machine.memory.read(module.base + rva, length);
      },
    };
    const all = classifyFunctions(image, search.pdb !== undefined ? { pdb: search.pdb } : {}, code, this.options.method ?? "auto");
    // Detours and probes need the return-slot exit thunk (engines with host-mapped memory).
    const usable = (m: TraceMethod) => m !== "none" && (this.returnSlot !== undefined || (m !== "detour" && m !== "probe"));
    const chosen = all.filter((c) => (syscallsOnly ? c.cls.patch === "syscall" : usable(c.cls.patch)) && this.selection.wants(c.fn.names, module.name));
    this.watchUnwinder(module, all.flatMap((c) => c.fn.names.map((n) => [n, c.fn.rva as number] as const)));
    this.instrumented.set(module.name, chosen);
    this.stats.modules++;
    const stubs = chosen.filter((c) => c.cls.patch === "syscall").length;
    this.stats.functions += chosen.length - stubs;
    this.stats.syscallStubs += stubs;
    for (const c of chosen) this.stats.methods[c.cls.patch]++;

    const exportNames = (image.exports?.entries ?? []).filter((e) => e.forwarder === undefined).flatMap((e) => e.names.map((name) => ({ rva: e.rva, name })));
    const rec = this.writer.addModule({
      name: module.name,
      path: module.path,
      base: module.base,
      size: module.size,
      timeDateStamp: image.timeDateStamp,
      checksum: image.checksum,
      exportNames,
      debugBlock: buildDebugBlock(image.debug),
      functionRvas: chosen.map((c) => c.fn.rva),
    });
    if (chosen.length === 0) return;

    // Thunk area: hook slots (exit + one per function), then continuations (traced with the
    // exit-thunk store when the return slot exists and nothing else stores it, and plain for
    // detached entries). The mailbox layout puts its exit thunk first, where returns go in
    // either layout (the area's base: the same return addresses on the stack), and its entry
    // thunks between the slots and the continuations. One area, so a slot's jump to its
    // continuation stays within a page, where the engine chains blocks (split areas: traced
    // fib(30) 0.90 → 1.3 s).
    const mb = this.mailbox;
    const slotsBase = mb !== undefined ? MAILBOX_EXIT_SIZE : 0;
    const slotsSize = HOOK_SLOT_SIZE * (chosen.length + 1);
    const mailboxBase = Math.ceil((slotsBase + slotsSize) / 16) * 16;
    const contBase = mb !== undefined ? mailboxBase + MAILBOX_THUNK_SIZE * chosen.length : mailboxBase;
    const size = contBase + 2 * CONTINUATION_SIZE * chosen.length;
    const area = machine.allocate(size, Prot.RX, `ntrace thunks for ${module.name}`, "code");
    const bytes = new Uint8Array(size).fill(0xcc);
    const rs = this.returnSlot;
    const exitVa = area.base;
    const slots = area.base + slotsBase;
    bytes.set(rs !== undefined ? exitJumpSlot(rs.va) : exitSlot(), slotsBase);
    if (mb !== undefined) bytes.set(mailboxExitThunk(mb.va), 0);
    const probes: { fnVa: number; id: number }[] = [];
    const programInstructions: number[] = [];
    chosen.forEach((c, i) => {
      const fnVa = module.base + c.fn.rva;
      if (c.cls.patch === "syscall") {
        // Not patched: recorded when the call reaches the dispatcher (onSyscall).
        this.syscallStubs.set(fnVa, { id: rec.firstFunctionId + i, exitVa });
        return;
      }
      if (c.cls.patch === "probe") {
        // Not patched: an engine hook on the first instruction records the entry.
        probes.push({ fnVa, id: rec.firstFunctionId + i });
        return;
      }
      const slotVa = slots + HOOK_SLOT_SIZE * (i + 1);
      const contVa = area.base + contBase + 2 * CONTINUATION_SIZE * i;
      bytes.set(entrySlot(slotVa, contVa), slotVa - area.base);
      // The patched entry's target: the slot, or the mailbox entry thunk in front of it.
      let entryVa = slotVa;
      if (mb !== undefined) {
        entryVa = area.base + mailboxBase + MAILBOX_THUNK_SIZE * i;
        bytes.set(mailboxEntryThunk(entryVa, mb.va, exitVa, slotVa), entryVa - area.base);
      }
      const first = machine.memory.read(fnVa, 16);
      // With the return slot the padding jumps (E9) instead of calling: no push to undo.
      const reachedBy = rs !== undefined ? "jump" : "call";
      const storeExit = rs !== undefined && mb === undefined && !(this.native?.writesExit ?? false);
      const traced = continuation(contVa, fnVa, c.cls, first, storeExit ? area.base : undefined, reachedBy);
      bytes.set(traced.bytes, contVa - area.base);
      const plainVa = contVa + CONTINUATION_SIZE;
      const plain = continuation(plainVa, fnVa, c.cls, first, undefined, reachedBy);
      bytes.set(plain.bytes, plainVa - area.base);
      programInstructions.push(...traced.programStarts.map((o) => contVa + o), ...plain.programStarts.map((o) => plainVa + o));
      if (c.cls.patch === "detour") {
        const original = machine.memory.read(fnVa, DETOUR_PATCH_LENGTH);
        this.sites.push({ fnVa, id: rec.firstFunctionId + i, plan: planDetourPatch(fnVa, entryVa, original), method: "detour", plainVa, cls: c.cls });
        return;
      }
      const original = machine.memory.read(fnVa - 5, PATCH_LENGTH);
      this.sites.push({ fnVa, id: rec.firstFunctionId + i, plan: planPatch(fnVa, entryVa, original, rs !== undefined ? 0xe9 : 0xe8), method: "hotpatch", plainVa, cls: c.cls });
    });
    machine.memory.write(area.base, bytes);
    this.hostCode.addArea([area.base, area.base + size], programInstructions);
    this.publishHostCode();
    const thunks: ThunkArea = { base: area.base, slots, exitVa, conts: area.base + contBase, firstId: rec.firstFunctionId, count: chosen.length };
    this.areas.push(thunks);
    // The hook covers the hook slots only: continuations run at full speed.
    if (this.native !== undefined) this.native.hookArea(slots, slots + slotsSize - 1, rec.firstFunctionId);
    else engine.addCodeHook(slots, slots + slotsSize - 1, (address) => this.onThunk(thunks, address));
    for (const p of probes) {
      if (this.native !== undefined) this.native.hookProbe(p.fnVa, thunks.exitVa, p.id);
      else engine.addCodeHook(p.fnVa, p.fnVa, () => this.onProbe(thunks, p.id));
    }
    if (this.attached) this.patchModule(rec.firstFunctionId, chosen.length);
  }

  /** An image was unmapped: its functions are gone (nothing to unpatch at detach). */
  onModuleUnloaded(module: LoadedModule): void {
    for (const stub of this.syscallStubs.keys()) if (stub >= module.base && stub < module.base + module.size) this.syscallStubs.delete(stub);
    for (let i = this.sites.length - 1; i >= 0; i--) {
      const fn = this.sites[i]!.fnVa;
      if (fn >= module.base && fn < module.base + module.size) this.sites.splice(i, 1);
    }
  }

  onThreadStart(thread: ThreadView): void {
    this.stateOf(thread);
  }

  /** Mailbox layout: the thread's mailbox comes back with it (saved at its slice ends). */
  onSliceStart(thread: ThreadView): void {
    const saved = this.mailbox !== undefined ? this.threads.get(thread.key)?.mailbox : undefined;
    if (saved !== undefined) this.mailbox!.words.set(saved);
  }

  onSliceEnd(thread: ThreadView): void {
    const s = this.threads.get(thread.key);
    if (s?.mailbox !== undefined) s.mailbox.set(this.mailbox!.words);
    if (s?.nbuf !== undefined) this.drain(s);
    this.native?.select(undefined); // the next slice's first hook selects its thread
    if (this.native !== undefined && this.clockChoice === "host") this.resampleHostClock();
    if (this.options.progress !== undefined) this.reportProgress(this.options.progress);
  }

  /**
   * The flush policy (tracing/README.md "Interruption"): completed records reach the file at
   * least every FLUSH_INTERVAL_MS (and whenever the file sink's buffer fills), so a killed run
   * loses at most that much time of completed chunks plus each thread's partly filled chunk.
   */
  onWallTick(): void {
    const now = Date.now();
    if (now - this.lastFlush < FLUSH_INTERVAL_MS) return;
    this.lastFlush = now;
    this.writer.flushWritten();
  }
  private lastFlush = Date.now();

  private progressStart = 0;
  private progressLast = 0;
  private reportProgress(progress: NonNullable<TracerOptions["progress"]>): void {
    const now = Date.now();
    if (this.progressStart === 0) this.progressStart = this.progressLast = now;
    if (now - this.progressLast < 1000) return;
    this.progressLast = now;
    progress({ events: this.writer.eventCount, instructions: this.machine!.clock(), elapsedMs: now - this.progressStart });
  }

  onThreadExit(thread: ThreadView, exitCode: number): void {
    const s = this.stateOf(thread);
    this.drain(s);
    const ts = this.now();
    this.closeFrames(s, ts);
    s.writer.threadEnd(ts, exitCode >>> 0);
  }

  onContextResume(thread: ThreadView, esp: number, _eip: number, code: number): void {
    // Frames whose return-address slot lies below the resumed ESP were skipped by unwinding.
    const s = this.stateOf(thread);
    this.drain(s);
    const before = s.frames.length;
    this.cutBelow(s, esp >>> 0, code >>> 0, this.now());
    if (s.nbuf !== undefined) this.native!.removeTop(s.nbuf, before - s.frames.length);
  }

  onUnwind(thread: ThreadView, step: UnwindStep): void {
    const s = this.stateOf(thread);
    s.unwindTarget = step.targetFrame === 0 ? EXIT_UNWIND : step.targetFrame >>> 0;
    s.unwindCode = step.code >>> 0;
  }

  /**
   * A system call from a traced module's stub: recorded like a patched function's entry
   * (the stub's `ret K` leaves through the exit thunk), since the stubs have no room for a
   * patch. The dispatcher calls this before carrying the call out, so a blocking call shows
   * its whole wait and a call that never returns (NtContinue, NtTerminateThread) ends as
   * UNWIND or UNCLOSED like any other frame.
   */
  onSyscall(thread: ThreadView, stub: number, entryEsp: number): void {
    const known = this.syscallStubs.get(stub);
    if (known === undefined || !this.attached) return;
    const machine = this.machine!;
    const s = this.stateOf(thread);
    this.drain(s);
    const ts = this.now();
    const frames = s.frames;
    if (frames.length > 0 && frames[frames.length - 1]!.entryEsp <= entryEsp) {
      const before = frames.length;
      this.cutDead(s, entryEsp, ts);
      if (s.nbuf !== undefined) this.native!.removeTop(s.nbuf, before - frames.length);
    }
    const ret = machine.memory.u32(entryEsp);
    frames.push({ fn: known.id, ret, entryEsp, recording: true });
    if (s.nbuf !== undefined) this.native!.push(s.nbuf, ret, entryEsp, known.id);
    machine.memory.setU32(entryEsp, known.exitVa);
    if (this.argCount > 0) {
      const raw = machine.memory.read(entryEsp + 4, 4 * this.argCount);
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const args = new Array<number>(this.argCount);
      for (let i = 0; i < this.argCount; i++) args[i] = dv.getUint32(4 * i, true);
      s.writer.entry(ts, known.id, entryEsp, args);
    } else {
      s.writer.entry(ts, known.id, entryEsp);
    }
    this.stats.entries++;
    this.stats.syscalls++;
  }

  // ---------------------------------------------------------------- attach / detach

  /** Patches every chosen function (all threads are stopped between slices). */
  attach(): void {
    if (this.attached) return;
    this.attached = true;
    this.native?.setAttached(true);
    for (const a of this.areas) this.patchModule(a.firstId, a.count);
  }

  /**
   * Unpatches everything, restoring the original bytes exactly. Frames still open return
   * through the exit thunk, which stays alive and returns to their real callers without
   * recording; in the trace they are closed now with UNCLOSED events.
   */
  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.native?.setAttached(false);
    const engine = this.engine!;
    const machine = this.machine!;
    // Every original byte back in one go (GuestMemory.writeEach; the guest is stopped).
    const stores: Store[] = [];
    for (const site of this.sites) {
      if (site.method === "detour") {
        // One store restores the entry; threads already in the thunk finish there.
        stores.push(...site.plan.unpatch);
        this.hostCode.siteRestored(site.fnVa);
        continue;
      }
      stores.push(...site.plan.unpatch);
      // A thread stopped on the padding call (it took the EB F9) would now run padding:
      // the call had not happened yet, so it continues at the function, untraced.
      for (const t of machine.threads) {
        if (t.state === "terminated") continue;
        const eip = machine.reg(t, X86Reg.EIP);
        if (eip >= site.fnVa - 5 && eip < site.fnVa) machine.setReg(t, X86Reg.EIP, site.fnVa);
      }
      this.hostCode.siteRestored(site.fnVa);
    }
    for (const [begin, end] of machine.memory.writeEach(stores)) engine.flushCode(begin, end - begin);
    this.publishHostCode();
    this.stats.patched = 0;
    for (const s of this.threads.values()) this.drain(s);
    const ts = this.now();
    for (const s of this.threads.values()) {
      if (s.nbuf !== undefined) this.native!.stopRecording(s.nbuf);
      for (let i = s.frames.length - 1; i >= 0; i--) {
        const f = s.frames[i]!;
        if (!f.recording) continue;
        f.recording = false;
        s.writer.unclosed(ts, f.fn);
        this.stats.unclosed++;
      }
    }
  }

  private patchModule(firstId: number, count: number): void {
    const engine = this.engine!;
    const memory = this.machine!.memory;
    this.everAttached = true;
    // All the module's patches in one go (GuestMemory.writeEach): the guest is stopped, so
    // the order of the stores does not matter.
    const stores: Store[] = [];
    for (const site of this.sites) {
      if (site.id < firstId || site.id >= firstId + count) continue;
      if (site.method === "detour") {
        // A thread stopped inside the displaced instructions entered before the patch: it
        // goes on in the plain continuation's copy of the same instruction.
        const cls = site.cls;
        const length = cls.patch === "detour" ? cls.length : DETOUR_PATCH_LENGTH;
        for (const t of this.machine!.threads) {
          if (t.state === "terminated") continue;
          const eip = this.machine!.reg(t, X86Reg.EIP);
          if (eip > site.fnVa && eip < site.fnVa + length) {
            const resume = detourResume(site.plainVa, site.fnVa, cls, eip);
            if (resume !== undefined) this.machine!.setReg(t, X86Reg.EIP, resume);
          }
        }
        stores.push(...site.plan.patch);
        this.hostCode.sitePatched(site.fnVa, [site.fnVa, site.fnVa + DETOUR_PATCH_LENGTH]);
      } else {
        stores.push(...site.plan.patch);
        // the MSVC form's jump stands for the `mov edi,edi` its continuation skips
        this.hostCode.sitePatched(site.fnVa, [site.fnVa - 5, site.fnVa - 5 + PATCH_LENGTH], site.cls.patch === "hotpatch-msvc" ? [site.fnVa] : []);
      }
      this.stats.patched++;
    }
    for (const [begin, end] of memory.writeEach(stores)) engine.flushCode(begin, end - begin);
    this.publishHostCode();
  }

  /** The tracer's code as the block clock must count it (hostcode.ts). */
  private readonly hostCode = new HostCode();
  private publishHostCode(): void {
    this.engine?.setHostCodeRanges?.(this.hostCode.ranges());
  }
  chargeHostCode(address: number, size: number): number | undefined {
    return this.hostCode.charge(address, size);
  }

  /** The recorder in use (after onMachineReady): the requested one or its fallback. */
  get recorder(): Recorder {
    return this.native !== undefined ? "native" : "hooks";
  }

  /** True once patching happened (for reports). */
  get wasAttached(): boolean {
    return this.everAttached;
  }

  /** Ends the trace: frames still open on every thread become UNCLOSED events. */
  /**
   * Options that selected nothing in the whole run, one line each (the CLI prints them as
   * warnings): a --module no loaded image answered to, an --include or --exclude glob that
   * matched no function of the traced images.
   */
  unmatchedOptions(): string[] {
    const lines: string[] = [];
    const loaded = this.machine?.modules.map((m) => m.name) ?? [];
    for (const [name, hit] of this.namedModules) if (!hit) lines.push(`--module ${name} names no image the program loaded (loaded: ${loaded.join(", ") || "none"})`);
    const { include, exclude } = this.selection.unmatched();
    for (const g of include) lines.push(`--include ${g} matches no function of the traced images`);
    for (const g of exclude) lines.push(`--exclude ${g} matches no function of the traced images`);
    return lines;
  }

  finish(): void {
    for (const s of this.threads.values()) this.drain(s);
    const ts = this.now();
    for (const s of this.threads.values()) this.closeFrames(s, ts);
  }

  // ---------------------------------------------------------------- hot path

  private now(): number {
    if (this.clockChoice === "guest") return this.machine!.clock();
    if (this.native !== undefined) return this.hostNs(this.machine!.clock());
    return Number(process.hrtime.bigint() - this.hostStart);
  }

  private current(): ThreadState {
    const t = this.machine!.currentThread();
    if (t === this.lastThread && this.lastState !== undefined) return this.lastState;
    if (t === undefined) throw new Error("ntrace tracer: thunk executed with no current thread");
    const s = this.stateOf(t);
    this.lastThread = t;
    this.lastState = s;
    return s;
  }

  private stateOf(thread: ThreadView): ThreadState {
    let s = this.threads.get(thread.key);
    if (s === undefined) {
      const key = threadKey(thread.key);
      this.writer.addThread({
        key,
        process: thread.cid.process,
        thread: thread.cid.thread,
        startAddress: 0,
        // Idle threads are bound to their CPU and all share CID 0:0: the record says which.
        ...(thread.idle === true ? { idle: true, cpu: thread.cpu ?? 0 } : {}),
      });
      s = { key, writer: this.writer.thread(key), frames: [], unwindTarget: 0, unwindCode: 0, restored: undefined, unwinderEsp: 0, nbuf: this.native?.newThread(), lastTs: 0, mailbox: this.mailbox !== undefined ? new Uint32Array(MAILBOX_WORDS) : undefined };
      this.threads.set(thread.key, s);
      s.writer.threadStart(this.now());
    }
    return s;
  }

  private onThunk(area: ThunkArea, address: number): void {
    const slot = (address - area.slots) / HOOK_SLOT_SIZE;
    if (slot === 0) this.onExit(area);
    else this.onEntry(area, area.firstId + slot - 1);
  }

  private onEntry(area: ThunkArea, fn: number): void {
    const engine = this.engine!;
    if (!this.attached) {
      // Detached meanwhile (the thread was stopped on this slot): run the function untraced.
      if (this.returnSlot !== undefined) engine.writeRegister(X86Reg.EIP, area.conts + 2 * CONTINUATION_SIZE * (fn - area.firstId) + CONTINUATION_SIZE);
      return;
    }
    const s = this.current();
    // With the padding `call` ESP points at its pushed address (= fn) and the function's own
    // return address is just above it; with the padding `jmp` (return-slot layout) ESP is the
    // function's entry ESP already.
    const entryEsp = (engine.readRegister(X86Reg.ESP) + (this.returnSlot !== undefined ? 0 : 4)) >>> 0;
    const ret = engine.readU32(entryEsp);
    const ts = this.now();
    const frames = s.frames;
    if (frames.length > 0 && frames[frames.length - 1]!.entryEsp <= entryEsp) this.cutDead(s, entryEsp, ts);
    frames.push({ fn, ret, entryEsp, recording: true });
    // The traced continuation stores the exit thunk into the return slot (older layout: here).
    if (this.returnSlot === undefined) engine.writeU32(entryEsp, area.exitVa);
    this.recordEntry(s, ts, fn, entryEsp);
  }

  /** Writes an ENTRY event (with the argument dwords above the return address). */
  private recordEntry(s: ThreadState, ts: number, fn: number, entryEsp: number): void {
    const engine = this.engine!;
    if (this.argCount > 0) {
      const raw = engine.readMemory(entryEsp + 4, 4 * this.argCount);
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const args = new Array<number>(this.argCount);
      for (let i = 0; i < this.argCount; i++) args[i] = dv.getUint32(4 * i, true);
      s.writer.entry(ts, fn, entryEsp, args);
    } else {
      s.writer.entry(ts, fn, entryEsp);
    }
    this.stats.entries++;
    if ((this.stats.entries & 0xffff) === 0 && this.options.progress !== undefined) this.reportProgress(this.options.progress);
  }

  /** JS recorder: the probe on function `fn`'s first instruction (ESP is the entry ESP). */
  private onProbe(area: ThunkArea, fn: number): void {
    if (!this.attached) return;
    const engine = this.engine!;
    const s = this.current();
    const entryEsp = engine.readRegister(X86Reg.ESP) >>> 0;
    const ret = engine.readU32(entryEsp);
    const ts = this.now();
    const frames = s.frames;
    if (frames.length > 0 && frames[frames.length - 1]!.entryEsp <= entryEsp) this.cutDead(s, entryEsp, ts);
    frames.push({ fn, ret, entryEsp, recording: true });
    engine.writeU32(entryEsp, area.exitVa);
    this.recordEntry(s, ts, fn, entryEsp);
  }

  private onExit(_area: ThunkArea): void {
    const engine = this.engine!;
    const s = this.current();
    const [esp, eax] = engine.readRegisters([X86Reg.ESP, X86Reg.EAX]) as [number, number];
    // The `ret` (or `ret n`) that brought us here popped the return slot of the frame that
    // returned: it is the most recent frame among those with the highest entryEsp below ESP
    // (a tail-called frame shares its slot with the frame that jumped to it and returns
    // first). Frames pushed after it can never return: a lost unwind, cut as UNWIND.
    const frames = s.frames;
    const ts = this.now();
    let k = -1;
    for (let i = frames.length - 1; i >= 0; i--) {
      const e = frames[i]!.entryEsp;
      if (e >= esp) break;
      if (k < 0 || e > frames[k]!.entryEsp) k = i;
    }
    if (k >= 0 && k < frames.length - 1) this.cutAbove(s, k + 1, 0, ts);
    const f = k >= 0 ? frames.pop() : undefined;
    if (f === undefined) {
      // Cannot happen unless something else rewrote a return address to our thunk.
      this.machine!.fail(this.machine!.currentThread()!, `ntrace: exit thunk reached at ESP ${hex(esp)} with no open frame below it (thread ${hex(s.key)})`);
      return;
    }
    if (this.returnSlot !== undefined) {
      // The exit thunk's `jmp [returnSlot]` goes on to the real caller, ESP untouched.
      this.returnSlot.view.setUint32(0, f.ret, true);
    } else {
      const slot = (esp - 4) >>> 0;
      // Put the real return address back on the stack (ESP moves first: nothing below ESP),
      // then the thunk's `ret` returns to it.
      engine.writeRegister(X86Reg.ESP, slot);
      engine.writeU32(slot, f.ret);
    }
    if (f.entryEsp > s.unwindTarget) s.unwindTarget = 0; // the unwind's target frame has returned
    if (f.recording) {
      s.writer.exit(ts, f.fn, eax >>> 0);
      this.stats.exits++;
    }
  }

  /**
   * Entry safety net, when the new frame's return slot is at or above the top frame's: the
   * code calling it runs where the top frame(s) were, so they were left by a jump the machine
   * did not see (longjmp; an __except block after RtlUnwind). Dead, as UNWIND events:
   *  - frames whose slot lies below the new one (free stack now);
   *  - after an RtlUnwind to target T with the new slot below T: every frame below T (control
   *    is back in T's frame, whatever stack depth its calls use);
   *  - then, from the top, frames whose slot no longer holds an exit thunk (overwritten by a
   *    later call's return address: they can never return through it). A tail call keeps the
   *    thunk in the shared slot, so the frame that jumped stays open and the new one nests.
   * Runs only on this rare path (the usual entry is deeper than the top frame).
   */
  private cutDead(s: ThreadState, entryEsp: number, ts: number, entrySlotWas?: number): void {
    if (s.restored !== undefined && entryEsp < s.unwinderEsp) {
      // A call the DWARF unwinder makes (personality, FDE lookup) while the throwing frames
      // above it hold their real return addresses: only frames inside the unwinder can be dead.
      this.cutBelow(s, entryEsp, 0, ts);
      return;
    }
    const afterThrow = s.restored !== undefined;
    if (afterThrow) this.rehijack(s, entryEsp);
    this.cutBelow(s, entryEsp, 0, ts);
    if (entryEsp < s.unwindTarget && s.unwindTarget !== EXIT_UNWIND) this.cutBelow(s, s.unwindTarget, 0, ts);
    const frames = s.frames;
    const engine = this.engine!;
    while (frames.length > 0) {
      const top = frames[frames.length - 1]!;
      // The new entry's own slot: what it held before a mailbox thunk pointed it at the exit thunk.
      const slot = top.entryEsp === entryEsp && entrySlotWas !== undefined ? entrySlotWas : engine.readU32(top.entryEsp);
      if (this.areas.some((a) => a.exitVa === slot)) break;
      frames.pop();
      if (top.recording) {
        s.writer.unwind(ts, top.fn, unwindCodeOf(s, top));
        this.stats.unwinds++;
      }
    }
    if (afterThrow) {
      s.unwindTarget = 0;
      s.unwindCode = 0;
    }
  }

  // ---------------------------------------------------------------- C++ exceptions (DWARF unwinding)

  /**
   * mingw's i686 C++ unwinds with DWARF tables (libgcc's unwind-dw2): it finds each frame's
   * unwind data from the frame's return address, read from the stack. A return address that
   * leads to the exit thunk has none, so before the unwinder walks the stack (at the entry of
   * _Unwind_RaiseException and its siblings) every frame's real return address goes back into
   * its slot. Once a catch (or cleanup) block runs — __cxa_begin_catch, or the next entry the
   * thread makes — the frames the throw removed are cut as UNWIND with STATUS_GCC_THROW and the
   * surviving ones get the exit thunk again (uftrace restores return addresses the same way).
   * The unwinder's own entry points are never patched (classify.ts).
   */
  private watchUnwinder(module: LoadedModule, names: Iterable<readonly [string, number]>): void {
    const engine = this.engine!;
    for (const [name, rva] of names) {
      const kind = UNWINDER_ENTRIES.has(name) ? "unwind" : name === "__cxa_begin_catch" ? "catch" : undefined;
      if (kind === undefined || rva <= 0 || rva >= module.size) continue;
      const va = module.base + rva;
      if (this.unwinderHooks.has(va)) continue;
      this.unwinderHooks.add(va);
      engine.addCodeHook(va, va, () => (kind === "unwind" ? this.onUnwinderEntry() : this.onCatch()));
    }
  }

  private readonly unwinderHooks = new Set<number>();

  private onUnwinderEntry(): void {
    const t = this.machine!.currentThread();
    if (t === undefined) return;
    const s = this.stateOf(t);
    this.drain(s);
    const memory = this.machine!.memory;
    const frames = s.frames;
    const restored = s.restored ?? [];
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      const slot = memory.u32(f.entryEsp);
      if (!this.areas.some((a) => a.exitVa === slot)) continue;
      const ret = s.nbuf !== undefined ? this.native!.returnOf(s.nbuf, frames.length - 1 - i) : f.ret;
      memory.setU32(f.entryEsp, ret);
      restored.push({ frame: f, ret, exitVa: slot });
    }
    s.restored = restored;
    s.unwinderEsp = this.machine!.reg(t, X86Reg.ESP) >>> 0;
    s.unwindTarget = EXIT_UNWIND;
    s.unwindCode = STATUS_GCC_THROW;
  }

  /** A catch block starts (__cxa_begin_catch's entry): the unwind is over. */
  private onCatch(): void {
    const t = this.machine!.currentThread();
    if (t === undefined) return;
    const s = this.stateOf(t);
    if (s.restored === undefined) return;
    this.drain(s);
    const before = s.frames.length;
    this.cutDead(s, this.machine!.reg(t, X86Reg.ESP) >>> 0, this.now());
    if (s.nbuf !== undefined) this.native!.removeTop(s.nbuf, before - s.frames.length);
  }

  /** The unwind is over: surviving frames (slot at or above `esp`) get their exit thunk back. */
  private rehijack(s: ThreadState, esp: number): void {
    const memory = this.machine!.memory;
    for (const r of s.restored!) {
      if (r.frame.entryEsp >= esp && s.frames.includes(r.frame) && memory.u32(r.frame.entryEsp) === r.ret) memory.setU32(r.frame.entryEsp, r.exitVa);
    }
    s.restored = undefined;
  }

  // ---------------------------------------------------------------- native recorder (native.ts)

  /**
   * Turns the thread's native log into events (in order, written by native code straight into
   * the writer's columns) and brings `frames` up to date with the C shadow stack. Timestamps:
   * the engine counter of the current slice (every slice end drains, so the log never holds
   * another slice's counts) → guest clock; host clock: interpolated linearly between the host
   * times of consecutive drains.
   */
  private drain(s: ThreadState): void {
    const n = this.native;
    if (n === undefined || s.nbuf === undefined) return;
    const pending = n.pending(s.nbuf);
    if (pending > 0) {
      // A single thread never ends a slice mid-run: the full log is the periodic host visit.
      if (this.options.progress !== undefined) this.reportProgress(this.options.progress);
      const machine = this.machine!;
      const executed = this.engine!.executedInstructions();
      const live = machine.currentThread() !== undefined && !Number.isNaN(executed);
      const clock = machine.clock();
      const c = this.emitClock;
      c[0] = live ? 1 : 0;
      c[1] = clock - executed - this.rawAhead;
      c[2] = clock;
      c[3] = this.clockChoice === "host" ? 1 : 0;
      c[4] = this.anchorNs;
      c[5] = this.anchorClock;
      c[6] = this.rate;
      c[7] = s.lastTs;
      const counts = this.emitCounts.fill(0);
      // at most one event per 3 log dwords; the writer's chunk boundaries cut it into parts
      for (let wanted = Math.ceil(pending / 3); n.pending(s.nbuf) > 0; ) {
        const into = s.writer.reserve(wanted);
        const written = n.emit(s.nbuf, into, into.start, into.room, c, counts);
        s.writer.commit(written);
        wanted -= written;
      }
      s.lastTs = c[7]!;
      this.stats.entries += counts[0]!;
      this.stats.exits += counts[1]!;
    }
    // The mirror: frames below the lowest depth the hooks reached are unchanged.
    const { low, frames, poppedEsp } = n.syncFrames(s.nbuf);
    const mirror = s.frames;
    if (mirror.length > low) mirror.length = low;
    for (let i = 0; i < frames.length; i += 4) mirror.push({ fn: frames[i + 2]!, ret: 0, entryEsp: frames[i + 1]!, recording: frames[i + 3] !== 0 });
    if (poppedEsp > s.unwindTarget) s.unwindTarget = 0; // the unwind's target frame has returned
  }
  /** drain's scratch: the clock mapping handed to the native emitter, and its counts. */
  private readonly emitClock = new Float64Array(8);
  private readonly emitCounts = new Uint32Array(2);

  private hostNs(guestClock: number): number {
    return Math.round(this.anchorNs + Math.max(0, guestClock - this.anchorClock) * this.rate);
  }

  /** Host clock: a new segment of the guest-clock → ns mapping (continuous at the anchor). */
  private resampleHostClock(): void {
    const clock = this.machine!.clock();
    if (clock <= this.sampleClock) return;
    const ns = Number(process.hrtime.bigint() - this.hostStart);
    this.anchorNs = this.hostNs(clock);
    this.anchorClock = clock;
    this.rate = Math.max(0, (ns - this.sampleNs) / (clock - this.sampleClock));
    this.sampleClock = clock;
    this.sampleNs = ns;
  }

  /**
   * The native hooks' rare paths (native/ntrace_hooks.c): the same rules as the JS hooks, on
   * the frames mirrored from the native log (drained first).
   */
  private onNativeSlow(why: number, address: number, value: number): void {
    const n = this.native!;
    if (why === NATIVE_SLOW.NO_THREAD) {
      const t = this.machine!.currentThread();
      if (t !== undefined) n.select(this.stateOf(t).nbuf);
      return;
    }
    const s = this.current();
    this.drain(s);
    if (why === NATIVE_SLOW.FLUSH) {
      if (this.clockChoice === "host") this.resampleHostClock();
      return;
    }
    const engine = this.engine!;
    if (why === NATIVE_SLOW.BAD_STACK) {
      const t = this.machine!.currentThread()!;
      this.machine!.leaveSlice(t, (th) => this.machine!.fail(th, `ntrace: entry at ESP ${hex(value)}: the return address cannot be read (thread ${hex(s.key)})`));
      return;
    }
    if (why === NATIVE_SLOW.DETACHED) {
      // A thread stopped on an entry slot when we detached: the function runs untraced.
      const area = this.areas.find((a) => address > a.slots && address < a.slots + HOOK_SLOT_SIZE * (a.count + 1))!;
      engine.writeRegister(X86Reg.EIP, area.conts + 2 * CONTINUATION_SIZE * (value - area.firstId) + CONTINUATION_SIZE);
      return;
    }
    const frames = s.frames;
    const before = frames.length;
    if (why === NATIVE_SLOW.CUT) {
      // An entry through a mailbox thunk (not a probe) has already pointed its slot at the exit thunk.
      const throughMailbox = this.mailbox !== undefined && this.areas.some((a) => address > a.slots && address < a.slots + HOOK_SLOT_SIZE * (a.count + 1));
      this.cutDead(s, value, this.now(), throughMailbox ? this.mailbox!.words[0] : undefined);
      n.removeTop(s.nbuf!, before - frames.length);
      return;
    }
    // NATIVE_SLOW.EXIT, ESP = value: the frame that returned is the most recent among those with
    // the highest entry ESP below ESP (`ret n`, tail calls, dead frames above it: UNWIND).
    const esp = value;
    let k = -1;
    for (let i = frames.length - 1; i >= 0; i--) {
      const e = frames[i]!.entryEsp;
      if (e >= esp) break;
      if (k < 0 || e > frames[k]!.entryEsp) k = i;
    }
    if (k < 0) {
      const t = this.machine!.currentThread()!;
      this.machine!.leaveSlice(t, (th) => this.machine!.fail(th, `ntrace: exit thunk reached at ESP ${hex(esp)} with no open frame below it (thread ${hex(s.key)})`));
      return;
    }
    const fromTop = frames.length - 1 - k;
    this.returnSlot!.view.setUint32(0, n.returnOf(s.nbuf!, fromTop), true);
    const ts = this.now();
    if (fromTop > 0) this.cutAbove(s, k + 1, 0, ts);
    const f = frames.pop()!;
    n.removeTop(s.nbuf!, fromTop + 1);
    if (f.entryEsp > s.unwindTarget) s.unwindTarget = 0; // the unwind's target frame has returned
    if (f.recording) {
      s.writer.exit(ts, f.fn, engine.readRegister(X86Reg.EAX));
      this.stats.exits++;
    }
  }

  /** Removes frames whose return slot lies below `esp` (they can never return), as UNWIND events. */
  private cutBelow(s: ThreadState, esp: number, code: number, ts: number): void {
    const frames = s.frames;
    while (frames.length > 0 && frames[frames.length - 1]!.entryEsp < esp) {
      const f = frames.pop()!;
      if (f.recording) {
        s.writer.unwind(ts, f.fn, code !== 0 ? code : unwindCodeOf(s, f));
        this.stats.unwinds++;
      }
    }
  }

  /** Removes frames from index `from` up (they can never return), as UNWIND events. */
  private cutAbove(s: ThreadState, from: number, code: number, ts: number): void {
    const frames = s.frames;
    while (frames.length > from) {
      const f = frames.pop()!;
      if (f.recording) {
        s.writer.unwind(ts, f.fn, code !== 0 ? code : unwindCodeOf(s, f));
        this.stats.unwinds++;
      }
    }
  }

  private closeFrames(s: ThreadState, ts: number): void {
    while (s.frames.length > 0) {
      const f = s.frames.pop()!;
      if (f.recording) {
        s.writer.unclosed(ts, f.fn);
        this.stats.unclosed++;
      }
    }
  }
}

/** Whether any exported function of the image is a system-call stub (a quick look before classifying it all). */
function hasSyscallStubs(image: PeImage, read: (rva: number) => Uint8Array | undefined): boolean {
  for (const e of image.exports?.entries ?? []) {
    if (e.forwarder !== undefined) continue;
    const head = read(e.rva);
    if (head !== undefined && syscallStub(head) !== undefined) return true;
  }
  return false;
}

/** The unwinder entry points of libgcc's DWARF unwinder: frames' return addresses are restored there. */
const UNWINDER_ENTRIES = new Set(["_Unwind_RaiseException", "_Unwind_Resume", "_Unwind_Resume_or_Rethrow", "_Unwind_ForcedUnwind", "_Unwind_Backtrace"]);
/** The exports watchUnwinder looks for in every module (a handful: found without parsing whole export tables). */
const UNWINDER_WATCH = [...UNWINDER_ENTRIES, "__cxa_begin_catch"];
/** The code of UNWIND events for frames a C++ throw (DWARF unwinding) removed: libgcc's STATUS_GCC_THROW. */
export const STATUS_GCC_THROW = 0x20474343;

/** `ThreadState.unwindTarget` of an exit unwind (RtlUnwind with TargetFrame 0): every frame. */
const EXIT_UNWIND = 0xffffffff;

/** The code of a frame found dead by the safety net: the last RtlUnwind's, if the frame lies below its target. */
function unwindCodeOf(s: ThreadState, f: Frame): number {
  return f.entryEsp < s.unwindTarget ? s.unwindCode : 0;
}

/** Default trace path for an image: `<image stem>.ntrace` in the current directory (hello.exe → hello.ntrace). */
export function defaultTracePath(image: string): string {
  return `${basename(image).replace(/\.[^.]*$/, "")}.ntrace`;
}
