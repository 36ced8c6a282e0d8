import type { Command } from "commander";
import { NtraceError, hex } from "../../base/index.js";
import { isPe, parsePe } from "../../pe/index.js";
import { parsePdb } from "../../pe/pdb/index.js";
import { classifyFunctions, findPdb, methodCounts, methodSummary, splitSymbolPath, toListing, type FunctionListing } from "../../instrumenter/index.js";
import { symbolPathText } from "../../pe/symstore/index.js";
import { printJson } from "../cli.js";
import { readInputFile, startsWithMz } from "../input.js";

interface FunctionsOptions {
  symbolPath?: string[];
  json?: boolean;
}

/**
 * `ntrace functions <image>`: every function discovery finds (exports, PDB procedures and
 * publics, COFF symbols, entry point, call targets) with its tracing method, and why a probe
 * or nothing is used where the function cannot be patched.
 */
export function registerFunctions(program: Command): void {
  program
    .command("functions")
    .description("list the functions of an image and how each is traced (hotpatch-msvc, hotpatch-clang, detour, probe, or none + reason)")
    .argument("<image>", "PE32 image (.dll, .exe, .sys)")
    .option("--symbol-path <path>", "where to look for the image's PDB besides next to it: ';'-separated local directories, srv*<store>*…, cache*<store> (symbol servers are never contacted); repeatable; default _NT_SYMBOL_PATH", collect, [])
    .option("--json", "print JSON: [{name, names, rva, size?, sources, patch, reason?}]")
    .action((file: string, opts: FunctionsOptions) => {
      const listing = listImageFunctions(file, splitSymbolPath(symbolPathText(opts.symbolPath)));
      for (const n of listing.notes) process.stderr.write(`ntrace: warning: ${n}\n`);
      if (opts.json === true) printJson(listing.functions);
      else process.stdout.write(formatTable(listing));
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export interface ImageFunctions {
  readonly pdbPath?: string;
  readonly pdbRejected: readonly string[];
  /** Symbol-path notes (symbol servers ignored, store messages). */
  readonly notes: readonly string[];
  readonly functions: readonly FunctionListing[];
}

export function listImageFunctions(file: string, symbolPath: readonly string[]): ImageFunctions {
  const bytes = readInputFile(file);
  // "MZ" but broken: parsePe names the structure and offset; anything else is not an image.
  if (!isPe(bytes) && !startsWithMz(bytes)) throw new NtraceError(`${file}: not a PE image`);
  const image = parsePe(bytes, file);
  const search = findPdb(image, file, symbolPath, (b) => parsePdb(b));
  const functions = classifyFunctions(image, search.pdb !== undefined ? { pdb: search.pdb } : {}).map(toListing);
  return { ...(search.path !== undefined ? { pdbPath: search.path } : {}), pdbRejected: search.rejected, notes: search.notes ?? [], functions };
}

function formatTable(listing: ImageFunctions): string {
  const lines: string[] = [];
  lines.push(listing.pdbPath !== undefined ? `symbols: ${listing.pdbPath}` : "symbols: no matching PDB found (exports and COFF symbols only)");
  for (const r of listing.pdbRejected) lines.push(`  skipped ${r}`);
  const rows = listing.functions.map((f) => [
    hex(f.rva),
    f.size !== undefined ? String(f.size) : "-",
    f.patch,
    f.name,
    f.names.filter((n) => n !== f.name).join(","),
    f.sources.join(","),
    f.reason ?? "",
  ]);
  const header = ["RVA", "SIZE", "PATCH", "NAME", "ALSO", "SOURCES", "REASON"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  lines.push(fmt(header), ...rows.map(fmt));
  lines.push(methodSummary(methodCounts(listing.functions.map((f) => f.patch))));
  return lines.join("\n") + "\n";
}

