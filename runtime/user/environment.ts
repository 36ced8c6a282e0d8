/**
 * The program's command line and environment block. Both are ntrace's, never the host's:
 * a fixed set of the variables Windows (and Wine) give every process, then --env additions.
 * Windows keeps the block sorted case-insensitively; the command line follows the quoting
 * rules the CRT's argument parser undoes (backslashes before a quote are doubled).
 */

/** One argument quoted for a Windows command line (CommandLineToArgvW / the CRT parse it back). */
export function quoteArgument(arg: string): string {
  if (arg !== "" && !/[\s"]/.test(arg)) return arg;
  let out = '"';
  let backslashes = 0;
  for (const ch of arg) {
    if (ch === "\\") {
      backslashes++;
      continue;
    }
    if (ch === '"') {
      out += "\\".repeat(2 * backslashes + 1) + '"';
    } else out += "\\".repeat(backslashes) + ch;
    backslashes = 0;
  }
  return out + "\\".repeat(2 * backslashes) + '"';
}

/** argv → command line; argv[0] (the program path) is quoted only when it contains spaces. */
export function buildCommandLine(argv: readonly string[]): string {
  return argv.map((a, i) => (i === 0 ? (/\s/.test(a) ? `"${a}"` : a) : quoteArgument(a))).join(" ");
}

export interface EnvironmentSpec {
  readonly cpus: number;
  /** PATH entries. */
  readonly path: readonly string[];
  readonly temp: string;
  readonly extra: Readonly<Record<string, string>>;
}

/** The environment block as a string of "NAME=value\0" entries ending in an extra "\0". */
export function buildEnvironment(spec: EnvironmentSpec): string {
  const vars = new Map<string, [string, string]>();
  const set = (name: string, value: string) => vars.set(name.toUpperCase(), [name, value]);
  set("ALLUSERSPROFILE", "C:\\ProgramData");
  set("APPDATA", "C:\\users\\ntrace\\AppData\\Roaming");
  set("CommonProgramFiles", "C:\\Program Files\\Common Files");
  set("COMPUTERNAME", "NTRACE");
  set("ComSpec", "C:\\windows\\system32\\cmd.exe");
  set("HOMEDRIVE", "C:");
  set("HOMEPATH", "\\users\\ntrace");
  set("LOCALAPPDATA", "C:\\users\\ntrace\\AppData\\Local");
  set("NUMBER_OF_PROCESSORS", String(spec.cpus));
  set("OS", "Windows_NT");
  set("PATH", spec.path.join(";"));
  set("PATHEXT", ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC");
  set("PROCESSOR_ARCHITECTURE", "x86");
  set("PROCESSOR_IDENTIFIER", "x86 Family 6 Model 0 Stepping 0, GenuineIntel");
  set("PROCESSOR_LEVEL", "6");
  set("PROCESSOR_REVISION", "0000");
  set("ProgramData", "C:\\ProgramData");
  set("ProgramFiles", "C:\\Program Files");
  set("PUBLIC", "C:\\users\\Public");
  set("SystemDrive", "C:");
  set("SystemRoot", "C:\\windows");
  set("TEMP", spec.temp);
  set("TMP", spec.temp);
  set("USERDOMAIN", "NTRACE");
  set("USERNAME", "ntrace");
  set("USERPROFILE", "C:\\users\\ntrace");
  // Wine's unix side sets it for its DLLs: advapi32's GetUserNameW reads it.
  set("WINEUSERNAME", "ntrace");
  set("windir", "C:\\windows");
  for (const [name, value] of Object.entries(spec.extra)) set(name, value);
  const entries = [...vars.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.map(([, [name, value]]) => `${name}=${value}\0`).join("") + "\0";
}
