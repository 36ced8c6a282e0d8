/**
 * The native hook helper (native/ntrace_hooks.c, built by native/build.sh): the entry/exit
 * hooks of the hook path run in C, keep the shadow stack of {real return, entry ESP} per
 * thread and append event records; JS drains the records (slice ends, full log, slow paths)
 * and handles every rare case through one slow callback. When the library is missing or
 * cannot be loaded, the tracer uses JS hooks (same events, slower).
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import koffi, { type LibraryHandle } from "koffi";
import type { Engine } from "../engine/index.js";

type NativeFunction = ReturnType<LibraryHandle["func"]>;

export const SLOW = { CUT: 1, EXIT: 2, FLUSH: 3, DETACHED: 4, NO_THREAD: 5, BAD_STACK: 102 } as const;
export type SlowHandler = (why: number, address: number, value: number) => void;

interface NativeLib {
  create: NativeFunction;
  area: NativeFunction;
  thread: NativeFunction;
  select: NativeFunction;
  setAttached: NativeFunction;
  setWriteExit: NativeFunction;
  depth: NativeFunction;
  used: NativeFunction;
  log: NativeFunction;
  logReset: NativeFunction;
  frameRet: NativeFunction;
  removeTop: NativeFunction;
  hookFn: NativeFunction;
  slowProto: ReturnType<typeof koffi.proto>;
}

let lib: NativeLib | null | undefined;

function libraryPath(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  // Source tree (tests) or dist/runtime/tracing → the repository's runtime/tracing/native.
  for (const p of [join(here, "native", "libntrace_hooks.so"), join(here, "..", "..", "..", "runtime", "tracing", "native", "libntrace_hooks.so")]) {
    if (existsSync(p)) return p;
  }
  return undefined;
}

function load(): NativeLib | null {
  if (lib !== undefined) return lib;
  lib = null;
  if (process.env["NTRACE_NO_NATIVE"] !== undefined || process.platform !== "linux" || process.arch !== "x64") return lib;
  const path = libraryPath();
  if (path === undefined) return lib;
  try {
    const h = koffi.load(path);
    lib = {
      create: h.func("void *ntr_create(void *uc, uintptr_t counter, uintptr_t retSlot, uint32_t argCount, void *slow)"),
      area: h.func("void *ntr_area(void *st, uint32_t base, uint32_t firstId)"),
      thread: h.func("void *ntr_thread(uint32_t logDwords)"),
      select: h.func("void ntr_select(void *st, void *t)"),
      setAttached: h.func("void ntr_set_attached(void *st, uint32_t on)"),
      setWriteExit: h.func("void ntr_set_write_exit(void *st, uint32_t on)"),
      depth: h.func("uint32_t ntr_depth(void *t)"),
      used: h.func("uint32_t ntr_used(void *t)"),
      log: h.func("void *ntr_log(void *t)"),
      logReset: h.func("void ntr_log_reset(void *t)"),
      frameRet: h.func("uint32_t ntr_frame_ret(void *t, uint32_t fromTop)"),
      removeTop: h.func("void ntr_remove_top(void *t, uint32_t n)"),
      hookFn: h.func("void *ntr_hook_fn()"),
      slowProto: koffi.proto("void ntrace_native_slow(int why, uint32_t address, uint32_t value)"),
    };
  } catch {
    lib = null;
  }
  return lib;
}

/** One thread's native state (opaque). */
export interface NativeThread {
  readonly handle: unknown;
}

export class NativePath {
  private constructor(
    private readonly l: NativeLib,
    private readonly state: unknown,
    private readonly hookFn: unknown,
    private readonly logDwords: number,
    /** Kept alive: the registered slow callback. */
    readonly slowCallback: unknown,
  ) {}

  /** undefined when the helper or the engine's native handle is unavailable. */
  static create(engine: Engine, returnSlotAddress: bigint, argCount: number, slow: SlowHandler): NativePath | undefined {
    const l = load();
    const handle = engine.nativeHandle?.();
    if (l === null || handle === undefined || engine.addNativeCodeHook === undefined) return undefined;
    const cb = koffi.register((why: number, address: number, value: number) => slow(why, address, value), koffi.pointer(l.slowProto));
    const state = l.create(handle.uc, handle.counterAddress, returnSlotAddress, argCount, cb);
    return new NativePath(l, state, l.hookFn(), 1 << 16, cb);
  }

  /** Hooks a thunk area's slots (exit slot at `base`, entry slot i+1 = function firstId+i). */
  hookArea(engine: Engine, base: number, end: number, firstId: number): void {
    engine.addNativeCodeHook!(base, end, this.hookFn, this.l.area(this.state, base, firstId));
  }

  newThread(): NativeThread {
    return { handle: this.l.thread(this.logDwords) };
  }
  select(t: NativeThread | undefined): void {
    this.l.select(this.state, t?.handle ?? null);
  }
  /** Whether the entry hook (true) or the traced continuation (false) writes the exit thunk address. */
  writesExit = false;
  setWriteExit(on: boolean): void {
    this.writesExit = on;
    this.l.setWriteExit(this.state, on ? 1 : 0);
  }
  setAttached(on: boolean): void {
    this.l.setAttached(this.state, on ? 1 : 0);
  }
  depth(t: NativeThread): number {
    return this.l.depth(t.handle) as number;
  }
  /** The records logged since the last call (the log is emptied). */
  takeLog(t: NativeThread): Uint32Array | undefined {
    const used = this.l.used(t.handle) as number;
    if (used === 0) return undefined;
    const words = new Uint32Array(koffi.view(this.l.log(t.handle), 4 * used).slice(0));
    this.l.logReset(t.handle);
    return words;
  }
  returnOf(t: NativeThread, fromTop: number): number {
    return this.l.frameRet(t.handle, fromTop) as number;
  }
  removeTop(t: NativeThread, n: number): void {
    if (n > 0) this.l.removeTop(t.handle, n);
  }
}
