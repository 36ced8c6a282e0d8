/**
 * The I/O manager: driver and device objects, device stacks (IoAttachDeviceToDeviceStack),
 * IRPs with their stack locations as Windows lays them out, IofCallDriver (moves to the next
 * stack location and really calls the next driver's dispatch routine) and IofCompleteRequest
 * (runs completion routines on the way back, honouring STATUS_MORE_PROCESSING_REQUIRED and
 * PendingReturned, then finishes the request: buffered output, IoStatus, UserEvent).
 */
import { X86Reg } from "../engine/index.js";
import type { GuestThread } from "../core/thread.js";
import type { LoadedModule } from "../core/types.js";
import type { KernelMachine } from "./kernel.js";
import {
  DEVICE_OBJECT,
  DEVICE_OBJECT_SIZE,
  DISPATCHER_HEADER,
  DO_DEVICE_INITIALIZING,
  DRIVER_OBJECT,
  DRIVER_OBJECT_SIZE,
  FILE_OBJECT_SIZE,
  IO_STACK_LOCATION as SL,
  IO_STACK_LOCATION_SIZE,
  IRP,
  IRP_BUFFERED_IO,
  IRP_DEALLOCATE_BUFFER,
  IRP_INPUT_OPERATION,
  IRP_MJ_MAXIMUM_FUNCTION,
  IRP_SIZE,
  NTSTATUS,
  SL_INVOKE_ON_CANCEL,
  SL_INVOKE_ON_ERROR,
  SL_INVOKE_ON_SUCCESS,
  SL_PENDING_RETURNED,
  UNICODE_STRING,
} from "./layout.js";

const IRP_MJ_DEVICE_CONTROL = 0x0e;
const IRP_MJ_INTERNAL_DEVICE_CONTROL = 0x0f;
const METHOD_BUFFERED = 0;

/** How an IRP came to be, and what finishing it means. */
interface IrpOrigin {
  readonly kind: "host" | "built";
  readonly outputLength: number;
  /** "built": where the output goes (IoBuildDeviceIoControlRequest's OutputBuffer). */
  readonly userBuffer: number;
  completed?: { status: number; information: number; output: Uint8Array };
}

export interface Driver {
  readonly module: LoadedModule;
  readonly object: number;
  readonly name: string;
}

export class IoManager {
  readonly drivers: Driver[] = [];
  /** Named devices: "\Device\KFunc" (case-insensitive) → DEVICE_OBJECT. */
  private readonly names = new Map<string, number>();
  private readonly origins = new Map<number, IrpOrigin>();
  /** Stub every MajorFunction starts with: completes the IRP with STATUS_INVALID_DEVICE_REQUEST. */
  invalidRequestStub = 0;

  constructor(private readonly k: KernelMachine) {}

  private get mem() {
    return this.k.machine.memory;
  }
  private u8(a: number): number {
    return this.mem.read(a, 1)[0]!;
  }
  private setU8(a: number, v: number): void {
    this.mem.write(a, new Uint8Array([v & 0xff]));
  }
  private s8(a: number): number {
    const v = this.u8(a);
    return v > 127 ? v - 256 : v;
  }

  /** Pool memory, zeroed. */
  alloc(size: number): number {
    const a = this.k.pool.alloc(Math.max(size, 8), 0);
    this.mem.write(a, new Uint8Array(Math.max(size, 8)));
    return a;
  }

  /** A UNICODE_STRING (struct + buffer) in pool memory. */
  unicodeString(text: string): number {
    const us = this.alloc(8 + 2 * text.length + 2);
    const buf = us + 8;
    const bytes = new Uint8Array(2 * text.length);
    for (let i = 0; i < text.length; i++) {
      bytes[2 * i] = text.charCodeAt(i) & 0xff;
      bytes[2 * i + 1] = text.charCodeAt(i) >> 8;
    }
    this.mem.write(buf, bytes);
    this.mem.write(us, new Uint8Array([(2 * text.length) & 0xff, (2 * text.length) >> 8, (2 * text.length + 2) & 0xff, (2 * text.length + 2) >> 8]));
    this.mem.setU32(us + UNICODE_STRING.Buffer, buf);
    return us;
  }

  readUnicodeString(us: number): string {
    if (us === 0) return "";
    const len = this.mem.read(us, 2);
    const n = (len[0]! | (len[1]! << 8)) >> 1;
    const buf = this.mem.u32(us + UNICODE_STRING.Buffer);
    if (buf === 0 || n === 0) return "";
    const b = this.mem.read(buf, 2 * n);
    let s = "";
    for (let i = 0; i < n; i++) s += String.fromCharCode(b[2 * i]! | (b[2 * i + 1]! << 8));
    return s;
  }

  // ---------------------------------------------------------------- drivers and devices

  /** Builds the DRIVER_OBJECT for a loaded image (every MajorFunction = invalid request). */
  createDriverObject(module: LoadedModule): Driver {
    const d = this.alloc(DRIVER_OBJECT_SIZE);
    const m = this.mem;
    const stem = module.name.replace(/\.[^.]*$/, "");
    m.write(d, new Uint8Array([4, 0, DRIVER_OBJECT_SIZE, 0]));
    m.setU32(d + DRIVER_OBJECT.DriverStart, module.base);
    m.setU32(d + DRIVER_OBJECT.DriverSize, module.size);
    const name = this.unicodeString(`\\Driver\\${stem}`);
    m.write(d + DRIVER_OBJECT.DriverName, m.read(name, 8));
    m.setU32(d + DRIVER_OBJECT.DriverInit, module.entry);
    for (let i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++) m.setU32(d + DRIVER_OBJECT.MajorFunction + 4 * i, this.invalidRequestStub);
    const driver = { module, object: d, name: stem };
    this.drivers.push(driver);
    return driver;
  }

  createDevice(driver: number, extensionSize: number, nameUs: number, type: number, characteristics: number): { status: number; device: number } {
    const name = this.readUnicodeString(nameUs);
    if (name !== "" && this.names.has(name.toLowerCase())) return { status: NTSTATUS.OBJECT_NAME_COLLISION, device: 0 };
    const m = this.mem;
    const dev = this.alloc(DEVICE_OBJECT_SIZE + extensionSize + 0x20);
    m.write(dev, new Uint8Array([3, 0, DEVICE_OBJECT_SIZE, 0]));
    m.setU32(dev + DEVICE_OBJECT.ReferenceCount, 1);
    m.setU32(dev + DEVICE_OBJECT.DriverObject, driver);
    m.setU32(dev + DEVICE_OBJECT.NextDevice, m.u32(driver + DRIVER_OBJECT.DeviceObject));
    m.setU32(driver + DRIVER_OBJECT.DeviceObject, dev);
    m.setU32(dev + DEVICE_OBJECT.Flags, DO_DEVICE_INITIALIZING);
    m.setU32(dev + DEVICE_OBJECT.Characteristics, characteristics);
    m.setU32(dev + DEVICE_OBJECT.DeviceExtension, extensionSize > 0 ? dev + DEVICE_OBJECT_SIZE + 0x20 : 0);
    m.setU32(dev + DEVICE_OBJECT.DeviceType, type);
    this.setU8(dev + DEVICE_OBJECT.StackSize, 1);
    this.setU8(dev + DEVICE_OBJECT.DeviceLock + DISPATCHER_HEADER.Type, 1);
    m.setU32(dev + DEVICE_OBJECT.DeviceLock + DISPATCHER_HEADER.SignalState, 1);
    // DEVOBJ_EXTENSION (+0x18 AttachedTo) right after the object.
    m.setU32(dev + DEVICE_OBJECT.DeviceObjectExtension, dev + DEVICE_OBJECT_SIZE);
    m.setU32(dev + DEVICE_OBJECT_SIZE + 4, dev);
    if (name !== "") this.names.set(name.toLowerCase(), dev);
    return { status: NTSTATUS.SUCCESS, device: dev };
  }

  deleteDevice(dev: number): void {
    const m = this.mem;
    const driver = m.u32(dev + DEVICE_OBJECT.DriverObject);
    let link = driver + DRIVER_OBJECT.DeviceObject;
    while (m.u32(link) !== 0) {
      if (m.u32(link) === dev) {
        m.setU32(link, m.u32(dev + DEVICE_OBJECT.NextDevice));
        break;
      }
      link = m.u32(link) + DEVICE_OBJECT.NextDevice;
    }
    for (const [n, d] of this.names) if (d === dev) this.names.delete(n);
  }

  /** The highest device attached above `dev` (IoGetAttachedDevice). */
  topOf(dev: number): number {
    let top = dev;
    for (let i = 0; i < 64 && this.mem.u32(top + DEVICE_OBJECT.AttachedDevice) !== 0; i++) top = this.mem.u32(top + DEVICE_OBJECT.AttachedDevice);
    return top;
  }

  attach(source: number, target: number): number {
    const m = this.mem;
    const top = this.topOf(target);
    m.setU32(top + DEVICE_OBJECT.AttachedDevice, source);
    this.setU8(source + DEVICE_OBJECT.StackSize, this.u8(top + DEVICE_OBJECT.StackSize) + 1);
    m.setU32(source + DEVICE_OBJECT.AlignmentRequirement, m.u32(top + DEVICE_OBJECT.AlignmentRequirement));
    const ext = m.u32(source + DEVICE_OBJECT.DeviceObjectExtension);
    if (ext !== 0) m.setU32(ext + 0x18, top); // DEVOBJ_EXTENSION.AttachedTo
    return top;
  }

  detach(target: number): void {
    const m = this.mem;
    const above = m.u32(target + DEVICE_OBJECT.AttachedDevice);
    if (above !== 0) {
      const ext = m.u32(above + DEVICE_OBJECT.DeviceObjectExtension);
      if (ext !== 0) m.setU32(ext + 0x18, 0);
    }
    m.setU32(target + DEVICE_OBJECT.AttachedDevice, 0);
  }

  deviceByName(name: string): number | undefined {
    return this.names.get(name.toLowerCase());
  }

  /** A FILE_OBJECT for `dev` (Type 5, DeviceObject at +4). */
  fileObject(dev: number): number {
    const f = this.alloc(FILE_OBJECT_SIZE);
    this.mem.write(f, new Uint8Array([5, 0, FILE_OBJECT_SIZE, 0]));
    this.mem.setU32(f + 4, dev);
    return f;
  }

  // ---------------------------------------------------------------- IRPs

  /** IoAllocateIrp + IoInitializeIrp: CurrentLocation = StackSize + 1, past the last location. */
  allocateIrp(stackSize: number): number {
    const n = Math.max(1, stackSize);
    const size = IRP_SIZE + n * IO_STACK_LOCATION_SIZE;
    const irp = this.alloc(size);
    const m = this.mem;
    m.write(irp, new Uint8Array([6, 0, size & 0xff, size >> 8]));
    this.setU8(irp + IRP.StackCount, n);
    this.setU8(irp + IRP.CurrentLocation, n + 1);
    m.setU32(irp + IRP.ThreadListEntry, irp + IRP.ThreadListEntry);
    m.setU32(irp + IRP.ThreadListEntry + 4, irp + IRP.ThreadListEntry);
    m.setU32(irp + IRP.CurrentStackLocation, irp + IRP_SIZE + n * IO_STACK_LOCATION_SIZE);
    return irp;
  }

  freeIrp(irp: number): void {
    this.origins.delete(irp);
    this.k.pool.freeBlock(irp);
  }

  /**
   * Builds a request for the device stack topped by `dev` with its first stack location set
   * (as the I/O manager does for NtDeviceIoControlFile / IoBuildDeviceIoControlRequest).
   */
  buildRequest(dev: number, major: number, ioctl: number, input: number, inputLength: number, outputLength: number, kind: "host" | "built", userBuffer: number, thread: GuestThread | undefined): number {
    const m = this.mem;
    const irp = this.allocateIrp(this.s8(dev + DEVICE_OBJECT.StackSize));
    const sl = m.u32(irp + IRP.CurrentStackLocation) - IO_STACK_LOCATION_SIZE;
    this.setU8(sl + SL.MajorFunction, major);
    m.setU32(sl + SL.FileObject, this.fileObject(dev));
    m.setU32(irp + IRP.OriginalFileObject, m.u32(sl + SL.FileObject));
    if (thread !== undefined) m.setU32(irp + IRP.Thread, thread.key);
    if (major === IRP_MJ_DEVICE_CONTROL || major === IRP_MJ_INTERNAL_DEVICE_CONTROL) {
      m.setU32(sl + SL.OutputBufferLength, outputLength);
      m.setU32(sl + SL.InputBufferLength, inputLength);
      m.setU32(sl + SL.IoControlCode, ioctl);
      if ((ioctl & 3) === METHOD_BUFFERED) {
        const len = Math.max(inputLength, outputLength);
        const sys = len > 0 ? this.alloc(len) : 0;
        if (inputLength > 0) m.write(sys, m.read(input, inputLength));
        m.setU32(irp + IRP.SystemBuffer, sys);
        m.setU32(irp + IRP.Flags, IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | (outputLength > 0 ? IRP_INPUT_OPERATION : 0));
      } else {
        m.setU32(sl + SL.Type3InputBuffer, input);
      }
      m.setU32(irp + IRP.UserBuffer, userBuffer);
    }
    this.origins.set(irp, { kind, outputLength, userBuffer });
    return irp;
  }

  completion(irp: number): IrpOrigin["completed"] {
    return this.origins.get(irp)?.completed;
  }

  /**
   * IofCallDriver's work: next stack location, DeviceObject in it, and the dispatch routine to
   * call (the caller performs the call). Returns undefined when no location is left (bug check).
   */
  callDriverTarget(dev: number, irp: number): number | undefined {
    const m = this.mem;
    const loc = this.s8(irp + IRP.CurrentLocation) - 1;
    if (loc <= 0) return undefined;
    this.setU8(irp + IRP.CurrentLocation, loc);
    const sl = m.u32(irp + IRP.CurrentStackLocation) - IO_STACK_LOCATION_SIZE;
    m.setU32(irp + IRP.CurrentStackLocation, sl);
    m.setU32(sl + SL.DeviceObject, dev);
    const driver = m.u32(dev + DEVICE_OBJECT.DriverObject);
    const major = this.u8(sl + SL.MajorFunction);
    return m.u32(driver + DRIVER_OBJECT.MajorFunction + 4 * Math.min(major, IRP_MJ_MAXIMUM_FUNCTION));
  }

  /**
   * IopfCompleteRequest on `t` (live, inside an API hook or a host return): walks the stack
   * locations upwards, calling each completion routine in the guest (nested, on t's stack),
   * then finishes the request unless a routine returned STATUS_MORE_PROCESSING_REQUIRED.
   * `done()` runs afterwards (still inside a hook).
   */
  completeRequest(t: GuestThread, irp: number, done: () => void): void {
    const m = this.mem;
    const machine = this.k.machine;
    const stackCount = this.s8(irp + IRP.StackCount);
    const advance = () => {
      this.setU8(irp + IRP.CurrentLocation, this.s8(irp + IRP.CurrentLocation) + 1);
      m.setU32(irp + IRP.CurrentStackLocation, m.u32(irp + IRP.CurrentStackLocation) + IO_STACK_LOCATION_SIZE);
    };
    const step = (sp: number): void => {
      if (this.s8(irp + IRP.CurrentLocation) > stackCount + 1) {
        this.finishRequest(irp);
        return done();
      }
      const control = this.u8(sp + SL.Control);
      this.setU8(irp + IRP.PendingReturned, control & SL_PENDING_RETURNED ? 1 : 0);
      const routine = m.u32(sp + SL.CompletionRoutine);
      const context = m.u32(sp + SL.Context);
      const status = m.u32(irp + IRP.IoStatusStatus);
      const success = (status & 0x80000000) === 0;
      const invoke = routine !== 0 && ((success && control & SL_INVOKE_ON_SUCCESS) || (!success && control & SL_INVOKE_ON_ERROR) || (this.u8(irp + IRP.Cancel) !== 0 && control & SL_INVOKE_ON_CANCEL));
      // ZeroIrpStackLocation (MajorFunction kept for whoever looks at it later).
      this.setU8(sp + SL.Control, 0);
      m.setU32(sp + SL.CompletionRoutine, 0);
      m.setU32(sp + SL.Context, 0);
      if (invoke) {
        const atTop = this.s8(irp + IRP.CurrentLocation) === stackCount + 1;
        const dev = atTop ? 0 : m.u32(m.u32(irp + IRP.CurrentStackLocation) + SL.DeviceObject);
        machine.callGuest(t, routine, [dev, irp, context], (result) => {
          if (result >>> 0 === NTSTATUS.MORE_PROCESSING_REQUIRED) return done();
          advance();
          step(sp + IO_STACK_LOCATION_SIZE);
        });
        return;
      }
      if (control & SL_PENDING_RETURNED && this.s8(irp + IRP.CurrentLocation) <= stackCount) {
        const cur = m.u32(irp + IRP.CurrentStackLocation);
        this.setU8(cur + SL.Control, this.u8(cur + SL.Control) | SL_PENDING_RETURNED);
      }
      advance();
      step(sp + IO_STACK_LOCATION_SIZE);
    };
    const first = m.u32(irp + IRP.CurrentStackLocation);
    advance();
    step(first);
  }

  /** IopCompleteRequest: buffered output back to the requester, IoStatus, UserEvent. */
  private finishRequest(irp: number): void {
    const m = this.mem;
    const origin = this.origins.get(irp);
    const status = m.u32(irp + IRP.IoStatusStatus);
    const information = m.u32(irp + IRP.IoStatusInformation);
    const sys = m.u32(irp + IRP.SystemBuffer);
    const flags = m.u32(irp + IRP.Flags);
    let output: Uint8Array = new Uint8Array(0);
    if (origin !== undefined && flags & IRP_BUFFERED_IO && flags & IRP_INPUT_OPERATION && sys !== 0 && (status & 0xc0000000) !== 0xc0000000) {
      output = m.read(sys, Math.min(information, origin.outputLength));
      if (origin.userBuffer !== 0 && output.length > 0) m.write(origin.userBuffer, output);
    }
    if (origin === undefined) return;
    origin.completed = { status, information, output };
    if (origin.kind === "built") {
      const iosb = m.u32(irp + IRP.UserIosb);
      if (iosb !== 0) {
        m.setU32(iosb, status);
        m.setU32(iosb + 4, information);
      }
      const event = m.u32(irp + IRP.UserEvent);
      if (event !== 0) {
        m.setU32(event + DISPATCHER_HEADER.SignalState, 1);
        this.k.machine.wakeWaiters();
      }
      if (sys !== 0 && flags & IRP_DEALLOCATE_BUFFER) this.k.pool.freeBlock(sys);
      this.freeIrp(irp);
    }
  }

  /** Return registers for a completed fastcall/stdcall API (used by the API layer). */
  static returnTo(k: KernelMachine, t: GuestThread, esp: number, pop: number, eax: number | undefined): void {
    const machine = k.machine;
    const ret = machine.memory.u32(esp);
    if (eax !== undefined) machine.setReg(t, X86Reg.EAX, eax);
    machine.setReg(t, X86Reg.ESP, esp + 4 + pop);
    machine.setReg(t, X86Reg.EIP, ret);
  }
}
