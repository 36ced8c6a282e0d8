/**
 * Function discovery: every address some source says is a function, with all its names.
 *
 * Sources: exports (never forwarders — their RVA lies inside the export directory — nor
 * data exports outside executable sections), PDB procedures (which carry sizes), PDB
 * publics flagged as functions, COFF function symbols, the entry point, direct call targets
 * found by following the code from all of these (for stripped images; `callTargets` in
 * listing.ts), and explicit RVAs from the caller.
 *
 * Names: `names` holds every name as found (decorated, e.g. `_Run@4`, `_fib`) AND its
 * undecorated form (`Run`, `fib`), sorted and deduplicated, so that `--include` globs match
 * either spelling. The primary `name` is the first available of: PDB procedure name, export
 * name, undecorated public, undecorated COFF symbol, `sub_<rva>`.
 */
import type { Rva } from "../base/index.js";
import { rva as toRva } from "../base/index.js";
import type { PeImage } from "../pe/types.js";
import type { Pdb } from "../pe/pdb/types.js";
import { isExecutable, sectionOf } from "./image.js";

export type FunctionSource = "export" | "pdb-procedure" | "pdb-public" | "coff" | "entry" | "call" | "explicit";

export interface DiscoveredFunction {
  readonly rva: Rva;
  /** Primary (display) name. */
  readonly name: string;
  /** Every name as found plus undecorated forms, sorted and deduplicated. */
  readonly names: readonly string[];
  /** Code size in bytes, from the PDB procedure when there is one. */
  readonly size?: number;
  /** Sources, in the fixed order of FunctionSource. */
  readonly sources: readonly FunctionSource[];
}

export interface DiscoverySources {
  readonly pdb?: Pdb;
  readonly explicit?: readonly number[];
  /** Direct call targets found by following the code (callTargets), named `sub_<rva>`. */
  readonly calls?: readonly number[];
}

const SOURCE_ORDER: readonly FunctionSource[] = ["pdb-procedure", "export", "pdb-public", "coff", "entry", "call", "explicit"];

/**
 * Undecorated form of a C name: `_name` (cdecl), `_name@N` (stdcall), `@name@N` (fastcall)
 * → `name`. C++ (`?...`) and other names are returned unchanged.
 */
export function undecorate(name: string): string {
  let m = /^_([A-Za-z_$?][\w$?@]*?)@\d+$/.exec(name);
  if (m !== null) return m[1]!;
  m = /^@([A-Za-z_$][\w$]*)@\d+$/.exec(name);
  if (m !== null) return m[1]!;
  if (name.startsWith("_") && !name.startsWith("__") && name.length > 1 && !name.startsWith("_?")) return name.slice(1);
  return name;
}

interface Collected {
  readonly byName: Map<FunctionSource, string[]>;
  size?: number;
}

export function discoverFunctions(image: PeImage, sources: DiscoverySources = {}): DiscoveredFunction[] {
  const found = new Map<number, Collected>();
  const add = (rva: number, source: FunctionSource, name?: string, size?: number): void => {
    const section = sectionOf(image, rva);
    if (section === undefined || !isExecutable(section)) return;
    let entry = found.get(rva);
    if (entry === undefined) {
      entry = { byName: new Map() };
      found.set(rva, entry);
    }
    const list = entry.byName.get(source) ?? [];
    if (name !== undefined && name !== "") list.push(name);
    entry.byName.set(source, list);
    if (size !== undefined && size > 0 && (entry.size === undefined || size > entry.size)) entry.size = size;
  };

  for (const e of image.exports?.entries ?? []) {
    if (e.forwarder !== undefined || !e.code) continue;
    if (e.names.length === 0) add(e.rva, "export", `#${e.ordinal}`);
    for (const n of e.names) add(e.rva, "export", n);
  }
  const pdb = sources.pdb;
  if (pdb !== undefined) {
    for (const p of pdb.procedures) if (p.rva !== undefined) add(p.rva, "pdb-procedure", p.name, p.size);
    for (const p of pdb.publics) if (p.isFunction && p.rva !== undefined) add(p.rva, "pdb-public", p.name);
  }
  for (const s of image.coffSymbols) if (s.isFunction && s.rva !== undefined) add(s.rva, "coff", s.name);
  if (image.entryRva !== 0) add(image.entryRva, "entry");
  for (const r of sources.calls ?? []) add(r >>> 0, "call");
  for (const r of sources.explicit ?? []) add(r >>> 0, "explicit");

  const out: DiscoveredFunction[] = [];
  for (const [rva, c] of found) {
    const names = new Set<string>();
    for (const list of c.byName.values()) for (const n of list) {
      names.add(n);
      if (!n.startsWith("#")) names.add(undecorate(n));
    }
    const primary =
      first(c.byName.get("pdb-procedure")) ??
      first(c.byName.get("export")) ??
      mapFirst(c.byName.get("pdb-public"), undecorate) ??
      mapFirst(c.byName.get("coff"), undecorate) ??
      `sub_${rva.toString(16).padStart(8, "0")}`;
    names.add(primary);
    out.push({
      rva: toRva(rva),
      name: primary,
      names: [...names].sort(),
      ...(c.size !== undefined ? { size: c.size } : {}),
      sources: SOURCE_ORDER.filter((s) => c.byName.has(s)),
    });
  }
  return out.sort((a, b) => a.rva - b.rva);
}

function first(list: readonly string[] | undefined): string | undefined {
  return list !== undefined && list.length > 0 ? [...list].sort()[0] : undefined;
}
function mapFirst(list: readonly string[] | undefined, f: (s: string) => string): string | undefined {
  const v = first(list);
  return v === undefined ? undefined : f(v);
}
