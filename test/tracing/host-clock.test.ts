/**
 * Issue 14: `--clock host` durations are right with every recorder. The traced span of a call
 * (first entry to last exit) must lie within the run's host time recorded in the footer, which
 * lies within the wall time of the whole command measured here; and it must be a real share of
 * it (fib(24) is most of the run's guest work). The native recorder once reported ~1000× the
 * wall time.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { EventKind, openTrace } from "../../tracefile/index.js";
import { ROOT, ntraceAsync } from "../cli/cli.js";

const dir = mkdtempSync(join(tmpdir(), "ntrace-hostclock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("--clock host is bounded by wall time", () => {
  for (const recorder of ["native", "hooks"] as const) {
    it(`recorder ${recorder}: fib.dll Run(24)'s span ≤ the run's host time ≤ the command's wall time`, async () => {
      const out = join(dir, `${recorder}.ntrace`);
      const started = process.hrtime.bigint();
      const r = await ntraceAsync(["run", join(ROOT, "samples/fib/fib.dll"), "--call", "Run:24", "--clock", "host", "--recorder", recorder, "-o", out]);
      const wallNs = Number(process.hrtime.bigint() - started);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/note: .*native hook helper/); // the recorder asked for ran
      const trace = openTrace(out);
      try {
        expect(trace.header.clock.kind).toBe("host-monotonic");
        const elapsedNs = trace.run?.elapsedNs;
        expect(elapsedNs).toBeGreaterThan(0);
        expect(elapsedNs!, `run ${elapsedNs} ns, command ${wallNs} ns`).toBeLessThanOrEqual(wallNs);
        let first = Infinity;
        let last = -Infinity;
        let entries = 0;
        for (const key of trace.threadKeys()) {
          for (const e of trace.events(key)) {
            if (e.kind === EventKind.Entry) entries++;
            if (e.kind === EventKind.Entry || e.kind === EventKind.Exit) {
              first = Math.min(first, e.ts);
              last = Math.max(last, e.ts);
            }
          }
        }
        expect(entries).toBe(150_049 + 75_025 + 1 + 2); // fib and leaf calls of fib(24) (as in `report`), Run, DllMain ×2
        const span = last - first;
        const detail = `span ${span} ns, run ${elapsedNs} ns, command ${wallNs} ns`;
        expect(span, detail).toBeGreaterThan(0);
        expect(span, detail).toBeLessThanOrEqual(elapsedNs!);
        // The traced calls are a real share of the run, not a few ns of it (start-up takes the rest).
        expect(span, detail).toBeGreaterThan(elapsedNs! / 100);
      } finally {
        trace.close();
      }
    }, 60_000);
  }
});
