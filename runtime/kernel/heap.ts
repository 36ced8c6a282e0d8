/**
 * A simple first-fit heap over guest regions (HeapAlloc/RtlAllocateHeap). Block sizes are
 * kept host-side; the guest only sees the memory. 8-byte aligned like the NT heap.
 */
import type { Machine } from "../core/machine.js";

const ALIGN = 8;
const HEAP_ZERO_MEMORY = 0x8;

export class GuestHeap {
  /** The handle the guest sees: the base of the heap's first region. */
  readonly handle: number;
  private readonly blocks = new Map<number, number>();
  private free: { address: number; size: number }[] = [];
  private cursor: number;
  private end: number;

  constructor(
    private readonly machine: Machine,
    initialSize = 0x100000,
  ) {
    const r = machine.allocate(initialSize, 3, "heap");
    this.handle = r.base;
    // The first 0x100 bytes stand for the HEAP header; allocations start after it.
    this.cursor = r.base + 0x100;
    this.end = r.base + r.size;
  }

  alloc(size: number, flags: number): number {
    const need = Math.max(ALIGN, Math.ceil(size / ALIGN) * ALIGN);
    let address: number;
    const i = this.free.findIndex((f) => f.size >= need);
    if (i >= 0) {
      const f = this.free[i]!;
      address = f.address;
      if (f.size > need) this.free[i] = { address: f.address + need, size: f.size - need };
      else this.free.splice(i, 1);
      if (flags & HEAP_ZERO_MEMORY) this.machine.memory.write(address, new Uint8Array(need));
    } else {
      if (this.cursor + need > this.end) {
        const r = this.machine.allocate(Math.max(0x100000, need + 0x1000), 3, "heap");
        this.cursor = r.base;
        this.end = r.base + r.size;
      }
      address = this.cursor;
      this.cursor += need;
      // Fresh memory is zero already.
    }
    this.blocks.set(address, size);
    return address;
  }

  freeBlock(address: number): boolean {
    const size = this.blocks.get(address);
    if (size === undefined) return false;
    this.blocks.delete(address);
    this.free.push({ address, size: Math.max(ALIGN, Math.ceil(size / ALIGN) * ALIGN) });
    this.free.sort((a, b) => a.address - b.address);
    return true;
  }

  size(address: number): number | undefined {
    return this.blocks.get(address);
  }

  realloc(address: number, size: number, flags: number): number {
    const old = this.blocks.get(address);
    if (old === undefined) return 0;
    const n = this.alloc(size, flags);
    this.machine.memory.write(n, this.machine.memory.read(address, Math.min(old, size)));
    this.freeBlock(address);
    return n;
  }
}
