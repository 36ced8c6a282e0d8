/**
 * GuestMemory.writeEach: many small pieces (the tracer's patches of a module's functions)
 * written as one engine write per run of pages that hold them. The bytes must be exactly those
 * of writing each piece with write(), in the caller's order, on read-only code pages and on
 * pages the engine does not map (kept aside); the spans returned are what the caller flushes.
 */
import { describe, expect, it } from "vitest";
import { createEngine, GuestMemory, PAGE, PageProt, type Engine } from "../../runtime/index.js";

const BASE = 0x10000000;
const SIZE = 16 * PAGE;

/** An engine whose writeMemory calls are counted. */
function countingEngine(): { readonly engine: Engine; readonly writes: () => number } {
  const engine = createEngine();
  let writes = 0;
  const write = engine.writeMemory.bind(engine);
  engine.writeMemory = (address, bytes) => {
    writes++;
    write(address, bytes);
  };
  return { engine, writes: () => writes };
}

function codeMemory(engine: Engine): GuestMemory {
  const mem = new GuestMemory(engine);
  mem.reserve(BASE, SIZE, "image", "test code", PageProt.EXECUTE_READ);
  mem.commit(BASE, SIZE, PageProt.EXECUTE_READ);
  const fill = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) fill[i] = (i * 7) & 0xff;
  mem.write(BASE, fill);
  return mem;
}

const piece = (offset: number, ...bytes: number[]) => ({ address: BASE + offset, bytes: Uint8Array.from(bytes) });

describe("GuestMemory.writeEach", () => {
  it("writes the pieces of adjacent pages as one span, and other runs of pages as others", () => {
    const pieces = [
      piece(3 * PAGE + 0x20, 0xe9, 1, 2, 3, 4), // pages 3 and 4: one span
      piece(4 * PAGE + 0xffe, 0xeb, 0xf9, 0x90), // crosses into page 5: the same span
      piece(3 * PAGE + 0x10, 0xcc),
      piece(10 * PAGE + 0x100, 0x11, 0x22), // page 10: another span
      piece(10 * PAGE + 0x100, 0x33), // the same address again: the caller's later piece wins
    ];
    const batched = countingEngine();
    const mem = codeMemory(batched.engine);
    const before = batched.writes();
    const spans = mem.writeEach(pieces);
    expect(batched.writes() - before).toBe(2);
    expect(spans).toEqual([
      [BASE + 3 * PAGE + 0x10, BASE + 5 * PAGE + 1],
      [BASE + 10 * PAGE + 0x100, BASE + 10 * PAGE + 0x102],
    ]);

    const oneByOne = codeMemory(createEngine());
    for (const p of pieces) oneByOne.write(p.address, p.bytes);
    expect(Buffer.from(mem.read(BASE, SIZE)).equals(Buffer.from(oneByOne.read(BASE, SIZE)))).toBe(true);
    expect([...mem.read(BASE + 10 * PAGE + 0x100, 2)]).toEqual([0x33, 0x22]);
  });

  it("writes pieces on pages the engine does not map (kept aside) one by one, with the same bytes", () => {
    const { engine } = countingEngine();
    const mem = codeMemory(engine);
    mem.protectPages(BASE + 6 * PAGE, PAGE, PageProt.NOACCESS);
    const spans = mem.writeEach([piece(6 * PAGE + 8, 1, 2, 3), piece(6 * PAGE + 0x800, 4)]);
    expect(spans).toEqual([[BASE + 6 * PAGE + 8, BASE + 6 * PAGE + 0x801]]);
    mem.protectPages(BASE + 6 * PAGE, PAGE, PageProt.EXECUTE_READ);
    expect([...mem.read(BASE + 6 * PAGE + 8, 3), ...mem.read(BASE + 6 * PAGE + 0x800, 1)]).toEqual([1, 2, 3, 4]);
  });

  it("writes nothing for no pieces", () => {
    const { engine, writes } = countingEngine();
    const mem = codeMemory(engine);
    const before = writes();
    expect(mem.writeEach([])).toEqual([]);
    expect(writes()).toBe(before);
  });
});
