/**
 * The second driver stack (samples/drivers, written independently of the kernel personality
 * from the Windows 7 SP1 layouts) gives every result samples/expected.json writes down for
 * it, through `ntrace run` as a user runs it: IRP status, information and output words, the
 * bug check, and the load error for an unimplemented kernel API.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, ntrace } from "../cli/cli.js";

interface DriverExpectation {
  image: string;
  load?: string[];
  irp?: { major: number; ioctl?: number };
  input?: number[];
  status?: number;
  information?: number;
  output?: number[];
  expect?: string;
  bugcheckCode?: number;
  bugcheckArgs?: number[];
  missingImport?: string;
  dll?: string;
  note?: string;
}

interface RunJson {
  irps: { major: number; ioctl?: number; status: number; information: number; output?: string }[];
  bugCheck?: { code: number; parameters: number[] };
}

const all = JSON.parse(readFileSync(join(ROOT, "samples/expected.json"), "utf8")) as DriverExpectation[];
const drivers = all.filter((e) => e.image.endsWith(".sys"));

/** Little-endian dwords of a hex string. */
function words(hex: string): number[] {
  const out: number[] = [];
  for (let i = 0; i + 8 <= hex.length; i += 8) out.push(Buffer.from(hex.slice(i, i + 8), "hex").readUInt32LE(0));
  return out;
}

function irpArgs(e: DriverExpectation): string[] {
  const irp = e.irp!;
  let spec = String(irp.major);
  if (irp.ioctl !== undefined) spec += ":0x" + irp.ioctl.toString(16);
  if (e.input !== undefined) {
    const b = Buffer.alloc(4 * e.input.length);
    e.input.forEach((v, i) => b.writeUInt32LE(v >>> 0, 4 * i));
    spec += ":" + b.toString("hex");
  }
  return [e.image, ...(e.load ?? []).flatMap((l) => ["--load", l]), "--irp", spec];
}

describe("samples/drivers through the kernel machine", () => {
  it("has driver expectations", () => expect(drivers.length).toBeGreaterThanOrEqual(5));

  for (const e of drivers) {
    const title = `${e.image} ${e.irp !== undefined ? `IRP ${e.irp.major}${e.irp.ioctl !== undefined ? ":0x" + e.irp.ioctl.toString(16) : ""}` : ""} ${e.note ?? e.expect ?? ""}`;
    it(title, () => {
      if (e.expect === "loadError") {
        const r = ntrace(["run", e.image, "--no-trace"]);
        expect(r.status).toBe(125); // ntrace could not run it
        expect(r.stderr).toContain(`${e.dll}!${e.missingImport}`);
        expect(r.stderr).not.toContain("    at ");
        return;
      }
      const r = ntrace(["run", ...irpArgs(e), "--no-trace", "--json"]);
      expect(r.stderr).not.toContain("internal error");
      const json = JSON.parse(r.stdout) as RunJson;
      if (e.expect === "bugcheck") {
        expect(r.status).toBe(124); // the run stopped at the bug check (bin/cli.ts EXIT_STOPPED)
        expect(json.bugCheck?.code).toBe(e.bugcheckCode);
        expect(json.bugCheck?.parameters).toEqual(e.bugcheckArgs);
        return;
      }
      expect(r.status).toBe(0);
      expect(json.irps).toHaveLength(1);
      const irp = json.irps[0]!;
      expect(irp.status).toBe(e.status);
      expect(irp.information).toBe(e.information);
      if (e.output !== undefined) expect(words(irp.output ?? "")).toEqual(e.output);
    });
  }
});
