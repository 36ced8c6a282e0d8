/**
 * Name globs for --include/--exclude, one dialect for `run` and the reader commands: `*` any run of characters, `?` one character,
 * `[abc]`/`[a-z]`/`[!x]` a class; everything else literal; whole-name match, case-sensitive.
 * A glob containing '!' (outside a `[!…]` class, e.g. `fib!*`) is matched against the
 * qualified `module!function` name, any other against the plain function name.
 */
import { UsageError } from "./errors.js";

export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close < 0) throw new UsageError(`glob "${glob}": '[' at ${i} is not closed by ']'`);
      let body = glob.slice(i + 1, close);
      if (body.startsWith("!")) body = "^" + body.slice(1);
      re += "[" + body.replace(/\\/g, "\\\\") + "]";
      i = close;
    } else re += c.replace(/[.+^${}()|\\/]/g, "\\$&");
  }
  return new RegExp("^" + re + "$");
}

export interface NamedFunctions {
  readonly functionCount: number;
  name(id: number): string;
  qualified(id: number): string;
}

/** Per function id: 1 when any glob matches; null when no globs were given. */
export function matchFunctions(globs: readonly string[], names: NamedFunctions): Uint8Array | null {
  if (globs.length === 0) return null;
  const plain = globs.filter((g) => !isQualifiedGlob(g)).map(globToRegExp);
  const qualified = globs.filter(isQualifiedGlob).map(globToRegExp);
  const hits = new Uint8Array(names.functionCount);
  for (let id = 0; id < hits.length; id++) {
    const n = plain.length > 0 ? names.name(id) : "";
    const q = qualified.length > 0 ? names.qualified(id) : "";
    if (plain.some((r) => r.test(n)) || qualified.some((r) => r.test(q))) hits[id] = 1;
  }
  return hits;
}

/** A glob with '!' outside a `[!…]` class is matched against `module!function`. */
export function isQualifiedGlob(glob: string): boolean {
  for (let i = 0; i < glob.length; i++) if (glob[i] === "!" && glob[i - 1] !== "[") return true;
  return false;
}
