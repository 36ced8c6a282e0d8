/**
 * The engine backends, chosen by name: `MachineOptions.backend`, else `NTRACE_BACKEND`, else
 * "unicorn". Every backend implements the `Engine` interface and must pass the conformance
 * suite (test/engine/conformance.test.ts); a WebAssembly build of unicorn would be added here.
 */
import { UsageError } from "../../base/index.js";
import type { Engine } from "./types.js";
import { UnicornEngine } from "./unicorn.js";

export interface EngineBackend {
  readonly name: string;
  readonly description: string;
  create(): Engine;
}

export const ENGINE_BACKENDS: readonly EngineBackend[] = [
  {
    name: "unicorn",
    description: "unicorn 2 through koffi: the fetched 2.1.1, else the system's libunicorn.so.2 (NTRACE_ENGINE=system forces that one)",
    create: () => new UnicornEngine(),
  },
];

/** The backend to use: `name`, else NTRACE_BACKEND, else the first. Unknown names are a usage error listing the known ones. */
export function engineBackend(name: string | undefined = process.env["NTRACE_BACKEND"]): EngineBackend {
  const wanted = name ?? ENGINE_BACKENDS[0]!.name;
  const backend = ENGINE_BACKENDS.find((b) => b.name === wanted);
  if (backend === undefined) throw new UsageError(`unknown engine backend "${wanted}" (NTRACE_BACKEND): known backends are ${ENGINE_BACKENDS.map((b) => b.name).join(", ")}`);
  return backend;
}

export function createEngine(name?: string): Engine {
  return engineBackend(name).create();
}
