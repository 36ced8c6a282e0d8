/**
 * Malformed images never reach the engine (issue 14): a user-mode EXE, a DLL called with
 * --call, a --load DLL and a kernel driver, each with one defect the loader would follow into
 * memory (a section gap, a relocation block outside the image, an import address table
 * outside its sections, a TLS callback outside the image, relocations stripped and a base in
 * the system range). Each run ends with the FormatError naming structure, field and offset,
 * and an engine that records every memory call saw none inside the image's range: the image
 * was never reserved, mapped or written. An intact image next to the same recorder shows the
 * recorder does see image memory when a load goes ahead.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FormatError } from "../../base/index.js";
import { parsePe, rvaToFileOffset } from "../../pe/index.js";
import { EngineFault, LoadError, Machine, runSession, UnicornEngine, type Engine, type SessionOptions } from "../../runtime/index.js";
import { whileLoading } from "../../runtime/core/image.js";
import { MemoryError } from "../../runtime/core/memory.js";
import { locateSystemDlls } from "../../runtime/user/sysdlls.js";
import { ROOT } from "./samples.js";

const dir = mkdtempSync(join(tmpdir(), "ntrace-refused-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const wine = ((): boolean => {
  try {
    locateSystemDlls();
    return true;
  } catch {
    return false;
  }
})();

/** Memory calls an engine received: [kind, address, size]. */
type Call = readonly [string, number, number];

/** A real engine whose memory calls are recorded. */
function recordingEngine(calls: Call[]): Engine {
  const engine = new UnicornEngine();
  const record = new Set(["mapMemory", "unmapMemory", "protectMemory", "writeMemory", "writeU32", "readMemory", "readU32", "mapHostMemory"]);
  return new Proxy(engine, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (typeof prop !== "string" || !record.has(prop)) return fn.bind(target);
      return (...args: unknown[]) => {
        const address = args[0] as number;
        const size = prop === "writeMemory" ? (args[1] as Uint8Array).length : prop === "writeU32" || prop === "readU32" ? 4 : (args[1] as number);
        calls.push([prop, address >>> 0, size]);
        return fn.apply(target, args);
      };
    },
  }) as Engine;
}

interface Attempt {
  readonly error: unknown;
  readonly calls: readonly Call[];
  /** Allocations of the machine when the run ended (tags name the images). */
  readonly tags: readonly string[];
}

function attempt(options: SessionOptions): Attempt {
  const calls: Call[] = [];
  let machine: Machine | undefined;
  let error: unknown;
  try {
    runSession({ ...options, engine: recordingEngine(calls), maxInstructions: 5_000_000, observer: { onMachineReady: (m) => (machine = m) } });
  } catch (e) {
    error = e;
  }
  return { error, calls, tags: machine?.memory.allocationsList().map((a) => a.tag) ?? [] };
}

/** Writes `bytes` as `name` (with edits) into the test directory. */
function write(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

function edit(bytes: Uint8Array, edits: readonly (readonly [number, number])[]): Uint8Array {
  const out = bytes.slice();
  const v = new DataView(out.buffer);
  for (const [offset, value] of edits) v.setUint32(offset, value >>> 0, true);
  return out;
}

const sample = (path: string): Uint8Array => new Uint8Array(readFileSync(join(ROOT, path)));
const ntOf = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset).getUint32(0x3c, true);
const sectionField = (b: Uint8Array, i: number, field: number): number => {
  const nt = ntOf(b);
  return nt + 24 + new DataView(b.buffer, b.byteOffset).getUint16(nt + 20, true) + 40 * i + field;
};
const dirOffset = (b: Uint8Array, index: number): number => {
  const img = parsePe(b);
  return rvaToFileOffset(img, img.dataDirectories[index]!.rva)!;
};

/** The run failed with the FormatError expected, and nothing touched the image's memory. */
function expectRefusedUntouched(a: Attempt, file: string, structure: string, field: string | undefined, offset: number, range: { base: number; size: number }): void {
  expect(a.error, String(a.error)).toBeInstanceOf(FormatError);
  const e = a.error as FormatError;
  expect([e.location.structure, e.location.field, e.location.offset]).toEqual([structure, field, offset]);
  expect(e.location.file).toContain(basename(file));
  expect(a.tags.filter((t) => t.toLowerCase() === basename(file).toLowerCase())).toEqual([]);
  const inside = a.calls.filter(([, address, size]) => address < range.base + range.size && address + size > range.base);
  expect(inside).toEqual([]);
}

describe.skipIf(!wine)("user mode", () => {
  it("an EXE whose sections leave a gap: refused before the process maps it", () => {
    const hello = sample("samples/programs/hello.exe");
    const file = write("gap.exe", edit(hello, [[sectionField(hello, 1, 12), 0x20000]]));
    const a = attempt({ target: { mode: "user", image: file } });
    expectRefusedUntouched(a, file, "IMAGE_SECTION_HEADER[1] (.data)", "VirtualAddress", sectionField(hello, 1, 12), { base: 0x400000, size: 0x13000 });
  });

  it("an EXE with a TLS callback outside the image", () => {
    const hello = sample("samples/programs/hello.exe");
    const tls = dirOffset(hello, 9);
    const img = parsePe(hello);
    const callbacks = rvaToFileOffset(img, new DataView(hello.buffer, hello.byteOffset).getUint32(tls + 12, true) - img.imageBase)!;
    const file = write("tls.exe", edit(hello, [[callbacks, 0x7ffe0300]]));
    const a = attempt({ target: { mode: "user", image: file } });
    expectRefusedUntouched(a, file, "TLS callback array[0]", undefined, callbacks, { base: 0x400000, size: 0x13000 });
  });

  it("an EXE whose relocations are stripped and whose base is in the system range", () => {
    const hello = sample("samples/programs/hello.exe");
    const nt = ntOf(hello);
    const characteristics = new DataView(hello.buffer, hello.byteOffset).getUint16(nt + 22, true);
    const bytes = edit(hello, [[nt + 24 + 28, 0x80000000]]);
    new DataView(bytes.buffer).setUint16(nt + 22, characteristics | 1, true);
    const file = write("stripped.exe", bytes);
    const a = attempt({ target: { mode: "user", image: file } });
    // The system range holds the machine's own objects: the image's absence shows in the tags.
    expectRefusedUntouched(a, file, "IMAGE_OPTIONAL_HEADER", "ImageBase", nt + 24 + 28, { base: 0x400000, size: 0x13000 });
    expect((a.error as FormatError).detail).toMatch(/relocations are stripped.*not a 64 KiB-aligned range of user space/);
  });

  it("a DLL (--call) with a relocation block outside the image", () => {
    const fib = sample("samples/fib/fib.dll");
    const block = dirOffset(fib, 5);
    const file = write("fib.dll", edit(fib, [[block, 0x20000]]));
    const a = attempt({ target: { mode: "user", image: file, call: { name: "Run", args: [4] } } });
    expectRefusedUntouched(a, file, "IMAGE_BASE_RELOCATION[0]", "VirtualAddress", block, { base: 0x10000000, size: 0x5000 });
  });

  it("a --load DLL whose section reaches past SizeOfImage", () => {
    const hot = sample("samples/hotpatch/hotpatch.dll");
    const file = write("hotpatch.dll", edit(hot, [[sectionField(hot, 5, 8), 0x3000]]));
    const a = attempt({ target: { mode: "user", image: join(ROOT, "samples/forwarders/forwarders.dll"), call: { name: "HotAdd", args: [2, 3] }, load: [file] } });
    expectRefusedUntouched(a, file, "IMAGE_SECTION_HEADER[5] (.reloc)", "VirtualSize", sectionField(hot, 5, 8), { base: 0x10000000, size: 0x7000 });
  });

  it("the same recorder sees an intact DLL's pages when it loads (the check above can fail)", () => {
    const a = attempt({ target: { mode: "user", image: join(ROOT, "samples/fib/fib.dll"), call: { name: "Run", args: [4] } } });
    expect(a.error).toBeUndefined();
    expect(a.calls.some(([kind, address]) => kind === "mapMemory" && address >= 0x10000000 && address < 0x10005000)).toBe(true);
  });
});

describe("kernel mode", () => {
  // kfunc.sys: base 0x10400000, SizeOfImage 0x4000, imports from ntoskrnl.exe and hal.dll.
  const kfunc = sample("samples/kernel/kfunc.sys");
  const range = { base: 0x10400000, size: 0x4000 };

  it("a driver whose import address table lies outside its sections (once a raw uc_mem_write)", () => {
    const descriptor = dirOffset(kfunc, 1);
    const file = write("iat.sys", edit(kfunc, [[descriptor + 16, 0x4000]]));
    const a = attempt({ target: { mode: "kernel", image: file, irps: [] } });
    expectRefusedUntouched(a, file, "IMAGE_IMPORT_DESCRIPTOR[0]", "FirstThunk", descriptor + 16, range);
  });

  it("a driver with a relocation block outside the image", () => {
    const block = dirOffset(kfunc, 5);
    const file = write("reloc.sys", edit(kfunc, [[block, 0x7fff0000]]));
    const a = attempt({ target: { mode: "kernel", image: file, irps: [] } });
    expectRefusedUntouched(a, file, "IMAGE_BASE_RELOCATION[0]", "VirtualAddress", block, range);
  });

  it("a driver with an absurd SizeOfImage", () => {
    const oh = ntOf(kfunc) + 24;
    const file = write("size.sys", edit(kfunc, [[oh + 56, 0x7ff00000]]));
    const a = attempt({ target: { mode: "kernel", image: file, irps: [] } });
    expectRefusedUntouched(a, file, "IMAGE_OPTIONAL_HEADER", "SizeOfImage", oh + 56, range);
  });

  it("a driver whose relocations are stripped and whose base is in the system range", () => {
    const nt = ntOf(kfunc);
    const bytes = edit(kfunc, [[nt + 24 + 28, 0x80400000]]);
    const v = new DataView(bytes.buffer);
    v.setUint16(nt + 22, v.getUint16(nt + 22, true) | 1, true);
    const file = write("stripped.sys", bytes);
    const a = attempt({ target: { mode: "kernel", image: file, irps: [] } });
    expectRefusedUntouched(a, file, "IMAGE_OPTIONAL_HEADER", "ImageBase", nt + 24 + 28, range);
    expect((a.error as FormatError).detail).toMatch(/relocations are stripped.*\[0x80400000, 0x80404000\) is not a 64 KiB-aligned range of \[0x00010000, 0x7f000000\)/);
  });

  it("a driver based at 0 is relocated: the null page stays unmapped", () => {
    const file = write("null.sys", edit(kfunc, [[ntOf(kfunc) + 24 + 28, 0]]));
    const a = attempt({ target: { mode: "kernel", image: file, irps: [] } });
    expect(a.error).toBeUndefined();
    expect(a.calls.filter(([kind, address]) => kind === "mapMemory" && address < 0x10000)).toEqual([]);
    expect(a.calls.some(([kind, address]) => kind === "mapMemory" && address >= 0x10000000 && address < 0x7b000000)).toBe(true);
  });

  it("the intact driver loads and its pages reach the engine", () => {
    const a = attempt({ target: { mode: "kernel", image: join(ROOT, "samples/kernel/kfunc.sys"), irps: [] } });
    expect(a.error).toBeUndefined();
    expect(a.calls.some(([kind, address]) => kind === "mapMemory" && address >= range.base && address < range.base + range.size)).toBe(true);
  });
});

describe("defence in depth: a memory error while loading names the image, never the engine", () => {
  it("host reads and writes outside committed memory are MemoryErrors naming the address", () => {
    const calls: Call[] = [];
    const machine = new Machine({ engine: recordingEngine(calls) }, "kernel");
    try {
      const m = machine.memory;
      expect(() => m.setU32(0x10004000, 1)).toThrow(MemoryError);
      expect(() => m.setU32(0x10004000, 1)).toThrow(/^guest memory 0x10004000\+0x4 \(host write\): 0x10004000 is not allocated$/);
      m.reserve(0x20000000, 0x2000, "private", "reserved only");
      expect(() => m.read(0x20000ffe, 4)).toThrow(/\(host read\): 0x20000ffe is reserved but not committed \(reserved only\)/);
      expect(() => m.write(0xfffffffe, new Uint8Array(4))).toThrow(/past the 32-bit address space/);
      // Refused before the engine was asked.
      expect(calls.filter(([, address]) => address === 0x10004000 || address === 0x20000ffe || address === 0xfffffffe)).toEqual([]);
    } finally {
      machine.close();
    }
  });

  it("whileLoading turns them (and engine faults) into a LoadError naming the image", () => {
    const machine = new Machine({}, "kernel");
    try {
      let error: unknown;
      try {
        whileLoading("x.sys", 0x10400000, () => machine.memory.setU32(0x10404000, 0));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(LoadError);
      expect((error as LoadError).message).toBe("x.sys: loading the image at 0x10400000 failed: guest memory 0x10404000+0x4 (host write): 0x10404000 is not allocated");
      expect(() => whileLoading("x.sys", 0x10400000, () => {
        throw new EngineFault(7, "uc_mem_write(0x10404000, 4): Invalid memory write (UC_ERR_WRITE_UNMAPPED)");
      })).toThrow(/^x\.sys: loading the image at 0x10400000 failed: the emulator refused a memory access \(engine error 7\)$/);
    } finally {
      machine.close();
    }
  });
});
