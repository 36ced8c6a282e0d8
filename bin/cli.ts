import type { Command } from "commander";
import { NtraceError, FormatError } from "../base/index.js";

/**
 * Exit codes of the reader and image commands: 0 ok, 1 ntrace error (bad input), 2 usage,
 * 70 internal bug. `run` (like strace) exits with the program's own exit code, 124 when ntrace
 * stopped the program (limit, timeout, deadlock, --strict-syscalls) and 125 when ntrace could
 * not run it at all (usage, image, missing imports, an error of ntrace itself).
 */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;
export const EXIT_STOPPED = 124;
export const EXIT_CANNOT_RUN = 125;

/**
 * Runs the program; errors ntrace raises on purpose are printed as one clear line on stderr
 * (no stack trace). Anything else is an internal bug and is reported as such.
 */
export async function runCli(program: Command, argv: readonly string[], runsPrograms = false): Promise<void> {
  program.exitOverride();
  try {
    await program.parseAsync(argv as string[]);
  } catch (err) {
    const code = exitCodeFor(err);
    // A program's own exit status belongs to the program: ntrace's failures get 125 then.
    process.exitCode = runsPrograms && !(err instanceof GuestFailure) && code !== 0 ? EXIT_CANNOT_RUN : code;
  }
}

function exitCodeFor(err: unknown): number {
  if (isCommanderExit(err)) return err.exitCode;
  if (err instanceof FormatError || err instanceof NtraceError) {
    process.stderr.write(`ntrace: ${err.message}\n`);
    return err instanceof GuestFailure ? err.exitCode : EXIT_FAILURE;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`ntrace: internal error (a bug in ntrace, please report it): ${e.stack ?? e.message}\n`);
  return EXIT_INTERNAL;
}

function isCommanderExit(err: unknown): err is { exitCode: number; code: string } {
  return typeof err === "object" && err !== null && "code" in err && typeof (err as { code: unknown }).code === "string" && String((err as { code: string }).code).startsWith("commander.");
}

/** A command that ran but whose guest failed: the message was printed; exit with this code. */
export class GuestFailure extends NtraceError {
  readonly exitCode: number;
  constructor(message: string, exitCode = EXIT_FAILURE) {
    super(message);
    this.exitCode = exitCode;
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}
