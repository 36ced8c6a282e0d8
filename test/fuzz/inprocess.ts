/**
 * Runs one ntrace command line in this process through bin/main.ts's `main(argv)`, as the
 * installed command would: what it writes through process.stdout / process.stderr is captured,
 * and process.exitCode is read and reset, so many command lines can run one after another.
 * (Reader commands write their output with writeSync to fd 1; callers pass `-o <file>`.)
 */
import { main } from "../../bin/main.js";

export interface CommandResult {
  /** process.exitCode after the command (0 when it left it unset). */
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

type Write = typeof process.stdout.write;

function capturing(into: string[]): Write {
  return ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    into.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    const callback = rest.find((r): r is () => void => typeof r === "function");
    callback?.();
    return true;
  }) as Write;
}

export async function runMain(args: readonly string[]): Promise<CommandResult> {
  const out: string[] = [];
  const err: string[] = [];
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  process.exitCode = undefined;
  process.stdout.write = capturing(out);
  process.stderr.write = capturing(err);
  const started = performance.now();
  let thrown: unknown;
  try {
    await main(["node", "ntrace", ...args]);
  } catch (e) {
    thrown = e; // main must not throw: runCli turns every error into a message and a status
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
  const ms = performance.now() - started;
  const code = process.exitCode;
  process.exitCode = undefined;
  if (thrown !== undefined) {
    err.push(`main(argv) threw: ${thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown)}`);
    return { status: -1, stdout: out.join(""), stderr: err.join(""), ms };
  }
  return { status: code === undefined ? 0 : Number(code), stdout: out.join(""), stderr: err.join(""), ms };
}
