/**
 * Test-suite setup: fetch the real-world PE corpus (Debian's mingw-w64 runtime DLLs) once, so
 * `npm test` on a fresh machine runs the robustness test instead of skipping it. A machine
 * without Debian's package registry still runs the rest; that test then says it skipped.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export default function setup(): void {
  const root = join(import.meta.dirname, "..", "..");
  if (existsSync(join(root, "test/.cache/mingw/manifest.tsv"))) return;
  try {
    execFileSync("bash", [join(root, "test/fixtures/fetch-mingw-dlls.sh")], { stdio: ["ignore", "ignore", "inherit"], timeout: 300_000 });
  } catch (err) {
    process.stderr.write(`test setup: could not fetch the mingw-w64 DLL corpus (${String(err)}); its test will be skipped\n`);
  }
}
