// npm install hook (package.json "postinstall"): builds the tracer's native hook helper
// (runtime/tracing/native/build.sh: a C compiler and Debian's libunicorn2). Never fails the
// install: without the helper ntrace traces through its JS hooks, about 3x slower, and this
// says so in one note with the command that builds it later. Also says when the emulator
// engine itself (libunicorn.so.2) is missing.
import { spawnSync } from "node:child_process";
import process from "node:process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const build = join(root, "runtime", "tracing", "native", "build.sh");
const note = (text) => process.stderr.write(`ntrace: ${text}\n`);

if (process.env.NTRACE_SKIP_NATIVE_BUILD === "1") process.exit(0);
if (!(process.platform === "linux" && process.arch === "x64")) {
  note("note: the native hook helper is for x86-64 Linux; tracing uses the JS hooks here (about 3x slower)");
  process.exit(0);
}
const unicorn = spawnSync("sh", ["-c", "ldconfig -p 2>/dev/null | grep -q 'libunicorn.so.2 '"]);
if (unicorn.status !== 0) note("note: libunicorn.so.2 was not found: ntrace needs Debian's libunicorn2 to run images (apt-get install libunicorn2)");

const cc = process.env.CC ?? "cc";
const hasCc = spawnSync("sh", ["-c", `command -v ${cc}`]).status === 0;
const result = hasCc && existsSync(build) ? spawnSync("sh", [build], { encoding: "utf8" }) : undefined;
// The engine's native block clock (runtime/engine/native/build.sh): without it the engine
// counts with unicorn's per-instruction counter (same numbers, about 2x slower untraced).
const clockBuild = join(root, "runtime", "engine", "native", "build.sh");
const clock = hasCc && existsSync(clockBuild) ? spawnSync("sh", [clockBuild], { encoding: "utf8" }) : undefined;
if (clock !== undefined && clock.status === 0) note("built the native clock (runtime/engine/native/libntrace_clock.so)");
else note(`note: the native clock was not built (${!hasCc ? `no C compiler` : (clock?.stderr ?? "").trim().split("\n").pop() || "the build failed"}); the engine counts instructions with unicorn's slower counter; to build it later: sh ${clockBuild}`);
if (result !== undefined && result.status === 0) {
  note("built the native hook helper (runtime/tracing/native/libntrace_hooks.so)");
} else {
  const why = !hasCc ? `no C compiler (${cc} not found)` : (result?.stderr ?? "").trim().split("\n").pop() || "the build failed";
  note(`note: the native hook helper was not built: ${why}. Tracing works through the JS hooks, about 3x slower; to build it later: sh ${build}`);
}
