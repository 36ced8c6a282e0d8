/**
 * Symbol path parsing (`--symbol-path`, `_NT_SYMBOL_PATH`): ';'-separated elements.
 *
 * - a plain directory: searched flat (`<dir>/<name.pdb>`) and as a symbol store;
 * - `srv*<local>*…*<http…>`, `symsrv*<dll>*<local>*…`: every local part is a store;
 * - `cache*<local>`: a local store;
 * - http(s) parts and elements: ignored — ntrace never contacts a symbol server (reader/README.md
 *   "Symbols"); ONE warning says so, however many there are.
 */

export type SymbolLocation =
  /** A directory searched flat (`dir/name.pdb`) and, if laid out so, as a store. */
  | { readonly kind: "directory"; readonly path: string }
  /** A symbol store (`name.pdb/<GUID><age>/name.pdb`, or two-tier with index2.txt). */
  | { readonly kind: "store"; readonly path: string };

export interface ParsedSymbolPath {
  readonly locations: readonly SymbolLocation[];
  readonly warnings: readonly string[];
}

export const REMOTE_IGNORED_WARNING = "symbol servers are not contacted; using the local cache only";

const isRemote = (part: string): boolean => /^https?:\/\//i.test(part.trim()) || part.trim().startsWith("\\\\");

export function parseSymbolPath(text: string | undefined): ParsedSymbolPath {
  const locations: SymbolLocation[] = [];
  let sawRemote = false;
  const add = (loc: SymbolLocation): void => {
    if (!locations.some((l) => l.kind === loc.kind && l.path === loc.path)) locations.push(loc);
  };
  for (const raw of (text ?? "").split(";")) {
    const element = raw.trim();
    if (element === "") continue;
    const parts = element.split("*");
    const head = parts[0]!.toLowerCase();
    if (parts.length > 1 && (head === "srv" || head === "cache" || head === "symsrv")) {
      // symsrv*symsrv.dll*local*remote: the second part names the DLL, not a store.
      const stores = head === "symsrv" ? parts.slice(2) : parts.slice(1);
      for (const part of stores) {
        if (part.trim() === "") continue; // "srv**http…": the default downstream store; none here.
        if (isRemote(part)) sawRemote = true;
        else add({ kind: "store", path: part.trim() });
      }
      continue;
    }
    if (isRemote(element)) {
      sawRemote = true;
      continue;
    }
    add({ kind: "directory", path: element });
  }
  return { locations, warnings: sawRemote ? [REMOTE_IGNORED_WARNING] : [] };
}

/**
 * The symbol path a command uses: its --symbol-path values (repeatable, each may hold several
 * ';'-separated elements), or else `_NT_SYMBOL_PATH`, as WinDbg does.
 */
export function symbolPathText(given: readonly string[] | string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const list = given === undefined ? [] : typeof given === "string" ? [given] : given;
  const text = list.filter((p) => p.trim() !== "").join(";");
  return text !== "" ? text : (env["_NT_SYMBOL_PATH"] ?? "");
}
