/**
 * UnicornEngine: the Engine interface over unicorn 2 (libunicorn.so.2) via koffi.
 *
 * Which library: Debian trixie's unicorn 2.1.1 when scripts/fetch-engine.sh has put it into
 * ntrace's cache (guest stores ~100x cheaper than 2.0.1's), else the system's (bookworm's
 * libunicorn2, 2.0.1); NTRACE_ENGINE=system skips the cached one, NTRACE_UNICORN_LIB names a
 * library file (tests point it at a nonexistent file to check the install hint). The first
 * that loads and reports unicorn 2.x (uc_version) is used. Signatures and constants follow
 * include/unicorn/unicorn.h and x86.h, the same in 2.0.1 and 2.1.x.
 * The library is loaded lazily on the first engine; if none can be loaded every caller gets
 * EngineUnavailableError with the install hint.
 *
 * Callbacks: one koffi callback per hook, registered once with koffi.register and kept alive
 * until the hook is removed. A JS exception inside a callback must never unwind through
 * native frames: it is caught, the engine is stopped, and start() rethrows it.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import koffi, { type LibraryHandle, type TypeObject } from "koffi";
import { cacheDir } from "../../base/cachedir.js";
import { builtLibraryPath } from "./builtlib.js";

type NativeFunction = ReturnType<LibraryHandle["func"]>;
import {
  EngineFault,
  EngineUnavailableError,
  X86Reg,
  type CodeHook,
  type Engine,
  type EngineAttention,
  type EngineContext,
  type HookHandle,
  type InterruptHook,
  type InvalidInstructionHook,
  type InvalidMemoryHook,
  type NativeRecorder,
  type NativeRecorderOptions,
  type Prot,
} from "./types.js";
import { createNativeRecorder } from "./nativehooks.js";

const UC_ARCH_X86 = 4;
const UC_MODE_32 = 4;
const UC_HOOK_INTR = 1 << 0;
const UC_HOOK_CODE = 1 << 2;
const UC_HOOK_BLOCK = 1 << 3;
const UC_HOOK_MEM_INVALID = 0x3f0; // READ/WRITE/FETCH _UNMAPPED | _PROT
const UC_HOOK_INSN_INVALID = 1 << 14;
// uc_ctl: UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE = 9, 2 args) = 9 | (2 << 26) | (1 << 30)
/** Memory reads and writes up to this size go through the engine's reused scratch buffer. */
const SCRATCH_MAX = 0x100000;
const PAGE_SIZE = 0x1000;
const UC_CTL_TB_REMOVE_CACHE_WRITE = (9 | (2 << 26) | (1 << 30)) >>> 0;

interface UnicornLib {
  uc_open: NativeFunction;
  uc_close: NativeFunction;
  uc_strerror: NativeFunction;
  uc_mem_map: NativeFunction;
  uc_mem_unmap: NativeFunction;
  uc_mem_protect: NativeFunction;
  uc_mem_map_ptr: NativeFunction;
  uc_mem_read: NativeFunction;
  uc_mem_write: NativeFunction;
  uc_reg_read: NativeFunction;
  uc_reg_write: NativeFunction;
  uc_hook_add: NativeFunction;
  uc_hook_add_native: NativeFunction;
  uc_hook_del: NativeFunction;
  uc_emu_start: NativeFunction;
  uc_emu_stop: NativeFunction;
  uc_ctl: NativeFunction;
  uc_context_alloc: NativeFunction;
  uc_context_save: NativeFunction;
  uc_context_restore: NativeFunction;
  uc_context_size: NativeFunction;
  uc_context_free: NativeFunction;
  uc_version: NativeFunction;
  codeCb: TypeObject;
  intrCb: TypeObject;
  memCb: TypeObject;
  insnInvalidCb: TypeObject;
}

let lib: UnicornLib | undefined;
let loadedFrom: string | undefined;
let loadError: string | undefined;

/** Where scripts/fetch-engine.sh puts the faster unicorn (Debian trixie's 2.1.1). */
export function privateEngineLibrary(): string {
  return join(cacheDir(), "engine", "libunicorn.so.2");
}

/**
 * The engine libraries to try, in order: NTRACE_UNICORN_LIB alone when set; else the private
 * engine when it has been fetched (unless NTRACE_ENGINE=system), then the system's
 * libunicorn.so.2 (Debian's libunicorn2).
 */
export function engineCandidates(): string[] {
  const env = process.env["NTRACE_UNICORN_LIB"];
  if (env !== undefined && env !== "") return [env];
  const system = "libunicorn.so.2";
  if (process.env["NTRACE_ENGINE"] === "system") return [system];
  const own = privateEngineLibrary();
  return existsSync(own) ? [own, system] : [system];
}

/** The library the engine runs on: the one loaded, else the first candidate. */
export function unicornLibraryName(): string {
  return loadedFrom ?? engineCandidates()[0]!;
}

/** unicorn's version packed by UC_MAKE_VERSION (major.minor.patch.extra, one byte each). */
const versionOf = (h: LibraryHandle): number => {
  const ucVersion = h.func("unsigned int uc_version(_Out_ unsigned int *major, _Out_ unsigned int *minor)");
  return (ucVersion([0], [0]) as number) >>> 0;
};

/** Loads the first candidate that loads and is a unicorn 2 (the API and register ids ntrace uses). */
function loadLibrary(): { h: LibraryHandle; path: string } {
  const problems: string[] = [];
  for (const path of engineCandidates()) {
    let h: LibraryHandle;
    try {
      h = koffi.load(path);
    } catch (err) {
      problems.push(`cannot load ${path}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
      continue;
    }
    const major = versionOf(h) >>> 24;
    if (major !== 2) {
      problems.push(`${path} is unicorn ${major}.x, not 2.x`);
      continue;
    }
    return { h, path };
  }
  throw new EngineUnavailableError(problems.join("; "));
}

function loadUnicorn(): UnicornLib {
  if (lib !== undefined) return lib;
  if (loadError !== undefined) throw new EngineUnavailableError(loadError);
  let h: LibraryHandle;
  try {
    ({ h, path: loadedFrom } = loadLibrary());
  } catch (err) {
    loadError = err instanceof EngineUnavailableError ? err.detail : String(err);
    throw err;
  }
  // The address is a uint64_t in unicorn's prototype; guest addresses fit in 32 bits and the
  // x86-64 calling convention passes it in a register, so it is read as uint32_t: a plain
  // number for JS (no 64-bit conversion on the hottest callback).
  // `user` is the hook's id (see UnicornEngine.addHook): one trampoline per hook type serves
  // every hook of that type.
  const codeCb = koffi.proto("void ntrace_uc_cb_code(void *uc, uint32_t address, uint32_t size, uintptr_t user)");
  const intrCb = koffi.proto("void ntrace_uc_cb_intr(void *uc, uint32_t intno, uintptr_t user)");
  const memCb = koffi.proto("bool ntrace_uc_cb_mem(void *uc, int type, uint64_t address, int size, int64_t value, uintptr_t user)");
  const insnInvalidCb = koffi.proto("bool ntrace_uc_cb_insn_invalid(void *uc, uintptr_t user)");
  lib = {
    uc_open: h.func("int uc_open(int arch, int mode, _Out_ void **uc)"),
    uc_close: h.func("int uc_close(void *uc)"),
    uc_version: h.func("unsigned int uc_version(_Out_ unsigned int *major, _Out_ unsigned int *minor)"),
    uc_strerror: h.func("const char *uc_strerror(int code)"),
    uc_mem_map: h.func("int uc_mem_map(void *uc, uint64_t address, size_t size, uint32_t perms)"),
    uc_mem_unmap: h.func("int uc_mem_unmap(void *uc, uint64_t address, size_t size)"),
    uc_mem_protect: h.func("int uc_mem_protect(void *uc, uint64_t address, size_t size, uint32_t perms)"),
    uc_mem_map_ptr: h.func("int uc_mem_map_ptr(void *uc, uint64_t address, size_t size, uint32_t perms, uintptr_t ptr)"),
    uc_mem_read: h.func("int uc_mem_read(void *uc, uint64_t address, void *bytes, size_t size)"),
    uc_mem_write: h.func("int uc_mem_write(void *uc, uint64_t address, const void *bytes, size_t size)"),
    uc_reg_read: h.func("int uc_reg_read(void *uc, int regid, _Out_ uint8_t *value)"),
    uc_reg_write: h.func("int uc_reg_write(void *uc, int regid, const uint8_t *value)"),
    // The callback goes as a plain address (the trampolines are registered once, up front).
    uc_hook_add: h.func("int uc_hook_add(void *uc, _Out_ size_t *hh, int type, uintptr_t callback, uintptr_t user, uint64_t begin, uint64_t end, ...)"),
    uc_hook_add_native: h.func("uc_hook_add", "int", ["void *", "_Out_ size_t *", "int", "void *", "void *", "uint64_t", "uint64_t", "..."]),
    uc_hook_del: h.func("int uc_hook_del(void *uc, size_t hh)"),
    uc_emu_start: h.func("int uc_emu_start(void *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)"),
    uc_emu_stop: h.func("int uc_emu_stop(void *uc)"),
    uc_ctl: h.func("int uc_ctl(void *uc, uint32_t control, ...)"),
    uc_context_alloc: h.func("int uc_context_alloc(void *uc, _Out_ void **context)"),
    uc_context_save: h.func("int uc_context_save(void *uc, void *context)"),
    uc_context_restore: h.func("int uc_context_restore(void *uc, void *context)"),
    uc_context_size: h.func("size_t uc_context_size(void *uc)"),
    uc_context_free: h.func("int uc_context_free(void *context)"),
    codeCb,
    intrCb,
    memCb,
    insnInvalidCb,
  };
  return lib;
}

/** True when the engine library can be loaded (for messages and tests). */
export function unicornAvailable(): boolean {
  try {
    loadUnicorn();
    return true;
  } catch {
    return false;
  }
}

/** The loaded library's packed version (UC_MAKE_VERSION: major.minor.patch.extra, a byte each), or undefined. */
function loadedVersion(): number | undefined {
  try {
    return (loadUnicorn().uc_version([0], [0]) as number) >>> 0;
  } catch {
    return undefined;
  }
}

/**
 * The engine as people name it, from the loaded library itself: "unicorn 2.1.1"; undefined
 * when no library loads. Printed by `ntrace --version` and written into trace headers.
 */
export function unicornVersion(): string | undefined {
  const packed = loadedVersion();
  return packed === undefined ? undefined : `unicorn ${packed >>> 24}.${(packed >>> 16) & 0xff}.${(packed >>> 8) & 0xff}`;
}

/**
 * One line for users of an engine older than 2.1 (bookworm's 2.0.1): it works, but every guest
 * store takes unicorn's slow path (~100x dearer); undefined on 2.1 and later or without engine.
 */
export function engineNote(): string | undefined {
  const packed = loadedVersion();
  if (packed === undefined || packed >>> 24 > 2 || (packed >>> 24 === 2 && ((packed >>> 16) & 0xff) >= 1)) return undefined;
  return "unicorn 2.0 is slower (every guest store takes its slow path); bash scripts/fetch-engine.sh fetches Debian trixie's 2.1.1 into ntrace's cache";
}

/**
 * Whether guest stores are cheap on the loaded unicorn: 2.1.0 to 2.1.3 keep a RAM store on the
 * fast path (~1 ns, measured on 2.1.1); 2.0 sends every store through notdirty_write, and
 * 2.1.4's "Optimize Notdirty write" brought the slow path back for a non-paging x86 guest
 * (runtime/engine/README.md "Which unicorn").
 */
function cheapStores(): boolean {
  const packed = loadedVersion();
  if (packed === undefined) return false;
  const [major, minor, patch] = [packed >>> 24, (packed >>> 16) & 0xff, (packed >>> 8) & 0xff];
  return major === 2 && minor === 1 && patch <= 3;
}

const MAX_COUNT = 0xffffffff;

/** The native block clock (runtime/engine/native/ntrace_clock.c), when built. */
interface ClockLib {
  create: NativeFunction;
  destroy: NativeFunction;
  begin: NativeFunction;
  forget: NativeFunction;
  setHostRanges: NativeFunction;
  watch: NativeFunction;
  hookFn: NativeFunction;
  watchSignals: NativeFunction;
  wantTicks: NativeFunction;
  takeAttention: NativeFunction;
  attend: NativeFunction;
  chargeProto: TypeObject;
}
let clockLib: ClockLib | null | undefined;

/** Where the built clock library is (NTRACE_CLOCK_LIB names another file). */
export function clockLibraryPath(): string | undefined {
  return builtLibraryPath("NTRACE_CLOCK_LIB", "runtime", "engine", "native", "libntrace_clock.so");
}

function loadClockLib(): ClockLib | undefined {
  if (clockLib !== undefined) return clockLib ?? undefined;
  clockLib = null;
  const path = clockLibraryPath();
  if (path === undefined || process.arch !== "x64" || process.platform !== "linux") return undefined;
  try {
    const h = koffi.load(path);
    clockLib = {
      create: h.func("void *ntc_create(void *uc, void *charge)"),
      destroy: h.func("void ntc_destroy(void *c)"),
      begin: h.func("void ntc_begin(void *c, uint64_t budget)"),
      forget: h.func("void ntc_forget(void *c, uint32_t begin, uint32_t end)"),
      setHostRanges: h.func("void ntc_set_host_ranges(void *c, const uint32_t *pairs, uint32_t count)"),
      watch: h.func("void ntc_watch(void *c, uint32_t begin, uint32_t end, void *callback, void *user)"),
      hookFn: h.func("void *ntc_block_hook_fn()"),
      watchSignals: h.func("void ntc_watch_signals(int on)"),
      wantTicks: h.func("void ntc_want_ticks(int on, uint32_t ms)"),
      takeAttention: h.func("uint32_t ntc_take_attention()"),
      attend: h.func("void ntc_attend(void *c, int on)"),
      chargeProto: koffi.proto("uint32_t ntrace_clock_charge(uint32_t address, uint32_t size)"),
    };
  } catch {
    clockLib = null;
  }
  return clockLib ?? undefined;
}

/**
 * Offset of `uint64_t emu_counter` inside unicorn's struct uc_struct (1272 in Debian's
 * 2.0.1 build). unicorn has no API for it, so it is found once per process: run 7 and then
 * 20 NOPs on a scratch engine and look for the u64 that counts along; if no single offset
 * fits, the counter is treated as unavailable.
 */
let counterOffset: number | undefined;
let calibrated = false;
function calibrateCounter(u: UnicornLib): void {
  calibrated = true;
  const out: unknown[] = [null];
  if ((u.uc_open(UC_ARCH_X86, UC_MODE_32, out) as number) !== 0) return;
  const uc = out[0];
  const span = 4096;
  const snaps: BigUint64Array[] = [];
  const cb = koffi.register((_uc: unknown, address: number | bigint) => {
    const a = Number(address);
    if (a === 0x1007 || a === 0x1014) snaps.push(new BigUint64Array(koffi.view(uc, span).slice(0)));
  }, koffi.pointer(u.codeCb));
  try {
    u.uc_mem_map(uc, 0x1000, 0x1000, 7);
    u.uc_mem_write(uc, 0x1000, new Uint8Array(0x40).fill(0x90), 0x40);
    const hh: (number | bigint)[] = [0];
    u.uc_hook_add(uc, hh, UC_HOOK_CODE, koffi.address(cb), 0, 0x1000, 0x1040);
    u.uc_emu_start(uc, 0x1000, 0x1030, 0, 1000);
    const [a, b] = snaps;
    if (a === undefined || b === undefined) return;
    const hits: number[] = [];
    for (let i = 0; i < a.length; i++) if (a[i] === 8n && b[i] === 21n) hits.push(i * 8);
    if (hits.length === 1) counterOffset = hits[0];
  } finally {
    u.uc_close(uc);
    koffi.unregister(cb);
  }
}

/**
 * Offset, inside a saved uc_context, of QEMU's `CPUX86State.old_exception` ("exception in
 * flight"). QEMU resets it to -1 only when it delivers an exception through the IDT; unicorn's
 * interrupt hook replaces that delivery, so after one #DE/#TS/#NP/#SS/#GP the field stays set
 * and the next such fault is promoted to a double fault (#DF, vector 8) — and one more to a
 * triple fault. The engine resets it after every slice in which an interrupt hook ran. Found
 * once per process: raise #DE on a scratch engine and look for the int32 that went -1 → 0.
 */
let oldExceptionOffset: number | undefined;
let oldExceptionCalibrated = false;
function calibrateOldException(u: UnicornLib): void {
  oldExceptionCalibrated = true;
  const out: unknown[] = [null];
  if ((u.uc_open(UC_ARCH_X86, UC_MODE_32, out) as number) !== 0) return;
  const uc = out[0];
  const cb = koffi.register(() => void u.uc_emu_stop(uc), koffi.pointer(u.intrCb));
  const ctx: unknown[] = [null];
  try {
    const size = Number(u.uc_context_size(uc) as number | bigint);
    if ((u.uc_context_alloc(uc, ctx) as number) !== 0 || size <= 0) return;
    const snapshot = () => {
      u.uc_context_save(uc, ctx[0]);
      return new Int32Array(koffi.view(ctx[0], size & ~3).slice(0));
    };
    u.uc_mem_map(uc, 0x1000, 0x1000, 7);
    u.uc_mem_write(uc, 0x1000, new Uint8Array([0x31, 0xc9, 0xf7, 0xf1, 0x90, 0x90]), 6); // xor ecx,ecx; div ecx
    const hh: (number | bigint)[] = [0];
    u.uc_hook_add(uc, hh, UC_HOOK_INTR, koffi.address(cb), 0, 1, 0);
    const before = snapshot();
    u.uc_emu_start(uc, 0x1000, 0x1006, 0, 100);
    const after = snapshot();
    const hits: number[] = [];
    for (let i = 0; i < before.length; i++) if (before[i] === -1 && after[i] === 0) hits.push(i * 4);
    if (hits.length === 1) oldExceptionOffset = hits[0];
  } finally {
    if (ctx[0] !== null) u.uc_context_free(ctx[0]);
    u.uc_close(uc);
    koffi.unregister(cb);
  }
}

/**
 * Both calibrations run a scratch engine (~30 ms together, a tenth of a short program's run),
 * so their results are kept in a small file beside ntrace's other caches, keyed by the loaded
 * library file (path, size, modification time): another build of unicorn calibrates anew.
 */
function calibrate(u: UnicornLib): void {
  const key = libraryIdentity();
  const file = join(cacheDir(), "engine-calibration.json");
  let saved: Record<string, { counter: number; oldException: number }> = {};
  try {
    const json = JSON.parse(readFileSync(file, "utf8")) as { libraries?: unknown };
    if (typeof json.libraries === "object" && json.libraries !== null) saved = json.libraries as typeof saved;
  } catch {
    // No cache yet (or an unreadable one): calibrate.
  }
  const known = key !== undefined ? saved[key] : undefined;
  if (known !== undefined && typeof known.counter === "number" && typeof known.oldException === "number") {
    counterOffset = known.counter;
    oldExceptionOffset = known.oldException;
    calibrated = oldExceptionCalibrated = true;
    return;
  }
  if (!calibrated) calibrateCounter(u);
  if (!oldExceptionCalibrated) calibrateOldException(u);
  if (key === undefined || counterOffset === undefined || oldExceptionOffset === undefined) return;
  try {
    mkdirSync(dirname(file), { recursive: true });
    saved[key] = { counter: counterOffset, oldException: oldExceptionOffset };
    writeFileSync(file, JSON.stringify({ libraries: saved }) + "\n");
  } catch {
    // A read-only home: calibrate again next time.
  }
}

/** "path:size:mtime" of the libunicorn file this process loaded (Linux: /proc/self/maps). */
function libraryIdentity(): string | undefined {
  try {
    const line = readFileSync("/proc/self/maps", "utf8").split("\n").find((l) => /\/libunicorn[^/]*$/.test(l));
    const path = line?.slice(line.indexOf("/"));
    if (path === undefined) return undefined;
    const st = statSync(path);
    return `${path}:${st.size}:${st.mtimeMs}`;
  } catch {
    return undefined;
  }
}

interface UnicornContext extends EngineContext {
  readonly handle: unknown;
}

interface LiveHook {
  readonly id: number;
  readonly native: number | bigint;
}

/** A hook waiting to be added once the emulation stops. */
interface PendingHook {
  readonly id: number;
  readonly type: number;
  /** The trampoline's address (JS hooks) or a native function pointer (native hooks). */
  readonly callback: unknown;
  /** The hook id (JS hooks) or the native user pointer. */
  readonly user: unknown;
  readonly begin: number;
  readonly end: number;
  readonly native?: boolean;
}

/** One JS callback per hook, called by the trampoline of its type with the hook's id. */
type HookCallback = (a: number, b: number | bigint, c: number, d: number | bigint) => unknown;

export class UnicornEngine implements Engine {
  readonly cheapGuestStores = cheapStores();
  private readonly uc: unknown;
  private readonly u: UnicornLib;
  private readonly hooks = new Map<number, LiveHook>();
  private nextHookId = 1;
  /**
   * JS callbacks by hook id. koffi callbacks registered while a callback is running cannot
   * be called safely, and hooks are added during emulation (a DLL mapped by a system call),
   * so the engine registers one trampoline per hook type up front and passes the hook's id as
   * unicorn's user data.
   */
  private readonly callbacks: (HookCallback | undefined)[] = [];
  private readonly trampolines: { readonly code: unknown; readonly intr: unknown; readonly mem: unknown; readonly insn: unknown };
  private pendingError: unknown = undefined;
  private closed = false;
  /** An interrupt hook ran during the current start() (see clearExceptionInFlight). */
  private interrupted = false;
  /** uc_context buffer for clearExceptionInFlight, allocated on first use. */
  private context: unknown = undefined;
  // Scratch buffers reused across calls (the hot paths are register and u32 access).
  private readonly regBuf = new Uint8Array(8);
  private readonly regView = new DataView(this.regBuf.buffer);
  private readonly u32Buf = new Uint8Array(4);
  private readonly u32View = new DataView(this.u32Buf.buffer);

  constructor() {
    this.u = loadUnicorn();
    const out: unknown[] = [null];
    this.check(this.u.uc_open(UC_ARCH_X86, UC_MODE_32, out) as number, "uc_open");
    this.uc = out[0];
    const cb = this.callbacks;
    this.trampolines = {
      code: koffi.register((_uc: unknown, address: number, size: number, user: number) => cb[user]!(address, size, 0, 0), koffi.pointer(this.u.codeCb)),
      intr: koffi.register((_uc: unknown, intno: number, user: number) => cb[user]!(intno, 0, 0, 0), koffi.pointer(this.u.intrCb)),
      mem: koffi.register((_uc: unknown, type: number, address: number | bigint, size: number, value: number | bigint, user: number) => cb[user]!(type, address, size, value), koffi.pointer(this.u.memCb)),
      insn: koffi.register((_uc: unknown, user: number) => cb[user]!(0, 0, 0, 0), koffi.pointer(this.u.insnInvalidCb)),
    };
    if (!calibrated || !oldExceptionCalibrated) calibrate(this.u);
  }

  /** Throws EngineFault unless `err` is UC_ERR_OK; `what` names the call (built only on failure: these run per access). */
  private check(err: number, what: string | (() => string)): void {
    if (err !== 0) throw new EngineFault(err, `${typeof what === "string" ? what : what()}: ${this.u.uc_strerror(err) as string}`);
  }
  /**
   * A buffer the memory calls pass to unicorn and copy from: a typed array koffi has not seen
   * before costs microseconds to hand over (V8 moves its contents off the heap first), a reused
   * one a fraction of that. Reads and writes up to SCRATCH_MAX go through it.
   */
  private scratch = new Uint8Array(PAGE_SIZE);
  private scratchOf(size: number): Uint8Array | undefined {
    if (size > SCRATCH_MAX) return undefined;
    if (size > this.scratch.length) this.scratch = new Uint8Array(2 ** Math.ceil(Math.log2(size)));
    return this.scratch;
  }

  mapMemory(address: number, size: number, prot: Prot): void {
    this.check(this.u.uc_mem_map(this.uc, address, size, prot) as number, () => `uc_mem_map(0x${address.toString(16)}, 0x${size.toString(16)})`);
  }
  unmapMemory(address: number, size: number): void {
    this.check(this.u.uc_mem_unmap(this.uc, address, size) as number, () => `uc_mem_unmap(0x${address.toString(16)})`);
  }
  protectMemory(address: number, size: number, prot: Prot): void {
    this.check(this.u.uc_mem_protect(this.uc, address, size, prot) as number, () => `uc_mem_protect(0x${address.toString(16)})`);
  }
  readMemory(address: number, size: number): Uint8Array {
    if (size === 0) return new Uint8Array(0);
    const scratch = this.scratchOf(size);
    const into = scratch ?? new Uint8Array(size);
    this.check(this.u.uc_mem_read(this.uc, address, into, size) as number, () => `uc_mem_read(0x${address.toString(16)}, ${size})`);
    return scratch === undefined ? into : scratch.slice(0, size);
  }
  writeMemory(address: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const scratch = this.scratchOf(bytes.length);
    scratch?.set(bytes);
    this.check(this.u.uc_mem_write(this.uc, address, scratch ?? bytes, bytes.length) as number, () => `uc_mem_write(0x${address.toString(16)}, ${bytes.length})`);
  }
  readU32(address: number): number {
    this.check(this.u.uc_mem_read(this.uc, address, this.u32Buf, 4) as number, () => `uc_mem_read(0x${(address >>> 0).toString(16)}, 4)`);
    return this.u32View.getUint32(0, true);
  }
  writeU32(address: number, value: number): void {
    this.u32View.setUint32(0, value >>> 0, true);
    this.check(this.u.uc_mem_write(this.uc, address, this.u32Buf, 4) as number, () => `uc_mem_write(0x${(address >>> 0).toString(16)}, 4)`);
  }

  readRegister(reg: X86Reg): number {
    this.regView.setUint32(0, 0, true);
    this.check(this.u.uc_reg_read(this.uc, reg, this.regBuf) as number, () => `uc_reg_read(${reg})`);
    return this.regView.getUint32(0, true);
  }
  writeRegister(reg: X86Reg, value: number): void {
    this.regView.setUint32(0, value >>> 0, true);
    this.regView.setUint32(4, 0, true);
    this.check(this.u.uc_reg_write(this.uc, reg, this.regBuf) as number, () => `uc_reg_write(${reg})`);
  }
  readRegisters(regs: readonly X86Reg[]): number[] {
    return regs.map((r) => this.readRegister(r));
  }
  writeRegisters(regs: readonly X86Reg[], values: readonly number[]): void {
    for (let i = 0; i < regs.length; i++) this.writeRegister(regs[i]!, values[i]!);
  }
  writeDescriptorTableRegister(reg: typeof X86Reg.GDTR | typeof X86Reg.IDTR, base: number, limit: number): void {
    // struct uc_x86_mmr { uint16_t selector; uint64_t base; uint32_t limit; uint32_t flags; }
    const mmr = new Uint8Array(24);
    const v = new DataView(mmr.buffer);
    v.setUint32(8, base >>> 0, true);
    v.setUint32(16, limit >>> 0, true);
    this.check(this.u.uc_reg_write(this.uc, reg, mmr) as number, "uc_reg_write(GDTR/IDTR)");
  }

  private guard<A extends unknown[], R>(fallback: R, fn: (...args: A) => R): (...args: A) => R {
    return (...args: A): R => {
      if (this.pendingError !== undefined) return fallback;
      try {
        return fn(...args);
      } catch (err) {
        this.pendingError = err;
        this.u.uc_emu_stop(this.uc);
        return fallback;
      }
    };
  }

  private addHook(type: number, callback: HookCallback, trampoline: unknown, begin: number, end: number): HookHandle {
    const id = this.nextHookId++;
    this.callbacks[id] = callback;
    this.installOrDefer({ id, type, callback: koffi.address(trampoline), user: id, begin, end });
    return { id };
  }

  /**
   * Adding a hook while unicorn emulates (from inside another hook: a DLL mapped by a system
   * call) corrupts unicorn 2.0.1's state, so such hooks are queued, the emulation is asked to
   * stop, and they are installed when start() returns (hooksPending tells the machine to leave
   * the slice without writing EIP inside the hook, which would cancel the stop).
   */
  private installOrDefer(h: PendingHook): void {
    if (this.running) {
      this.pendingHooks.push(h);
      this.u.uc_emu_stop(this.uc);
      return;
    }
    this.install(h);
  }
  private install(h: PendingHook): void {
    const out: (number | bigint)[] = [0];
    const err = (h.native ? this.u.uc_hook_add_native(this.uc, out, h.type, h.callback, h.user, h.begin, h.end) : this.u.uc_hook_add(this.uc, out, h.type, h.callback, h.user, h.begin, h.end)) as number;
    if (err !== 0) {
      this.callbacks[h.id] = undefined;
      this.check(err, "uc_hook_add");
    }
    this.hooks.set(h.id, { id: h.id, native: out[0]! });
  }
  private running = false;
  private readonly pendingHooks: PendingHook[] = [];
  hooksPending(): boolean {
    return this.pendingHooks.length > 0;
  }

  /** Code/block hook callbacks: the hottest path (no rest arguments, no conversions). */
  private codeCallback(hook: CodeHook): (address: number, size: number | bigint) => void {
    return (address, size) => {
      if (this.pendingError !== undefined) return;
      try {
        hook(address, size as number);
      } catch (err) {
        this.pendingError = err;
        this.u.uc_emu_stop(this.uc);
      }
    };
  }
  addCodeHook(begin: number, end: number, hook: CodeHook): HookHandle {
    return this.addHook(UC_HOOK_CODE, this.codeCallback(hook), this.trampolines.code, begin, end);
  }
  addBlockHook(begin: number, end: number, hook: CodeHook): HookHandle {
    return this.addHook(UC_HOOK_BLOCK, this.codeCallback(hook), this.trampolines.code, begin, end);
  }
  addInterruptHook(hook: InterruptHook): HookHandle {
    const cb = this.guard(undefined, (intno: number) => {
      this.interrupted = true;
      hook(intno);
    });
    return this.addHook(UC_HOOK_INTR, cb, this.trampolines.intr, 1, 0);
  }
  addInvalidMemoryHook(hook: InvalidMemoryHook): HookHandle {
    const cb = this.guard(false, (type: number, address: number | bigint, size: number, value: number | bigint) =>
      hook(type, Number(BigInt.asUintN(32, BigInt(address))), size, Number(BigInt.asUintN(32, BigInt(value)))),
    );
    return this.addHook(UC_HOOK_MEM_INVALID, cb, this.trampolines.mem, 1, 0);
  }
  addInvalidInstructionHook(hook: InvalidInstructionHook): HookHandle {
    const cb = this.guard(false, () => hook());
    return this.addHook(UC_HOOK_INSN_INVALID, cb, this.trampolines.insn, 1, 0);
  }
  removeHook(handle: HookHandle): void {
    const h = this.hooks.get(handle.id);
    if (h === undefined) return;
    this.hooks.delete(handle.id);
    this.check(this.u.uc_hook_del(this.uc, h.native) as number, "uc_hook_del");
    // A call already in flight finds no callback and does nothing.
    this.callbacks[handle.id] = () => undefined;
  }

  start(begin: number, until: number, timeoutUs: number, count: number): void {
    this.pendingError = undefined;
    // With the block clock the budget is checked by its block hook and unicorn counts nothing
    // (count 0). Else always run with a count: unicorn 2.0.1 only counts in blocks translated
    // while its count hook exists, so the hook must be there from the first start on (README).
    let n = count > 0 ? Math.min(count, MAX_COUNT) : MAX_COUNT;
    if (this.clock !== undefined) {
      this.clock.lib.begin(this.clock.state, count > 0 ? count : 0);
      n = 0;
    }
    this.interrupted = false;
    this.stopRequested = false;
    this.endedAtUntil = false;
    this.running = true;
    let err: number;
    try {
      err = this.u.uc_emu_start(this.uc, begin >>> 0, until >>> 0, timeoutUs, n) as number;
    } finally {
      this.running = false;
    }
    // Stopped on the budget at a block start: that block did not run. unicorn may report the
    // EIP of an earlier block chained into it (seen with `rep stos`), so EIP is set here.
    const clockStopped = this.clock !== undefined && this.clock.view.getUint32(36, true) !== 0;
    if (clockStopped) this.writeRegister(X86Reg.EIP, this.clock!.view.getUint32(40, true));
    // Ended at `until` (not stopped by a hook or the clock): counted differently, see executedInstructions.
    this.endedAtUntil = err === 0 && !this.stopRequested && !clockStopped && this.readRegister(X86Reg.EIP) === until >>> 0;
    for (const h of this.pendingHooks.splice(0)) {
      this.install(h);
      // Blocks translated before the hook existed would not call it.
      this.flushCode(h.begin, h.end - h.begin + 1);
    }
    if (this.interrupted) this.clearExceptionInFlight();
    const pending = this.pendingError;
    this.pendingError = undefined;
    if (pending !== undefined) throw pending;
    this.check(err, "uc_emu_start");
  }
  /** See oldExceptionOffset: marks the hooked exception as delivered (old_exception = -1). */
  private clearExceptionInFlight(): void {
    if (oldExceptionOffset === undefined) return;
    if (this.context === undefined) {
      const out: unknown[] = [null];
      if ((this.u.uc_context_alloc(this.uc, out) as number) !== 0) return;
      this.context = out[0];
    }
    this.u.uc_context_save(this.uc, this.context);
    koffi.encode(this.context, oldExceptionOffset, "int32_t", -1);
    this.u.uc_context_restore(this.uc, this.context);
  }
  executedInstructions(): number {
    const clock = this.clock;
    if (clock !== undefined) {
      // struct clock_state: uc (8), counter (u64 at 8), budget (16), last_start (24),
      // last_size (28), last_charge (32), stopped_on_budget (36), stop_at (40)
      const v = clock.view;
      let n = v.getUint32(8, true) + v.getUint32(12, true) * 0x100000000;
      const lastCharge = v.getUint32(32, true);
      if (lastCharge === 0 || v.getUint32(36, true) !== 0) return n;
      // Left inside the last block (a hook stopped the slice, a fault, or a hook reading the
      // clock): only the instructions before EIP ran.
      const lastStart = v.getUint32(24, true);
      const lastSize = v.getUint32(28, true);
      const eip = this.readRegister(X86Reg.EIP);
      const offset = (eip - lastStart) >>> 0;
      if (offset < lastSize) n -= lastCharge - (offset === 0 ? 0 : clock.charge(lastStart, offset));
      // A block cut at `until` counts unicorn's exit check as an instruction: charge its code.
      else if (this.endedAtUntil && offset === lastSize) n -= lastCharge - clock.charge(lastStart, lastSize);
      return n;
    }
    if (counterOffset === undefined) return NaN;
    // A view of unicorn's own struct: a plain memory read, no FFI call (hot: every traced
    // event reads the clock).
    const v = (this.counterView ??= new DataView(koffi.view(this.uc, counterOffset + 8)));
    const c = v.getUint32(counterOffset, true) + v.getUint32(counterOffset + 4, true) * 0x100000000;
    // The counter has counted the instruction a stop left unexecuted, except at `until`.
    if (this.endedAtUntil) return c;
    return c > 0 ? c - 1 : 0;
  }
  private counterView: DataView | undefined;

  watchAttention(options: { readonly signals: boolean; readonly tickMs: number }): boolean {
    if (this.clock === undefined) return false;
    const lib = this.clock.lib;
    // The signal handlers and the ticker are process-wide, counted per engine that wants them.
    if (options.signals !== this.watchingSignals) lib.watchSignals(options.signals ? 1 : 0);
    if (options.tickMs > 0 !== this.wantingTicks) lib.wantTicks(options.tickMs > 0 ? 1 : 0, options.tickMs >>> 0);
    this.watchingSignals = options.signals;
    this.wantingTicks = options.tickMs > 0;
    lib.attend(this.clock.state, this.watchingSignals || this.wantingTicks ? 1 : 0);
    return true;
  }
  takeAttention(): EngineAttention {
    if (this.clock === undefined) return { stopped: false, signal: 0, tick: false };
    const bits = this.clock.lib.takeAttention() as number;
    return { stopped: this.clock.view.getUint32(36, true) === 2, signal: bits >>> 8, tick: (bits & 1) !== 0 };
  }
  private watchingSignals = false;
  private wantingTicks = false;

  /** The native block clock, when in use (useBlockClock). */
  private clock: { readonly lib: ClockLib; readonly state: unknown; readonly view: DataView; readonly callback: unknown; charge: (address: number, size: number) => number } | undefined;

  useBlockClock(charge: (address: number, size: number) => number): boolean {
    if (this.clock !== undefined) {
      this.clock.charge = charge;
      return true;
    }
    const lib = loadClockLib();
    if (lib === undefined) return false;
    // Registered once, before any emulation (koffi callbacks registered during one are unsafe);
    // it runs only during emulation, when this.clock is set.
    const callback = koffi.register((address: number, size: number) => {
      try {
        return this.clock!.charge(address, size);
      } catch (err) {
        this.pendingError ??= err;
        this.u.uc_emu_stop(this.uc);
        return 0;
      }
    }, koffi.pointer(lib.chargeProto));
    const state = lib.create(this.uc, callback);
    const out: (number | bigint)[] = [0];
    this.check(this.u.uc_hook_add_native(this.uc, out, UC_HOOK_BLOCK, lib.hookFn(), state, 1, 0) as number, "uc_hook_add(block clock)");
    const clock = { lib, state, view: new DataView(koffi.view(state, 44)), callback, charge };
    this.clock = clock;
    return true;
  }
  lastBlock(): { readonly start: number; readonly size: number } | undefined {
    if (this.clock === undefined) return undefined;
    const size = this.clock.view.getUint32(28, true);
    return size === 0 ? undefined : { start: this.clock.view.getUint32(24, true), size };
  }
  setHostCodeRanges(ranges: readonly (readonly [number, number])[]): void {
    if (this.clock === undefined) return;
    const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
    const pairs = new Uint32Array(2 * sorted.length);
    sorted.forEach(([b, e], i) => {
      pairs[2 * i] = b >>> 0;
      pairs[2 * i + 1] = e >>> 0;
    });
    this.clock.lib.setHostRanges(this.clock.state, pairs, sorted.length);
  }
  /** Host buffers mapped into the guest (kept alive while the engine is). */
  private readonly hostBuffers: Uint8Array[] = [];
  mapHostMemory(address: number, size: number, prot: Prot): Uint8Array {
    // Page-aligned host memory the guest sees at `address`: the host reads and writes it
    // without FFI calls. Isolation (runtime/README.md): a fresh, zero-filled buffer of its
    // own, used for nothing else, so the guest sees only what the host puts there — never
    // other host memory. The only uc_mem_map_ptr in ntrace.
    const raw = new Uint8Array(size + 0x1000);
    const at = BigInt(koffi.address(raw));
    const skip = Number(((at + 0xfffn) & ~0xfffn) - at);
    const view = raw.subarray(skip, skip + size);
    this.check(this.u.uc_mem_map_ptr(this.uc, address >>> 0, size, prot, at + BigInt(skip)) as number, `uc_mem_map_ptr(0x${address.toString(16)})`);
    this.hostBuffers.push(raw);
    return view;
  }
  nativeRecorder(options: NativeRecorderOptions): NativeRecorder | undefined {
    // The helper reads the clock where this engine keeps it: the block clock's counter, else
    // unicorn's own (found by calibration).
    const counterAddress = this.clock !== undefined ? BigInt(koffi.address(this.clock.state)) + 8n : counterOffset !== undefined ? BigInt(koffi.address(this.uc)) + BigInt(counterOffset) : undefined;
    if (counterAddress === undefined) return undefined;
    const clock = this.clock;
    return createNativeRecorder(
      {
        uc: this.uc,
        counterAddress,
        blockClock: clock !== undefined,
        addNativeCodeHook: (b, e, cb, user) => this.addNativeCodeHook(b, e, cb, user),
        // The block clock's hook calls these (ntrace_clock.c, ntc_watch): no code hooks.
        ...(clock !== undefined ? { watchBlocks: (b: number, e: number, cb: unknown, user: unknown) => void clock.lib.watch(clock.state, b >>> 0, e >>> 0, cb, user) } : {}),
      },
      options,
    );
  }
  /** A code hook whose callback is a native function pointer called with `user` (the native recorder's). */
  private addNativeCodeHook(begin: number, end: number, callback: unknown, user: unknown): HookHandle {
    const id = this.nextHookId++;
    this.installOrDefer({ id, type: UC_HOOK_CODE, callback, user, begin, end, native: true });
    return { id };
  }
  newContext(): EngineContext {
    const out: unknown[] = [null];
    this.check(this.u.uc_context_alloc(this.uc, out) as number, "uc_context_alloc");
    return { engineContext: true, handle: out[0] } as UnicornContext;
  }
  saveContext(into: EngineContext): void {
    this.check(this.u.uc_context_save(this.uc, (into as UnicornContext).handle) as number, "uc_context_save");
  }
  restoreContext(from: EngineContext): void {
    this.check(this.u.uc_context_restore(this.uc, (from as UnicornContext).handle) as number, "uc_context_restore");
  }
  freeContext(context: EngineContext): void {
    this.u.uc_context_free((context as UnicornContext).handle);
  }
  readWideRegister(reg: X86Reg, size: number): Uint8Array {
    const buf = new Uint8Array(Math.max(16, size));
    this.check(this.u.uc_reg_read(this.uc, reg, buf) as number, () => `uc_reg_read(${reg})`);
    return buf.subarray(0, size);
  }
  writeWideRegister(reg: X86Reg, bytes: Uint8Array): void {
    const buf = new Uint8Array(Math.max(16, bytes.length));
    buf.set(bytes);
    this.check(this.u.uc_reg_write(this.uc, reg, buf) as number, () => `uc_reg_write(${reg})`);
  }
  stop(): void {
    this.stopRequested = true;
    this.u.uc_emu_stop(this.uc);
  }
  private stopRequested = false;
  private endedAtUntil = false;
  flushCode(begin: number, size: number): void {
    this.check(this.u.uc_ctl(this.uc, UC_CTL_TB_REMOVE_CACHE_WRITE, "uint64_t", begin, "uint64_t", begin + size) as number, "uc_ctl(TB_REMOVE_CACHE)");
    // the clock's cached charges of that code are stale too
    if (this.clock !== undefined) this.clock.lib.forget(this.clock.state, begin >>> 0, (begin + size) >>> 0);
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.clock !== undefined) {
      this.watchAttention({ signals: false, tickMs: 0 });
      this.clock.lib.destroy(this.clock.state);
      koffi.unregister(this.clock.callback as bigint);
    }
    if (this.context !== undefined) this.u.uc_context_free(this.context);
    this.u.uc_close(this.uc);
    for (const t of Object.values(this.trampolines)) koffi.unregister(t as bigint);
    this.hooks.clear();
    this.callbacks.length = 0;
  }
}
