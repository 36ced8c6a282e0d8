/**
 * Calling an export of a DLL (`ntrace run x.dll --call Export:args`): the process runs
 * ntrace-runner.exe (runner/), which loads the DLL through Wine's loader (DllMain runs) and
 * calls the export; it reports each step by calling its own NtraceRunnerReport(kind, value),
 * whose first instruction ntrace watches with a code hook.
 */
import { existsSync, readFileSync } from "node:fs";
import { packageRoot } from "../../base/packageroot.js";
import { join } from "node:path";
import { hex, UsageError } from "../../base/index.js";
import { parsePe } from "../../pe/index.js";
import { X86Reg } from "../engine/index.js";
import { LoadError } from "../core/errors.js";
import type { UserProcess } from "./process.js";

export const RUNNER_NAME = "ntrace-runner.exe";
const REPORT_EXPORT = "NtraceRunnerReport@8";

export const RunnerReport = { LOADED: 1, RESULT: 2, LOAD_FAILED: 3, NO_EXPORT: 4, PRELOAD_FAILED: 5, USAGE: 6 } as const;

/** The committed runner binary (runtime/user/runner/ in the repository and in the installed package). */
export function runnerPath(): string {
  const root = packageRoot(import.meta.url);
  const path = root !== undefined ? join(root, "runtime", "user", "runner", RUNNER_NAME) : undefined;
  if (path !== undefined && existsSync(path)) return path;
  throw new LoadError(`${RUNNER_NAME} is missing from this installation (runtime/user/runner/): rebuild it with bash runtime/user/runner/build.sh`);
}

export interface DllCallOutcome {
  /** Base address the DLL was loaded at, once LoadLibrary succeeded. */
  loadedAt?: number;
  /** The export's return value (EAX), once it returned. */
  result?: number;
  /** Why the call did not happen. */
  failure?: string;
}

/** Windows error codes LoadLibrary failures carry, in words. */
const LOAD_ERRORS: Readonly<Record<number, string>> = {
  2: "the file was not found",
  3: "the path was not found",
  126: "a DLL it needs was not found (ERROR_MOD_NOT_FOUND)",
  127: "a function it imports was not found (ERROR_PROC_NOT_FOUND)",
  193: "it is not a valid x86 Windows image (ERROR_BAD_EXE_FORMAT)",
  1114: "its DllMain returned FALSE (DLL initialization failed)",
};

/** Watches the runner's reports; the outcome fills in as the process runs. */
export function watchRunner(process: UserProcess, dll: string, exportName: string): DllCallOutcome {
  const outcome: DllCallOutcome = {};
  const runner = process.mainImage;
  const report = process.exportAddress(runner, REPORT_EXPORT);
  if (report === undefined) throw new LoadError(`${runner.path} has no export ${REPORT_EXPORT}: not ntrace's runner`);
  const machine = process.machine;
  machine.engine.addCodeHook(report, report, () => {
    const t = machine.currentThread();
    if (t === undefined) return;
    const esp = machine.reg(t, X86Reg.ESP);
    const kind = machine.memory.u32(esp + 4);
    const value = machine.memory.u32(esp + 8);
    switch (kind) {
      case RunnerReport.LOADED:
        outcome.loadedAt = value;
        break;
      case RunnerReport.RESULT:
        outcome.result = value;
        break;
      case RunnerReport.LOAD_FAILED:
        outcome.failure = `${dll} could not be loaded: ${LOAD_ERRORS[value] ?? `error ${value}`}`;
        break;
      case RunnerReport.PRELOAD_FAILED:
        outcome.failure = `a --load DLL could not be loaded: ${LOAD_ERRORS[value] ?? `error ${value}`}`;
        break;
      case RunnerReport.NO_EXPORT:
        outcome.failure = `${dll} has no export named ${exportName}`;
        break;
      default:
        outcome.failure = `${RUNNER_NAME} reported ${kind} (${hex(value)})`;
    }
  });
  return outcome;
}

/** One --call argument: decimal or 0x hex, 32-bit (negative numbers wrap). */
export function parseCallArg(text: string): number {
  const t = text.trim();
  const v = /^-?0x[0-9a-f]+$/i.test(t) ? (t.startsWith("-") ? -parseInt(t.slice(1), 16) : parseInt(t, 16)) : /^-?\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(v) || v > 0xffffffff || v < -0x80000000) throw new UsageError(`bad call argument "${text}": expected a decimal or 0x hex 32-bit integer`);
  return v >>> 0;
}

/** An export name without MSVC's decoration: _Name@8 (stdcall), @Name@8 (fastcall), _Name (cdecl). */
export function undecoratedExportName(name: string): string {
  const m = /^[_@]?([A-Za-z_$?][\w$?]*?)(?:@\d+)?$/.exec(name);
  return m !== null ? m[1]! : name;
}

/** Levenshtein distance, for suggesting close export names. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/**
 * The export `--call` means: the name itself; else the one export whose undecorated name it is
 * (`Compute` → `_Compute@4`). Otherwise a UsageError naming the candidates or close names.
 * `#N` (by ordinal) is passed through.
 */
export function resolveCallExport(dll: string, exportNames: readonly string[], wanted: string): string {
  if (wanted.startsWith("#") || exportNames.includes(wanted)) return wanted;
  const plain = undecoratedExportName(wanted);
  const same = exportNames.filter((n) => undecoratedExportName(n) === plain);
  if (same.length === 1) return same[0]!;
  if (same.length > 1) throw new UsageError(`--call ${wanted}: ${dll} exports several functions of that name: ${same.join(", ")}; name one`);
  const folded = exportNames.filter((n) => undecoratedExportName(n).toLowerCase() === plain.toLowerCase());
  const close = folded.length > 0 ? folded : exportNames
    .map((n) => ({ n, d: editDistance(undecoratedExportName(n).toLowerCase(), plain.toLowerCase()) }))
    .filter((c) => c.d <= Math.max(2, Math.floor(plain.length / 3)))
    .sort((x, y) => x.d - y.d || x.n.localeCompare(y.n))
    .slice(0, 5)
    .map((c) => c.n);
  const hint = close.length > 0 ? `; did you mean ${close.join(", ")}?` : exportNames.length > 0 ? ` (it exports ${exportNames.length} name(s); ntrace info ${dll} lists them)` : " (it exports no functions by name)";
  throw new UsageError(`--call ${wanted}: ${dll} has no export named ${wanted}${hint}`);
}

/** resolveCallExport over the named exports of the DLL file at `path`. */
export function resolveCallExportOf(path: string, displayName: string, wanted: string): string {
  const image = parsePe(new Uint8Array(readFileSync(path)), path);
  const entries = image.exports?.entries ?? [];
  if (wanted.startsWith("#")) {
    const ordinal = parseCallArg(wanted.slice(1));
    if (!entries.some((e) => e.ordinal === ordinal)) {
      const range = entries.length > 0 ? `its ordinals are ${entries[0]!.ordinal}..${entries[entries.length - 1]!.ordinal}` : "it exports nothing";
      throw new UsageError(`--call ${wanted}: ${displayName} has no export with ordinal ${ordinal} (${range})`);
    }
    return wanted;
  }
  return resolveCallExport(displayName, entries.flatMap((e) => e.names), wanted);
}
