/**
 * The system DLL set user-mode programs run on: Wine 8's genuine i386 PE DLLs and its NLS
 * tables, fetched from Debian's packages by scripts/fetch-system-dlls.sh into ntrace's cache.
 * `--system-dlls DIR` or NTRACE_SYSTEM_DLLS point elsewhere (DIR holds system32/ and nls/, or
 * the DLLs themselves with the NLS tables in DIR/nls or ../../share/wine/nls as Debian lays
 * them out).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { NtraceError } from "../../base/index.js";
import { packageRoot } from "../../base/packageroot.js";
import { cacheDir } from "../../base/cachedir.js";

export { cacheDir };

/** What must be there for a console program to start (the rest loads on demand). */
export const REQUIRED_DLLS = ["ntdll.dll", "kernel32.dll", "kernelbase.dll", "apisetschema.dll", "msvcrt.dll", "ucrtbase.dll"] as const;
export const REQUIRED_NLS = ["locale.nls", "l_intl.nls", "c_1252.nls", "c_437.nls", "sortdefault.nls", "normnfc.nls"] as const;

export class SystemDllsError extends NtraceError {}

export interface SystemDlls {
  /** Host directory shown to the guest as C:\windows\system32. */
  readonly system32: string;
  /** Host directory of the NLS tables. */
  readonly nls: string;
  /** Package versions, when known ("libwine 8.0~repack-4", ...). */
  readonly version: string;
}


/** The mingw-w64 runtime DLLs fetched with the system DLLs (thread model "win32" or "posix"). */
export function mingwRuntimeDir(model: "win32" | "posix"): string {
  return join(cacheDir(), "mingw", model);
}

/** How to get the DLL set, for error messages (the script ships in the repository and the npm package). */
function how(): string {
  const script = join(packageRoot(import.meta.url) ?? ".", "scripts", "fetch-system-dlls.sh");
  return `run bash ${script} (it fetches Wine's DLLs from Debian's libwine:i386 package into ntrace's cache; scripts/install-deps.sh runs it), or point --system-dlls / NTRACE_SYSTEM_DLLS at a directory holding them`;
}

/** Finds and checks the DLL set: `explicit` (--system-dlls), NTRACE_SYSTEM_DLLS, then the cache. */
export function locateSystemDlls(explicit?: string): SystemDlls {
  const given = explicit ?? (process.env["NTRACE_SYSTEM_DLLS"] !== "" ? process.env["NTRACE_SYSTEM_DLLS"] : undefined);
  const source = explicit !== undefined ? "--system-dlls" : given !== undefined ? "NTRACE_SYSTEM_DLLS" : "ntrace's cache";
  const dir = resolve(given ?? join(cacheDir(), "wine"));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new SystemDllsError(`Wine's system DLLs are not installed (${source}: ${dir} is not a directory): ${how()}`);
  const system32 = existsSync(join(dir, "system32", "ntdll.dll")) ? join(dir, "system32") : dir;
  const nlsCandidates = [join(dir, "nls"), join(system32, "nls"), resolve(system32, "../../../../share/wine/nls")];
  const nls = nlsCandidates.find((d) => existsSync(join(d, "locale.nls"))) ?? nlsCandidates[0]!;
  const missing = [...REQUIRED_DLLS.filter((f) => !existsSync(join(system32, f))), ...REQUIRED_NLS.filter((f) => !existsSync(join(nls, f))).map((f) => `nls/${f}`)];
  if (missing.length > 0) throw new SystemDllsError(`Wine's system DLL set in ${dir} (${source}) is incomplete: missing ${missing.join(", ")}: ${how()}`);
  const versionFile = join(dir, "VERSION");
  const version = existsSync(versionFile) ? readFileSync(versionFile, "utf8").split("\n").find((l) => l.startsWith("libwine")) ?? "" : "";
  return { system32, nls, version: version.trim() };
}
