/**
 * The program's file system: a few host directories mounted at guest paths, and nothing else
 * of the host. Guest paths are Windows paths (case-insensitive); each mount maps a guest
 * directory to a host directory, read-only or writable. Directories above mount points exist
 * as empty, read-only virtual directories (C:\, C:\windows, ...).
 *
 * Default mounts (runtime/user/README.md): C:\windows\system32 = Wine's DLL set (read-only);
 * the program's own directory (read-only) under Z:\ as Wine shows host paths; a private
 * writable scratch directory as the current directory (C:\work) and TEMP; `--mount` adds more.
 * Host names are matched case-insensitively; `..` never leaves a mount.
 */
import { existsSync, readdirSync, realpathSync, statSync, type Stats } from "node:fs";
import { join, resolve, sep } from "node:path";
import { UsageError } from "../../base/index.js";

export interface Mount {
  /** Guest directory, e.g. "C:\\windows\\system32" (no trailing backslash). */
  readonly guest: string;
  /** Host directory (absolute). */
  readonly host: string;
  readonly writable: boolean;
}

/** What a guest path names. */
export type Resolved =
  | { readonly kind: "host"; readonly guest: string; readonly host: string; readonly mount: Mount; readonly stat: Stats | undefined }
  | { readonly kind: "virtual"; readonly guest: string; readonly children: readonly string[] }
  | { readonly kind: "device"; readonly guest: string; readonly device: DeviceName }
  | { readonly kind: "missing"; readonly guest: string; readonly parentExists: boolean };

export type DeviceName = "null" | "condrv" | "pipe" | "mountmgr" | "unknown";

/** Canonical case-folded form of a guest path for comparisons. */
export const fold = (p: string): string => p.toLowerCase();

/** Splits "C:\a\b" into ["C:", "a", "b"], resolving "." and ".." (never above the drive). */
export function splitGuestPath(path: string): string[] | undefined {
  const parts: string[] = [];
  for (const raw of path.split(/[\\/]+/)) {
    if (raw === "" || raw === ".") continue;
    if (raw === "..") {
      if (parts.length > 1) parts.pop();
      continue;
    }
    parts.push(raw);
  }
  if (parts.length === 0 || !/^[a-zA-Z]:$/.test(parts[0]!)) return undefined;
  parts[0] = parts[0]!.toUpperCase();
  return parts;
}

/** Parses a `--mount HOSTDIR[=GUESTDIR][:rw|:ro]` option. */
export function parseMountSpec(spec: string, cwd = process.cwd()): Mount {
  let text = spec;
  let writable = false;
  const mode = /:(rw|ro)$/i.exec(text);
  if (mode !== null) {
    writable = mode[1]!.toLowerCase() === "rw";
    text = text.slice(0, -3);
  }
  const eq = text.indexOf("=");
  const hostText = eq < 0 ? text : text.slice(0, eq);
  if (hostText === "") throw new UsageError(`--mount "${spec}": no host directory`);
  const host = resolve(cwd, hostText);
  if (!existsSync(host) || !statSync(host).isDirectory()) throw new UsageError(`--mount "${spec}": ${host} is not a directory`);
  const guestText = eq < 0 ? hostToWineGuestPath(host) : text.slice(eq + 1);
  const parts = splitGuestPath(guestText);
  if (parts === undefined) throw new UsageError(`--mount "${spec}": the guest directory must be an absolute Windows path such as C:\\data, not "${guestText}"`);
  return { guest: parts.join("\\"), host, writable };
}

/** A host path as Wine shows it to programs: Z: plus the path with backslashes. */
export function hostToWineGuestPath(host: string): string {
  return "Z:" + resolve(host).split(sep).join("\\");
}

/** NT path ("\??\C:\x", "\DosDevices\C:\x", "\Device\Null") → DOS form or device. */
export function ntToDos(nt: string): { readonly dos?: string; readonly device?: DeviceName } {
  const m = /^\\(?:\?\?|DosDevices|GLOBAL\?\?)\\(.*)$/i.exec(nt);
  if (m !== null) {
    const rest = m[1]!;
    if (/^[a-zA-Z]:(\\|$)/.test(rest)) return { dos: rest };
    if (/^(nul)$/i.test(rest)) return { device: "null" };
    if (/^(conin\$|conout\$|con)$/i.test(rest)) return { device: "condrv" };
    if (/^pipe\\/i.test(rest)) return { device: "pipe" };
    if (/^mountpointmanager$/i.test(rest)) return { device: "mountmgr" };
    return { device: "unknown" };
  }
  if (/^\\Device\\Null$/i.test(nt)) return { device: "null" };
  if (/^\\Device\\ConDrv/i.test(nt)) return { device: "condrv" };
  if (/^\\Device\\NamedPipe/i.test(nt)) return { device: "pipe" };
  if (/^\\Device\\MountPointManager/i.test(nt)) return { device: "mountmgr" };
  return { device: "unknown" };
}

export class Vfs {
  /** Longest guest path first, so the deepest mount wins. */
  private readonly mounts: Mount[];
  /** Host directory → its entries' names (read-only mounts only: they cannot change). */
  private readonly listings = new Map<string, readonly string[]>();

  constructor(mounts: readonly Mount[]) {
    this.mounts = [...mounts].sort((a, b) => b.guest.length - a.guest.length);
  }

  list(): readonly Mount[] {
    return this.mounts;
  }

  /** Resolves a DOS path ("C:\windows\system32\kernel32.dll"). */
  resolve(dosPath: string): Resolved {
    const parts = splitGuestPath(dosPath);
    if (parts === undefined) return { kind: "missing", guest: dosPath, parentExists: false };
    const guest = parts.join("\\") + (parts.length === 1 ? "\\" : "");
    const folded = fold(parts.join("\\"));
    for (const m of this.mounts) {
      const mf = fold(m.guest);
      if (folded !== mf && !folded.startsWith(mf + "\\")) continue;
      const rest = parts.slice(m.guest.split("\\").length);
      const found = this.hostPath(m, rest);
      if (found.path !== undefined) return { kind: "host", guest, host: found.path, mount: m, stat: statOrUndefined(found.path) };
      return { kind: "missing", guest, parentExists: found.parentExists };
    }
    const children = this.virtualChildren(folded);
    if (children !== undefined) return { kind: "virtual", guest, children };
    const parent = parts.slice(0, -1);
    const parentExists = parent.length > 0 && (this.virtualChildren(fold(parent.join("\\"))) !== undefined || this.isHostDir(parent.join("\\")));
    return { kind: "missing", guest, parentExists };
  }

  private isHostDir(dos: string): boolean {
    const r = this.resolve(dos);
    return r.kind === "host" && r.stat?.isDirectory() === true;
  }

  /** Entries of a directory that exists only because mounts lie below it. */
  private virtualChildren(folded: string): string[] | undefined {
    const names = new Map<string, string>();
    for (const m of this.mounts) {
      const mf = fold(m.guest);
      if (!mf.startsWith(folded + "\\")) continue;
      const next = m.guest.split("\\")[folded.split("\\").length];
      if (next !== undefined) names.set(next.toLowerCase(), next);
    }
    if (names.size === 0) {
      // A drive letter that has mounts is a directory even when nothing lies below it.
      return this.mounts.some((m) => fold(m.guest.split("\\")[0]!) === folded) ? [] : undefined;
    }
    return [...names.values()];
  }

  /** Host path for the components below a mount (case-insensitive), or where it is missing. */
  private hostPath(m: Mount, rest: readonly string[]): { path?: string; parentExists: boolean } {
    let dir = m.host;
    for (let i = 0; i < rest.length; i++) {
      const name = rest[i]!;
      if (!isValidFileName(name)) return { parentExists: false };
      const exact = join(dir, name);
      let next: string | undefined;
      if (existsSync(exact)) next = exact;
      else {
        const hit = this.entries(m, dir).find((e) => e.toLowerCase() === name.toLowerCase());
        if (hit !== undefined) next = join(dir, hit);
      }
      if (next === undefined) return { parentExists: i === rest.length - 1 && statOrUndefined(dir)?.isDirectory() === true };
      dir = next;
    }
    // Symbolic links must not lead out of the mount: compare real paths.
    const real = realPath(dir);
    const root = this.realRoot(m);
    if (real === undefined || (real !== root && !real.startsWith(root + sep))) return { parentExists: false };
    return { path: dir, parentExists: true };
  }

  private readonly realRoots = new Map<Mount, string>();
  /** A mount's host directory with every symbolic link resolved. */
  private realRoot(m: Mount): string {
    let root = this.realRoots.get(m);
    if (root === undefined) this.realRoots.set(m, (root = realPath(m.host) ?? resolve(m.host)));
    return root;
  }

  /** The names in a host directory (cached for read-only mounts). */
  entries(m: Mount, hostDir: string): readonly string[] {
    if (!m.writable) {
      const cached = this.listings.get(hostDir);
      if (cached !== undefined) return cached;
    }
    let names: string[];
    try {
      names = readdirSync(hostDir);
    } catch {
      names = [];
    }
    names.sort();
    if (!m.writable) this.listings.set(hostDir, names);
    return names;
  }

  /** The guest path of a host file inside a mount, if any. */
  guestPathOf(host: string): string | undefined {
    const h = resolve(host);
    for (const m of this.mounts) {
      if (h === m.host) return m.guest;
      if (h.startsWith(m.host + sep)) return m.guest + "\\" + h.slice(m.host.length + 1).split(sep).join("\\");
    }
    return undefined;
  }
}

function realPath(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

function statOrUndefined(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

/** Whether a path component is a name Windows accepts: no control characters, none of <>:"/\\|?*. */
export function isValidFileName(name: string): boolean {
  if (name === "") return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || '<>:"/\\|?*'.includes(name[i]!)) return false;
  }
  return true;
}
