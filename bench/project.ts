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

/** "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX" → the 16 bytes of a GUID as stored (first 3 fields LE). */
function guidBytes(text: string): Uint8Array {
  const h = text.replace(/-/g, "");
  const b = Uint8Array.from(h.match(/../g)!.map((x) => Number.parseInt(x, 16)));
  const le = (from: number, n: number): void => {
    b.subarray(from, from + n).reverse();
  };
  le(0, 4);
  le(4, 2);
  le(6, 2);
  return b;
}

/** The trace's debug-directory block for one CodeView entry (pe/README.md "Debug-directory block"). */
export function codeViewDebugBlock(guid: string, age: number, pdbName: string): Uint8Array {
  const name = Buffer.from(`${pdbName}\0`, "latin1");
  const blob = new Uint8Array(24 + name.length);
  blob.set([0x52, 0x53, 0x44, 0x53]);
  blob.set(guidBytes(guid), 4);
  new DataView(blob.buffer).setUint32(20, age, true);
  blob.set(name, 24);
  const block = new Uint8Array(28 + blob.length);
  const dv = new DataView(block.buffer);
  dv.setUint32(12, 2, true); // Type = CODEVIEW
  dv.setUint32(16, blob.length, true); // SizeOfData
  dv.setUint32(20, 0, true); // AddressOfRawData: 0 in the stored block
  dv.setUint32(24, 28, true); // PointerToRawData: offset in the block
  block.set(blob, 28);
  return block;
}
