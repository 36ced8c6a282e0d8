/**
 * Reads the golden text of `llvm-readobj --file-headers --sections --coff-imports
 * --coff-exports --coff-debug-directory` and `llvm-objdump -p` (export table) into plain
 * values, independently of pe/ (nothing here uses the parser's code).
 */

export interface ReadobjImage {
  machine: number;
  imageBase: number;
  entryRva: number;
  subsystem: number;
  exportTableRva: number;
  exportTableSize: number;
  sections: { name: string; rva: number; virtualSize: number; characteristics: number }[];
  imports: { dll: string; symbols: { name: string; number: number }[] }[];
  delayImports: number;
  /** Every slot llvm-readobj lists (including empty ones: name "" and RVA 0). */
  exports: { ordinal: number; name: string; rva: number }[];
  debug: { type: number; pdb?: { guid: string; age: number; path: string } }[];
}

const hexIn = (s: string): number => {
  const m = /\((0x[0-9A-Fa-f]+)\)/.exec(s) ?? /(0x[0-9A-Fa-f]+)/.exec(s);
  if (m === null) throw new Error(`no hex number in "${s}"`);
  return Number(m[1]);
};

/** "PDBGUID: (53 EB 04 30 67 00 ...)" → Windows text form, Data1..3 little-endian. */
export function guidFromReadobjBytes(list: string): string {
  const b = list.trim().split(/\s+/).map((x) => x.toUpperCase());
  if (b.length !== 16) throw new Error(`GUID has ${b.length} bytes: ${list}`);
  return `${b[3]}${b[2]}${b[1]}${b[0]}-${b[5]}${b[4]}-${b[7]}${b[6]}-${b[8]}${b[9]}-${b.slice(10).join("")}`;
}

export function parseReadobj(text: string): ReadobjImage {
  const img: ReadobjImage = { machine: -1, imageBase: -1, entryRva: -1, subsystem: -1, exportTableRva: 0, exportTableSize: 0, sections: [], imports: [], delayImports: 0, exports: [], debug: [] };
  let block = ""; // top-level block: ImageFileHeader, Sections, Import, Export, DebugDirectory, ...
  let section: ReadobjImage["sections"][number] | undefined;
  let exp: ReadobjImage["exports"][number] | undefined;
  let dbg: ReadobjImage["debug"][number] | undefined;
  const pdb = { guid: "", age: 0, path: "" };
  for (const line of text.split("\n")) {
    const top = /^(\w+) [{[]$/.exec(line);
    if (top !== null) {
      block = top[1]!;
      if (block === "Import") img.imports.push({ dll: "", symbols: [] });
      if (block === "DelayImport") img.delayImports++;
      if (block === "Export") img.exports.push((exp = { ordinal: -1, name: "", rva: 0 }));
      continue;
    }
    const kv = /^\s*(\w+): ?(.*)$/.exec(line);
    if (/^\s*Section \{$/.test(line)) img.sections.push((section = { name: "", rva: -1, virtualSize: -1, characteristics: -1 }));
    if (/^\s*DebugEntry \{$/.test(line)) img.debug.push((dbg = { type: -1 }));
    if (/^\s*Characteristics \[ \((0x[0-9A-F]+)\)$/.test(line) && block === "Sections" && section !== undefined) {
      section.characteristics = hexIn(line);
    }
    if (kv === null) continue;
    const [, key, value] = kv as unknown as [string, string, string];
    switch (block) {
      case "ImageFileHeader":
        if (key === "Machine") img.machine = hexIn(value);
        break;
      case "ImageOptionalHeader":
        if (key === "AddressOfEntryPoint") img.entryRva = hexIn(value);
        if (key === "ImageBase") img.imageBase = hexIn(value);
        if (key === "Subsystem") img.subsystem = hexIn(value);
        if (key === "ExportTableRVA") img.exportTableRva = hexIn(value);
        if (key === "ExportTableSize") img.exportTableSize = hexIn(value);
        break;
      case "Sections":
        if (section === undefined) break;
        if (key === "Name") section.name = value.replace(/ \([0-9A-F ]+\)$/, "");
        if (key === "VirtualSize") section.virtualSize = hexIn(value);
        if (key === "VirtualAddress") section.rva = hexIn(value);
        break;
      case "Import": {
        const cur = img.imports[img.imports.length - 1]!;
        if (key === "Name") cur.dll = value;
        if (key === "Symbol") {
          const m = /^(.*) \((\d+)\)$/.exec(value);
          if (m === null) throw new Error(`bad Symbol line: ${line}`);
          cur.symbols.push({ name: m[1]!.trim(), number: Number(m[2]) });
        }
        break;
      }
      case "Export":
        if (exp === undefined) break;
        if (key === "Ordinal") exp.ordinal = Number(value);
        if (key === "Name") exp.name = value;
        if (key === "RVA") exp.rva = hexIn(value);
        break;
      case "DebugDirectory":
        if (dbg === undefined) break;
        if (key === "Type") {
          dbg.type = hexIn(value);
          if (dbg.type === 2) dbg.pdb = pdb;
        }
        if (key === "PDBGUID") dbg.pdb = { ...(dbg.pdb ?? pdb), guid: guidFromReadobjBytes(value.replace(/[()]/g, "")) };
        if (key === "PDBAge") dbg.pdb = { ...(dbg.pdb ?? pdb), age: Number(value) };
        if (key === "PDBFileName") dbg.pdb = { ...(dbg.pdb ?? pdb), path: value };
        break;
      default:
        break;
    }
  }
  return img;
}

/** Forwarders from `llvm-objdump -p`'s export table: ordinal → target. */
export function parseObjdumpForwarders(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const m of text.matchAll(/^\s+(\d+)\s+.*\(forwarded to (.+)\)$/gm)) out.set(Number(m[1]), m[2]!);
  return out;
}

export interface ReadobjSymbol { name: string; value: number; sectionNumber: number; isFunction: boolean; storageClass: number }

/** `llvm-readobj --symbols`: the COFF symbol table (aux records are nested, not listed). */
export function parseReadobjSymbols(text: string): ReadobjSymbol[] {
  const out: ReadobjSymbol[] = [];
  let cur: ReadobjSymbol | undefined;
  for (const line of text.split("\n")) {
    if (/^ {2}Symbol \{$/.test(line)) out.push((cur = { name: "", value: -1, sectionNumber: -99, isFunction: false, storageClass: -1 }));
    const kv = /^ {4}(\w+): ?(.*)$/.exec(line);
    if (kv === null || cur === undefined) continue;
    const [, key, value] = kv as unknown as [string, string, string];
    if (key === "Name") cur.name = value;
    if (key === "Value") cur.value = Number(value);
    if (key === "Section") cur.sectionNumber = Number(/\((-?\d+)\)$/.exec(value)![1]);
    if (key === "ComplexType") cur.isFunction = /\(0x2\)$/.test(value);
    if (key === "StorageClass") cur.storageClass = Number(/\((0x[0-9A-F]+)\)$/.exec(value)![1]);
  }
  return out;
}
