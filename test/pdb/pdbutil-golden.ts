/**
 * Parser for the committed `llvm-pdbutil dump --summary --section-headers --publics --symbols`
 * text (test/golden/pdb/*.pdbutil.txt), so the tests compare our PDB reader with LLVM's
 * without needing llvm-pdbutil at test time.
 */

export interface GoldenSummary {
  blockSize: number;
  age: number;
  guid: string;
  signature: number;
}

export interface GoldenPublic {
  recordOffset: number;
  name: string;
  flags: number;
  segment: number;
  offset: number;
}

export interface GoldenProc {
  moduleIndex: number;
  recordOffset: number;
  kind: string;
  name: string;
  segment: number;
  offset: number;
  codeSize: number;
}

export interface GoldenSection {
  name: string;
  virtualSize: number;
  virtualAddress: number;
  characteristics: number;
}

export interface GoldenContribution {
  moduleIndex: number;
  section: number;
  offset: number;
  size: number;
}

export interface PdbutilGolden {
  summary: GoldenSummary;
  publics: GoldenPublic[];
  procedures: GoldenProc[];
  /** Every module that appears under "Symbols" (index → name). */
  modules: Map<number, string>;
  sections: GoldenSection[];
  contributions: GoldenContribution[];
}

const PUB_FLAG_BITS: Record<string, number> = { none: 0, code: 1, function: 2, managed: 4, msil: 8 };
const PROC_KINDS = new Set(["S_GPROC32", "S_LPROC32", "S_GPROC32_ID", "S_LPROC32_ID"]);

/** Splits the dump into its titled sections ("Summary", "Public Symbols", ...). */
function sectionsOf(text: string): Map<string, string[]> {
  const lines = text.split("\n");
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    if (/^=+$/.test(lines[i + 1] ?? "") && lines[i]!.trim() !== "") {
      current = [];
      out.set(lines[i]!.trim(), current);
      i++;
      continue;
    }
    current?.push(lines[i]!);
  }
  return out;
}

function need<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`golden file: ${what} not found`);
  return value;
}

export function parsePdbutilGolden(text: string): PdbutilGolden {
  const parts = sectionsOf(text);
  const summaryText = need(parts.get("Summary"), "Summary").join("\n");
  const summary: GoldenSummary = {
    blockSize: Number(need(/Block Size: (\d+)/.exec(summaryText), "Block Size")[1]),
    age: Number(need(/\bAge: (\d+)/.exec(summaryText), "Age")[1]),
    guid: need(/GUID: \{([0-9A-F-]+)\}/.exec(summaryText), "GUID")[1]!,
    signature: Number(need(/Signature: (\d+)/.exec(summaryText), "Signature")[1]),
  };

  const publics: GoldenPublic[] = [];
  const pubLines = need(parts.get("Public Symbols"), "Public Symbols");
  for (let i = 0; i < pubLines.length; i++) {
    const m = /^\s*(\d+) \| S_PUB32 \[size = \d+\] `(.*)`$/.exec(pubLines[i]!);
    if (!m) continue;
    const d = need(/flags = (.*), addr = (\d+):(\d+)$/.exec(pubLines[i + 1] ?? ""), `S_PUB32 details at ${m[1]}`);
    let flags = 0;
    for (const f of d[1]!.split(" | ")) flags |= need(PUB_FLAG_BITS[f.trim()], `public flag ${f}`);
    publics.push({ recordOffset: Number(m[1]), name: m[2]!, flags, segment: Number(d[2]), offset: Number(d[3]) });
  }

  const procedures: GoldenProc[] = [];
  const modules = new Map<number, string>();
  let moduleIndex = -1;
  const symLines = need(parts.get("Symbols"), "Symbols");
  for (let i = 0; i < symLines.length; i++) {
    const line = symLines[i]!;
    const mod = /^\s*Mod (\d{4}) \| `(.*)`:/.exec(line);
    if (mod) {
      moduleIndex = Number(mod[1]);
      modules.set(moduleIndex, mod[2]!);
      continue;
    }
    const rec = /^\s*(\d+) \| (S_\w+) \[size = \d+\] `(.*)`$/.exec(line);
    if (!rec || !PROC_KINDS.has(rec[2]!)) continue;
    const d = need(/addr = (\d+):(\d+), code size = (\d+)/.exec(symLines[i + 1] ?? ""), `${rec[2]} details at ${rec[1]}`);
    procedures.push({
      moduleIndex,
      recordOffset: Number(rec[1]),
      kind: rec[2]!,
      name: rec[3]!,
      segment: Number(d[1]),
      offset: Number(d[2]),
      codeSize: Number(d[3]),
    });
  }

  const sections: GoldenSection[] = [];
  const secLines = need(parts.get("Section Headers"), "Section Headers");
  let current: Partial<GoldenSection> | undefined;
  for (const line of secLines) {
    if (/SECTION HEADER #\d+/.test(line)) {
      current = {};
      sections.push(current as GoldenSection);
      continue;
    }
    if (!current) continue;
    const field = /^\s*(\S.*?) (name|virtual size|virtual address|flags)$/.exec(line);
    if (!field) continue;
    const value = field[1]!;
    if (field[2] === "name") current.name = value;
    else if (field[2] === "virtual size") current.virtualSize = parseInt(value, 16);
    else if (field[2] === "virtual address") current.virtualAddress = parseInt(value, 16);
    else current.characteristics = parseInt(value, 16);
  }
  const contributions: GoldenContribution[] = [];
  for (const line of need(parts.get("Section Contributions"), "Section Contributions")) {
    const m = /^\s*SC\[.*\]\s+\| mod = (\d+), (\d+):(\d+), size = (-?\d+),/.exec(line);
    if (m) contributions.push({ moduleIndex: Number(m[1]), section: Number(m[2]), offset: Number(m[3]), size: Number(m[4]) });
  }
  return { summary, publics, procedures, modules, sections, contributions };
}
