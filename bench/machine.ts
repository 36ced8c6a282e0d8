/** What machine and software a bench run measured: goes into latest.json and BENCHMARKS.md. */
import os from "node:os";
import { existsSync } from "node:fs";
import koffi from "koffi";
import { runChild } from "./harness.js";

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly os: string;
  readonly node: string;
  readonly unicorn: string;
  readonly date: string;
  readonly gitCommit: string;
  /** True when the working tree had uncommitted changes (the numbers are of a dirty tree). */
  readonly gitDirty: boolean;
}

export const UNICORN_LIBRARY = "/usr/lib/x86_64-linux-gnu/libunicorn.so.2";

/** unicorn's own version (uc_version), plus the Debian package version when dpkg knows it. */
async function unicornVersion(): Promise<string> {
  let engine = "not found";
  if (existsSync(UNICORN_LIBRARY)) {
    try {
      const lib = koffi.load(UNICORN_LIBRARY);
      const ucVersion = lib.func("unsigned int uc_version(_Out_ unsigned int *major, _Out_ unsigned int *minor)");
      const major = [0];
      const minor = [0];
      const combined = ucVersion(major, minor) as number;
      // UC_MAKE_VERSION packs major.minor.patch.extra one byte each.
      engine = `${(combined >>> 24) & 0xff}.${(combined >>> 16) & 0xff}.${(combined >>> 8) & 0xff}`;
    } catch (e) {
      engine = `unloadable (${(e as Error).message})`;
    }
  }
  const dpkg = await runChild("dpkg-query", ["-W", "-f", "${Version}", "libunicorn2"], { keepStdout: true }).catch(() => null);
  const pkg = dpkg !== null && dpkg.code === 0 ? ` (Debian libunicorn2 ${dpkg.stdout?.trim()})` : "";
  return engine + pkg;
}

async function git(root: string, args: string[]): Promise<string | null> {
  const r = await runChild("git", ["-C", root, ...args], { keepStdout: true }).catch(() => null);
  return r !== null && r.code === 0 ? (r.stdout ?? "").trim() : null;
}

export async function machineInfo(root: string): Promise<MachineInfo> {
  const cpus = os.cpus();
  const status = await git(root, ["status", "--porcelain", "--untracked-files=no"]);
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    unicorn: await unicornVersion(),
    date: new Date().toISOString(),
    gitCommit: (await git(root, ["rev-parse", "HEAD"])) ?? "unknown",
    gitDirty: status !== null && status !== "",
  };
}
