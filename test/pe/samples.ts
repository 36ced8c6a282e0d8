/** The committed sample images (samples/**\/*.dll|exe|sys), found by walking samples/. */
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const GOLDEN_PE = join(ROOT, "test/golden/pe");

export function sampleImages(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(dll|exe|sys)$/i.test(name)) out.push(relative(ROOT, p));
    }
  };
  walk(join(ROOT, "samples"));
  return out;
}
