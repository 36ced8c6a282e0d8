/**
 * The registry the program sees: an in-memory hive, the same every run, never the host's.
 * It holds the values programs commonly read (computer name, Windows version, time zone,
 * code pages); everything a program writes lives until the process ends.
 */
import { utf16z } from "./guest.js";

export const RegType = { NONE: 0, SZ: 1, EXPAND_SZ: 2, BINARY: 3, DWORD: 4, MULTI_SZ: 7, QWORD: 11 } as const;

export interface RegValue {
  /** Name as given (lookups are case-insensitive). */
  readonly name: string;
  readonly type: number;
  readonly data: Uint8Array;
}

export class RegKey {
  readonly subkeys = new Map<string, RegKey>();
  readonly values = new Map<string, RegValue>();
  /** FILETIME of the last write. */
  lastWrite = 0n;
  deleted = false;
  constructor(
    readonly name: string,
    readonly parent: RegKey | undefined,
    readonly volatile = false,
  ) {}

  get path(): string {
    return this.parent === undefined ? `\\${this.name}` : `${this.parent.path}\\${this.name}`;
  }
  child(name: string): RegKey | undefined {
    return this.subkeys.get(name.toLowerCase());
  }
  value(name: string): RegValue | undefined {
    return this.values.get(name.toLowerCase());
  }
  setValue(name: string, type: number, data: Uint8Array): void {
    this.values.set(name.toLowerCase(), { name, type, data });
  }
}

/** The SID of the user the process runs as (the token and HKEY_CURRENT_USER agree on it). */
export const USER_SID = "S-1-5-21-0-0-0-1000";

const sz = (s: string): [number, Uint8Array] => [RegType.SZ, utf16z(s)];
const dword = (n: number): [number, Uint8Array] => [RegType.DWORD, new Uint8Array(new Uint32Array([n >>> 0]).buffer)];

export class Registry {
  /**
   * Bytes of keys and values the program may add (64 MiB): the hive lives in host memory until
   * the process ends, so what a program writes is bounded; past it, writes fail with
   * STATUS_INSUFFICIENT_RESOURCES, as a registry out of paged pool fails them.
   */
  static readonly QUOTA = 0x4000000;
  readonly root = new RegKey("REGISTRY", undefined);
  /** What the program added so far (names and data), against QUOTA. */
  private stored = 0;

  constructor(cpus: number) {
    const put = (path: string, values: Record<string, [number, Uint8Array]>) => {
      const key = this.create(path);
      for (const [name, [type, data]] of Object.entries(values)) key.setValue(name, type, data);
    };
    const machine = "\\Registry\\Machine";
    const ccs = `${machine}\\System\\CurrentControlSet`;
    put(`${ccs}\\Control\\ComputerName\\ComputerName`, { ComputerName: sz("NTRACE") });
    put(`${ccs}\\Control\\ComputerName\\ActiveComputerName`, { ComputerName: sz("NTRACE") });
    put(`${ccs}\\Services\\Tcpip\\Parameters`, { Hostname: sz("ntrace"), Domain: sz("") });
    put(`${machine}\\Software\\Microsoft\\Windows NT\\CurrentVersion`, {
      ProductName: sz("Windows 7 Professional"),
      CurrentVersion: sz("6.1"),
      CurrentBuild: sz("7601"),
      CurrentBuildNumber: sz("7601"),
      CSDVersion: sz("Service Pack 1"),
      CurrentType: sz("Uniprocessor Free"),
      RegisteredOwner: sz("ntrace"),
      RegisteredOrganization: sz(""),
      SystemRoot: sz("C:\\windows"),
      InstallDate: dword(0),
    });
    put(`${machine}\\Software\\Microsoft\\Windows\\CurrentVersion`, {
      ProgramFilesDir: sz("C:\\Program Files"),
      CommonFilesDir: sz("C:\\Program Files\\Common Files"),
      ProgramFilesPath: sz("%ProgramFiles%"),
    });
    put(`${ccs}\\Control\\TimeZoneInformation`, {
      Bias: dword(0),
      StandardName: sz("Coordinated Universal Time"),
      StandardBias: dword(0),
      DaylightName: sz("Coordinated Universal Time"),
      DaylightBias: dword(0),
      TimeZoneKeyName: sz("UTC"),
      DynamicDaylightTimeDisabled: dword(1),
    });
    put(`${ccs}\\Control\\Nls\\CodePage`, { ACP: sz("1252"), OEMCP: sz("437"), MACCP: sz("10000") });
    put(`${ccs}\\Control\\Nls\\Language`, { Default: sz("0409"), InstallLanguage: sz("0409") });
    put(`${ccs}\\Control\\Session Manager`, { SafeDllSearchMode: dword(1), SafeProcessSearchMode: dword(0) });
    put(`${ccs}\\Control\\Session Manager\\Environment`, { NUMBER_OF_PROCESSORS: sz(String(cpus)), OS: sz("Windows_NT"), PROCESSOR_ARCHITECTURE: sz("x86") });
    put(`${machine}\\Hardware\\Description\\System\\CentralProcessor\\0`, {
      Identifier: sz("x86 Family 6 Model 0 Stepping 0"),
      ProcessorNameString: sz("ntrace virtual x86 processor"),
      VendorIdentifier: sz("GenuineIntel"),
      "~MHz": dword(1000),
    });
    const user = `\\Registry\\User\\${USER_SID}`;
    put(`${user}\\Control Panel\\International`, { Locale: sz("00000409"), LocaleName: sz("en-US"), sLanguage: sz("ENU") });
    put(`${user}\\Environment`, {});
    put(`${user}\\Software`, {});
    put(`\\Registry\\User\\.Default`, {});
    put(`${machine}\\Software\\Classes`, {});
  }

  /** Counts `bytes` against the quota (negative: given back); false, and nothing counted, when they do not fit. */
  charge(bytes: number): boolean {
    if (bytes > 0 && this.stored + bytes > Registry.QUOTA) return false;
    this.stored = Math.max(0, this.stored + bytes);
    return true;
  }

  /** The key at an absolute path ("\Registry\Machine\..."), if it exists. */
  open(path: string, from: RegKey = this.root): RegKey | undefined {
    let key: RegKey | undefined = from;
    for (const part of splitKeyPath(path, from === this.root)) {
      key = key.child(part);
      if (key === undefined || key.deleted) return undefined;
    }
    return key;
  }

  /** Opens or creates the key (and the keys above it). */
  create(path: string, from: RegKey = this.root): RegKey {
    let key = from;
    for (const part of splitKeyPath(path, from === this.root)) {
      let next = key.child(part);
      if (next === undefined || next.deleted) {
        next = new RegKey(part, key);
        key.subkeys.set(part.toLowerCase(), next);
      }
      key = next;
    }
    return key;
  }

  /** Whether the key's parent exists (NtCreateKey fails with OBJECT_NAME_NOT_FOUND otherwise). */
  parentExists(path: string, from: RegKey = this.root): boolean {
    const parts = splitKeyPath(path, from === this.root);
    return parts.length <= 1 || this.open(parts.slice(0, -1).join("\\"), from) !== undefined || (from === this.root && parts.length === 2);
  }
}

/** "\Registry\Machine\Software" → ["Machine", "Software"] for absolute paths (REGISTRY is the root). */
function splitKeyPath(path: string, absolute: boolean): string[] {
  const parts = path.split("\\").filter((p) => p !== "");
  if (absolute && parts[0]?.toLowerCase() === "registry") parts.shift();
  return parts;
}
