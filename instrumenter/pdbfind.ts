/**
 * Finding an image's PDB for discovery (`ntrace functions`, `ntrace run`): the CodeView
 * (RSDS) record names the PDB and its GUID/age. Looks next to the image, then in each
 * symbol-path directory (`dir/name.pdb` and the symbol-store layout
 * `dir/name.pdb/<GUID><age>/name.pdb`). A PDB whose GUID or age differs is skipped, with
 * the reason kept for messages. Local files only, never the network. (The reader has the
 * full symbol-path resolver; this one is deliberately small.)
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { symbolStoreKey } from "../base/index.js";
import type { PeImage } from "../pe/types.js";
import type { Pdb } from "../pe/pdb/types.js";

export interface PdbSearch {
  readonly pdb?: Pdb;
  readonly path?: string;
  /** Candidates looked at and why each was rejected. */
  readonly rejected: readonly string[];
}

/** Splits `a;b` (Windows style) and repeated options into directories. */
export function splitSymbolPath(parts: readonly string[] | string | undefined): string[] {
  const list = parts === undefined ? [] : typeof parts === "string" ? [parts] : parts;
  return list.flatMap((p) => p.split(/[;]/)).map((p) => p.trim()).filter((p) => p !== "");
}

export function findPdb(image: PeImage, imagePath: string, symbolPath: readonly string[], parse: (bytes: Uint8Array) => Pdb | null): PdbSearch {
  const cv = image.debug.find((d) => d.codeview !== undefined)?.codeview;
  const rejected: string[] = [];
  if (cv === undefined) return { rejected: ["the image has no CodeView debug record"] };
  const base = cv.path.split(/[\\/]/).pop() ?? cv.path;
  const key = symbolStoreKey(cv.guid, cv.age);
  const candidates = [join(dirname(imagePath), base)];
  for (const dir of symbolPath) candidates.push(join(dir, base), join(dir, base, key, base));
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    let pdb: Pdb | null;
    try {
      pdb = parse(new Uint8Array(readFileSync(path)));
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
    return { pdb, path, rejected };
  }
  return { rejected };
}
