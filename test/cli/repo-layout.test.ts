/**
 * Issue 2 (foundation): every top-level folder has a README saying its job, and the package is
 * GPL-2.0-or-later with the license text committed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./cli.js";

/** Build output, installed packages and local run artefacts: not part of the layout. */
const NOT_SOURCE = new Set(["node_modules", "dist", "quickstart-out", "tmp", ".git"]);

describe("repository layout", () => {
  const folders = readdirSync(ROOT).filter((n) => !NOT_SOURCE.has(n) && statSync(join(ROOT, n)).isDirectory() && (n === ".ci" || !n.startsWith(".")));

  it("has the folders ARCHITECTURE.md lays out, and .ci", () => {
    for (const f of ["base", "pe", "instrumenter", "runtime", "tracefile", "reader", "bin", "samples", "test", "bench", "scripts", ".ci"]) expect(folders).toContain(f);
  });

  it.each(folders)("%s/ has a README.md saying its job", (folder) => {
    const readme = join(ROOT, folder, "README.md");
    expect(existsSync(readme), `${folder}/README.md`).toBe(true);
    expect(readFileSync(readme, "utf8").trim().length).toBeGreaterThan(80);
  });

  it("is licensed GPL-2.0-or-later with the GPL v2 text in LICENSE", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { license?: string };
    expect(pkg.license).toBe("GPL-2.0-or-later");
    const license = readFileSync(join(ROOT, "LICENSE"), "utf8");
    expect(license).toMatch(/GNU GENERAL PUBLIC LICENSE\s+Version 2, June 1991/);
  });
});
