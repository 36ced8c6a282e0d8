/**
 * National language support: the NLS tables Wine's ntdll and kernelbase map (locale.nls, code
 * pages, case mapping, sort keys, normalization) come from the DLL set's nls/ directory as
 * read-only data views; the default locale and UI language are en-US (0x409).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Status, type SyscallCall, type SyscallTable } from "./types.js";

const NLS_SECTION_SORTKEYS = 9;
const NLS_SECTION_CASEMAP = 10;
const NLS_SECTION_CODEPAGE = 11;
const NLS_SECTION_NORMALIZE = 12;
const NORMALIZATION: Readonly<Record<number, string>> = { 1: "normnfc", 2: "normnfd", 5: "normnfkc", 6: "normnfkd", 13: "normidna" };
export const DEFAULT_LCID = 0x409;

/** The NLS file a section type and id name, as Wine's unix side chooses it. */
function nlsFileName(type: number, id: number): string | undefined {
  switch (type) {
    case NLS_SECTION_SORTKEYS:
      return id === 0 ? "sortdefault" : undefined;
    case NLS_SECTION_CASEMAP:
      return id === 0 ? "l_intl" : undefined;
    case NLS_SECTION_CODEPAGE:
      return `c_${String(id).padStart(3, "0")}`;
    case NLS_SECTION_NORMALIZE:
      return NORMALIZATION[id];
    default:
      return undefined;
  }
}

/** Maps an NLS file read-only (one view per file for the process's life, as Wine's named sections). */
function mapNls(c: SyscallCall, name: string): { base: number; size: number } | undefined {
  const path = join(c.process.sys.nls, `${name}.nls`);
  if (!existsSync(path)) return undefined;
  return c.process.mapDataFile(path);
}

export const nlsSyscalls: SyscallTable = {
  NtInitializeNlsFiles: {
    args: ["ptr", "ptr", "plarge"],
    handler: (c) => {
      const [pPtr, pLcid, pSize] = c.args as [number, number, number];
      const view = mapNls(c, "locale");
      if (view === undefined) return Status.OBJECT_NAME_NOT_FOUND;
      c.process.guest.setU32(pPtr, view.base);
      c.process.guest.setU32(pLcid, DEFAULT_LCID);
      if (pSize !== 0) c.process.guest.setI64(pSize, view.size);
      return Status.SUCCESS;
    },
  },
  NtGetNlsSectionPtr: {
    args: ["ulong", "ulong", "ptr", "ptr", "ptr"],
    handler: (c) => {
      const [type, id, , pPtr, pSize] = c.args as [number, number, number, number, number];
      const name = nlsFileName(type, id);
      if (name === undefined) return type < NLS_SECTION_SORTKEYS || type > NLS_SECTION_NORMALIZE ? 0xc00000ef /* STATUS_INVALID_PARAMETER_1 */ : Status.OBJECT_NAME_NOT_FOUND;
      const view = mapNls(c, name);
      if (view === undefined) return Status.OBJECT_NAME_NOT_FOUND;
      c.process.guest.setU32(pPtr, view.base);
      c.process.guest.optU32(pSize, view.size);
      return Status.SUCCESS;
    },
  },
  NtQueryDefaultLocale: {
    args: ["bool", "ptr"],
    handler: (c) => {
      c.process.guest.setU32(c.args[1]!, c.args[0] !== 0 ? c.process.userLcid : DEFAULT_LCID);
      return Status.SUCCESS;
    },
  },
  NtSetDefaultLocale: {
    args: ["bool", "ulong"],
    handler: (c) => {
      if (c.args[0] !== 0) c.process.userLcid = c.args[1]!;
      return Status.SUCCESS;
    },
  },
  NtQueryDefaultUILanguage: {
    args: ["ptr"],
    handler: (c) => {
      c.process.guest.setU16(c.args[0]!, DEFAULT_LCID);
      return Status.SUCCESS;
    },
  },
  NtSetDefaultUILanguage: { args: ["ulong"], handler: () => Status.SUCCESS },
  NtQueryInstallUILanguage: {
    args: ["ptr"],
    handler: (c) => {
      c.process.guest.setU16(c.args[0]!, DEFAULT_LCID);
      return Status.SUCCESS;
    },
  },
};
