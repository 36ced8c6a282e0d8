/**
 * Outputs that never destroy a file: written under a temporary name beside the target and
 * renamed over it only when complete, so a failed or interrupted command leaves an existing
 * file untouched and two writers of one target never mix their bytes (the last rename wins).
 * An output that names one of the command's inputs is refused before anything is written.
 */
import { closeSync, openSync, renameSync, statSync, unlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { NtraceError } from "./errors.js";

export class AtomicFile {
  readonly target: string;
  /**
   * The file being written, in the target's directory: `.<name>.<pid>.<n>.tmp`, or with
   * `partial` (a trace: what a killed run leaves is worth finding) `<name>.<pid>.<n>.partial`.
   */
  readonly temp: string;
  readonly fd: number;
  private open = true;
  private static counter = 0;

  constructor(target: string, options: { readonly partial?: boolean } = {}) {
    this.target = target;
    const unique = `${process.pid}.${AtomicFile.counter++}`;
    this.temp = join(dirname(target), options.partial === true ? `${basename(target)}.${unique}.partial` : `.${basename(target)}.${unique}.tmp`);
    try {
      this.fd = openSync(this.temp, "wx", 0o666);
    } catch (err) {
      throw new NtraceError(`cannot create ${target}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Closes the file and puts it in place of the target. */
  commit(): void {
    if (!this.open) return;
    this.open = false;
    try {
      closeSync(this.fd);
      renameSync(this.temp, this.target);
    } catch (err) {
      this.remove();
      throw new NtraceError(`cannot write ${this.target}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Closes and removes the temporary file: the target stays as it was. */
  discard(): void {
    if (!this.open) return;
    this.open = false;
    try {
      closeSync(this.fd);
    } catch {
      // removing it matters more
    }
    this.remove();
  }

  private remove(): void {
    try {
      unlinkSync(this.temp);
    } catch {
      // already gone
    }
  }
}

/** Refuses an output path that is the same file as one of the inputs (`-o x.dll` on x.dll). */
export function refuseOutputOverInput(output: string, inputs: readonly string[]): void {
  let out: { dev: number; ino: number };
  try {
    out = statSync(output);
  } catch {
    return; // does not exist yet: it cannot be an input
  }
  for (const input of inputs) {
    try {
      const s = statSync(input);
      if (s.dev === out.dev && s.ino === out.ino) throw new NtraceError(`refusing to write the output over the input ${input} (-o ${output}): choose another output file`);
    } catch (err) {
      if (err instanceof NtraceError) throw err;
    }
  }
}
