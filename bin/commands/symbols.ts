/**
 * `ntrace symbols <pdb> [--json]`: the PDB's identity (GUID, age) and its functions with RVA
 * and size. The JSON shape is documented in pe/pdb/README.md.
 */
import type { Command } from "commander";
import { hex } from "../../base/index.js";
import { parsePdb, type PdbFile } from "../../pe/pdb/index.js";
import { printJson } from "../cli.js";
import { readInputFile } from "../input.js";

export function registerSymbols(program: Command): void {
  program
    .command("symbols")
    .description("print a PDB's GUID, age and functions (procedures with sizes, function publics)")
    .argument("<pdb>", "a PDB file (MSF 7.00)")
    .option("--json", "print JSON (shape in pe/pdb/README.md)")
    .action((path: string, options: { json?: boolean }) => {
      const pdb = parsePdb(readInputFile(path), path);
      if (options.json) printJson(symbolsJson(pdb));
      else process.stdout.write(symbolsText(pdb));
    });
}

export function symbolsJson(pdb: PdbFile): unknown {
  return {
    kind: "pdb",
    guid: pdb.guid,
    age: pdb.age,
    pageSize: pdb.pageSize,
    modules: pdb.modules.map((m) => ({ name: m.name, objectName: m.objectName })),
    functions: pdb.functions().map((f) => ({
      name: f.name,
      rva: f.rva,
      ...(f.size !== undefined ? { size: f.size } : {}),
      source: f.source,
      ...(f.kind !== undefined ? { kind: f.kind } : {}),
    })),
    publics: pdb.publics.map((p) => ({
      name: p.name,
      ...(p.rva !== undefined ? { rva: p.rva } : {}),
      section: p.section,
      offset: p.offset,
      isFunction: p.isFunction,
    })),
  };
}

export function symbolsText(pdb: PdbFile): string {
  const lines: string[] = [];
  lines.push(`GUID:      ${pdb.guid}`);
  lines.push(`Age:       ${pdb.age}`);
  lines.push(`Page size: ${pdb.pageSize}`);
  lines.push(`Modules:   ${pdb.modules.length}`);
  const functions = pdb.functions();
  lines.push("", `Functions (${functions.length}):`, "  RVA         Size        Source     Name");
  for (const f of functions) {
    const size = f.size !== undefined ? hex(f.size) : "?".padEnd(10);
    lines.push(`  ${hex(f.rva)}  ${size}  ${f.source.padEnd(9)}  ${f.name}`);
  }
  return lines.join("\n") + "\n";
}
