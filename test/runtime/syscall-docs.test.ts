/**
 * runtime/README.md lists every declared system call ("System calls": one `### <family>`
 * heading per key of `syscallFamilies`, in its order, then one paragraph of backticked names
 * separated by ", "). This test keeps that list equal to the tables in both directions, so the
 * README cannot rot when a system call is added, removed or moved to another family.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { syscallFamilies } from "../../runtime/user/syscalls/index.js";

const README = join(import.meta.dirname, "..", "..", "runtime", "README.md");
const SECTION = "## System calls";
const NAMES_PARAGRAPH = /^`[^`\s]+`(, `[^`\s]+`)*$/;

interface DocumentedFamily {
  readonly family: string;
  readonly names: readonly string[];
}

/**
 * The families and names of the README's "System calls" section, or the format problems
 * found (a family body that is not exactly one paragraph of backticked names).
 */
function parseSection(markdown: string): { readonly families: DocumentedFamily[]; readonly problems: string[] } {
  const lines = markdown.split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim() === SECTION);
  if (start < 0) return { families: [], problems: [`runtime/README.md has no "${SECTION}" section`] };
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => /^## /.test(l));
  const body = end < 0 ? rest : rest.slice(0, end);

  const families: DocumentedFamily[] = [];
  const problems: string[] = [];
  let current: { family: string; lines: string[] } | undefined;
  const finish = () => {
    if (current === undefined) return;
    const paragraphs = current.lines
      .join("\n")
      .split(/\n\s*\n/)
      .map((p) => p.trim())
      .filter((p) => p !== "");
    if (paragraphs.length !== 1) {
      problems.push(`### ${current.family}: expected one paragraph of names, found ${paragraphs.length}`);
      families.push({ family: current.family, names: [] });
      return;
    }
    // A paragraph may wrap: its lines join with one space ("`A`," + "`B`" → "`A`, `B`").
    const text = paragraphs[0]!
      .split("\n")
      .map((l) => l.trim())
      .join(" ");
    if (!NAMES_PARAGRAPH.test(text)) problems.push(`### ${current.family}: not a list of \`names\` separated by ", ": ${text.slice(0, 120)}`);
    families.push({ family: current.family, names: [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!) });
  };
  for (const line of body) {
    const heading = /^### (.+?)\s*$/.exec(line);
    if (heading !== null) {
      finish();
      current = { family: heading[1]!, lines: [] };
    } else if (current !== undefined) current.lines.push(line);
  }
  finish();
  return { families, problems };
}

/** Every difference between the README's list and the declared tables, one line each. */
function compare(markdown: string, declared: Readonly<Record<string, object>>): string[] {
  const { families, problems } = parseSection(markdown);
  const out = [...problems];
  const declaredOrder = Object.keys(declared);
  const documentedOrder = families.map((f) => f.family);
  for (const f of declaredOrder) if (!documentedOrder.includes(f)) out.push(`family "${f}" is declared but has no ### heading`);
  for (const f of documentedOrder) if (!declaredOrder.includes(f)) out.push(`### ${f} is not a family of syscallFamilies (its keys: ${declaredOrder.join(" | ")})`);
  const duplicateFamilies = documentedOrder.filter((f, i) => documentedOrder.indexOf(f) !== i);
  for (const f of new Set(duplicateFamilies)) out.push(`### ${f} appears more than once`);
  const common = (order: readonly string[], other: readonly string[]) => order.filter((f) => other.includes(f));
  if (common(documentedOrder, declaredOrder).join("\n") !== common(declaredOrder, documentedOrder).join("\n")) {
    out.push(`families are out of order: README ${documentedOrder.join(" | ")}; syscallFamilies ${declaredOrder.join(" | ")}`);
  }

  // Names, both directions, with the family each belongs to in the other list.
  const familyOf = new Map<string, string>();
  for (const [family, table] of Object.entries(declared)) for (const name of Object.keys(table)) familyOf.set(name, family);
  const documentedFamilyOf = new Map<string, string>();
  for (const { family, names } of families) {
    for (const name of names) {
      const seen = documentedFamilyOf.get(name);
      if (seen !== undefined) out.push(`${name} is listed twice (### ${seen} and ### ${family})`);
      else documentedFamilyOf.set(name, family);
    }
  }
  for (const [name, family] of familyOf) {
    const documented = documentedFamilyOf.get(name);
    if (documented === undefined) out.push(`${name} (family "${family}") is declared but missing from the README`);
    else if (documented !== family) out.push(`${name} is listed under ### ${documented} but declared in family "${family}"`);
  }
  for (const [name, family] of documentedFamilyOf) {
    if (!familyOf.has(name)) out.push(`${name} (### ${family}) is in the README but no family declares it`);
  }
  return out;
}

describe("runtime/README.md lists the declared system calls", () => {
  const markdown = readFileSync(README, "utf8");

  it("has exactly the families of syscallFamilies, in order, with exactly their names", () => {
    // An empty list, or one line per difference (what to add to or remove from the README).
    expect(compare(markdown, syscallFamilies)).toEqual([]);
  });

  it("lists a nonzero number of system calls per family (the parse found them)", () => {
    const { families } = parseSection(markdown);
    expect(families.length).toBe(Object.keys(syscallFamilies).length);
    for (const f of families) expect(f.names.length, f.family).toBeGreaterThan(0);
  });

  // The comparison itself must be able to fail: each kind of rot is detected.
  describe("detects a README that drifted", () => {
    const [firstFamily, firstTable] = Object.entries(syscallFamilies)[0]!;
    const firstName = Object.keys(firstTable)[0]!;
    /** The problems `edit` (applied to the "System calls" section only: names also occur elsewhere) adds. */
    const drift = (edit: (section: string) => string): string[] => {
      const at = markdown.indexOf(SECTION);
      const edited = markdown.slice(0, at) + edit(markdown.slice(at));
      expect(edited).not.toBe(markdown);
      const before = new Set(compare(markdown, syscallFamilies));
      return compare(edited, syscallFamilies).filter((p) => !before.has(p));
    };

    it("a declared name missing from the README", () => {
      expect(drift((s) => s.replace(`\`${firstName}\`, `, ""))).toEqual([`${firstName} (family "${firstFamily}") is declared but missing from the README`]);
    });

    it("a name no family declares", () => {
      expect(drift((s) => s.replace(`\`${firstName}\``, `\`${firstName}\`, \`NtMadeUpCall\``))).toEqual([`NtMadeUpCall (### ${firstFamily}) is in the README but no family declares it`]);
    });

    it("a renamed family heading", () => {
      expect(drift((s) => s.replace(`### ${firstFamily}\n`, `### ${firstFamily} (renamed)\n`))).toContain(`family "${firstFamily}" is declared but has no ### heading`);
    });

    it("families out of order", () => {
      const [a, b] = Object.keys(syscallFamilies) as [string, string];
      const swapped = drift((s) => s.replace(`### ${a}\n`, "### \u0000\n").replace(`### ${b}\n`, `### ${a}\n`).replace("### \u0000\n", `### ${b}\n`));
      expect(swapped).toContain(`families are out of order: README ${[b, a, ...Object.keys(syscallFamilies).slice(2)].join(" | ")}; syscallFamilies ${Object.keys(syscallFamilies).join(" | ")}`);
    });

    it("a body that is not a plain list of names", () => {
      expect(drift((s) => s.replace(`\`${firstName}\``, firstName)).some((p) => p.startsWith(`### ${firstFamily}: not a list`))).toBe(true);
    });
  });
});
