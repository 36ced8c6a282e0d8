/**
 * Issue 5, must show 1: the CodeView GUID, age and PDB path read back from a trace's module
 * record equal what llvm-readobj prints for the image (committed golden output), through
 * `ntrace run -o` and `ntrace info --json` as a user runs them.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseReadobj } from "../pe/readobj-text.js";
import { ROOT, ntrace } from "./cli.js";

const dir = mkdtempSync(join(tmpdir(), "ntrace-cv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface TraceInfoJson {
  kind: string;
  complete: boolean;
  events: number;
  modules: { name: string; codeview?: { guid: string; age: number; path: string } }[];
}

const cases = [
  { image: "samples/fib/fib.dll", call: "Run:5" },
  { image: "samples/fib/fib_msvc.dll", call: "Run:5" },
  { image: "samples/hotpatch/hotpatch.dll", call: "Add:2,3" },
];

describe("CodeView record stored in the trace", () => {
  for (const c of cases) {
    it(`${c.image}: GUID, age and PDB path equal llvm-readobj's`, () => {
      const out = join(dir, basename(c.image) + ".ntrace");
      const run = ntrace(["run", c.image, "--call", c.call, "-o", out]);
      expect(run.stderr).not.toContain("internal error");
      expect(run.status).toBe(0);

      const info = ntrace(["info", out, "--json"]);
      expect(info.status).toBe(0);
      const json = JSON.parse(info.stdout) as TraceInfoJson;
      expect(json.kind).toBe("trace");
      expect(json.complete).toBe(true);
      expect(json.events).toBeGreaterThan(0);

      const golden = parseReadobj(readFileSync(join(ROOT, "test/golden/pe", basename(c.image) + ".readobj.txt"), "utf8"));
      const pdb = golden.debug.find((d) => d.pdb !== undefined)?.pdb;
      expect(pdb).toBeDefined();
      const mod = json.modules.find((m) => m.name.toLowerCase() === basename(c.image).toLowerCase());
      expect(mod?.codeview).toEqual({ guid: pdb!.guid, age: pdb!.age, path: pdb!.path });
    });
  }
});
