/**
 * UnicornEngine's native recorder: the binding of the tracer's hook helper
 * (runtime/tracing/native/ntrace_hooks.c, built by its build.sh; it calls unicorn directly, so
 * it belongs to this backend). The entry/exit hooks of the hook path run in C, keep the shadow
 * stack of {real return, entry ESP} per thread and append event records; the tracer drains the
 * records (slice ends, full log, slow paths) and handles every rare case through one slow
 * callback. When the library is missing or cannot be loaded, the tracer uses JS hooks (same
 * events, slower). The sources stay under runtime/tracing/native/: what they do is the
 * tracer's (the log format, the slow cases), how they are called is this backend's.
 */
import { join } from "node:path";
import koffi, { type LibraryHandle } from "koffi";
import { packageRoot } from "../../base/packageroot.js";
import { builtLibraryPath } from "./builtlib.js";
import type { HookHandle, NativeColumns, NativeRecorder, NativeRecorderOptions, NativeRecorderThread } from "./types.js";

const EMPTY_FRAMES = new Uint32Array(0);

type NativeFunction = ReturnType<LibraryHandle["func"]>;

interface NativeLib {
  create: NativeFunction;
  area: NativeFunction;
  thread: NativeFunction;
  select: NativeFunction;
  setAttached: NativeFunction;
  setMailbox: NativeFunction;
  setWriteExit: NativeFunction;
  setBlockClock: NativeFunction;
  depth: NativeFunction;
  pending: NativeFunction;
  emit: NativeFunction;
  frames: NativeFunction;
  syncLow: NativeFunction;
  frameRet: NativeFunction;
  removeTop: NativeFunction;
  push: NativeFunction;
  stopRecording: NativeFunction;
  probe: NativeFunction;
  probeHookFn: NativeFunction;
  hookFn: NativeFunction;
  slowProto: ReturnType<typeof koffi.proto>;
}

let lib: NativeLib | null | undefined;
/** Why load() found no helper where one was expected (not built, cannot load); see fallbackNote. */
let unavailable: string | undefined;

/** The helper's file name (built by native/build.sh, run by scripts/install-deps.sh). */
export const NATIVE_LIBRARY = "libntrace_hooks.so";

/** The platforms the helper is built for (x86-64 Linux, next to Debian's libunicorn2). */
export function nativeSupported(): boolean {
  return process.platform === "linux" && process.arch === "x64";
}

/**
 * One line for the user when the native recorder was wanted but the helper is missing or does
 * not load (undefined when it loaded, or was turned off on purpose / unsupported here).
 */
export function nativeFallbackNote(): string | undefined {
  load();
  return unavailable === undefined ? undefined : `${unavailable}; using JS hooks, about 3× slower`;
}

/**
 * Where the built helper is, or undefined when it was not built. NTRACE_NATIVE_LIB names
 * another file (tests point it at a nonexistent one to check the fallback note).
 */
export function nativeLibraryPath(): string | undefined {
  return builtLibraryPath("NTRACE_NATIVE_LIB", "runtime", "tracing", "native", NATIVE_LIBRARY); // built beside its sources
}

/** The helper's build script, as installed (source tree or npm package), for messages. */
function nativeBuildScript(): string {
  return join(packageRoot(import.meta.url) ?? ".", "runtime", "tracing", "native", "build.sh");
}

function load(): NativeLib | null {
  if (lib !== undefined) return lib;
  lib = null;
  if (process.env["NTRACE_NO_NATIVE"] !== undefined || !nativeSupported()) return lib;
  const path = nativeLibraryPath();
  if (path === undefined) {
    unavailable = `native hook helper not built (build it: sh ${nativeBuildScript()})`;
    return lib;
  }
  try {
    const h = koffi.load(path);
    lib = {
      create: h.func("void *ntr_create(void *uc, uintptr_t counter, uintptr_t retSlot, uint32_t argCount, void *slow)"),
      area: h.func("void *ntr_area(void *st, uint32_t base, uint32_t firstId)"),
      thread: h.func("void *ntr_thread(uint32_t logDwords)"),
      select: h.func("void ntr_select(void *st, void *t)"),
      setAttached: h.func("void ntr_set_attached(void *st, uint32_t on)"),
      setMailbox: h.func("void ntr_set_mailbox(void *st, uintptr_t mailbox)"),
      setWriteExit: h.func("void ntr_set_write_exit(void *st, uint32_t on)"),
      setBlockClock: h.func("void ntr_set_block_clock(void *st, uint32_t on)"),
      depth: h.func("uint32_t ntr_depth(void *t)"),
      pending: h.func("uint32_t ntr_pending(void *t)"),
      emit: h.func(
        "uint32_t ntr_emit(void *st, void *t, uint8_t *kind, double *ts, int32_t *fn, uint32_t *esp, uint32_t *value, uint32_t *args, uint32_t start, uint32_t room, double *clock, uint32_t *counts)",
      ),
      frames: h.func("void *ntr_frames(void *t)"),
      syncLow: h.func("uint32_t ntr_sync_low(void *t, uint32_t *out)"),
      frameRet: h.func("uint32_t ntr_frame_ret(void *t, uint32_t fromTop)"),
      removeTop: h.func("void ntr_remove_top(void *t, uint32_t n)"),
      push: h.func("void ntr_push(void *t, uint32_t ret, uint32_t esp, uint32_t fn)"),
      stopRecording: h.func("void ntr_stop_recording(void *t)"),
      probe: h.func("void *ntr_probe(void *st, uint32_t exitVa, uint32_t fn)"),
      probeHookFn: h.func("void *ntr_probe_hook_fn()"),
      hookFn: h.func("void *ntr_hook_fn()"),
      slowProto: koffi.proto("void ntrace_native_slow(int why, uint32_t address, uint32_t value)"),
    };
  } catch (err) {
    lib = null;
    unavailable = `native hook helper ${path} cannot be loaded (${err instanceof Error ? err.message.split("\n")[0] : String(err)}; rebuild it: sh ${nativeBuildScript()})`;
  }
  return lib;
}

/** What the recorder needs of the engine it runs in (UnicornEngine). */
export interface NativeHost {
  /** The engine handle and the host address of its instruction counter (uint64; with `blockClock`, the block clock's). */
  readonly uc: unknown;
  readonly counterAddress: bigint;
  readonly blockClock: boolean;
  /** A code hook whose callback is a native function pointer called with `user`. */
  addNativeCodeHook(begin: number, end: number, callback: unknown, user: unknown): HookHandle;
  /**
   * With the block clock: `callback` (a code hook's signature) is called with `user` whenever a
   * block that starts in [begin, end] runs. Cheaper than a code hook (see ntrace_clock.c), for
   * code that only jumps and returns lead to.
   */
  watchBlocks?(begin: number, end: number, callback: unknown, user: unknown): void;
}

/** undefined when the helper is unavailable. */
export function createNativeRecorder(host: NativeHost, options: NativeRecorderOptions): NativeRecorder | undefined {
  const l = load();
  if (l === null) return undefined;
  const { slow } = options;
  const cb = koffi.register((why: number, address: number, value: number) => slow(why, address, value), koffi.pointer(l.slowProto));
  const state = l.create(host.uc, host.counterAddress, BigInt(koffi.address(options.returnSlot)), options.argCount, cb);
  l.setBlockClock(state, host.blockClock ? 1 : 0);
  return new UnicornNativeRecorder(l, host, state, l.hookFn(), 1 << 16, cb);
}

class UnicornNativeRecorder implements NativeRecorder {
  readonly rawAhead: number;
  constructor(
    private readonly l: NativeLib,
    private readonly host: NativeHost,
    private readonly state: unknown,
    private readonly hookFn: unknown,
    private readonly logDwords: number,
    /** Kept alive: the registered slow callback. */
    readonly slowCallback: unknown,
  ) {
    // unicorn's own counter counts the hooked instruction already; the block clock does not
    this.rawAhead = host.blockClock ? 0 : 1;
  }

  hookArea(base: number, end: number, firstId: number): void {
    const area = this.l.area(this.state, base, firstId);
    if (this.host.watchBlocks !== undefined) this.host.watchBlocks(base, end, this.hookFn, area);
    else this.host.addNativeCodeHook(base, end, this.hookFn, area);
  }
  hookProbe(address: number, exitVa: number, fn: number): void {
    this.host.addNativeCodeHook(address, address, this.l.probeHookFn(), this.l.probe(this.state, exitVa, fn));
  }
  newThread(): NativeRecorderThread {
    return { handle: this.l.thread(this.logDwords) };
  }
  select(t: NativeRecorderThread | undefined): void {
    this.l.select(this.state, t?.handle ?? null);
  }
  writesExit = false;
  setWriteExit(on: boolean): void {
    this.writesExit = on;
    this.l.setWriteExit(this.state, on ? 1 : 0);
  }
  setAttached(on: boolean): void {
    this.l.setAttached(this.state, on ? 1 : 0);
  }
  useMailbox(page: Uint8Array): void {
    this.l.setMailbox(this.state, BigInt(koffi.address(page)));
    this.mailboxPage = page;
  }
  /** The mailbox page the C state points into (the engine keeps its buffer alive too). */
  mailboxPage: Uint8Array | undefined;
  depth(t: NativeRecorderThread): number {
    return this.l.depth(t.handle) as number;
  }
  pending(t: NativeRecorderThread): number {
    return this.l.pending(t.handle) as number;
  }
  emit(t: NativeRecorderThread, into: NativeColumns, start: number, room: number, clock: Float64Array, counts: Uint32Array): number {
    return this.l.emit(this.state, t.handle, into.kind, into.ts, into.fn, into.esp, into.value, into.args, start, room, clock, counts) as number;
  }
  private readonly lowOut = new Uint32Array(1);
  syncFrames(t: NativeRecorderThread): { low: number; frames: Uint32Array; poppedEsp: number } {
    const low = this.l.syncLow(t.handle, this.lowOut) as number;
    const depth = this.l.depth(t.handle) as number;
    // A view of the C frames themselves (valid until the next push), read at once.
    const frames = depth > low ? new Uint32Array(koffi.view(this.l.frames(t.handle), 16 * depth), 16 * low, 4 * (depth - low)) : EMPTY_FRAMES;
    return { low, frames, poppedEsp: this.lowOut[0]! };
  }
  returnOf(t: NativeRecorderThread, fromTop: number): number {
    return this.l.frameRet(t.handle, fromTop) as number;
  }
  removeTop(t: NativeRecorderThread, n: number): void {
    if (n > 0) this.l.removeTop(t.handle, n);
  }
  push(t: NativeRecorderThread, ret: number, entryEsp: number, fn: number): void {
    this.l.push(t.handle, ret, entryEsp, fn);
  }
  stopRecording(t: NativeRecorderThread): void {
    this.l.stopRecording(t.handle);
  }
}
