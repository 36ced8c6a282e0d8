/**
 * Must-show 3: writing and reading a 50-million-event trace keeps resident memory under
 * 300 MB. Runs big-child.ts in a fresh node process (transpiled here with the TypeScript
 * compiler into test/.cache/) so RSS is that of the trace code, not of the test runner.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const out = path.join(root, "test/.cache/tracefile-big");

function transpileTree(): string {
  const sources = [
    ...fs.readdirSync(path.join(root, "base")).filter((f) => f.endsWith(".ts")).map((f) => `base/${f}`),
    ...fs.readdirSync(path.join(root, "tracefile")).filter((f) => f.endsWith(".ts")).map((f) => `tracefile/${f}`),
    "test/tracefile/big-child.ts",
  ];
  for (const rel of sources) {
    const js = ts.transpileModule(fs.readFileSync(path.join(root, rel), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: rel,
    }).outputText;
    const dest = path.join(out, rel.replace(/\.ts$/, ".js"));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, js);
  }
  fs.mkdirSync(path.join(out, "tracefile/generated"), { recursive: true });
  fs.copyFileSync(path.join(root, "tracefile/generated/trace.js"), path.join(out, "tracefile/generated/trace.js"));
  return path.join(out, "test/tracefile/big-child.js");
}

describe("50 M events", () => {
  it("write and read back within 300 MB resident", () => {
    const script = transpileTree();
    const file = path.join(out, "big.ntrace");
    const n = 50_000_000;
    const r = spawnSync(process.execPath, [script, file, String(n)], { encoding: "utf8", timeout: 180_000 });
    fs.rmSync(file, { force: true });
    expect(r.stderr).toBe("");
    const res = JSON.parse(r.stdout.trim()) as Record<string, number | boolean>;
    console.log(`50 M events: ${JSON.stringify(res)} (${((res.bytes as number) / n).toFixed(3)} bytes/event)`);
    expect(res.events).toBe(n);
    expect(res.readEvents).toBe(n);
    expect(res.checksumsMatch).toBe(true);
    expect(res.damage).toBe(0);
    expect(res.writeRssMB).toBeLessThan(300);
    expect(res.readRssMB).toBeLessThan(300);
  }, 240_000);
});
