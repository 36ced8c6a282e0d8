/** Where a native helper built at install time is: an environment override, else beside its sources in the package. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../base/packageroot.js";

/** `overrideVariable` names another file (tests point it at a missing one); undefined when not built. */
export function builtLibraryPath(overrideVariable: string, ...inPackage: readonly string[]): string | undefined {
  const override = process.env[overrideVariable];
  if (override !== undefined) return existsSync(override) ? override : undefined;
  const root = packageRoot(import.meta.url);
  const path = root !== undefined ? join(root, ...inPackage) : undefined;
  return path !== undefined && existsSync(path) ? path : undefined;
}
