/**
 * Issue 12: a C++ exception through traced frames. mingw's i686 C++ unwinds with DWARF tables
 * (libgcc_s_dw2-1.dll), reading each frame's return address from the stack; with every
 * function of cpp.exe, libstdc++ and libgcc detoured or hot-patched, the return addresses the
 * tracer replaced must be back before the unwinder walks. cpp.exe throws a ParseError four
 * frames deep (parse_digit ← parse_number ← sum_numbers ← checked_sum, destructors printing
 * on the way) and std::out_of_range from vector::at: traced, its output and exit code are the
 * untraced ones (samples/programs/expected.json, confirmed under real Wine), each frame the
 * throw removed is an UNWIND event with the GCC exception code, and replay shows the catch
 * inside checked_sum.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, ntraceAsync } from "../cli/cli.js";
import { mingwRuntimeDir, requireSystemDlls } from "./system-dlls.js";

requireSystemDlls();

const STATUS_GCC_THROW = "0x20474343";
const out = mkdtempSync(join(tmpdir(), "ntrace-cpp-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const expected = (JSON.parse(readFileSync(join(ROOT, "samples/programs/expected.json"), "utf8")) as { image: string; stdout: string; exitCode: number }[]).find((e) => e.image.endsWith("/cpp.exe"))!;

describe("cpp.exe traced in full (program, libstdc++, libgcc)", () => {
  it("gives the untraced output, UNWIND events for the frames the throw removed, and the catch in replay", async () => {
    const trace = join(out, "cpp.ntrace");
    const run = await ntraceAsync(["run", "--dll-dir", mingwRuntimeDir("win32"), "-o", trace, join(ROOT, "samples/programs/cpp.exe")], { cwd: out });
    expect(run.stdout.toString("latin1")).toBe(expected.stdout);
    expect(run.status, run.stderr).toBe(expected.exitCode);
    expect(run.stderr).toMatch(/functions in 3 module\(s\): \d+ detour, \d+ hotpatch-clang, \d+ probe/);

    const dump = (await ntraceAsync(["dump", trace], { cwd: out })).stdout.toString();
    const unwound = dump.split("\n").filter((l) => / unwind /.test(l));
    const removed = (fn: string) => unwound.filter((l) => l.includes(`cpp!_ZN12_GLOBAL__N_1${fn}`) && l.includes(`code=${STATUS_GCC_THROW}`)).length;
    // The ParseError thrown under parse_digit is caught in checked_sum: three frames removed.
    expect([removed("11parse_digitEci"), removed("12parse_numberE"), removed("11sum_numbersE"), removed("11checked_sumE")]).toEqual([1, 1, 1, 0]);

    const replay = (await ntraceAsync(["replay", trace], { cwd: out })).stdout.toString().split("\n");
    const depth = (line: string) => /\| ( *)/.exec(line)?.[1]!.length ?? -1;
    // The first catch: its caller (the nearest open call one level out) is checked_sum.
    const catchAt = replay.findIndex((l) => l.includes("__cxa_begin_catch() {"));
    expect(catchAt).toBeGreaterThan(0);
    const caller = replay.slice(0, catchAt).reverse().find((l) => l.endsWith("{") && depth(l) === depth(replay[catchAt]!) - 2);
    expect(caller).toContain("_ZN12_GLOBAL__N_111checked_sumE");
  });
});
