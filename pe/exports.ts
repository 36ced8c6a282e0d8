/**
 * Export directory: the address table (one slot per ordinal from Base), the name pointer
 * table and its parallel ordinal table. A slot whose RVA lies inside the export directory's
 * own range is a forwarder string ("DLL.Func" or "DLL.#N"), not code; a slot outside any
 * executable section is a data export.
 */
import { rva } from "../base/index.js";
import type { ExportEntry, ExportTable } from "./types.js";
import { RvaReader, isExecutableRva, regionOfRva, type RvaSource } from "./rva.js";

/** Ordinals are 16-bit: no real image has more slots or names than this. */
export const MAX_EXPORTS = 65536;

const ED = "IMAGE_EXPORT_DIRECTORY";

/** The directory's counts and table addresses, with the limits both readers check. */
function directory(rr: RvaReader, dirRva: number, dirField: RvaSource) {
  const base = rr.offsetFor(dirRva, dirField);
  const at = (field: string): RvaSource => ({ structure: ED, field, offset: base });
  const numberOfFunctions = rr.u32(dirRva + 20, at("NumberOfFunctions"));
  const numberOfNames = rr.u32(dirRva + 24, at("NumberOfNames"));
  if (numberOfFunctions > MAX_EXPORTS) throw rr.error(at("NumberOfFunctions"), `${numberOfFunctions} exports is more than the ${MAX_EXPORTS} ordinals can number`);
  if (numberOfNames > MAX_EXPORTS) throw rr.error(at("NumberOfNames"), `${numberOfNames} export names is more than ${MAX_EXPORTS}`);
  const functionsRva = rr.u32(dirRva + 28, at("AddressOfFunctions"));
  const namesRva = rr.u32(dirRva + 32, at("AddressOfNames"));
  const ordinalsRva = rr.u32(dirRva + 36, at("AddressOfNameOrdinals"));
  /** The three tables, each read in one piece (bounds-checked once, zero-filled as mapped). */
  const tables = () => {
    const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
    return {
      fv: view(rr.bytes(functionsRva, numberOfFunctions * 4, at("AddressOfFunctions"))),
      nv: view(rr.bytes(namesRva, numberOfNames * 4, at("AddressOfNames"))),
      ov: view(rr.bytes(ordinalsRva, numberOfNames * 2, at("AddressOfNameOrdinals"))),
    };
  };
  return { at, numberOfFunctions, numberOfNames, functionsRva, namesRva, ordinalsRva, tables };
}

export function parseExports(rr: RvaReader, dirRva: number, dirSize: number, dirField: RvaSource): ExportTable | null {
  if (dirRva === 0) return null;
  const { at, numberOfFunctions, numberOfNames, functionsRva, namesRva, ordinalsRva, tables } = directory(rr, dirRva, dirField);
  const timeDateStamp = rr.u32(dirRva + 4, at("TimeDateStamp"));
  const nameRva = rr.u32(dirRva + 12, at("Name"));
  const ordinalBase = rr.u32(dirRva + 16, at("Base"));
  if (ordinalBase + numberOfFunctions > 0x10000 && numberOfFunctions > 0) {
    throw rr.error(at("Base"), `ordinals ${ordinalBase}..${ordinalBase + numberOfFunctions - 1} do not fit in 16 bits`);
  }
  const dllName = nameRva !== 0 ? rr.cstring(nameRva, at("Name"), 1024) : "";
  const { fv, nv, ov } = tables();

  const namesByIndex = new Map<number, string[]>();
  for (let i = 0; i < numberOfNames; i++) {
    const index = ov.getUint16(i * 2, true);
    if (index >= numberOfFunctions) {
      throw rr.error(
        { structure: ED, field: `AddressOfNameOrdinals[${i}]`, offset: rr.offsetFor(ordinalsRva + i * 2, at("AddressOfNameOrdinals")) },
        `name ordinal index ${index} is outside the address table (${numberOfFunctions} entries)`,
      );
    }
    const nRva = nv.getUint32(i * 4, true);
    const name = rr.cstring(nRva, { structure: ED, field: `AddressOfNames[${i}]`, offset: rr.offsetFor(namesRva + i * 4, at("AddressOfNames")) }, 4096);
    const list = namesByIndex.get(index);
    if (list === undefined) namesByIndex.set(index, [name]);
    else list.push(name);
  }

  const entries: ExportEntry[] = [];
  for (let i = 0; i < numberOfFunctions; i++) {
    const target = fv.getUint32(i * 4, true);
    if (target === 0) continue;
    const names = (namesByIndex.get(i) ?? []).sort();
    const ordinal = ordinalBase + i;
    if (target >= dirRva && target - dirRva < dirSize) {
      const forwarder = rr.cstring(target, { structure: ED, field: `AddressOfFunctions[${i}]`, offset: rr.offsetFor(functionsRva + i * 4, at("AddressOfFunctions")) }, 1024);
      entries.push({ ordinal, names, rva: rva(target), forwarder, code: false });
    } else {
      entries.push({ ordinal, names, rva: rva(target), code: isExecutableRva(rr.image, target) });
    }
  }
  return { dllName, ordinalBase, timeDateStamp, entries };
}

/**
 * The RVAs of the named code exports among `wanted` (forwarders left out), without parsing the
 * whole table: only names whose bytes start like a wanted one are decoded. A system DLL has
 * thousands of names; a caller that needs a handful (the tracer watching for libgcc's unwinder
 * in every module) pays microseconds instead of milliseconds. Same checks as parseExports for
 * what it reads.
 */
export function findExports(
  rr: RvaReader,
  dirRva: number,
  dirSize: number,
  dirField: RvaSource,
  wanted: readonly string[],
  /** The RVA range whose bytes are present (a lazily read file): undefined when the lookup needs others. */
  present?: readonly [number, number],
): Map<string, number> | undefined {
  const found = new Map<string, number>();
  if (dirRva === 0 || wanted.length === 0) return found;
  const inside = (r: number, size: number) => present === undefined || (r >= present[0] && r + size <= present[1]);
  if (!inside(dirRva, 40)) return undefined;
  const { at, numberOfFunctions, numberOfNames, functionsRva, namesRva, ordinalsRva, tables } = directory(rr, dirRva, dirField);
  if (!inside(functionsRva, numberOfFunctions * 4) || !inside(namesRva, numberOfNames * 4) || !inside(ordinalsRva, numberOfNames * 2)) return undefined;
  const { fv, nv, ov } = tables();
  // The first two bytes of each wanted name, as a 16-bit key (names are ASCII).
  const heads = new Set(wanted.map((w) => w.charCodeAt(0) | (w.charCodeAt(1) << 8)));
  const want = new Set(wanted);
  const bytes = rr.image.bytes;
  let r: ReturnType<typeof regionOfRva>; // names lie together: the last one's region, usually
  for (let i = 0; i < numberOfNames; i++) {
    const nRva = nv.getUint32(i * 4, true);
    if (!inside(nRva, 1)) return undefined;
    if (r === undefined || nRva < r.rva || nRva - r.rva >= r.rawSize) r = regionOfRva(rr.image, nRva);
    if (r === undefined) continue; // parseExports reports it; a lookup just finds nothing there
    const o = r.rawOffset + (nRva - r.rva);
    if (o + 1 >= bytes.length || nRva - r.rva + 1 >= r.rawSize || !heads.has(bytes[o]! | (bytes[o + 1]! << 8))) continue;
    const where = { structure: ED, field: `AddressOfNames[${i}]`, offset: rr.offsetFor(namesRva + i * 4, at("AddressOfNames")) };
    const name = rr.cstring(nRva, where, 4096);
    if (!inside(nRva, name.length + 1)) return undefined;
    if (!want.has(name) || found.has(name)) continue;
    const index = ov.getUint16(i * 2, true);
    if (index >= numberOfFunctions) continue;
    const target = fv.getUint32(index * 4, true);
    if (target === 0 || (target >= dirRva && target - dirRva < dirSize)) continue; // unused slot, forwarder
    found.set(name, target);
  }
  return found;
}

/** The RVAs of these named code exports in a parsed table (forwarders left out). */
export function exportRvasOf(table: ExportTable | null, names: readonly string[]): Map<string, number> {
  const found = new Map<string, number>();
  const wanted = new Set(names);
  for (const e of table?.entries ?? []) {
    if (e.forwarder !== undefined) continue;
    for (const n of e.names) if (wanted.has(n) && !found.has(n)) found.set(n, e.rva);
  }
  return found;
}
