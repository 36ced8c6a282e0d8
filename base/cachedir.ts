/** ntrace's cache directory, shared by the engine (the fetched unicorn, its calibration) and the system DLL set. */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** NTRACE_CACHE, else $XDG_CACHE_HOME/ntrace, else ~/.cache/ntrace (what scripts/fetch-*.sh use). */
export function cacheDir(): string {
  const env = process.env["NTRACE_CACHE"];
  if (env !== undefined && env !== "") return resolve(env);
  const xdg = process.env["XDG_CACHE_HOME"];
  return join(xdg !== undefined && xdg !== "" ? xdg : join(homedir(), ".cache"), "ntrace");
}
