/** What machine and software a bench run measured: goes into latest.json and BENCHMARKS.md. */
import os from "node:os";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { clockLibraryPath } from "../runtime/engine/unicorn.js";
import { unicornLibraryName, unicornVersion as engineVersion } from "../runtime/engine/index.js";
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

/**
 * The engine the benchmarks ran on: unicorn's own version (uc_version) and the library file,
 * chosen as ntrace chooses it (runtime/engine/README.md: the fetched 2.1.1, else the system's),
 * plus the Debian package when the file is the system's; and whether the native block clock was
 * there (else instructions were counted by unicorn's per-instruction hook).
 */
async function unicornVersion(): Promise<string> {
  const engine = engineVersion() ?? "not loadable";
  const path = unicornLibraryName();
  let pkg = "";
  if (!path.includes("/")) {
    const dpkg = await runChild("dpkg-query", ["-W", "-f", "${Version}", "libunicorn2"], { keepStdout: true }).catch(() => null);
    pkg = dpkg !== null && dpkg.code === 0 ? `, Debian libunicorn2 ${dpkg.stdout?.trim()}` : "";
  } else if (existsSync(join(dirname(path), "VERSION"))) {
    pkg = `, ${readFileSync(join(dirname(path), "VERSION"), "utf8").trim()}`;
  }
  const clock = clockLibraryPath() !== undefined && process.env["NTRACE_CLOCK"] !== "count" ? "block clock" : "unicorn instruction count";
  return `${engine} (${path}${pkg}; ${clock})`;
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
