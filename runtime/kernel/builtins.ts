/**
 * Built-in DLLs: synthetic modules (a base address in the host-API region, no file) whose
 * exports are TypeScript implementations reached through per-export stub addresses. They are
 * listed in the module list, so GetModuleHandle/GetProcAddress and module+offset work on them.
 */
import type { ApiDef, Machine } from "../core/machine.js";
import { normalizeDllName } from "../core/machine.js";
import type { LoadedModule } from "../core/types.js";
import { BUILTIN_DLL_BASE, BUILTIN_DLL_STRIDE } from "./layout.js";

interface BuiltinExport {
  readonly api: ApiDef;
  readonly address: number;
  readonly ordinal: number;
}

interface BuiltinDll {
  readonly module: LoadedModule;
  readonly byName: Map<string, BuiltinExport>;
  readonly byOrdinal: Map<number, BuiltinExport>;
}

export class BuiltinDlls {
  private readonly dlls = new Map<string, BuiltinDll>();

  constructor(
    machine: Machine,
    apis: readonly ApiDef[],
    /** Other names a DLL answers to (api sets, kernelbase). */
    aliases: Record<string, string> = {},
  ) {
    const groups = new Map<string, ApiDef[]>();
    for (const a of apis) {
      const dll = normalizeDllName(a.dll);
      let g = groups.get(dll);
      if (g === undefined) groups.set(dll, (g = []));
      g.push(a);
    }
    let i = 0;
    for (const [dll, defs] of groups) {
      const base = BUILTIN_DLL_BASE + BUILTIN_DLL_STRIDE * i++;
      const module: LoadedModule = { name: dll, path: "", guestPath: "", system: true, base, size: BUILTIN_DLL_STRIDE, image: null, exports: null, exportRvas: () => new Map(), bytes: new Uint8Array(0), builtin: true, entry: 0 };
      const byName = new Map<string, BuiltinExport>();
      const byOrdinal = new Map<number, BuiltinExport>();
      defs.forEach((api, k) => {
        const address = base + 0x1000 + 4 * k;
        machine.addStubAt(address, api);
        const e = { api, address, ordinal: k + 1 };
        byName.set(api.name, e);
        byOrdinal.set(e.ordinal, e);
      });
      this.dlls.set(dll, { module, byName, byOrdinal });
      machine.addModule(module);
    }
    for (const [alias, target] of Object.entries(aliases)) {
      const d = this.dlls.get(normalizeDllName(target));
      if (d !== undefined) this.dlls.set(normalizeDllName(alias), d);
    }
  }

  module(name: string): LoadedModule | undefined {
    return this.dlls.get(normalizeDllName(name))?.module;
  }

  exportAddress(module: LoadedModule, name: string | undefined, ordinal: number | undefined): number | undefined {
    const d = this.dlls.get(normalizeDllName(module.name));
    if (d === undefined) return undefined;
    const e = name !== undefined ? d.byName.get(name) : d.byOrdinal.get(ordinal ?? -1);
    return e?.address;
  }

  names(): string[] {
    return [...this.dlls.keys()];
  }
}
