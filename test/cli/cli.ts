/** Runs the built CLI (`npm test` builds dist/ first) as a user would. */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function ntrace(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd: string = ROOT): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, "dist/bin/ntrace.js"), ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface CliRun {
  readonly status: number;
  /** The program's and ntrace's stdout, byte-exact. */
  readonly stdout: Buffer;
  readonly stderr: string;
  /** stderr byte-exact (a program's own stderr may not be UTF-8). */
  readonly stderrBytes: Buffer;
}

/** Runs the CLI without blocking the worker (concurrent tests), stdout as bytes. */
export function ntraceAsync(args: readonly string[], options: { readonly cwd?: string; readonly input?: string | Buffer; readonly env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "dist/bin/ntrace.js"), ...args], { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => {
      const stderrBytes = Buffer.concat(err);
      resolveRun({ status: code ?? -1, stdout: Buffer.concat(out), stderr: stderrBytes.toString("utf8"), stderrBytes });
    });
    child.stdin.on("error", () => {}); // a program that never reads its stdin may end first
    child.stdin.end(options.input ?? "");
  });
}
