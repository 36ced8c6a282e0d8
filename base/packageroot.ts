/**
 * The directory of the ntrace package (the repository, or the installed package), found from
 * any module's URL by walking up to the package.json named "ntrace". Files that ship beside
 * the code (the DLL-call runner, the native hook helper) are found from it, whether the code
 * runs from the sources (tests), from dist/ or from the bundled command (dist/bin/ntrace.js).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

export function packageRoot(moduleUrl: string): string | undefined {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "ntrace") return (cached = dir);
      } catch {
        // Not a readable manifest: keep walking up.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
