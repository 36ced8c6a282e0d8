/**
 * DbgPrint as a driver can drive it: the formatting is the kernel's printf subset, a message is
 * at most 512 characters (Windows transmits 512 bytes per call), and no width, precision or
 * string a driver passes makes the host build more; the run keeps at most --max-debug-output
 * characters and counts the rest.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DBGPRINT_MAX, formatDbgPrint, KernelMachine } from "../../runtime/kernel/index.js";
import { ROOT, ntraceAsync } from "../cli/cli.js";

const AT = 0x00700000; // a page of the driver's own: format, strings, arguments

/** formatDbgPrint on a format and dword arguments written into a fresh kernel machine. */
function format(fmt: string, args: readonly (number | string)[], machine = new KernelMachine()): string {
  const placed = new Map<string, number>();
  const m = machine.machine.memory;
  m.mapAt(AT, 0x20000, 3, "test");
  let strings = AT + 0x1000;
  const put = (s: string) => {
    const at = strings;
    m.write(at, new Uint8Array([...Buffer.from(s, "latin1"), 0]));
    strings += s.length + 1;
    return at;
  };
  const words = [put(fmt), ...args.map((a) => (typeof a === "string" ? (placed.get(a) ?? placed.set(a, put(a)).get(a)!) : a))];
  words.forEach((w, i) => m.setU32(AT + 4 * i, w >>> 0));
  return formatDbgPrint(machine, AT);
}

describe("DbgPrint formatting", () => {
  it("formats the kernel's printf subset", () => {
    expect(format("%s: %d %u %x %X %#x %08x %-4d| %5s|%.2s %c %%", ["drv", -5, 7, 255, 255, 255, 0x1234, 3, "ab", "xyz", 0x41])).toBe("drv: -5 7 ff FF 0xff 00001234 3   |    ab|xy A %");
    expect(format("%I64x %lld", [0x89abcdef, 0x1234567, 0xffffffff, 0xffffffff])).toBe("123456789abcdef -1");
  });

  it("a width or precision of 2 billion, literal or through *, gives at most 512 characters", () => {
    for (const [fmt, args] of [
      ["%2000000000d", [1]],
      ["%*d", [0x7fffffff, 1]],
      ["%-*s|", [0x7fffffff, "x"]],
      ["%.*s", [0x7fffffff, "y".repeat(3000)]],
      ["%0*x", [0x7fffffff, 1]],
    ] as const) {
      const text = format(fmt, args);
      expect(text.length, fmt).toBe(DBGPRINT_MAX);
    }
  });

  it("many long conversions stop at 512 characters (later ones are not formatted)", () => {
    const text = format("%s".repeat(400), Array.from({ length: 400 }, () => "z".repeat(2000)));
    expect(text).toBe("z".repeat(DBGPRINT_MAX));
  });
});

describe("DbgPrint output cap", () => {
  it("keeps --max-debug-output characters and counts the rest", () => {
    const k = new KernelMachine({ maxDebugOutput: 100 });
    for (let i = 0; i < 5; i++) k.debugOutput("x".repeat(40)); // 40 + 40 + 20 kept (one cut short), two dropped
    expect(k.machine.output.join("")).toBe("x".repeat(100));
    expect(k.debugDropped).toEqual({ messages: 2, cut: 1, characters: 100 });
  });
});

describe("ntrace run <driver> --max-debug-output", () => {
  it("shows what the cap keeps and one note for the rest", async () => {
    const r = await ntraceAsync(["run", "--no-trace", "--max-debug-output", "10", join(ROOT, "samples", "kernel", "kfunc.sys"), "--irp", "create", "--irp", "close"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("ntrace: debug output: kfunc: cre\n");
    expect(r.stderr).not.toContain("kfunc: unload");
    expect(r.stderr).toContain("ntrace: note: 79 characters of debug output not kept (1 DbgPrint message dropped, 1 cut short): past the cap of 10 characters (--max-debug-output)");
  });
});
