/**
 * A hostile guest (samples/programs/hostile.exe, through the CLI): it cannot drive the host
 * and it cannot reach the machine's or the tracer's own pages. Each case prints one line
 * "case: result" (an NTSTATUS, a GetLastError value, or the exception a direct access raised,
 * caught by the program's vectored handler); the lines are asserted traced and untraced.
 *
 * Where the expected result is what Windows gives, the comment says which check of Windows'
 * memory manager or I/O manager (as the Windows Research Kernel and ReactOS write them) gives
 * it; where ntrace differs on purpose (the GDT stays readable, the registry quota, the thread
 * limit), the comment says so and runtime/README.md "Isolation" documents it.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, ntraceAsync } from "../cli/cli.js";
import { parsePeLayout, readRva } from "../../pe/index.js";
import { locateSystemDlls } from "../../runtime/user/sysdlls.js";
import { requireSystemDlls } from "./system-dlls.js";

requireSystemDlls();

const HOSTILE = join(ROOT, "samples/programs/hostile.exe");
const scratch = mkdtempSync(join(tmpdir(), "ntrace-hostile-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const AV = "exception 0xc0000005";
/** NtAllocateVirtualMemory / NtFreeVirtualMemory / NtProtectVirtualMemory on a system address: the base (parameter 2) is past MM_HIGHEST_USER_ADDRESS. */
const SYSTEM_RANGE_CALLS =
  "protect rw 0xc00000f0, protect rwx 0xc00000f0, free 0xc00000f0, reserve 0xc00000f0, commit 0xc00000f0, " +
  // NtQueryVirtualMemory: STATUS_INVALID_PARAMETER; NtRead/WriteVirtualMemory: the range is
  // past MmUserProbeAddress, STATUS_ACCESS_VIOLATION; NtMapViewOfSection: the base is parameter 3.
  "query 0xc000000d, read 0xc0000005, write 0xc0000005, map 0xc00000f1";

/** The lines of `hostile.exe` with no argument (every case of its "all" list), untraced. */
const ALL: readonly string[] = [
  // The CPU reads the GDT at CPL 3 when it loads a segment, so ring 3 can read it (Windows: a
  // fault); it cannot write or run it.
  `gdt: read ok, write ${AV} (write at 0x80000000), execute ${AV} (execute at 0x80000000)`,
  // As on Windows for any kernel address.
  `kthread: read ${AV} (read at 0x80100000), write ${AV} (write at 0x80100000), execute ${AV} (execute at 0x80100000)`,
  `stubs: write ${AV} (write at 0x80080000), execute ${AV} (execute at 0x80080000)`,
  `arena: write ${AV} (write at 0x90000000)`,
  `gdt-calls: ${SYSTEM_RANGE_CALLS}`,
  `kthread-calls: ${SYSTEM_RANGE_CALLS}`,
  `stub-calls: ${SYSTEM_RANGE_CALLS}`,
  `arena-calls: ${SYSTEM_RANGE_CALLS}`,
  "returnslot: none (untraced)",
  // KUSER_SHARED_DATA has no VAD: free STATUS_MEMORY_NOT_ALLOCATED, protect
  // STATUS_CONFLICTING_ADDRESSES; it lies above MM_HIGHEST_VAD_ADDRESS (reserve: parameter 2);
  // NtWriteVirtualMemory's probe of the read-only page fails.
  `kusd: write ${AV} (write at 0x7ffe0000), protect rw 0xc0000018, free 0xc00000a0, reserve 0xc00000f0, write 0xc0000005`,
  // The TEB and the PEB are secured VADs (MiCheckSecuredVad): no release, nothing less than read-write.
  "teb: free 0xc0000045, protect ro 0xc0000045, protect rw 0x00000000; peb: free 0xc0000045, protect noaccess 0xc0000045",
  // PAGE_NOACCESS stops every read: the guest's own, and the system calls' on its behalf —
  // MmCopyVirtualMemory's source copy faults (STATUS_PARTIAL_COPY, 0 bytes), its ProbeForWrite
  // of the target fails (STATUS_ACCESS_VIOLATION), a file system's copy from the buffer faults
  // (WriteFile: ERROR_INVALID_USER_BUFFER 1784; Wine answers EFAULT the same way), NtReadFile's
  // ProbeForWrite fails (ReadFile: ERROR_NOACCESS 998). The contents survive.
  `noaccess: protect ok old 0x4, query 0x1, read ${AV} (read at the buffer), write ${AV} (write at the buffer), NtReadVirtualMemory 0x8000000d (0 bytes), NtWriteVirtualMemory 0xc0000005, WriteFile error 1784, ReadFile error 998, kept 0x5a5a5a5a`,
  `readonly: read ok, write ${AV} (write at the buffer)`,
  // PAGE_GUARD is one-shot: STATUS_GUARD_PAGE_VIOLATION, then the page is PAGE_READWRITE.
  "guard: protect 0x104, read exception 0x80000001, then protect 0x4, read ok",
  // Wine's thread start clears 960 KiB of the new stack (ntrace does it on the host).
  "stack-clear: 0 nonzero dwords in the 60 KiB below a new thread's stack pointer",
  // ntdll's RtlFillMemory (guest code) asked for 4 GiB runs off its buffer: the host does nothing.
  `fill: ${AV} (write outside the 64 KiB buffer)`,
  // WriteFile past user space: ProbeForRead fails (998); past the buffer: the copy faults
  // (1784); ReadFile past the buffer: ProbeForWrite of the whole length fails (998), however
  // short the file; a length within the buffer reads what the file holds.
  "file-lengths: write 2 GiB error 998, write 256 MiB error 1784, read 256 MiB error 998, read 32 KiB of a 16-byte file ok 16 bytes",
  // NtReadVirtualMemory's range past MmUserProbeAddress: STATUS_ACCESS_VIOLATION; a source that
  // ends after 64 KiB: STATUS_PARTIAL_COPY with the 65536 bytes copied; a 64 KiB target for
  // 1 MiB: its ProbeForWrite fails before anything is copied.
  "vm-lengths: read 2 GiB 0xc0000005, read 1 MiB from 64 KiB 0x8000000d (65536 bytes), write 1 MiB into 64 KiB 0xc0000005 (0 bytes)",
  // A size past MM_HIGHEST_VAD_ADDRESS: STATUS_INVALID_PARAMETER_4; 2 GiB: no room (STATUS_NO_MEMORY).
  "alloc-sizes: 4 GiB 0xc00000f2, 2 GiB 0xc0000017",
  // A UNICODE_STRING longer than its buffer: the capture faults.
  "string-length: NtOpenFile 0xc0000005",
  // ntrace's registry quota (64 MiB of the program's keys and values; Windows would store all 200).
  "registry: 63 values of 1 MiB stored, then error 1450",
];

/** The same, traced: the program's functions return through the tracer's exit thunk, which jumps through the read-only return-slot page (0x90000000). */
const ALL_TRACED = ALL.map((line) =>
  line.startsWith("returnslot:")
    ? // Readable (the exit thunk reads it at CPL 3: it holds the return address the guest already had), never writable or executable.
      `returnslot: read ok, write ${AV} (write at 0x90000000), execute ${AV} (execute at 0x90000000), protect rw 0xc00000f0, protect rwx 0xc00000f0, free 0xc00000f0, write 0xc0000005`
    : line,
);

/** The program's lines (its stdout), one per case. */
function lines(stdout: Buffer): string[] {
  return stdout.toString("latin1").split("\r\n").filter((l) => l !== "");
}

describe.concurrent("hostile.exe: the guest reaches nothing of the host's", () => {
  it("untraced: every case fails as Windows fails it (or as documented)", async () => {
    const r = await ntraceAsync(["run", "--no-trace", HOSTILE], { cwd: scratch });
    expect(lines(r.stdout)).toEqual(ALL);
    expect(r.stderr).toContain("ntrace: exit code 0 (0x00000000)");
  });

  it("traced: the same, and the return-slot page cannot be written, run, reprotected or freed", async () => {
    const r = await ntraceAsync(["run", "-o", join(scratch, "all.ntrace"), HOSTILE], { cwd: scratch });
    expect(lines(r.stdout)).toEqual(ALL_TRACED);
    expect(r.stderr).toContain("ntrace: exit code 0 (0x00000000)");
    expect(r.stderr).toMatch(/ntrace: trace .*all\.ntrace: \d+ events/);
  });
});

describe.concurrent("hostile.exe: threads, debug output", () => {
  it("1,000 threads are created and joined (50 at a time; each ended thread's stack is freed and its TEB reused)", { timeout: 120_000 }, async () => {
    const r = await ntraceAsync(["run", "--no-trace", HOSTILE, "threads", "1000"], { cwd: scratch });
    expect(lines(r.stdout)).toEqual(["threads: 1000 created, 1000 joined, counter 1000"]);
    expect(r.stderr).toContain("exit code 0 (0x00000000), ");
    expect(r.stderr).toContain(", 1001 threads");
  });

  it("traced, 100 threads", async () => {
    const r = await ntraceAsync(["run", "-o", join(scratch, "threads.ntrace"), HOSTILE, "threads", "100"], { cwd: scratch });
    expect(lines(r.stdout)).toEqual(["threads: 100 created, 100 joined, counter 100"]);
    expect(r.stderr).toContain(", 101 threads");
  });

  it("past --max-threads thread creation fails (STATUS_TOO_MANY_THREADS: ERROR_TOO_MANY_THREADS 565); the run goes on", async () => {
    const r = await ntraceAsync(["run", "--no-trace", "--max-threads", "64", HOSTILE, "thread-limit", "100"], { cwd: scratch });
    // 64 threads in the run: the first and 63 more.
    expect(lines(r.stdout)).toEqual(["thread-limit: 63 created, then error 565"]);
    expect(r.stderr).toContain("exit code 0 (0x00000000)");
  });

  it("threads whose stacks no longer fit fail with ERROR_NOT_ENOUGH_MEMORY (8), as on Windows", async () => {
    const r = await ntraceAsync(["run", "--no-trace", HOSTILE, "thread-stacks"], { cwd: scratch });
    expect(lines(r.stdout)).toEqual(["thread-stacks: some created, error 8"]);
    expect(r.stderr).toContain("exit code 0 (0x00000000)");
  });

  it("debug output is shown as it comes, up to the cap; the rest is counted in one note, not kept", async () => {
    const r = await ntraceAsync(["run", "--no-trace", "--max-debug-output", "10000", HOSTILE, "debug-flood", "2000"], { cwd: scratch });
    expect(lines(r.stdout)).toEqual(["debug-flood: 2000 strings of 1000 characters sent"]);
    const shown = r.stderr.split("\n").filter((l) => l.startsWith("ntrace: debug output: "));
    // Ten strings of 1000 characters fill the cap; the other 1990 are counted, never read.
    expect(shown).toHaveLength(10);
    expect(shown[0]).toBe(`ntrace: debug output: 000000 ${"d".repeat(993)}`);
    expect(shown[9]).toBe(`ntrace: debug output: 000009 ${"d".repeat(993)}`);
    expect(r.stderr).toContain("ntrace: note: 1990000 characters of debug output not kept (1990 strings dropped): past the cap of 10000 characters (--max-debug-output) or 65536 a string");
    // Shown while the program ran: before the summary.
    expect(r.stderr.indexOf("ntrace: debug output: 000000")).toBeLessThan(r.stderr.indexOf("ntrace: exit code"));
  });

  it("--json keeps the capped debug strings in the summary and says what was dropped", async () => {
    const r = await ntraceAsync(["run", "--no-trace", "--json", "--max-debug-output", "2500", HOSTILE, "debug-flood", "5"], { cwd: scratch });
    const out = r.stdout.toString("latin1");
    const summary = JSON.parse(out.slice(out.indexOf("{"))) as { output: string[]; notes: string[] };
    // Two whole strings, the third cut at the cap, the last two dropped.
    expect(summary.output.map((s) => s.length)).toEqual([1000, 1000, 500]);
    expect(summary.notes).toEqual(["2500 characters of debug output not kept (2 strings dropped, 1 cut short): past the cap of 2500 characters (--max-debug-output) or 65536 a string"]);
    expect(r.stderr).not.toContain("debug output:");
  });
});

describe("a DLL's export called with --call", () => {
  it("keeps the debug-output note of the program (kernel32!OutputDebugStringA on a 12-character string, cap 5)", async () => {
    // The string: kernel32's own name in its export directory ("KERNEL32.dll"), at its preferred base.
    const kernel32 = join(locateSystemDlls().system32, "kernel32.dll");
    const layout = parsePeLayout(new Uint8Array(readFileSync(kernel32)));
    const exportDir = layout.dataDirectories[0]!.rva;
    const nameRva = new DataView(readRva(layout, exportDir + 12, 4).slice().buffer).getUint32(0, true);
    expect(Buffer.from(readRva(layout, nameRva, 13)).toString("latin1")).toBe("KERNEL32.dll\0");
    const at = `0x${(layout.imageBase + nameRva).toString(16)}`;
    const r = await ntraceAsync(["run", "--no-trace", "--max-debug-output", "5", kernel32, "--call", `OutputDebugStringA:${at}`], { cwd: scratch });
    expect(r.stdout.toString()).toContain("result: 0 (0x00000000)");
    expect(r.stderr).toContain("ntrace: debug output: KERNE\n");
    expect(r.stderr).toContain("ntrace: note: 7 characters of debug output not kept (1 cut short): past the cap of 5 characters (--max-debug-output) or 65536 a string");
  });
});

/** Runs the CLI; returns the time from the first stdout bytes containing `marker` to the exit. */
function msAfterMarker(args: readonly string[], marker: string): Promise<{ readonly status: number; readonly ms: number; readonly stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "dist/bin/ntrace.js"), ...args], { cwd: scratch, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let seen: number | undefined;
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString("latin1");
      if (seen === undefined && out.includes(marker)) seen = performance.now();
    });
    child.stderr.on("data", (b: Buffer) => (err += b.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ status: code ?? -1, ms: seen === undefined ? Number.NaN : performance.now() - seen, stderr: err }));
  });
}

// Not concurrent: wall time is what they measure.
describe("hostile.exe: --timeout holds inside one engine slice and inside one system call", () => {
  const TIMEOUT = 600;
  // The marker is printed after the run started, so marker → exit is at most the timeout plus
  // how late it is honoured plus ntrace's exit.
  it("a guest looping forever (one engine slice) ends within 100 ms of --timeout", async () => {
    const r = await msAfterMarker(["run", "--no-trace", "--timeout", String(TIMEOUT), HOSTILE, "spin"], "spin: looping forever");
    expect(r.status).toBe(124);
    expect(r.stderr).toMatch(/ntrace: the guest ran out of time \(600 ms\) in thread 0x80100000 \(CID 20:24\) at hostile\.exe!case_spin\+0x[0-9a-f]+|at hostile\.exe\+0x[0-9a-f]+/);
    expect(r.ms).toBeLessThan(TIMEOUT + 100);
  });

  it("one WriteFile of 1 GiB (seconds of host work) ends within 100 ms of --timeout", async () => {
    const r = await msAfterMarker(["run", "--no-trace", "--timeout", String(TIMEOUT), HOSTILE, "bigwrite"], "bigwrite: writing 1 GiB");
    expect(r.status).toBe(124);
    expect(r.stderr).toContain("ntrace: the guest ran out of time (600 ms) in thread 0x80100000 (CID 20:24) at ntdll.dll!__wine_syscall_dispatcher (host code)");
    expect(r.ms).toBeLessThan(TIMEOUT + 100);
  });
});
