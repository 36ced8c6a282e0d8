/**
 * The NT system-call layer as a program sees it, through the CLI: limits (absurd sizes fail
 * the Windows way), an unimplemented system call (fails, reported once, or stops the run with
 * --strict-syscalls), isolation from the host (files, registry, names), --mount, the syscall
 * log and Wine's debug channels. The programs are in fixtures/ (build.sh rebuilds them).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ntraceAsync } from "../cli/cli.js";
import { requireSystemDlls } from "./system-dlls.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const LIMITS = join(FIXTURES, "limits.exe");
const ISOLATION = join(FIXTURES, "isolation.exe");
const scratch = mkdtempSync(join(tmpdir(), "ntrace-syscall-layer-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

requireSystemDlls();

/** The "ok:/FAIL:" lines of a fixture's output. */
function failures(stdout: string): string[] {
  return stdout.split(/\r?\n/).filter((l) => l.startsWith("FAIL"));
}

describe.concurrent("limits: guest-chosen sizes never become host work", () => {
  it("every absurd request fails as on Windows; an unimplemented call fails and is reported once", async () => {
    const r = await ntraceAsync(["run", "--no-trace", LIMITS], { cwd: scratch });
    const out = r.stdout.toString("latin1");
    expect(failures(out), out).toEqual([]);
    expect(out).toContain("limits: 0 failures");
    expect(r.status).toBe(0);
    // Two calls, both STATUS_NOT_IMPLEMENTED; one report naming the call, its number and the caller.
    expect(out).toContain("NtLoadDriver: 0xc0000002 0xc0000002");
    const reports = r.stderr.split("\n").filter((l) => l.includes("unimplemented system call"));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/^ntrace: unimplemented system call NtLoadDriver \(number 0x[0-9a-f]+\) called from limits\.exe!main\+0x[0-9a-f]+: it fails with STATUS_NOT_IMPLEMENTED$/);
  });

  it("--strict-syscalls stops the run at the unimplemented call (exit 124)", async () => {
    const r = await ntraceAsync(["run", "--no-trace", "--strict-syscalls", LIMITS], { cwd: scratch });
    expect(r.status).toBe(124);
    expect(r.stderr).toMatch(/unimplemented system call NtLoadDriver \(number 0x[0-9a-f]+\) called from limits\.exe!main\+0x[0-9a-f]+ \(--strict-syscalls\)/);
    // The run stopped there: main never printed its summary.
    expect(r.stdout.toString("latin1")).not.toContain("limits: ");
  });

  it("the syscall log prints each call with its decoded arguments and status", async () => {
    const r = await ntraceAsync(["run", "--no-trace", "--syscalls", LIMITS], { cwd: scratch });
    expect(r.status).toBe(0);
    const log = r.stderr.split("\n").filter((l) => l.startsWith("ntrace: syscall "));
    expect(log.length).toBeGreaterThan(50);
    // Object names decoded from OBJECT_ATTRIBUTES, statuses named.
    expect(log.some((l) => /NtCreateFile\(.*"\\\\\?\?\\\\C:\\\\work\\\\limits\.tmp".*\) = 0x00000000 STATUS_SUCCESS$/.test(l)), log.join("\n")).toBe(true);
    expect(log.some((l) => /NtLoadDriver\(0x0\) = 0xc0000002 STATUS_NOT_IMPLEMENTED$/.test(l))).toBe(true);
  });
});

describe.concurrent("isolation: nothing of the host but what is mounted", () => {
  it("host files are unreachable; system and program directories are read-only; the scratch directory is private", async () => {
    const r = await ntraceAsync(["run", "--no-trace", ISOLATION], { cwd: scratch });
    const out = r.stdout.toString("latin1");
    expect(failures(out), out).toEqual([]);
    expect(r.status).toBe(0);
    expect(out).toContain("current directory C:\\work\r\n");
    expect(out).toContain("system directory C:\\windows\\system32\r\n");
    // A fixed registry and identity, never the host's.
    expect(out).toContain("ComputerName = NTRACE\r\n");
    expect(out).toContain("ProductName = Windows 7 Professional\r\n");
    expect(out).toContain("TimeZoneKeyName = UTC\r\n");
    expect(out).toContain("user name ntrace\r\n");
    expect(out).toContain("TEMP=C:\\users\\ntrace\\Temp\r\n");
    // The program's files went to a private scratch directory, not the host's current one.
    expect(existsSync(join(scratch, "sub"))).toBe(false);
  });

  it("--mount shows a host directory read-only, or writable with :rw", async () => {
    const dir = join(scratch, "mounted");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "data.txt"), "mounted line\n");
    // Read-only: readable by its guest path and by its Unix path (Wine's spelling).
    const ro = await ntraceAsync(["run", "--no-trace", "--mount", `${dir}=D:\\data`, ISOLATION, "D:\\data\\data.txt"], { cwd: scratch });
    expect(ro.stdout.toString("latin1")).toContain("mounted D:\\data\\data.txt: mounted line");
    const unix = await ntraceAsync(["run", "--no-trace", "--mount", dir, ISOLATION, join(dir, "data.txt")], { cwd: scratch });
    expect(unix.stdout.toString("latin1")).toContain(`mounted ${join(dir, "data.txt")}: mounted line`);
    // Writable: cmd.exe writes a file there; read-only refuses.
    const rw = await ntraceAsync(["run", "--no-trace", "--mount", `${dir}=D:\\data:rw`, "cmd.exe", "/c", "echo written> D:\\data\\out.txt"], { cwd: scratch });
    expect(rw.status, rw.stderr).toBe(0);
    expect(readFileSync(join(dir, "out.txt"), "latin1")).toBe("written\r\n");
    const denied = await ntraceAsync(["run", "--no-trace", "--mount", `${dir}=D:\\data`, "cmd.exe", "/c", "echo again> D:\\data\\again.txt"], { cwd: scratch });
    // A read-only mount is a write-protected medium (ERROR_WRITE_PROTECT), as a CD-ROM is.
    expect(denied.stderr).toContain("Write protected.");
    expect(existsSync(join(dir, "again.txt"))).toBe(false);
  });
});

describe.concurrent("Wine's debug channels", () => {
  it("--wine-debug +loaddll prints Wine's own loader messages on stderr", async () => {
    const r = await ntraceAsync(["run", "--no-trace", "--wine-debug", "+loaddll", LIMITS], { cwd: scratch });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/Loaded L"C:\\\\windows\\\\system32\\\\kernel32\.dll" at [0-9A-F]+: builtin/);
    expect(r.stdout.toString("latin1")).toContain("limits: 0 failures");
  });
});
