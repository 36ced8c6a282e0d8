/**
 * GuestMemory.zero: the host's clearing of guest memory (Wine's thread start clears 960 KiB of
 * every new stack; ntrace does it on the host). It must leave exactly what a guest loop of
 * stores leaves — every byte zero, whatever state each page was in — while making no page
 * present that was not (a page never touched holds zeros already), and it must refuse a range
 * the guest's own stores would fault in. Guard pages are one-shot (takeGuard).
 */
import { describe, expect, it } from "vitest";
import { createEngine, GuestMemory, PAGE, PageProt, type Engine } from "../../runtime/index.js";

/** An engine whose mapMemory calls are counted. */
function countingEngine(): { readonly engine: Engine; readonly maps: () => number } {
  const engine = createEngine();
  let maps = 0;
  const map = engine.mapMemory.bind(engine);
  engine.mapMemory = (address, size, prot) => {
    maps++;
    map(address, size, prot);
  };
  return { engine, maps: () => maps };
}

const BASE = 0x00400000;
const SIZE = 0x40000; // 64 pages: four mapping chunks

describe("GuestMemory.zero", () => {
  it("zeroes present pages with contents, kept contents of hidden pages and source-backed pages; maps no untouched page", () => {
    const { engine, maps } = countingEngine();
    const mem = new GuestMemory(engine);
    mem.reserve(BASE, SIZE, "private", "test", PageProt.READWRITE);
    mem.commit(BASE, SIZE, PageProt.READWRITE);
    // Chunk 0 present: page 1 written, the others present and zero.
    mem.write(BASE + PAGE + 0x10, Uint8Array.of(1, 2, 3, 4));
    // Page 20 (chunk 1) written, then made no-access (its bytes kept aside), then read-write
    // again without a touch: not present, contents kept.
    mem.write(BASE + 20 * PAGE, Uint8Array.of(9, 9));
    mem.protectPages(BASE + 20 * PAGE, PAGE, PageProt.NOACCESS);
    mem.protectPages(BASE + 20 * PAGE, PAGE, PageProt.READWRITE);
    const before = maps();
    expect(mem.zero(BASE + 0x10, SIZE - 0x20)).toBe(true);
    // Only page 20 had to be brought back (its kept bytes); chunks 2 and 3 stay unmapped.
    expect(maps() - before).toBe(1);
    expect(mem.read(BASE, SIZE).every((b) => b === 0)).toBe(true);
    expect(maps() - before).toBe(1); // reading untouched pages maps nothing either
  });

  it("keeps the bytes outside the range, on the same pages", () => {
    const mem = new GuestMemory(createEngine());
    mem.reserve(BASE, SIZE, "private", "test", PageProt.READWRITE);
    mem.commit(BASE, SIZE, PageProt.READWRITE);
    mem.write(BASE + PAGE - 4, new Uint8Array(12).fill(0xaa));
    expect(mem.zero(BASE + PAGE, 4)).toBe(true);
    expect([...mem.read(BASE + PAGE - 4, 12)]).toEqual([0xaa, 0xaa, 0xaa, 0xaa, 0, 0, 0, 0, 0xaa, 0xaa, 0xaa, 0xaa]);
  });

  it("zeroes pages of an allocation with a source (a file view) that were never touched", () => {
    const mem = new GuestMemory(createEngine());
    mem.reserve(BASE, 4 * PAGE, "mapped", "view", PageProt.READWRITE, { fill: (_offset, into) => into.fill(0x5c) });
    mem.commit(BASE, 4 * PAGE, PageProt.READWRITE);
    expect(mem.zero(BASE + PAGE, 2 * PAGE)).toBe(true);
    const bytes = mem.read(BASE, 4 * PAGE);
    expect(bytes.subarray(0, PAGE).every((b) => b === 0x5c)).toBe(true);
    expect(bytes.subarray(PAGE, 3 * PAGE).every((b) => b === 0)).toBe(true);
    expect(bytes.subarray(3 * PAGE).every((b) => b === 0x5c)).toBe(true);
  });

  it("refuses, writing nothing, a range holding a page the guest could not write", () => {
    const mem = new GuestMemory(createEngine());
    mem.reserve(BASE, 4 * PAGE, "private", "test", PageProt.READWRITE);
    mem.commit(BASE, 2 * PAGE, PageProt.READWRITE); // pages 2 and 3 only reserved
    mem.write(BASE, Uint8Array.of(7));
    expect(mem.zero(BASE, 3 * PAGE)).toBe(false);
    expect(mem.u8(BASE)).toBe(7);
    mem.commit(BASE + 2 * PAGE, 2 * PAGE, PageProt.READONLY);
    expect(mem.zero(BASE, 3 * PAGE)).toBe(false);
    expect(mem.u8(BASE)).toBe(7);
  });
});

describe("GuestMemory.markStack", () => {
  it("materializes the top 16 pages of a thread stack 4 at a time, the rest 16 at a time", () => {
    const engine = createEngine();
    const sizes: number[] = [];
    const map = engine.mapMemory.bind(engine);
    engine.mapMemory = (address, size, prot) => {
      sizes.push(size / PAGE);
      map(address, size, prot);
    };
    const mem = new GuestMemory(engine);
    mem.reserve(BASE, 64 * PAGE, "private", "thread stack", PageProt.READWRITE);
    mem.markStack(BASE);
    mem.commit(BASE, 64 * PAGE, PageProt.READWRITE);
    mem.setU32(BASE + 64 * PAGE - 4, 1); // the top page
    mem.setU32(BASE + 59 * PAGE, 1); // in the second chunk of the top
    mem.setU32(BASE + 40 * PAGE, 1); // below the top 16 pages
    expect(sizes).toEqual([4, 4, 16]);
  });
});

describe("GuestMemory.takeGuard", () => {
  it("clears PAGE_GUARD once, keeping the protection and the contents", () => {
    const mem = new GuestMemory(createEngine());
    mem.reserve(BASE, 2 * PAGE, "private", "test", PageProt.READWRITE);
    mem.commit(BASE, 2 * PAGE, PageProt.READWRITE);
    mem.write(BASE, Uint8Array.of(0x42));
    mem.protectPages(BASE, PAGE, PageProt.READWRITE | PageProt.GUARD);
    expect(mem.readable(BASE, 1)).toBe(false);
    expect(mem.takeGuard(BASE + 0x123)).toBe(true);
    expect(mem.query(BASE).protect).toBe(PageProt.READWRITE);
    expect(mem.u8(BASE)).toBe(0x42);
    expect(mem.takeGuard(BASE)).toBe(false);
    expect(mem.takeGuard(BASE + PAGE)).toBe(false); // never a guard page
    expect(mem.takeGuard(0x10000000)).toBe(false); // not allocated
  });
});
