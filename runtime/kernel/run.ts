/**
 * Running drivers: load the image and each `load` driver in order (each DriverEntry runs on a
 * system thread right after its image loads, so filters attach above what is there), send
 * each IRP to the TOP of the device stack from that system "requester" thread, report each
 * request's IoStatus and output, then unload (DriverUnload, last loaded first).
 */
import { hex, UsageError } from "../../base/index.js";
import { GuestError } from "../core/errors.js";
import { withInterruption } from "../core/machine.js";
import type { GuestThread } from "../core/thread.js";
import type { LoadedModule, MachineOptions, RunResult, ThreadSummary } from "../core/types.js";
import { KernelMachine, type BugCheck } from "./kernel.js";
import { DRIVER_OBJECT, IRP, IRP_MJ, majorName, NTSTATUS } from "./layout.js";

export interface IrpSpec {
  readonly major: number;
  readonly ioctl?: number;
  readonly input?: Uint8Array;
  /** Output buffer size for device-control requests (default 256). */
  readonly outputLength?: number;
}

export interface IrpResult {
  readonly major: number;
  readonly majorName: string;
  readonly ioctl?: number;
  /** What the top dispatch routine returned. */
  readonly returned: number;
  /** Final IoStatus.Status / Information (undefined if the request never completed). */
  readonly status?: number;
  readonly information?: number;
  /** Buffered output (Information bytes), hex. */
  readonly output?: string;
}

export interface KernelRunOptions extends MachineOptions {
  /** The first driver (the function driver); `load` drivers follow, in order. */
  readonly image: string;
  readonly load?: readonly string[];
  readonly irps: readonly IrpSpec[];
  readonly allowMissingImports?: boolean;
  /** Most characters of DbgPrint output kept (default DEFAULT_DEBUG_OUTPUT_CAP, 1 MiB); the rest is counted. */
  readonly maxDebugOutput?: number;
}

/** Where a CPU's idle thread and DPC stack are (DPCs run on the stack [dpcStackLimit, dpcStackBase)). */
export interface CpuLayout {
  readonly index: number;
  readonly idleThread: string;
  readonly dpcStackLimit: number;
  readonly dpcStackBase: number;
}

export interface KernelRunResult extends RunResult {
  readonly irps: readonly IrpResult[];
  readonly bugCheck?: BugCheck;
  readonly cpus: readonly CpuLayout[];
}

/** "create", "IRP_MJ_DEVICE_CONTROL:0x80002000:0102", "14:0x222003" → IrpSpec. */
export function parseIrpSpec(text: string): IrpSpec {
  const [majorText, ioctlText, inputText, outText] = text.split(":");
  const key = (majorText ?? "").trim().toLowerCase().replace(/^irp_mj_/, "");
  const num = (s: string) => (/^0x[0-9a-f]+$/i.test(s) ? parseInt(s, 16) : /^\d+$/.test(s) ? Number(s) : NaN);
  const major = IRP_MJ[key] ?? num(key);
  if (!Number.isInteger(major) || major < 0 || major > 0x1b) throw new UsageError(`--irp "${text}": unknown major function "${majorText}" (create, close, read, write, device_control, internal_device_control, cleanup or 0..27)`);
  const spec: { major: number; ioctl?: number; input?: Uint8Array; outputLength?: number } = { major };
  if (ioctlText !== undefined && ioctlText !== "") {
    const v = num(ioctlText);
    if (!Number.isInteger(v) || v > 0xffffffff) throw new UsageError(`--irp "${text}": bad IOCTL code "${ioctlText}"`);
    spec.ioctl = v;
  }
  if (inputText !== undefined && inputText !== "") {
    if (!/^([0-9a-f]{2})+$/i.test(inputText)) throw new UsageError(`--irp "${text}": input must be hex bytes, e.g. 0102ff`);
    spec.input = Uint8Array.from(inputText.match(/../g)!.map((b) => parseInt(b, 16)));
  }
  if (outText !== undefined && outText !== "") {
    const v = num(outText);
    if (!Number.isInteger(v) || v > 0x100000) throw new UsageError(`--irp "${text}": bad output length "${outText}"`);
    spec.outputLength = v;
  }
  return spec;
}

export const isDriverImage = (path: string): boolean => /\.sys$/i.test(path);

/**
 * A kernel run step by step (tests and the traced session use it): construct, `loadDrivers`,
 * `sendIrp`…, `unload`, `summary`, `close`.
 */
export class KernelRun {
  readonly k: KernelMachine;
  readonly requester: GuestThread;
  readonly modules: LoadedModule[] = [];
  readonly irps: IrpResult[] = [];
  private device = 0;

  constructor(options: MachineOptions & { readonly allowMissingImports?: boolean }) {
    this.k = new KernelMachine(options);
    this.requester = this.k.createHostThread();
  }

  private call(fn: number, args: readonly number[]): number | undefined {
    const machine = this.k.machine;
    let result: number | undefined;
    let done = false;
    machine.callGuest(this.requester, fn, args, (eax) => {
      result = eax;
      done = true;
      machine.parkHostThread(this.requester);
    });
    try {
      machine.run(() => done || this.requester.state === "terminated");
    } catch (err) {
      if (!(err instanceof GuestError)) throw err;
      machine.failure ??= err.message;
    }
    return result;
  }

  get stopped(): boolean {
    return this.k.machine.processExit !== undefined || this.k.machine.failure !== undefined;
  }

  /** Loads each driver and runs its DriverEntry (tracer sees the module before it runs). */
  loadDrivers(paths: readonly string[]): void {
    for (const path of paths) {
      if (this.stopped) return;
      const module = this.k.loadDriverImage(path);
      const pending = this.k.loader.pendingInit.splice(0);
      for (const m of pending) this.k.machine.observer.onModuleLoaded?.(m);
      this.modules.push(module);
      const driver = this.k.io.createDriverObject(module);
      if (module.entry === 0) throw new UsageError(`${module.name} has no entry point (DriverEntry)`);
      const registry = this.k.io.unicodeString(`\\Registry\\Machine\\System\\CurrentControlSet\\Services\\${driver.name}`);
      const status = this.call(module.entry, [driver.object, registry]);
      if (status !== undefined && status >>> 0 >= 0x80000000 && !this.stopped) this.k.machine.failure = `DriverEntry of ${module.name} failed with ${hex(status >>> 0)}`;
      // The stack's bottom: the first device the first driver created.
      if (this.device === 0) this.device = this.k.machine.memory.u32(driver.object + DRIVER_OBJECT.DeviceObject);
    }
  }

  /** Sends one request to the top of the device stack and waits until it completed. */
  sendIrp(spec: IrpSpec): IrpResult | undefined {
    if (this.stopped) return undefined;
    const k = this.k;
    const m = k.machine.memory;
    if (this.device === 0) throw new GuestError("no device to send requests to: the first driver created none");
    const top = k.io.topOf(this.device);
    const input = spec.input ?? new Uint8Array(0);
    const inBuf = input.length > 0 ? k.io.alloc(input.length) : 0;
    if (input.length > 0) m.write(inBuf, input);
    const isIoctl = spec.major === 0x0e || spec.major === 0x0f;
    const outputLength = isIoctl ? spec.outputLength ?? 256 : 0;
    const irp = k.io.buildRequest(top, spec.major, spec.ioctl ?? 0, inBuf, input.length, outputLength, "host", 0, this.requester);
    m.setU32(irp + IRP.IoStatusStatus, NTSTATUS.PENDING);
    const fn = k.io.callDriverTarget(top, irp)!;
    const returned = this.call(fn, [top, irp]);
    // A pending request completes later, on some thread: run until it did.
    if (!this.stopped && k.io.completion(irp) === undefined) {
      try {
        k.machine.run(() => k.io.completion(irp) !== undefined);
      } catch (err) {
        if (!(err instanceof GuestError)) throw err;
      }
    }
    const done = k.io.completion(irp);
    const result: IrpResult = {
      major: spec.major,
      majorName: majorName(spec.major),
      ...(spec.ioctl !== undefined ? { ioctl: spec.ioctl } : {}),
      returned: (returned ?? 0) >>> 0,
      ...(done !== undefined ? { status: done.status >>> 0, information: done.information >>> 0 } : {}),
      ...(done !== undefined && isIoctl ? { output: Buffer.from(done.output).toString("hex") } : {}),
    };
    if (returned !== undefined || done !== undefined) this.irps.push(result);
    return result;
  }

  /** DriverUnload of every driver that set one, last loaded first. */
  unload(): void {
    for (const d of [...this.k.io.drivers].reverse()) {
      if (this.stopped) return;
      const fn = this.k.machine.memory.u32(d.object + DRIVER_OBJECT.DriverUnload);
      if (fn !== 0) this.call(fn, [d.object]);
    }
  }

  /** What the debug-output cap dropped, in one line (as user mode says it). */
  private debugOutputNote(): string {
    const { messages, cut, characters } = this.k.debugDropped;
    const parts = [...(messages > 0 ? [`${messages} DbgPrint message${messages === 1 ? "" : "s"} dropped`] : []), ...(cut > 0 ? [`${cut} cut short`] : [])];
    return `${characters} characters of debug output not kept (${parts.join(", ")}): past the cap of ${this.k.debugCap} characters (--max-debug-output)`;
  }

  summary(): KernelRunResult {
    const machine = this.k.machine;
    if (this.requester.state === "blocked" && this.requester.wait?.reason === "idle host thread") machine.terminateThread(this.requester, 0);
    const threads: ThreadSummary[] = machine.threads.map((t) => ({
      key: hex(t.key),
      cid: { process: t.cid.process, thread: t.cid.thread },
      ...(t.state === "terminated" ? { exit: t.exitCode ?? 0 } : {}),
      ...(t.error !== undefined && !t.idle ? { error: t.error } : {}),
    }));
    const failure = machine.failure ?? machine.threads.find((t) => t.error !== undefined)?.error;
    return {
      instructions: machine.clock(),
      threads,
      output: [...machine.output],
      ...(this.k.debugDropped.characters > 0 ? { notes: [this.debugOutputNote()] } : {}),
      irps: [...this.irps],
      ...(this.k.bugCheck !== undefined ? { bugCheck: this.k.bugCheck } : {}),
      cpus: this.k.cpus.map((c) => ({ index: c.index, idleThread: hex(c.idle.key), dpcStackLimit: c.dpcStackLimit, dpcStackBase: c.dpcStackBase })),
      ...(failure !== undefined ? { failure } : {}),
      ...withInterruption(machine.interruptionOf(failure)),
    };
  }

  close(): void {
    this.k.close();
  }
}

/** Runs drivers and requests untraced (or with `options.observer`). */
export function runDriver(options: KernelRunOptions): KernelRunResult {
  const run = new KernelRun(options);
  try {
    run.loadDrivers([options.image, ...(options.load ?? [])]);
    for (const spec of options.irps) run.sendIrp(spec);
    run.unload();
    return run.summary();
  } finally {
    run.close();
  }
}
