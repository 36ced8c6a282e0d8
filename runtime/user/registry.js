/**
 * The registry the program sees: an in-memory hive, the same every run, never the host's.
 * It holds the values programs commonly read (computer name, Windows version, time zone,
 * code pages); everything a program writes lives until the process ends.
 */
import { utf16z } from "./guest.js";
export const RegType = { NONE: 0, SZ: 1, EXPAND_SZ: 2, BINARY: 3, DWORD: 4, MULTI_SZ: 7, QWORD: 11 };
export class RegKey {
    name;
    parent;
    volatile;
    subkeys = new Map();
    values = new Map();
    /** FILETIME of the last write. */
    lastWrite = 0n;
    deleted = false;
    constructor(name, parent, volatile = false) {
        this.name = name;
        this.parent = parent;
        this.volatile = volatile;
    }
    get path() {
        return this.parent === undefined ? `\\${this.name}` : `${this.parent.path}\\${this.name}`;
    }
    child(name) {
        return this.subkeys.get(name.toLowerCase());
    }
    value(name) {
        return this.values.get(name.toLowerCase());
    }
    setValue(name, type, data) {
        this.values.set(name.toLowerCase(), { name, type, data });
    }
}
/** The SID of the user the process runs as (the token and HKEY_CURRENT_USER agree on it). */
export const USER_SID = "S-1-5-21-0-0-0-1000";
const sz = (s) => [RegType.SZ, utf16z(s)];
const dword = (n) => [RegType.DWORD, new Uint8Array(new Uint32Array([n >>> 0]).buffer)];
export class Registry {
    root = new RegKey("REGISTRY", undefined);
    constructor(cpus) {
        const put = (path, values) => {
            const key = this.create(path);
            for (const [name, [type, data]] of Object.entries(values))
                key.setValue(name, type, data);
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
    /** The key at an absolute path ("\Registry\Machine\..."), if it exists. */
    open(path, from = this.root) {
        let key = from;
        for (const part of splitKeyPath(path, from === this.root)) {
            key = key.child(part);
            if (key === undefined || key.deleted)
                return undefined;
        }
        return key;
    }
    /** Opens or creates the key (and the keys above it). */
    create(path, from = this.root) {
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
    parentExists(path, from = this.root) {
        const parts = splitKeyPath(path, from === this.root);
        return parts.length <= 1 || this.open(parts.slice(0, -1).join("\\"), from) !== undefined || (from === this.root && parts.length === 2);
    }
}
/** "\Registry\Machine\Software" → ["Machine", "Software"] for absolute paths (REGISTRY is the root). */
function splitKeyPath(path, absolute) {
    const parts = path.split("\\").filter((p) => p !== "");
    if (absolute && parts[0]?.toLowerCase() === "registry")
        parts.shift();
    return parts;
}
