/**
 * The naive tracing designs ntrace is compared with, on the project's own machine and engine:
 *   untraced   — fib.dll Run(n), nothing added;
 *   entryHooks — one JS code hook on each function's first byte (entries only, nothing
 *                recorded: the floor of "a host callback per call");
 *   entryExitHooks — the same plus one JS code hook on each `ret` of every function (the floor
 *                of any tracer that calls into JS at every entry and exit; nothing recorded);
 *   everyInsn  — one JS code hook on every instruction of the image, detecting entries (the
 *                address is a function start) and `ret`s (C3/C2 at the address), as
 *                qiling-style tracers do. The image bytes are looked up in a host copy, which
 *                is cheaper than reading guest memory per instruction as such tools do.
 * Hooks are added before the functions first run (after DllMain) and the translation cache of
 * the image is flushed: unicorn only calls code hooks that existed when a block was translated.
 */
import { readFileSync } from "node:fs";
import type { Pdb } from "../../pe/pdb/types.js";
import type { LoadedModule, Machine, SessionOptions, SessionResult } from "../../runtime/index.js";
import { loadProjectModule } from "../project.js";
import { nowNs, secondsSince } from "../harness.js";

export type NaiveVariant = "untraced" | "entryHooks" | "entryExitHooks" | "everyInsn";

interface RuntimeApi {
  runSession(options: SessionOptions): SessionResult;
}
interface PdbApi {
  parsePdb(bytes: Uint8Array, file?: string): Pdb;
}

export interface NaiveRun {
  /** Seconds of the whole run (process start included: subtract a setup run for the call alone). */
  readonly seconds: number;
  readonly result: number | undefined;
  readonly entries: number;
  readonly exits: number;
}

export interface NaiveBaselines {
  run(variant: NaiveVariant, n: number): NaiveRun;
}

export async function loadNaiveBaselines(root: string, image: string, pdbPath: string): Promise<NaiveBaselines> {
  const runtime = await loadProjectModule<RuntimeApi>(root, "runtime/index.js", ["runSession"], "emulated machine (runtime/)");
  const pdbApi = await loadProjectModule<PdbApi>(root, "pe/pdb/index.js", ["parsePdb"], "PDB parser");
  const pdb = pdbApi.parsePdb(readFileSync(pdbPath), pdbPath);
  const procs = pdb.procedures.filter((p) => p.rva !== undefined && p.size > 0);
  const functionRvas = procs.map((p) => p.rva! as number);
  if (functionRvas.length === 0) throw new Error(`${pdbPath} lists no procedures`);
  const imageName = image.replace(/^.*[\\/]/, "").toLowerCase();

  return {
    run(variant, n) {
      let entries = 0;
      let exits = 0;
      let machine: Machine | undefined;
      // Hooks go in when the image is mapped, before any of its code ran.
      const onModuleLoaded = (mod: LoadedModule) => {
        if (mod.name.toLowerCase() !== imageName || machine === undefined) return;
        const engine = machine.engine;
        if (variant === "entryHooks") {
          for (const rva of functionRvas) engine.addCodeHook(mod.base + rva, mod.base + rva, () => void entries++);
        } else if (variant === "entryExitHooks") {
          // Every C3 / C2 byte inside a function: a hook fires only where an instruction starts,
          // so bytes that are part of other instructions cost nothing at run time.
          const bytes = machine.memory.read(mod.base, mod.size);
          for (const p of procs) {
            const a = mod.base + p.rva!;
            engine.addCodeHook(a, a, () => void entries++);
            for (let i = p.rva!; i < p.rva! + p.size; i++) {
              if (bytes[i] === 0xc3 || bytes[i] === 0xc2) engine.addCodeHook(mod.base + i, mod.base + i, () => void exits++);
            }
          }
        } else if (variant === "everyInsn") {
          // 1 = function start, 2 = ret (C3 / C2 iw) at that image offset.
          const kind = new Uint8Array(mod.size);
          const bytes = machine.memory.read(mod.base, mod.size);
          for (let i = 0; i < mod.size; i++) if (bytes[i] === 0xc3 || bytes[i] === 0xc2) kind[i] = 2;
          for (const rva of functionRvas) kind[rva] = 1;
          const base = mod.base;
          engine.addCodeHook(base, base + mod.size - 1, (address) => {
            const k = kind[address - base];
            if (k === 1) entries++;
            else if (k === 2) exits++;
          });
        }
        engine.flushCode(mod.base, mod.size);
      };
      const start = nowNs();
      const r = runtime.runSession({
        target: { mode: "user", image, call: { name: "Run", args: [n] } },
        observer: { onMachineReady: (m) => void (machine = m), onModuleLoaded },
      });
      return { seconds: secondsSince(start), result: r.run.result, entries, exits };
    },
  };
}
