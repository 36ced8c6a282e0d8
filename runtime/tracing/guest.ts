/**
 * The in-guest recording path (user mode): guest memory and host-side bookkeeping of the
 * thunks built by instrumenter/thunk.ts (guestEntryThunk/guestExitThunk). Per thread one
 * buffer region: the event log grows up from its base, the shadow stack grows down from its
 * end (a sentinel frame on top of the oldest frame); two TEB dwords hold the two pointers.
 * Frames beyond half the region are spilled to host memory and refilled when the guest part
 * runs empty, so there is no depth limit and nothing can overflow into other memory.
 * Design and measurements: README.md.
 */
import {
  EXIT_TAG,
  LOG_BIAS,
  SENTINEL_KEY,
  SHADOW_FRAME,
  guestExitThunk,
  guestStubs,
  type GuestThunkLayout,
} from "../../instrumenter/index.js";
import type { Engine } from "../engine/index.js";
import type { Machine } from "../machine.js";

/** TEB.Instrumentation[0] and [1] (Windows 7 x86 TEB 0xF2C, 0xF30): reserved for instrumentation. */
export const TEB_SSP_SLOT = 0xf2c;
export const TEB_LOG_SLOT = 0xf30;
/** Default per-thread buffer (log + shadow stack). */
export const DEFAULT_BUFFER_BYTES = 0x40000;
const PAGE = 0x1000;

export { EXIT_TAG };

/** One thread's guest buffer and the frames spilled to the host. */
export interface GuestBuffer {
  readonly teb: number;
  readonly base: number;
  readonly end: number;
  /** Address of the sentinel frame (the shadow stack is empty when ssp equals it). */
  readonly sentinel: number;
  /** Spilled frames, oldest first, as (return, entry ESP) pairs. */
  readonly spilled: number[];
  /** Log records before this address were drained already. */
  consumed: number;
}

export class GuestPath {
  readonly layout: GuestThunkLayout;
  /** Hooked stubs: [stubBase, stubBase + 0x30). */
  readonly stubBase: number;
  private constructor(
    private readonly engine: Engine,
    private readonly machine: Machine,
    layout: GuestThunkLayout,
    stubBase: number,
    private readonly bufferBytes: number,
  ) {
    this.layout = layout;
    this.stubBase = stubBase;
  }

  /**
   * Sets up the counter page, the stubs and the exit thunk; undefined when the engine cannot
   * map its instruction counter (then the tracer uses host hooks for every event).
   */
  static create(machine: Machine, argCount: number, bufferBytes: number): GuestPath | undefined {
    const engine = machine.engine;
    if (engine.mapInstructionCounter === undefined) return undefined;
    const counterPage = machine.allocate(PAGE, 1, "ntrace: engine instruction counter (host page)");
    engine.unmapMemory(counterPage.base, PAGE);
    const counterVa = engine.mapInstructionCounter(counterPage.base);
    if (counterVa === undefined) {
      engine.mapMemory(counterPage.base, PAGE, 1);
      return undefined;
    }
    // Code only on this page (never written while running: no self-modifying-code flushes).
    const code = machine.allocate(PAGE, 5, "ntrace exit thunk and host stubs");
    const layout: GuestThunkLayout = {
      sspSlot: TEB_SSP_SLOT,
      logSlot: TEB_LOG_SLOT,
      counterVa,
      exitVa: code.base + 0x40,
      flushVa: code.base,
      cutVa: code.base + 0x10,
      slowExitVa: code.base + 0x20,
      argCount,
    };
    const bytes = new Uint8Array(PAGE).fill(0xcc);
    bytes.set(guestStubs(), 0);
    bytes.set(guestExitThunk(layout.exitVa, layout), 0x40);
    engine.writeMemory(code.base, bytes);
    const size = Math.max(4 * PAGE, Math.ceil(bufferBytes / PAGE) * PAGE);
    return new GuestPath(engine, machine, layout, code.base, size);
  }

  get flushVa(): number {
    return this.layout.flushVa;
  }
  get cutVa(): number {
    return this.layout.cutVa;
  }
  get slowExitVa(): number {
    return this.layout.slowExitVa;
  }
  get exitVa(): number {
    return this.layout.exitVa;
  }

  /** A new thread's buffer: empty log, shadow stack holding only the sentinel. */
  initThread(teb: number): GuestBuffer {
    const region = this.machine.allocate(this.bufferBytes, 3, `ntrace event log + shadow stack (TEB ${teb.toString(16)})`);
    const end = region.base + this.bufferBytes;
    const sentinel = end - SHADOW_FRAME;
    const b: GuestBuffer = { teb, base: region.base, end, sentinel, spilled: [], consumed: region.base };
    this.engine.writeU32(sentinel, 0);
    this.engine.writeU32(sentinel + 4, SENTINEL_KEY);
    this.engine.writeU32(teb + TEB_SSP_SLOT, sentinel);
    this.engine.writeU32(teb + TEB_LOG_SLOT, region.base + LOG_BIAS);
    return b;
  }

  ssp(b: GuestBuffer): number {
    return this.engine.readU32(b.teb + TEB_SSP_SLOT);
  }
  private setSsp(b: GuestBuffer, value: number): void {
    this.engine.writeU32(b.teb + TEB_SSP_SLOT, value);
  }
  /** Frames in guest memory (the sentinel not counted). */
  guestFrames(b: GuestBuffer): number {
    return (b.sentinel - this.ssp(b)) / SHADOW_FRAME;
  }
  /** Frames in all: spilled + guest. */
  totalFrames(b: GuestBuffer): number {
    return b.spilled.length / 2 + this.guestFrames(b);
  }

  /**
   * Takes the records committed since the last call (dwords). The log is emptied (its
   * pointer reset) only when `reset` is set, which is safe only where the thread cannot be
   * in the middle of a thunk holding the pointer in ECX: at the FLUSH stub. Anywhere else
   * (a slice that ended inside a thunk) only `consumed` moves.
   */
  takeLog(b: GuestBuffer, reset: boolean): Uint32Array | undefined {
    const ptr = (this.engine.readU32(b.teb + TEB_LOG_SLOT) - LOG_BIAS) >>> 0;
    let words: Uint32Array | undefined;
    if (ptr > b.consumed) {
      const raw = this.engine.readMemory(b.consumed, ptr - b.consumed);
      words = new Uint32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    }
    b.consumed = ptr;
    if (reset) {
      this.engine.writeU32(b.teb + TEB_LOG_SLOT, b.base + LOG_BIAS);
      b.consumed = b.base;
    }
    return words;
  }

  /** The real return address of the frame `fromTop` frames below the top (0 = top). */
  returnOf(b: GuestBuffer, fromTop: number): number {
    const g = this.guestFrames(b);
    if (fromTop < g) return this.engine.readU32(this.ssp(b) + SHADOW_FRAME * fromTop);
    const i = b.spilled.length / 2 - 1 - (fromTop - g);
    return b.spilled[2 * i]!;
  }

  /** Drops the top `n` frames (guest first, then spilled); refills the guest part if it ran empty. */
  removeTop(b: GuestBuffer, n: number): void {
    if (n <= 0) return;
    const g = this.guestFrames(b);
    const k = Math.min(n, g);
    this.setSsp(b, this.ssp(b) + SHADOW_FRAME * k);
    if (n > k) b.spilled.length = Math.max(0, b.spilled.length - 2 * (n - k));
    if (k === g) this.refill(b);
  }

  /** Moves the newest spilled frames (up to a quarter of the region) back into guest memory. */
  refill(b: GuestBuffer): void {
    if (b.spilled.length === 0 || this.guestFrames(b) !== 0) return;
    // Never into the log: only as many frames as fit above the (biased) log pointer. With no
    // room the frames stay spilled and each exit takes the host path until a flush.
    const logTop = this.engine.readU32(b.teb + TEB_LOG_SLOT);
    const room = Math.floor((b.sentinel - logTop - 64) / SHADOW_FRAME);
    const n = Math.min(b.spilled.length / 2, Math.floor(this.bufferBytes / 4 / SHADOW_FRAME), Math.max(0, room));
    if (n === 0) return;
    const frames = b.spilled.splice(b.spilled.length - 2 * n, 2 * n);
    // Oldest right below the sentinel, newest at the top (lowest address).
    const bytes = new Uint8Array(SHADOW_FRAME * n);
    const v = new DataView(bytes.buffer);
    for (let i = 0; i < n; i++) {
      const at = SHADOW_FRAME * (n - 1 - i);
      v.setUint32(at, frames[2 * i]!, true);
      v.setUint32(at + 4, frames[2 * i + 1]!, true);
    }
    const top = b.sentinel - SHADOW_FRAME * n;
    this.engine.writeMemory(top, bytes);
    this.setSsp(b, top);
  }

  /** When the shadow stack holds more than half the region, spills all but its newest eighth. */
  spillIfDeep(b: GuestBuffer): void {
    const g = this.guestFrames(b);
    if (SHADOW_FRAME * g <= this.bufferBytes / 2) return;
    const keep = Math.floor(this.bufferBytes / 8 / SHADOW_FRAME);
    const ssp = this.ssp(b);
    const raw = this.engine.readMemory(ssp, SHADOW_FRAME * g);
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    // Guest frame j (0 = top) is at ssp + 8j; the oldest are at the highest addresses.
    for (let j = g - 1; j >= keep; j--) b.spilled.push(v.getUint32(SHADOW_FRAME * j, true), v.getUint32(SHADOW_FRAME * j + 4, true));
    const top = b.sentinel - SHADOW_FRAME * keep;
    this.engine.writeMemory(top, raw.subarray(0, SHADOW_FRAME * keep));
    this.setSsp(b, top);
  }
}
