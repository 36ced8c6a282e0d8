/**
 * Access to the project's own modules from the bench. The other areas are built in parallel
 * with the bench, so their modules are loaded at run time from dist/ and checked for the
 * exports a benchmark needs: a part that is not built yet makes that benchmark "skipped"
 * with the missing module or export named, instead of breaking the bench's compilation.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { SkipBenchmark } from "./harness.js";

/** Load dist/<relPath> (a .js path relative to the repository root) with the named exports. */
export async function loadProjectModule<T>(root: string, relPath: string, exports: readonly string[], what: string): Promise<T> {
  const file = join(root, "dist", relPath);
  if (!existsSync(file)) throw new SkipBenchmark(`${what} is not built yet (no dist/${relPath})`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new SkipBenchmark(`${what}: dist/${relPath} does not load: ${(e as Error).message.split("\n")[0]}`);
  }
  const missing = exports.filter((name) => mod[name] === undefined);
  if (missing.length > 0) throw new SkipBenchmark(`${what} is not built yet (dist/${relPath} lacks ${missing.join(", ")})`);
  return mod as T;
}

/** The first of several candidate modules that loads with the exports; skip naming all tried. */
export async function loadFirst<T>(root: string, candidates: readonly string[], exports: readonly string[], what: string): Promise<T> {
  const reasons: string[] = [];
  for (const rel of candidates) {
    try {
      return await loadProjectModule<T>(root, rel, exports, what);
    } catch (e) {
      if (!(e instanceof SkipBenchmark)) throw e;
      reasons.push(e.message);
    }
  }
  throw new SkipBenchmark(reasons.join("; "));
}

/** The ntrace CLI as users run it: `node dist/bin/ntrace.js …`. */
export function ntraceCli(root: string): string {
  return join(root, "dist", "bin", "ntrace.js");
}

/** Seeded PRNG (mulberry32): the same "random" inputs in every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
