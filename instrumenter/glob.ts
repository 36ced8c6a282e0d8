/** Name globs for --include / --exclude: `*` any run, `?` one character, case-sensitive. */
export function globToRegExp(glob: string): RegExp {
  let re = "^";
  for (const ch of glob) {
    if (ch === "*") re += ".*";
    else if (ch === "?") re += ".";
    else re += ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
  }
  return new RegExp(re + "$");
}

/**
 * A function is selected when any of its names matches an include glob (or there are no
 * include globs) and none of its names matches an exclude glob.
 */
export function nameFilter(include: readonly string[], exclude: readonly string[]): (names: readonly string[]) => boolean {
  const inc = include.map(globToRegExp);
  const exc = exclude.map(globToRegExp);
  return (names) => (inc.length === 0 || names.some((n) => inc.some((r) => r.test(n)))) && !names.some((n) => exc.some((r) => r.test(n)));
}
