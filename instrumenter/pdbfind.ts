/**
 * Finding an image's PDB for discovery (`ntrace functions`, `ntrace run`): the CodeView
 * (RSDS) record names the PDB and its GUID/age. Looks next to the image, then along the
 * symbol path exactly as the readers do (pe/symstore/: plain directories flat and as stores,
 * `srv*`/`symsrv*`/`cache*` local stores, two-tier layouts, `file.ptr`). A PDB whose GUID or
 * age differs is skipped, with the reason kept for messages. Local files only, never the
 * network.
 */
import { dirname, join } from "node:path";
import { notADirectory, readInputFile, symbolStoreKey } from "../base/index.js";
import type { PeImage } from "../pe/types.js";
import type { Pdb } from "../pe/pdb/types.js";
import { candidatesOnPath, isFile, parseSymbolPath, type FoundFile } from "../pe/symstore/index.js";

export interface PdbSearch {
  readonly pdb?: Pdb;
  readonly path?: string;
  /** Candidates looked at and why each was rejected. */
  readonly rejected: readonly string[];
  /** Worth telling the user: symbol servers ignored, store messages (file.ptr MSG:). */
  readonly notes?: readonly string[];
}

/** Splits `a;b` (Windows style) and repeated options into symbol-path elements. */
export function splitSymbolPath(parts: readonly string[] | string | undefined): string[] {
  const list = parts === undefined ? [] : typeof parts === "string" ? [parts] : parts;
  return list.flatMap((p) => p.split(/[;]/)).map((p) => p.trim()).filter((p) => p !== "");
}

/** `symbolPath`: symbol-path elements (directories, `srv*…`, `cache*…`), in search order. */
export function findPdb(image: PeImage, imagePath: string, symbolPath: readonly string[], parse: (bytes: Uint8Array) => Pdb | null): PdbSearch {
  const cv = image.debug.find((d) => d.codeview !== undefined)?.codeview;
  const rejected: string[] = [];
  if (cv === undefined) return { rejected: ["the image has no CodeView debug record"] };
  const base = cv.path.split(/[\\/]/).pop() ?? cv.path;
  const key = symbolStoreKey(cv.guid, cv.age);
  const parsed = parseSymbolPath(symbolPath.join(";"));
  const notes: string[] = [...parsed.warnings];
  for (const loc of parsed.locations) {
    const why = notADirectory(loc.path); // a FIFO or a device on the symbol path: said, never opened
    if (why !== undefined) notes.push(`symbol path element ${loc.path} ${why}; ignored`);
  }
  const ext = imagePath.includes(".") ? imagePath.split(".").pop()!.toLowerCase() : undefined;
  const candidates: FoundFile[] = [{ path: join(dirname(imagePath), base), via: "next to the image" }];
  for (const found of candidatesOnPath(parsed.locations, base, key, ext, { note: (m) => notes.push(m) })) candidates.push(found);
  const seen = new Set<string>();
  for (const { path } of candidates) {
    if (seen.has(path) || !isFile(path)) continue;
    seen.add(path);
    let pdb: Pdb | null;
    try {
      pdb = parse(readInputFile(path)); // a FIFO or a /proc file on the path is refused, not read
    } catch (err) {
      rejected.push(`${path}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    if (pdb === null) {
      rejected.push(`${path}: not a PDB`);
      continue;
    }
    if (cv.signature === "RSDS" && (pdb.guid.toUpperCase() !== cv.guid.toUpperCase() || pdb.age !== cv.age)) {
      rejected.push(`${path}: GUID/age ${pdb.guid}/${pdb.age} does not match the image's ${cv.guid}/${cv.age}`);
      continue;
    }
    return { pdb, path, rejected, ...(notes.length > 0 ? { notes } : {}) };
  }
  return { rejected, ...(notes.length > 0 ? { notes } : {}) };
}
