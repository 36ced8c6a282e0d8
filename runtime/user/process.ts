/**
 * The user-mode personality: one Windows process whose user mode is Wine 8's genuine i386 DLLs
 * and whose kernel is ntrace's system-call layer. Process start does what Wine's unix side
 * does (dlls/ntdll/unix/loader.c start_main_thread): KUSER_SHARED_DATA, PEB, TEB and the
 * process parameters; ntdll.dll mapped at its preferred base with the system-call dispatcher
 * installed; the API-set schema; the program's image; then the first thread enters
 * LdrInitializeThunk(context) and Wine's own loader does the rest through system calls.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { cidText, hex } from "../../base/index.js";
import { LoadError } from "../core/errors.js";
import { IMAGE_SCN_CNT_CODE, parsePe, type CoffSymbol, type ExportTable } from "../../pe/index.js";
import { syscallStub } from "../../instrumenter/index.js";
import { Prot, X86Reg } from "../engine/index.js";
import { Selector } from "../core/gdt.js";
import { DEFAULT_DEBUG_OUTPUT_CAP, INSTRUCTIONS_PER_MS, type Cpu, type FaultInfo, type Machine } from "../core/machine.js";
import { GRANULARITY, PAGE, PageProt, USER_HIGH, USER_LOW, pageUp } from "../core/memory.js";
import { LazyFile } from "../core/lazyfile.js";
import type { ImageModule } from "../core/module.js";
import type { Personality } from "../core/personality.js";
import type { GuestThread } from "../core/thread.js";
import type { LoadedModule } from "../core/types.js";
import { captureContext } from "./context.js";
import { Guest, utf16z } from "./guest.js";
import { checkImports, parseApiSetSchema } from "./imports.js";
import { imageInformation, mapImageView, readImageFile, type ImageFile } from "./images.js";
import {
  CONSOLE_HANDLE_SHELL_NO_WINDOW,
  CONTEXT,
  CONTEXT_FLAGS,
  EXCEPTION_NONCONTINUABLE,
  EXCEPTION_RECORD,
  KUSD,
  KUSER_SHARED_DATA,
  PARAMS,
  PEB,
  PEB_DEBUG_TABLE_OFFSET,
  PROCESS_PARAMS_FLAG_NORMALIZED,
  TEB,
  TEB_ALLOCATION,
} from "./layout.js";
import { CURRENT_PROCESS, CURRENT_THREAD, HandleTable, KeyedEventObject, Namespace, ProcessObject, ThreadObject, type KernelObject } from "./objects.js";
import { Registry } from "./registry.js";
import { StdStream, openStdStreams } from "./stdio.js";
import { SyscallDispatcher, type SyscallSlot } from "./syscalls/dispatcher.js";
import { allSyscallFamilies } from "./syscalls/index.js";
import { locateSystemDlls, mingwRuntimeDir, type SystemDlls } from "./sysdlls.js";
import { Vfs, hostToWineGuestPath, type Mount } from "./vfs.js";
import { debugTableBytes, parseWineDebug, SILENT } from "./winedebug.js";
import { buildCommandLine, buildEnvironment } from "./environment.js";
import { exceptionName } from "./exceptions.js";

export interface UserProcessOptions {
  /** Host path of the program (an EXE). */
  readonly image: string;
  /** argv[1..]. */
  readonly args?: readonly string[];
  /** Environment additions and overrides (NAME → value). */
  readonly env?: Readonly<Record<string, string>>;
  /** --system-dlls. */
  readonly systemDlls?: string;
  readonly mounts?: readonly Mount[];
  /** Host directories searched for DLLs: mounted read-only, on the guest's PATH. */
  readonly dllDirs?: readonly string[];
  /** Guest current directory (default: the scratch directory C:\work). */
  readonly cwd?: string;
  /** Host file descriptors of stdin, stdout, stderr (default 0, 1, 2). */
  readonly stdio?: readonly [number, number, number];
  readonly strictSyscalls?: boolean;
  /** WINEDEBUG syntax; undefined = every channel off. */
  readonly wineDebug?: string;
  /** Where ntrace's own notes about the guest go (unimplemented system calls); default stderr. */
  readonly report?: (line: string) => void;
  /** Wine's debug output (__wine_dbg_write); default stderr. */
  readonly debugOutput?: (text: string) => void;
  /** strace-like log of every system call. */
  readonly syscallLog?: (line: string) => void;
  /** Command line as the guest sees it instead of one built from image + args. */
  readonly commandLine?: string;
  /** Host paths of the images whose imports are checked before the process starts (default: the program). */
  readonly preflight?: readonly string[];
  /** Start even when imports are missing (Wine binds them to stubs that raise when called). */
  readonly allowMissingImports?: boolean;
  /** The program is ntrace's own (the DLL-call runner): listed as a system module, not traced by default. */
  readonly programIsTool?: boolean;
  /**
   * Most characters of debug output (OutputDebugString) kept for the run's summary and passed
   * to `onDebugString` (default DEFAULT_DEBUG_OUTPUT_CAP, 1 MiB); past it strings are only
   * counted, and the summary says how many were dropped.
   */
  readonly maxDebugOutput?: number;
  /** Each debug string as the guest sends it (up to the cap), for showing it while the program runs. */
  readonly onDebugString?: (text: string) => void;
}

/** The longest single debug string read from the guest (OutputDebugString's own length is its argument). */
export const MAX_DEBUG_STRING = 0x10000;

/** Where the scratch directory is mounted and what the guest calls it. */
export const SCRATCH_GUEST = "C:\\work";
export const TEMP_GUEST = "C:\\users\\ntrace\\Temp";
export const SYSTEM32_GUEST = "C:\\windows\\system32";

/** Per-thread state of the personality. */
export interface UserThread {
  readonly thread: GuestThread;
  readonly object: ThreadObject;
  /** Address of the thread's TEB pages (TEB_ALLOCATION bytes in a block of TEBs). */
  readonly tebAllocation: number;
  readonly stackAllocation: number;
}

/** 2026-01-01 00:00:00 UTC in FILETIME units: the guest's clock starts there, every run. */
export const GUEST_EPOCH_FILETIME = 134116992000000000n;

/** TEBs per block of TEBs (Wine's virtual_alloc_teb reserves 32 at a time). */
const TEB_BLOCK = 32;
/** The no-access pages at the bottom of every thread stack: touching them is a stack overflow. */
const STACK_FLOOR = 2 * PAGE;

/**
 * The start of Wine 8's i386 ntdll!signal_start_thread, up to and including its `rep stosl`:
 * mov esi,[esp+4]; lea edi,[esi-12]; and edi,~0xfff; mov ecx,0xf0000; sub edi,ecx;
 * mov esp,edi; xor eax,eax; shr ecx,2; rep stosl.
 */
const SIGNAL_START_THREAD_CLEAR = Uint8Array.from([
  0x8b, 0x74, 0x24, 0x04, 0x8d, 0x7e, 0xf4, 0x81, 0xe7, 0x00, 0xf0, 0xff, 0xff, 0xb9, 0x00, 0x00, 0x0f, 0x00, 0x29, 0xcf, 0x89, 0xfc, 0x31, 0xc0, 0xc1, 0xe9, 0x02, 0xf3, 0xab,
]);
/** EFLAGS.DF: string instructions go down. */
const EFLAGS_DF = 0x400;

export class UserProcess implements Personality {
  readonly name = "user";
  readonly sys: SystemDlls;
  readonly guest: Guest;
  readonly handles = new HandleTable();
  readonly namespace = new Namespace();
  readonly processObject = new ProcessObject();
  /** The keyed event of handle 0 (\\KernelObjects\\CritSecOutOfMemoryEvent in Windows). */
  readonly defaultKeyedEvent = new KeyedEventObject();
  readonly registry: Registry;
  readonly vfs: Vfs;
  readonly syscalls: SyscallDispatcher;
  readonly threads = new Map<GuestThread, UserThread>();
  readonly std: readonly [StdStream, StdStream, StdStream];
  readonly processId = 0x20;
  private nextThreadId = 0x24;
  /** Scratch directory on the host (removed by close()). */
  readonly scratch: string;
  peb = 0;
  params = 0;
  ntdll!: ImageModule;
  mainImage!: ImageModule;
  mainImageFile!: ImageFile;
  /** ntdll exports the personality calls into. */
  readonly entryPoints = { LdrInitializeThunk: 0, RtlUserThreadStart: 0, KiUserExceptionDispatcher: 0 };
  /** Exit status once NtTerminateProcess ran. */
  exitStatus: number | undefined;
  /**
   * Exceptions nobody handled, per thread: the ones that reached kernelbase's
   * UnhandledExceptionFilter (the top-level handler of every thread calls it) or a second-chance
   * NtRaiseException. A process ending with such an exception's code is reported as ended by it.
   */
  readonly unhandled = new Map<GuestThread, FaultInfo>();
  /**
   * Exceptions each thread is dispatching (delivered or raised, not continued from yet), by
   * the address of the CONTEXT they were dispatched with: the frames an NtContinue resuming
   * that CONTEXT abandons were left because of that exception. Keyed by the CONTEXT, since a
   * handler may run other NtContinues (RtlUnwind's) before the outer dispatch resumes.
   */
  private readonly dispatching = new Map<GuestThread, Map<number, number>>();
  /** The exception code of the RtlUnwind each thread is running (its NtContinue ends it). */
  private readonly unwinding = new Map<GuestThread, number>();
  /** SetErrorMode's value (ProcessDefaultHardErrorMode). */
  hardErrorMode = 0;
  /** Next locally unique id (NtAllocateLocallyUniqueId). */
  nextLuid = 0x10000;
  private readonly starts = new Map<GuestThread, number>();
  private readonly names = new Map<GuestThread, string>();
  private readonly reported = new Set<string>();
  /** NtSetDefaultLocale(user). */
  userLcid = 0x409;
  private readonly dataViews = new Map<string, { readonly base: number; readonly size: number }>();
  private tebInGdt = 0;
  private lastTick = -1;
  /** Bases of the PEB and TEB allocations: secured, as Windows secures them (hostOwned). */
  private readonly secured = new Set<number>();
  /** Debug output kept so far (characters), and what the cap made the run drop. */
  private debugKept = 0;
  readonly debugDropped = { strings: 0, cut: 0, characters: 0 };
  readonly options: UserProcessOptions;

  constructor(
    readonly machine: Machine,
    options: UserProcessOptions,
  ) {
    this.options = options;
    this.sys = locateSystemDlls(options.systemDlls);
    this.guest = new Guest(machine.memory);
    this.scratch = mkdtempSync(join(tmpdir(), "ntrace-scratch-"));
    mkdirSync(join(this.scratch, "work"));
    mkdirSync(join(this.scratch, "temp"));
    const image = resolve(options.image);
    const mounts: Mount[] = [
      { guest: SYSTEM32_GUEST, host: this.sys.system32, writable: false },
      { guest: SCRATCH_GUEST, host: join(this.scratch, "work"), writable: true },
      { guest: TEMP_GUEST, host: join(this.scratch, "temp"), writable: true },
      // The program's own directory (unless it is the DLL set's: then it is C:\windows\system32).
      ...(resolve(dirname(image)) === resolve(this.sys.system32) ? [] : [{ guest: hostToWineGuestPath(dirname(image)), host: dirname(image), writable: false }]),
      ...(options.dllDirs ?? []).map((d) => ({ guest: hostToWineGuestPath(d), host: resolve(d), writable: false })),
      ...(options.mounts ?? []),
    ];
    this.vfs = new Vfs(mounts);
    this.registry = new Registry(machine.cpus.length);
    this.std = openStdStreams(options.stdio ?? [0, 1, 2]);
    this.syscalls = new SyscallDispatcher(this, allSyscallFamilies, {
      strict: options.strictSyscalls ?? false,
      report: options.report ?? ((line) => process.stderr.write(`ntrace: ${line}\n`)),
      ...(options.syscallLog !== undefined ? { log: options.syscallLog } : {}),
    });
    machine.setPersonality(this);
  }

  // ---------------------------------------------------------------- process start

  /** Builds the process and its first thread (it runs once the machine runs). */
  start(): GuestThread {
    const m = this.machine;
    const mem = m.memory;
    const imagePath = this.locateProgram(this.options.image);
    this.mainImageFile = readImageFile(imagePath);
    if (this.mainImageFile.layout.isDll) throw new LoadError(`${this.options.image} is a DLL: run an EXE, or call an export of the DLL with --call`);
    if (this.options.allowMissingImports !== true) this.checkImports(imagePath);

    // KUSER_SHARED_DATA, read-only for the guest; the host rewrites its clock through a view.
    mem.reserve(KUSER_SHARED_DATA, PAGE, "private", "KUSER_SHARED_DATA", PageProt.READONLY);
    mem.commit(KUSER_SHARED_DATA, PAGE, PageProt.READONLY);
    this.sharedData = mem.hostView(KUSER_SHARED_DATA, PAGE);
    this.initSharedData();

    // PEB, with Wine's debug-channel table in the page after it.
    this.peb = 0x7ffde000;
    mem.reserve(this.peb, 2 * PAGE, "private", "PEB", PageProt.READWRITE);
    mem.commit(this.peb, 2 * PAGE, PageProt.READWRITE);
    this.secured.add(this.peb);
    const g = this.guest;
    g.setU32(this.peb + PEB.NumberOfProcessors, m.cpus.length);
    g.setU32(this.peb + PEB.OSMajorVersion, 6);
    g.setU32(this.peb + PEB.OSMinorVersion, 1);
    g.setU32(this.peb + PEB.OSBuildNumber, 7601);
    g.setU32(this.peb + PEB.OSPlatformId, 2);
    g.setU32(this.peb + PEB.ImageSubSystem, this.mainImageFile.layout.subsystem);
    const info = imageInformation(this.mainImageFile);
    g.setU32(this.peb + PEB.ImageSubSystemMajorVersion, info[0x16]! | (info[0x17]! << 8));
    g.setU32(this.peb + PEB.ImageSubSystemMinorVersion, info[0x14]! | (info[0x15]! << 8));
    g.setU32(this.peb + PEB.ImageProcessAffinityMask, m.cpus.length >= 32 ? 0xffffffff : (2 ** m.cpus.length - 1) >>> 0);
    g.setU32(this.peb + PEB.SessionId, 1);
    g.write(this.peb + PEB_DEBUG_TABLE_OFFSET, debugTableBytes(this.options.wineDebug !== undefined ? parseWineDebug(this.options.wineDebug) : SILENT));

    // ntdll at its preferred base, the system-call dispatcher installed in it.
    const ntdllFile = readImageFile(join(this.sys.system32, "ntdll.dll"));
    const nt = mapImageView(m, ntdllFile, { guestPath: `${SYSTEM32_GUEST}\\ntdll.dll`, system: true });
    if (nt.module === undefined || nt.status !== 0) throw new LoadError(`ntdll.dll cannot be mapped at its preferred base ${hex(ntdllFile.layout.imageBase)}`);
    this.ntdll = nt.module;
    this.installSyscalls(this.ntdll, 0);
    for (const name of Object.keys(this.entryPoints) as (keyof typeof this.entryPoints)[]) {
      const a = this.exportAddress(this.ntdll, name);
      if (a === undefined) throw new LoadError(`${this.ntdll.path} has no export ${name}: not Wine's ntdll.dll`);
      this.entryPoints[name] = a;
    }

    this.watchRtlUnwind();
    this.assistThreadStartClear(ntdllFile);
    this.mapApiSetSchema();

    // The program, then the process parameters that name it.
    const mainGuest = this.vfs.guestPathOf(imagePath) ?? hostToWineGuestPath(imagePath);
    const main = mapImageView(m, this.mainImageFile, { guestPath: mainGuest, system: this.options.programIsTool === true });
    if (main.module === undefined) throw new LoadError(`${this.options.image}: cannot be mapped (status ${hex(main.status)})`);
    this.mainImage = main.module;
    g.setU32(this.peb + PEB.ImageBaseAddress, this.mainImage.base);
    this.params = this.buildProcessParameters(mainGuest);
    g.setU32(this.peb + PEB.ProcessParameters, this.params);

    const first = this.createThread(this.mainImage.entry, this.peb, { suspended: false });
    if (first === undefined) throw new LoadError(`${this.options.image}: no room for the first thread's stack (SizeOfStackReserve ${hex(this.mainImageFile.layout.sizeOfStackReserve)})`);
    return first;
  }

  /**
   * The host file of the program: the path as given, or, for a bare file name that is not in
   * the current directory, the system directory's program of that name (`cmd.exe`), as
   * Windows' search order finds it.
   */
  private locateProgram(image: string): string {
    const given = resolve(image);
    if (existsSync(given)) {
      if (!statSync(given).isFile()) throw new LoadError(`${image}: is a directory, not a program`);
      return given;
    }
    if (basename(image) === image) {
      const inSystem = [image, `${image}.exe`].map((n) => join(this.sys.system32, n)).find((p) => existsSync(p));
      if (inSystem !== undefined) return inSystem;
    }
    throw new LoadError(`${image}: no such file${basename(image) === image ? ` (nor a program of that name in the system directory ${this.sys.system32})` : ""}`);
  }

  /** Names every import of the program (or the preflight images) that no DLL provides. */
  private checkImports(imagePath: string): void {
    const search = {
      dirs: [dirname(imagePath), this.sys.system32, ...(this.options.dllDirs ?? []).map((d) => resolve(d))],
      system32: this.sys.system32,
      apiSets: this.apiSets(),
    };
    for (const path of this.options.preflight ?? [imagePath]) {
      const f = readImageFile(path);
      f.file.ensureAll();
      checkImports(path === imagePath ? this.options.image : relative(process.cwd(), path) || path, parsePe(f.layout.bytes, path), search, [mingwRuntimeDir("posix"), mingwRuntimeDir("win32")]);
    }
  }

  /** API-set name → host DLL (from apisetschema.dll). */
  apiSets(): ReadonlyMap<string, string> {
    const f = readImageFile(join(this.sys.system32, "apisetschema.dll"));
    const s = f.layout.sections.find((x) => x.name === ".apiset");
    if (s === undefined) return new Map();
    f.file.ensure(s.rawOffset, s.rawSize);
    return parseApiSetSchema(f.layout.bytes, s.rawOffset);
  }

  private initSharedData(): void {
    const k = KUSER_SHARED_DATA;
    const mem = this.machine.memory;
    mem.setU32(k + KUSD.TickCountMultiplier, 1 << 24);
    mem.write(k + KUSD.NtSystemRoot, utf16z("C:\\windows"));
    mem.setU32(k + KUSD.MaxStackTraceDepth, 0);
    mem.setU32(k + KUSD.NtProductType, 1);
    mem.setU8(k + KUSD.ProductTypeIsValid, 1);
    mem.setU32(k + KUSD.NtMajorVersion, 6);
    mem.setU32(k + KUSD.NtMinorVersion, 1);
    // ProcessorFeatures: compare-exchange-double, MMX, SSE, RDTSC, PAE, SSE2, NX, SSE3.
    const features = new Uint8Array(64);
    for (const f of [2, 3, 6, 8, 9, 10, 12, 13]) features[f] = 1;
    mem.write(k + KUSD.ProcessorFeatures, features);
    mem.setU32(k + KUSD.NumberOfPhysicalPages, 0x80000);
    mem.setU32(k + KUSD.ActiveProcessorCount, this.machine.cpus.length);
    this.updateSharedTime();
  }

  /** Tick count and times in KUSER_SHARED_DATA from the virtual clock (1 ms resolution). */
  private updateSharedTime(): void {
    const clock = this.machine.clock();
    const ms = Math.floor(clock / INSTRUCTIONS_PER_MS);
    if (ms === this.lastTick) return;
    this.lastTick = ms;
    const k = KUSER_SHARED_DATA;
    const b = new Uint8Array(0x24);
    const v = new DataView(b.buffer);
    const interrupt = BigInt(ms) * 10000n;
    const system = this.systemTime();
    v.setUint32(0x008, Number(interrupt & 0xffffffffn), true);
    v.setUint32(0x00c, Number(interrupt >> 32n), true);
    v.setUint32(0x010, Number(interrupt >> 32n), true);
    v.setUint32(0x014, Number(system & 0xffffffffn), true);
    v.setUint32(0x018, Number(system >> 32n), true);
    v.setUint32(0x01c, Number(system >> 32n), true);
    v.setUint32(0, ms >>> 0, true);
    const tick = new Uint8Array(new Uint32Array([ms >>> 0, Math.floor(ms / 0x100000000), Math.floor(ms / 0x100000000)]).buffer);
    if (this.sharedData !== undefined) {
      this.sharedData.set(b.subarray(0, 0x20), 0);
      this.sharedData.set(tick, KUSD.TickCount);
      return;
    }
    const mem = this.machine.memory;
    mem.write(k, b.subarray(0, 0x20));
    mem.write(k + KUSD.TickCount, tick);
  }
  /** The host's view of KUSER_SHARED_DATA (GuestMemory.hostView), when the engine maps host memory. */
  private sharedData: Uint8Array | undefined;

  /** FILETIME now: the guest epoch plus the virtual clock (deterministic). */
  systemTime(): bigint {
    return GUEST_EPOCH_FILETIME + BigInt(Math.floor(this.machine.clock() / (INSTRUCTIONS_PER_MS / 10000)));
  }

  /** The ApiSetMap: the .apiset section of apisetschema.dll, its file mapped read-only as data. */
  private mapApiSetSchema(): void {
    const f = readImageFile(join(this.sys.system32, "apisetschema.dll"));
    const s = f.layout.sections.find((x) => x.name === ".apiset");
    if (s === undefined) throw new LoadError(`${f.hostPath} has no .apiset section`);
    const view = this.mapDataFile(f.hostPath);
    this.guest.setU32(this.peb + PEB.ApiSetMap, view.base + s.rawOffset);
  }

  /**
   * A read-only data view of a host file (NLS tables, the API-set schema), mapped once per
   * path for the life of the process, as Wine's permanent named sections are; its pages are
   * read from the file when first touched.
   */
  mapDataFile(hostPath: string): { readonly base: number; readonly size: number } {
    const known = this.dataViews.get(hostPath);
    if (known !== undefined) return known;
    const file = new LazyFile(hostPath, statSync(hostPath).size);
    const mem = this.machine.memory;
    const size = pageUp(Math.max(1, file.size));
    const base = mem.findFree(size, USER_LOW, 0x7ff00000, 0x10000, true);
    if (base === undefined) throw new LoadError(`no room to map ${hostPath}`);
    const source = {
      fill(offset: number, into: Uint8Array): void {
        const n = Math.min(into.length, file.size - offset);
        if (n <= 0) return;
        file.ensure(offset, n);
        into.set(file.bytes.subarray(offset, offset + n));
      },
    };
    mem.reserve(base, size, "mapped", basename(hostPath), PageProt.READONLY, source);
    mem.commit(base, size, PageProt.READONLY);
    const view = { base, size: file.size };
    this.dataViews.set(hostPath, view);
    return view;
  }

  /**
   * What the process's own structures in user space are to the memory calls: "no-vad" for
   * KUSER_SHARED_DATA (Windows maps it without a VAD: it cannot be freed, protected or
   * committed), "secured" for the PEB and the TEBs (they cannot be freed nor given less than
   * read-write access); undefined for the guest's own memory.
   */
  hostOwned(allocationBase: number): "no-vad" | "secured" | undefined {
    if (allocationBase === KUSER_SHARED_DATA) return "no-vad";
    return this.secured.has(allocationBase) ? "secured" : undefined;
  }

  /** Wine's debug-channel output (shown only when --wine-debug turned channels on). */
  wineDebugOutput(text: string): void {
    if (this.options.wineDebug === undefined) return;
    (this.options.debugOutput ?? ((t: string) => process.stderr.write(t)))(text);
  }

  /**
   * Points a Wine DLL's syscall block ({dispatcher, limit, argument bytes}) at ntrace's
   * dispatcher and registers the DLL's syscall stubs as table `table`. ntdll exports its block
   * (`__wine_syscall_dispatcher`); win32u passes its own to its first unix call.
   */
  installSyscalls(module: ImageModule, table: number, block?: number): void {
    const exports = this.exportsOf(module);
    const at = block ?? this.exportAddress(module, "__wine_syscall_dispatcher");
    if (exports === null || at === undefined) throw new LoadError(`${module.path} has no __wine_syscall_dispatcher export: not a Wine 8 DLL`);
    const slots: SyscallSlot[] = [];
    for (const e of exports.entries) {
      if (e.forwarder !== undefined || !e.code) continue;
      const stub = syscallStub(this.machine.memory.read(module.base + e.rva, 15));
      if (stub === undefined || stub.number >>> 12 !== table) continue;
      for (const name of e.names) slots.push({ table, index: stub.number & 0xfff, name: name.replace(/^Zw/, "Nt"), argBytes: stub.argBytes });
    }
    this.syscalls.addTable(slots);
    this.syscallStub ??= this.machine.addStub({ dll: "ntdll.dll", name: "__wine_syscall_dispatcher", args: 0, conv: "stdcall", impl: (c) => this.syscalls.dispatch(c) });
    this.machine.memory.setU32(at, this.syscallStub);
    const unix = block === undefined ? this.exportAddress(module, "__wine_unix_call_dispatcher") : undefined;
    if (unix !== undefined) {
      const unixStub = this.machine.addStub({ dll: module.name, name: "__wine_unix_call_dispatcher", args: 4, conv: "stdcall", impl: (c) => this.unixCall(c.args) });
      this.machine.memory.setU32(unix, unixStub);
    }
  }
  private syscallStub: number | undefined;

  /**
   * Wine's unix calls (u64 handle, code, args): the console DLL set needs none. win32u's first
   * call hands over its syscall block (it becomes table 1); its second asks for host display
   * functions, which this machine has none of. Every other library's unix side is a wall
   * (runtime/README.md): the call fails and is reported once.
   */
  private unixCall(args: readonly number[]): number {
    const [handle, high, code, params] = args as [number, number, number, number];
    if (handle === UNIX_HANDLE_WIN32U && high === 0) {
      const win32u = this.machine.modules.find((m) => m.name.toLowerCase() === "win32u.dll") as ImageModule | undefined;
      if (code === 0 && win32u !== undefined) {
        this.installSyscalls(win32u, 1, params);
        return 0;
      }
      return 0xc00000bb; // STATUS_NOT_SUPPORTED: no display driver
    }
    this.reportOnce(`unix:${handle}:${code}`, `unix call ${code} of unix library handle ${hex(handle)} is not available (a DLL's host-side library); it fails with STATUS_NOT_IMPLEMENTED`);
    return 0xc0000002;
  }

  /** RTL_USER_PROCESS_PARAMETERS, normalized, in its own allocation (ntdll rebuilds it). */
  private buildProcessParameters(imageGuest: string): number {
    const cwd = (this.options.cwd ?? SCRATCH_GUEST).replace(/\\$/, "") + "\\";
    const commandLine = this.options.commandLine ?? buildCommandLine([imageGuest, ...(this.options.args ?? [])]);
    const environment = buildEnvironment({
      cpus: this.machine.cpus.length,
      path: ["C:\\windows\\system32", "C:\\windows", "C:\\windows\\system32\\wbem", ...(this.options.dllDirs ?? []).map((d) => hostToWineGuestPath(d))],
      temp: TEMP_GUEST,
      extra: this.options.env ?? {},
    });
    const strings = [cwd, imageGuest, commandLine, imageGuest];
    const stringBytes = strings.map((s) => utf16z(s));
    const envBytes = new Uint8Array(Buffer.from(environment, "utf16le"));
    const size = pageUp(PARAMS.SIZE + 520 + stringBytes.reduce((n, b) => n + b.length, 0) + envBytes.length + 16);
    const mem = this.machine.memory;
    const base = mem.findFree(size, 0x00020000, 0x7f000000);
    if (base === undefined) throw new LoadError("no room for the process parameters");
    mem.reserve(base, size, "private", "process parameters", PageProt.READWRITE);
    mem.commit(base, size, PageProt.READWRITE);
    const g = this.guest;
    g.setU32(base + PARAMS.AllocationSize, size);
    g.setU32(base + PARAMS.Size, size);
    g.setU32(base + PARAMS.Flags, PROCESS_PARAMS_FLAG_NORMALIZED);
    g.setU32(base + PARAMS.ConsoleHandle, this.mainImageFile.layout.subsystem === 3 ? CONSOLE_HANDLE_SHELL_NO_WINDOW : 0);
    g.setU32(base + PARAMS.wShowWindow, 1);
    let at = base + PARAMS.SIZE;
    const put = (field: number, text: Uint8Array, max = text.length) => {
      g.write(at, text);
      g.setU16(base + field, text.length - 2);
      g.setU16(base + field + 2, max);
      g.setU32(base + field + 4, at);
      at += Math.ceil(max / 4) * 4;
    };
    put(PARAMS.CurrentDirectoryDosPath, stringBytes[0]!, 520);
    // DllPath stays NULL: Wine's loader then computes the default search path itself.
    put(PARAMS.ImagePathName, stringBytes[1]!);
    put(PARAMS.CommandLine, stringBytes[2]!);
    put(PARAMS.WindowTitle, stringBytes[3]!);
    g.write(at, envBytes);
    g.setU32(base + PARAMS.Environment, at);
    g.setU32(base + PARAMS.EnvironmentSize, envBytes.length);
    // Standard handles: ntrace's own stdin/stdout/stderr, as files or pipes.
    const fields = [PARAMS.hStdInput, PARAMS.hStdOutput, PARAMS.hStdError];
    this.std.forEach((s, i) => g.setU32(base + fields[i]!, this.handles.add(s.file, i === 0 ? 0x80100089 : 0x40100196, 2) ?? 0));
    return base;
  }

  // ---------------------------------------------------------------- threads

  /**
   * A thread as NtCreateThreadEx makes it: TEB and stack allocated, a CONTEXT on the stack with
   * EIP = RtlUserThreadStart, EAX = start, EBX = param, and the thread itself starting in
   * LdrInitializeThunk(context, 0, 0, 0), exactly as Wine's call_init_thunk prepares it.
   */
  createThread(start: number, param: number, o: { readonly suspended: boolean; readonly stackReserve?: number }): GuestThread | undefined {
    const m = this.machine;
    const mem = m.memory;
    const g = this.guest;
    // The stack: the reserve asked for, else the program's SizeOfStackReserve, in 64 KiB
    // granules and at least 1 MiB, all committed as Wine commits it (its thread start zeroes
    // 960 KiB below the initial context, and its _chkstk moves ESP without touching the pages
    // between, so a stack growing page by page behind a guard page would not do). The pages are
    // mapped in the engine when first touched. No room for it or the TEB: undefined
    // (STATUS_NO_MEMORY).
    const asked = o.stackReserve !== undefined && o.stackReserve > 0 ? o.stackReserve : this.mainImageFile.layout.sizeOfStackReserve;
    const reserve = Math.max(0x100000, Math.ceil(Math.min(asked, USER_HIGH) / 0x10000) * 0x10000);
    const stackBase0 = mem.findFree(reserve, 0x00020000, 0x7f000000);
    if (stackBase0 === undefined) return undefined;
    const tebBase = this.takeTeb();
    if (tebBase === undefined) return undefined;
    const stackAlloc = mem.reserve(stackBase0, reserve, "private", "thread stack", PageProt.READWRITE);
    mem.markStack(stackAlloc.base);
    // No-access pages at the bottom: an overflow faults (STATUS_STACK_OVERFLOW) instead of
    // running on.
    mem.commit(stackAlloc.base, STACK_FLOOR, PageProt.NOACCESS);
    mem.commit(stackAlloc.base + STACK_FLOOR, stackAlloc.size - STACK_FLOOR, PageProt.READWRITE);
    const stackBase = stackAlloc.base + stackAlloc.size;
    const stackLimit = stackAlloc.base + STACK_FLOOR;
    const cid = { process: this.processId, thread: this.nextThreadId };
    this.nextThreadId += 4;

    const teb = tebBase;
    g.setU32(teb + TEB.ExceptionList, 0xffffffff);
    g.setU32(teb + TEB.StackBase, stackBase);
    g.setU32(teb + TEB.StackLimit, stackLimit);
    g.setU32(teb + TEB.Self, teb);
    g.setU32(teb + TEB.ClientIdProcess, cid.process);
    g.setU32(teb + TEB.ClientIdThread, cid.thread);
    g.setU32(teb + TEB.ProcessEnvironmentBlock, this.peb);
    g.setU32(teb + TEB.ActivationContextStackPointer, teb + TEB.ActivationContextStack);
    g.setU32(teb + TEB.ActivationContextStackFrameListCache, teb + TEB.ActivationContextStackFrameListCache);
    g.setU32(teb + TEB.ActivationContextStackFrameListCache + 4, teb + TEB.ActivationContextStackFrameListCache);
    g.setU16(teb + TEB.StaticUnicodeString + 2, TEB.StaticUnicodeBufferBytes);
    g.setU32(teb + TEB.StaticUnicodeString + 4, teb + TEB.StaticUnicodeBuffer);
    g.setU32(teb + TEB.DeallocationStack, stackAlloc.base);
    g.setU32(teb + TEB.CurrentLocale, 0x409);

    // The initial CONTEXT, then LdrInitializeThunk's frame below it.
    const ctx = (((stackBase - 16) & ~3) - CONTEXT.SIZE) >>> 0;
    const c = new Uint8Array(CONTEXT.SIZE);
    const v = new DataView(c.buffer);
    v.setUint32(CONTEXT.ContextFlags, CONTEXT_FLAGS.FULL | CONTEXT_FLAGS.FLOATING_POINT | CONTEXT_FLAGS.EXTENDED_REGISTERS, true);
    v.setUint32(CONTEXT.Eax, start, true);
    v.setUint32(CONTEXT.Ebx, param, true);
    v.setUint32(CONTEXT.Esp, stackBase - 16, true);
    v.setUint32(CONTEXT.Eip, this.entryPoints.RtlUserThreadStart, true);
    v.setUint32(CONTEXT.EFlags, 0x202, true);
    v.setUint32(CONTEXT.SegCs, Selector.R3_CODE, true);
    for (const s of [CONTEXT.SegDs, CONTEXT.SegEs, CONTEXT.SegSs]) v.setUint32(s, Selector.R3_DATA, true);
    v.setUint32(CONTEXT.SegFs, Selector.R3_TEB, true);
    v.setUint32(CONTEXT.FloatSave, 0x27f, true);
    v.setUint16(CONTEXT.ExtendedRegisters, 0x27f, true);
    v.setUint32(CONTEXT.ExtendedRegisters + 24, 0x1f80, true);
    g.write(ctx, c);
    const frame = new Uint8Array(new Uint32Array([0xdeadbabe, ctx, 0, 0, 0]).buffer);
    g.write(ctx - 20, frame);

    const thread = m.addThread({
      cid,
      teb,
      stackBase,
      stackLimit,
      stackRegion: stackAlloc.base,
      registers: { [X86Reg.ESP]: ctx - 20, [X86Reg.EIP]: this.entryPoints.LdrInitializeThunk },
      start: o.suspended ? "suspended" : "ready",
    });
    const object = new ThreadObject(thread);
    this.starts.set(thread, start);
    this.threads.set(thread, { thread, object, tebAllocation: tebBase, stackAllocation: stackAlloc.base });
    return thread;
  }

  /**
   * A thread ended while the process goes on: its stack is freed, as Windows frees it, and its
   * TEB goes back to the free list the next thread's comes from (takeTeb, as Wine does), so a
   * program that keeps creating and joining threads does not run out of address space (the
   * KTHREAD object stays: it is the thread's key). When the process itself ends nothing is
   * freed: its memory goes with it.
   */
  onThreadTerminated(t: GuestThread): void {
    const u = this.threads.get(t);
    const mem = this.machine.memory;
    if (u === undefined || this.machine.processExit !== undefined || this.exitStatus !== undefined) return;
    if (mem.allocationAt(u.stackAllocation)?.base === u.stackAllocation) mem.release(u.stackAllocation);
    this.freeTebs.push(u.tebAllocation);
    if (this.tebInGdt === t.teb) this.tebInGdt = 0;
  }

  /**
   * TEBs as Wine allocates them (virtual_alloc_teb): from blocks of TEB_BLOCK TEBs reserved
   * top-down below the PEB, handed out from the top of a block, each committed when taken; an
   * ended thread's TEB goes on a free list and the next thread gets it back zeroed. The blocks
   * are secured like Windows' TEB VADs (no release, nothing less than read-write). Wine's way
   * keeps a program that creates and joins threads from mapping and unmapping TEB pages for
   * each. Undefined: no address space left.
   */
  private takeTeb(): number | undefined {
    const mem = this.machine.memory;
    const reused = this.freeTebs.pop();
    if (reused !== undefined) {
      mem.zero(reused, TEB_ALLOCATION);
      return reused;
    }
    if (this.tebBlockLeft === 0) {
      const size = TEB_BLOCK * TEB_ALLOCATION;
      const block = mem.findFree(size, USER_LOW, this.peb, GRANULARITY, true);
      if (block === undefined) return undefined;
      mem.reserve(block, size, "private", "TEB", PageProt.READWRITE);
      this.secured.add(block);
      this.tebBlock = block;
      this.tebBlockLeft = TEB_BLOCK;
    }
    const teb = this.tebBlock + --this.tebBlockLeft * TEB_ALLOCATION;
    mem.commit(teb, TEB_ALLOCATION, PageProt.READWRITE);
    return teb;
  }
  private readonly freeTebs: number[] = [];
  private tebBlock = 0;
  private tebBlockLeft = 0;

  /** The start routine the thread was created with (ThreadQuerySetWin32StartAddress). */
  threadStart(t: GuestThread): number {
    return this.starts.get(t) ?? 0;
  }
  setThreadStart(t: GuestThread, address: number): void {
    this.starts.set(t, address);
  }
  threadName(t: GuestThread): string {
    return this.names.get(t) ?? "";
  }
  setThreadName(t: GuestThread, name: string): void {
    this.names.set(t, name.slice(0, 256));
  }

  /** One note about the guest, once per key (on stderr, prefixed ntrace:). */
  reportOnce(key: string, line: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    (this.options.report ?? ((l: string) => process.stderr.write(`ntrace: ${l}\n`)))(line);
  }

  threadById(tid: number): GuestThread | undefined {
    for (const t of this.threads.keys()) if (t.cid.thread === tid) return t;
    return undefined;
  }

  /** The object a handle names; the pseudo-handles of the current process and thread included. */
  object(handle: number, current?: GuestThread): KernelObject | undefined {
    const h = handle >>> 0;
    if (h === CURRENT_PROCESS) return this.processObject;
    if (h === CURRENT_THREAD && current !== undefined) return this.threads.get(current)?.object;
    return this.handles.get(h);
  }

  // ---------------------------------------------------------------- Personality

  beforeSlice(_cpu: Cpu, t: GuestThread): void {
    if (this.tebInGdt !== t.teb) {
      this.machine.gdt.setTeb(t.teb);
      this.tebInGdt = t.teb;
    }
    this.updateSharedTime();
  }

  /**
   * Delivers an exception as Windows does: EXCEPTION_RECORD and CONTEXT pushed on the thread's
   * stack with pointers to them, execution continuing at KiUserExceptionDispatcher(record,
   * context). Wine's ntdll then runs vectored handlers, the SEH chain and unwinding itself.
   */
  deliverException(t: GuestThread, fault: FaultInfo): void {
    const m = this.machine;
    const g = this.guest;
    if (fault.code === 0x40010006 || fault.code === 0x4001000a) this.recordDebugString(fault.code, fault.parameters);
    let code = fault.code;
    const eip = fault.address;
    // An access in the stack's guard pages is a stack overflow (as Windows raises it).
    if (code === 0xc0000005 && fault.parameters[1] !== undefined) {
      const u = this.threads.get(t);
      const a = fault.parameters[1];
      if (u !== undefined && a >= u.stackAllocation && a < u.stackAllocation + STACK_FLOOR) code = 0xc00000fd;
    }
    const ctx = captureContext(m, t, { [X86Reg.EIP]: eip });
    let esp = (m.reg(t, X86Reg.ESP) - 0x300) & ~3; // below the red zone Wine leaves for signal frames
    esp -= EXCEPTION_RECORD.SIZE;
    const record = esp;
    esp -= CONTEXT.SIZE;
    const context = esp;
    const rec = new Uint8Array(EXCEPTION_RECORD.SIZE);
    const rv = new DataView(rec.buffer);
    rv.setUint32(EXCEPTION_RECORD.ExceptionCode, code, true);
    rv.setUint32(EXCEPTION_RECORD.ExceptionFlags, fault.noncontinuable === true ? EXCEPTION_NONCONTINUABLE : 0, true);
    rv.setUint32(EXCEPTION_RECORD.ExceptionAddress, eip, true);
    const params = fault.parameters.slice(0, EXCEPTION_RECORD.MAXIMUM_PARAMETERS);
    rv.setUint32(EXCEPTION_RECORD.NumberParameters, params.length, true);
    params.forEach((p, i) => rv.setUint32(EXCEPTION_RECORD.ExceptionInformation + 4 * i, p >>> 0, true));
    try {
      g.write(record, rec);
      g.write(context, ctx);
      esp -= 8;
      g.setU32(esp, record);
      g.setU32(esp + 4, context);
    } catch {
      // No stack left to deliver on: Windows ends the process the same way.
      m.exitProcess(code, `unhandled exception ${hex(code)} at ${this.describeCode(eip)} in thread ${hex(t.key)} (CID ${cidText(t.cid.process, t.cid.thread)}): no stack left to deliver it on`);
      return;
    }
    this.noteDispatch(t, context, code);
    m.observer.onException?.(t, { code, flags: fault.noncontinuable === true ? 1 : 0, address: eip, parameters: params, recordAddress: record });
    m.setReg(t, X86Reg.ESP, esp);
    m.setReg(t, X86Reg.EIP, this.entryPoints.KiUserExceptionDispatcher);
    m.setReg(t, X86Reg.EFLAGS, m.reg(t, X86Reg.EFLAGS) & ~0x40500);
  }

  /** State of the process's random-number generator (xorshift32, fixed seed: deterministic runs). */
  private random = 0x6e747263; // "ntrc"
  /** Fills `out` with the next bytes of the process's deterministic generator. */
  randomBytes(out: Uint8Array): void {
    let x = this.random;
    for (let i = 0; i < out.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    this.random = x >>> 0;
  }

  /** An exception is being dispatched with the CONTEXT at `context`. */
  noteDispatch(t: GuestThread, context: number, code: number): void {
    let byContext = this.dispatching.get(t);
    if (byContext === undefined) this.dispatching.set(t, (byContext = new Map()));
    byContext.set(context >>> 0, code >>> 0);
  }

  /**
   * NtContinue resumes the CONTEXT at `context` with stack pointer `esp`: the code of the
   * exception dispatched with it, else that of the RtlUnwind ending with it, else 0. Dispatches whose CONTEXT lay
   * below `esp` are over (their stack is gone) and are forgotten.
   */
  resumeCode(t: GuestThread, context: number, esp: number): number {
    const unwound = this.unwinding.get(t);
    this.unwinding.delete(t);
    const byContext = this.dispatching.get(t);
    if (byContext === undefined) return unwound ?? 0;
    const code = byContext.get(context >>> 0) ?? unwound ?? 0;
    byContext.delete(context >>> 0);
    for (const at of byContext.keys()) if (at < esp >>> 0) byContext.delete(at);
    if (byContext.size === 0) this.dispatching.delete(t);
    return code;
  }

  /** OutputDebugString raises DBG_PRINTEXCEPTION_C / _WIDE_C: the text is what a debugger shows. */
  recordDebugString(code: number, parameters: readonly number[]): void {
    const [length, pointer] = parameters;
    if (length === undefined || pointer === undefined) return;
    const cap = this.options.maxDebugOutput ?? DEFAULT_DEBUG_OUTPUT_CAP;
    // The length counts the terminating NUL (OutputDebugString passes strlen + 1).
    const characters = Math.max(0, length - 1);
    // Past the cap a string is counted by the length the guest gives, never read.
    if (this.debugKept >= cap) {
      this.debugDropped.strings++;
      this.debugDropped.characters += characters;
      return;
    }
    try {
      const wide = code === 0x4001000a;
      const n = Math.min(characters, MAX_DEBUG_STRING, cap - this.debugKept);
      const text = (wide ? this.guest.utf16(pointer, 2 * n) : Buffer.from(this.guest.read(pointer, n)).toString("latin1")).replace(/\0+$/, "");
      this.debugKept += Math.max(1, text.length);
      if (n < characters) {
        this.debugDropped.cut++;
        this.debugDropped.characters += characters - n;
      }
      this.machine.output.push(text);
      this.options.onDebugString?.(text);
    } catch {
      // An unreadable string: the exception is still delivered.
    }
  }

  // ---------------------------------------------------------------- modules and names

  exportsOf(module: ImageModule): ExportTable | null {
    return module.exports;
  }

  exportAddress(module: ImageModule, name: string): number | undefined {
    const e = this.exportsOf(module)?.entries.find((x) => x.names.includes(name));
    return e === undefined || e.forwarder !== undefined ? undefined : module.base + e.rva;
  }

  /** "kernelbase.dll!CreateFileW+0x1c" (nearest export at or below), else "module+0x…", else hex. */
  describeCode(address: number): string {
    const module = this.machine.moduleAt(address);
    if (module === undefined) return hex(address);
    const mod = module as ImageModule;
    const exports = mod.layout !== undefined ? this.exportsOf(mod) : null;
    const rva = address - module.base;
    let best: { name: string; rva: number } | undefined;
    for (const e of exports?.entries ?? []) {
      if (e.forwarder !== undefined || e.rva > rva || e.names.length === 0) continue;
      if (best === undefined || e.rva > best.rva) best = { name: e.names[0]!, rva: e.rva };
    }
    // COFF function symbols (mingw-w64 images keep them) name what the exports do not.
    let coff: readonly CoffSymbol[] = [];
    try {
      coff = mod.image.coffSymbols;
    } catch {
      // A damaged symbol table: the exports will do.
    }
    for (const sym of coff) {
      if (!sym.isFunction || sym.rva === undefined || sym.rva > rva) continue;
      if (best === undefined || sym.rva > best.rva) best = { name: sym.name.replace(/^_/, "").replace(/@\d+$/, ""), rva: sym.rva };
    }
    if (best !== undefined && rva - best.rva < 0x10000) return `${module.name}!${best.name}+0x${(rva - best.rva).toString(16)}`;
    return `${module.name}+0x${rva.toString(16)}`;
  }

  /** A new image view was mapped by the guest's loader (win32u brings its own system-call table). */
  onImageMapped(module: ImageModule): void {
    if (module.name.toLowerCase() === "kernelbase.dll") this.watchUnhandledExceptionFilter(module);
  }

  /**
   * ntdll!RtlUnwind(TargetFrame, TargetIp, ExceptionRecord, ReturnValue): Wine's unwinding is
   * guest code; the observer learns the target frame and the exception code at its entry
   * (frames below the target are then cut when the unwind's NtContinue resumes the target).
   */
  private watchRtlUnwind(): void {
    const unwind = this.exportAddress(this.ntdll, "RtlUnwind");
    if (unwind === undefined) return;
    const m = this.machine;
    m.engine.addCodeHook(unwind, unwind, () => {
      const t = m.currentThread();
      if (t === undefined) return;
      const esp = m.reg(t, X86Reg.ESP);
      const targetFrame = m.memory.u32(esp + 4);
      const record = m.memory.u32(esp + 12);
      const code = record !== 0 && m.memory.readable(record, 4) ? m.memory.u32(record) : 0xc0000027; // STATUS_UNWIND
      this.unwinding.set(t, code);
      m.observer.onUnwind?.(t, { establisherFrame: 0, targetFrame, code });
    });
  }

  /**
   * Wine's ntdll!signal_start_thread(context) zeroes the 960 KiB below a new thread's initial
   * context with one `rep stosl` before it continues at the context: 245,760 emulated stores
   * per thread, most of the cost of creating one. ntrace's stacks are fresh committed memory,
   * so the host does the same clearing at that instruction (pages never touched are zero
   * already; any other page is written) and leaves the instruction nothing to repeat: EDI past
   * the range, ECX 0, as the loop leaves them. The function is found by its exact code (Wine
   * 8's i386 build), which must occur once in ntdll's code sections; another build runs its
   * loop as it is. Searched in the file (the tracer may have patched memory already), without
   * parsing the whole image: a user-mode run's start-up does not pay for it.
   */
  private assistThreadStartClear(file: ImageFile): void {
    const m = this.machine;
    const pattern = Buffer.from(SIGNAL_START_THREAD_CLEAR);
    let found: number | undefined;
    for (const section of file.layout.sections) {
      if ((section.characteristics & IMAGE_SCN_CNT_CODE) === 0 || section.rawSize < pattern.length) continue;
      file.file.ensure(section.rawOffset, section.rawSize);
      const raw = Buffer.from(file.file.bytes.buffer, file.file.bytes.byteOffset + section.rawOffset, Math.min(section.rawSize, file.file.bytes.length - section.rawOffset));
      const first = raw.indexOf(pattern);
      if (first < 0) continue;
      if (found !== undefined || raw.indexOf(pattern, first + 1) >= 0) return; // not unique
      found = this.ntdll.base + section.rva + first;
    }
    if (found === undefined) return;
    const repStos = found + SIGNAL_START_THREAD_CLEAR.length - 2;
    m.engine.addCodeHook(repStos, repStos, () => {
      const t = m.currentThread();
      if (t === undefined || (m.reg(t, X86Reg.EFLAGS) & EFLAGS_DF) !== 0) return;
      const edi = m.reg(t, X86Reg.EDI);
      const bytes = m.reg(t, X86Reg.ECX) * 4;
      if (bytes === 0 || edi + bytes > USER_HIGH || !m.memory.zero(edi, bytes)) return;
      m.setReg(t, X86Reg.EDI, edi + bytes);
      m.setReg(t, X86Reg.ECX, 0);
    });
  }

  /** kernelbase!UnhandledExceptionFilter(EXCEPTION_POINTERS*): where an exception becomes unhandled. */
  private watchUnhandledExceptionFilter(kernelbase: ImageModule): void {
    const filter = this.exportAddress(kernelbase, "UnhandledExceptionFilter");
    if (filter === undefined) return;
    const m = this.machine;
    m.engine.addCodeHook(filter, filter, () => {
      const t = m.currentThread();
      if (t === undefined) return;
      try {
        const pointers = m.memory.u32(m.reg(t, X86Reg.ESP) + 4);
        const record = m.memory.u32(pointers);
        const code = m.memory.u32(record);
        const n = Math.min(m.memory.u32(record + EXCEPTION_RECORD.NumberParameters), EXCEPTION_RECORD.MAXIMUM_PARAMETERS);
        const parameters = Array.from({ length: n }, (_, i) => m.memory.u32(record + EXCEPTION_RECORD.ExceptionInformation + 4 * i));
        let address = m.memory.u32(record + EXCEPTION_RECORD.ExceptionAddress);
        if (code === EXCEPTION_WINE_STUB && parameters.length >= 2) {
          // Raised inside ntdll's stub_entry_point(dll, name, ret_addr), whose arguments hold
          // the return address into the code that called the missing import. They are found
          // from the frame (plain, or with the stack realignment Wine's build uses, where the
          // argument pointer is saved at ebp-8) and accepted only if dll and name match.
          const ebp = m.memory.u32(m.memory.u32(pointers + 4) + CONTEXT.Ebp);
          const read = (a: number) => (m.memory.readable(a, 4) ? m.memory.u32(a) : undefined);
          for (const args of [ebp + 8, read(ebp - 8)]) {
            if (args === undefined || read(args) !== parameters[0] || read(args + 4) !== parameters[1]) continue;
            const caller = read(args + 8);
            if (caller !== undefined && m.moduleAt(caller) !== undefined) address = caller;
            break;
          }
        }
        this.unhandled.set(t, { code, address, parameters });
      } catch {
        // An unreadable record: kernelbase itself will fault on it and report that.
      }
    });
  }

  /** One line about an exception that ended the process: code, name, where, which thread. */
  describeUnhandled(t: GuestThread, info: FaultInfo): string {
    const where = `in thread ${hex(t.key)} (CID ${cidText(t.cid.process, t.cid.thread)})`;
    if (info.code === EXCEPTION_WINE_STUB && info.parameters.length >= 2) {
      // Wine binds an import nothing provides to a stub that raises this when called.
      const dll = this.guest.cstring(info.parameters[0]!, 256);
      const fn = info.parameters[1]! < 0x10000 ? `#${info.parameters[1]}` : this.guest.cstring(info.parameters[1]!, 256);
      return `called the missing import ${dll}!${fn} (nothing provides it) from ${this.describeCode(info.address)} ${where}`;
    }
    return `unhandled exception ${hex(info.code)} (${exceptionName(info.code)}) at ${this.describeCode(info.address)} ${where}`;
  }

  /** An image view was unmapped: the module is gone from the machine's list. */
  onImageUnmapped(module: LoadedModule): void {
    this.machine.removeModule(module);
    this.machine.observer.onModuleUnloaded?.(module);
  }

  /** Removes the scratch directory (the program's private files). */
  close(): void {
    for (const s of this.std) s.close();
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** The code of Wine's stub for an import nothing provides (include/winternl.h). */
const EXCEPTION_WINE_STUB = 0x80000100;

/** The handle ntrace gives win32u for its unix calls (MemoryWineUnixFuncs). */
export const UNIX_HANDLE_WIN32U = 0x756e3332;

export { Prot };
