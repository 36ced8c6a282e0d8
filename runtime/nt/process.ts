/**
 * The NT user-mode personality of one process: PEB, handles, heaps, TLS, built-in DLLs, the
 * loader, and the driving of entry points (DllMain, EXE entry, exported calls) on threads.
 */
import { dirname } from "node:path";
import { UsageError } from "../../base/index.js";
import { X86Reg } from "../engine/index.js";
import { Loader } from "../loader.js";
import { normalizeDllName, type ApiCall, type ApiOutcome, type Machine } from "../machine.js";
import type { GuestThread } from "../thread.js";
import type { LoadedModule } from "../types.js";
import { userApis } from "./apis.js";
import { BuiltinDlls } from "./builtins.js";
import { GuestHeap } from "./heap.js";
import { PEB, TLS_MINIMUM_AVAILABLE } from "./layout.js";
import { installSeh, type SehDispatcher } from "./seh.js";

const DLL_PROCESS_ATTACH = 1;

export class HandleTable {
  private readonly objects = new Map<number, object>();
  private next = 4;
  add(o: object): number {
    const h = this.next;
    this.next += 4;
    this.objects.set(h, o);
    return h;
  }
  get(h: number): object | undefined {
    return this.objects.get(h);
  }
  close(h: number): boolean {
    return this.objects.delete(h);
  }
}

export class UserProcess {
  readonly handles = new HandleTable();
  readonly heaps = new Map<number, GuestHeap>();
  readonly processHeap: GuestHeap;
  readonly tlsUsed: boolean[] = new Array<boolean>(TLS_MINIMUM_AVAILABLE).fill(false);
  readonly suspended = new Set<GuestThread>();
  readonly builtins: BuiltinDlls;
  readonly loader: Loader;
  readonly seh: SehDispatcher;
  mainModule: LoadedModule | undefined;
  unhandledFilter = 0;
  commandLineA = 0;
  commandLineW = 0;
  /** The first thread: runs DllMains and exported calls for the host. */
  mainThread: GuestThread | undefined;

  constructor(
    readonly machine: Machine,
    options: { searchPaths: readonly string[]; allowMissingImports: boolean },
  ) {
    this.processHeap = this.createHeap();
    machine.memory.setU32(machine.peb + PEB.ProcessHeap, this.processHeap.handle);
    this.builtins = new BuiltinDlls(machine, userApis(this), { kernelbase: "kernel32.dll" });
    this.loader = new Loader(machine, this.builtins, options);
    this.seh = installSeh(machine);
  }

  createHeap(): GuestHeap {
    const h = new GuestHeap(this.machine);
    this.heaps.set(h.handle, h);
    return h;
  }

  findModuleByName(name: string): LoadedModule | undefined {
    return this.machine.findModule(name) ?? this.builtins.module(name);
  }

  /** Loads an image and what it imports (no entry point runs yet). */
  load(path: string, main: boolean): LoadedModule {
    const m = this.loader.loadFile(path);
    if (main && this.mainModule === undefined) {
      this.mainModule = m;
      if (!(m.image?.isDll ?? true)) this.machine.memory.setU32(this.machine.peb + PEB.ImageBaseAddress, m.base);
    }
    return m;
  }

  /** Writes the command line (image name only) into guest memory for GetCommandLineA/W. */
  setCommandLine(text: string): void {
    const a = this.processHeap.alloc(text.length + 1, 8);
    this.machine.memory.write(a, new Uint8Array([...text].map((ch) => ch.charCodeAt(0) & 0xff)));
    this.commandLineA = a;
    const w = this.processHeap.alloc(2 * text.length + 2, 8);
    const bytes = new Uint8Array(2 * text.length);
    for (let i = 0; i < text.length; i++) {
      bytes[2 * i] = text.charCodeAt(i) & 0xff;
      bytes[2 * i + 1] = text.charCodeAt(i) >> 8;
    }
    this.machine.memory.write(w, bytes);
    this.commandLineW = w;
  }

  /** Tells the observer about new modules, then runs their DllMains in order on `t`, then `then()`. */
  runPendingInit(t: GuestThread, then: () => void): void {
    const pending = this.loader.pendingInit.splice(0);
    for (const m of pending) this.machine.observer.onModuleLoaded?.(m);
    const step = (i: number): void => {
      if (i >= pending.length) return then();
      const m = pending[i]!;
      if (m.entry === 0 || !(m.image?.isDll ?? false)) return step(i + 1);
      this.machine.callGuest(t, m.entry, [m.base, DLL_PROCESS_ATTACH, 0], (ok) => {
        if (ok === 0) {
          this.machine.leaveSlice(t, () => this.machine.exitProcess(0xc0000142, `DllMain of ${m.name} returned FALSE (DLL initialization failed)`));
          return;
        }
        step(i + 1);
      });
    };
    step(0);
  }

  /** LoadLibrary from the guest: load, run new DllMains on the calling thread, return the base. */
  loadLibrary(c: ApiCall, name: string): ApiOutcome {
    let m: LoadedModule | undefined;
    try {
      m = this.loader.loadByName(name, this.mainModule !== undefined && this.mainModule.path !== "" ? dirname(this.mainModule.path) : undefined);
    } catch {
      m = undefined;
    }
    if (m === undefined) {
      this.machine.memory.setU32(c.thread.teb + 0x34, 126);
      return 0;
    }
    const t = c.thread;
    const mod = m;
    const ret = () => {
      this.machine.setReg(t, X86Reg.EAX, mod.base);
      this.machine.setReg(t, X86Reg.ESP, this.machine.reg(t, X86Reg.ESP) + 8);
      this.machine.setReg(t, X86Reg.EIP, c.returnAddress);
    };
    if (this.loader.pendingInit.length === 0) return mod.base;
    // Run DllMains with the LoadLibrary frame still on the stack, then return from it.
    this.runPendingInit(t, ret);
    return { kind: "redirected" };
  }

  raiseException(c: ApiCall): ApiOutcome {
    return this.seh.raiseException(c);
  }
  rtlRaiseException(c: ApiCall): ApiOutcome {
    return this.seh.rtlRaiseException(c);
  }
  rtlUnwind(c: ApiCall): ApiOutcome {
    return this.seh.rtlUnwind(c);
  }
}

export function parseCallArg(text: string): number {
  const t = text.trim();
  const v = /^-?0x[0-9a-f]+$/i.test(t) ? (t.startsWith("-") ? -parseInt(t.slice(1), 16) : parseInt(t, 16)) : /^-?\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(v) || v > 0xffffffff || v < -0x80000000) throw new UsageError(`bad call argument "${text}": expected a decimal or 0x hex 32-bit integer`);
  return v >>> 0;
}

export { normalizeDllName };
