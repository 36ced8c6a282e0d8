/**
 * Which functions `run --include/--exclude` select, in the reader's glob dialect (base/glob.ts:
 * `*`, `?`, classes; a glob with `!`, e.g. `kernel32!Create*`, is matched against
 * `module!function` with the module's short name, as WinDbg and the reader write it).
 */
import { globToRegExp, isQualifiedGlob } from "../base/index.js";

interface CompiledGlob {
  readonly glob: string;
  readonly re: RegExp;
  readonly qualified: boolean;
  matched: boolean;
}

function compile(globs: readonly string[]): CompiledGlob[] {
  // An invalid glob is a UsageError here, before anything runs.
  return globs.map((glob) => ({ glob, re: globToRegExp(glob), qualified: isQualifiedGlob(glob), matched: false }));
}

/**
 * A function is selected when any of its names matches an include glob (or there are none) and
 * none matches an exclude glob. Remembers which globs matched something, so a glob that
 * matched nothing in the whole run can be reported.
 */
export class FunctionSelection {
  private readonly include: CompiledGlob[];
  private readonly exclude: CompiledGlob[];

  constructor(include: readonly string[], exclude: readonly string[]) {
    this.include = compile(include);
    this.exclude = compile(exclude);
  }

  /** `module` is the image's file name (`KERNEL32.dll`); qualified globs see its short name. */
  wants(names: readonly string[], module: string): boolean {
    const short = module.replace(/\.[^.]*$/, "");
    const hits = (g: CompiledGlob) => names.some((n) => g.re.test(g.qualified ? `${short}!${n}` : n));
    let included = this.include.length === 0;
    for (const g of this.include) if (hits(g)) included = g.matched = true;
    if (!included) return false;
    let excluded = false;
    for (const g of this.exclude) if (hits(g)) excluded = g.matched = true;
    return !excluded;
  }

  /** The globs that matched no function so far. */
  unmatched(): { readonly include: readonly string[]; readonly exclude: readonly string[] } {
    return { include: this.include.filter((g) => !g.matched).map((g) => g.glob), exclude: this.exclude.filter((g) => !g.matched).map((g) => g.glob) };
  }
}
