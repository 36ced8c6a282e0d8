#!/usr/bin/env bash
# Re-captures the golden outputs of Wine's console programs with REAL 32-bit Wine (no ntrace).
#
#   bash test/golden/wine-programs/regenerate.sh [case-name ...]   (default: every case)
#
# Needs /opt/w32/run-wine.sh from the shared wine-runtime tool (Debian's Wine 8.0 i386 build,
# run through qemu-i386 user emulation). It is SLOW: about 1-2 minutes per case (the cases run
# one after another: they all use C:\work and C:\data), plus 5-10 minutes to create the Wine
# prefix the first time.
#
# Environment:
#   WINE_RUN            the Wine launcher (default /opt/w32/run-wine.sh)
#   WINEPREFIX          the prefix (default ~/.cache/ntrace/wine-programs-prefix, private to
#                       this script because it rewrites drive_c/work and drive_c/data; created
#                       with wineboot when it has no kernel32.dll yet)
#   WINESERVER          the wineserver (default /opt/w32/usr/lib/wine/wineserver32)
#   WINESYSTEMDLLPATH   where Wine finds the native mingw DLLs its builtins import (user32.dll
#                       needs zlib1.dll; default /opt/w32/usr/i686-w64-mingw32/lib)
#   CASES, OUT          the case list and the output folder (default: this folder's), to try
#                       other command lines without touching the goldens
#
# For each case of cases.json it makes fresh C:\work (the current directory, empty, like
# ntrace's private scratch directory) and C:\data (a copy of data/) in the prefix's drive_c,
# runs C:\windows\system32\<program> <args> there with stdin a pipe carrying <stdin> (or
# nothing) and stdout/stderr pipes, as test/user/wine-programs.test.ts runs it under ntrace,
# and writes <name>.stdout (the bytes as written), <name>.stderr and <name>.exit (the exit
# status as a shell sees it: the low 8 bits). A run qemu crashed ("qemu: uncaught target
# signal") or Wine could not start is retried, twice.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export WINE_RUN=${WINE_RUN:-/opt/w32/run-wine.sh}
export WINEPREFIX=${WINEPREFIX:-$HOME/.cache/ntrace/wine-programs-prefix}
export WINESYSTEMDLLPATH=${WINESYSTEMDLLPATH:-/opt/w32/usr/i686-w64-mingw32/lib}
export WINEDEBUG=-all
# Wine takes its code pages from the host locale. The goldens were captured in C.UTF-8, where
# cmd.exe writes "café naïve" as Latin-1 bytes (cmd-echo-nonascii depends on it).
export LC_ALL=C.UTF-8
export CASES=${CASES:-$here/cases.json}
export OUT=${OUT:-$here}
export HERE=$here
[ -x "$WINE_RUN" ] || { echo "regenerate.sh: $WINE_RUN not found (the shared wine-runtime tool)" >&2; exit 1; }

# A wineserver that stays up between the cases (it exits after 5 idle minutes): without it each
# case starts a wineserver and services.exe under qemu again, minutes each. The first run
# starts services.exe with no pipe of ours (a helper started by a case inherits its pipes).
mkdir -p "$WINEPREFIX"
"${WINESERVER:-/opt/w32/usr/lib/wine/wineserver32}" -p300 2>/dev/null || true
if [ ! -e "$WINEPREFIX/drive_c/windows/system32/kernel32.dll" ]; then
  echo "regenerate.sh: creating the Wine prefix $WINEPREFIX (5-10 minutes)" >&2
  "$WINE_RUN" wineboot --init </dev/null >/dev/null 2>&1 || true
fi
echo "regenerate.sh: starting Wine in $WINEPREFIX" >&2
"$WINE_RUN" 'C:\windows\system32\cmd.exe' /c exit </dev/null >/dev/null 2>&1 || true

exec node --input-type=module - "$@" <<'EOF'
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const { WINE_RUN, WINEPREFIX, CASES, OUT, HERE } = process.env;
const DATA = join(HERE, "data");
const only = process.argv.slice(2);
const cases = JSON.parse(readFileSync(CASES, "utf8")).filter((c) => only.length === 0 || only.includes(c.name));
if (only.length > cases.length) throw new Error(`no such case: ${only.filter((n) => !cases.some((c) => c.name === n)).join(", ")}`);
const driveC = join(WINEPREFIX, "drive_c");

/**
 * Runs Wine; done when the program has exited and its output is read. A helper Wine starts on
 * the way (services.exe, wineboot) inherits the pipes and may hold them open for minutes, so
 * their end is awaited only briefly after the exit.
 */
function run(args, cwd, input) {
  return new Promise((resolve) => {
    const child = spawn(WINE_RUN, args, { cwd, stdio: ["pipe", "pipe", "pipe"] });
    const out = [];
    const err = [];
    let open = 2;
    let status;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    };
    const ended = () => {
      if (--open === 0 && status !== undefined) finish();
    };
    child.stdout.on("data", (b) => out.push(b)).on("end", ended);
    child.stderr.on("data", (b) => err.push(b)).on("end", ended);
    child.on("exit", (code, signal) => {
      status = code ?? `signal ${signal}`;
      if (open === 0) finish();
      else setTimeout(finish, 5000);
    });
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

for (const c of cases) {
  const [program, ...args] = c.args;
  for (let attempt = 1; ; attempt++) {
    for (const d of ["work", "data"]) rmSync(join(driveC, d), { recursive: true, force: true });
    mkdirSync(join(driveC, "work"));
    cpSync(DATA, join(driveC, "data"), { recursive: true });
    const cwd = join(driveC, (c.cwd ?? "C:\\work").replace(/^C:\\/i, "").split("\\").join("/"));
    const input = c.stdin === undefined ? Buffer.alloc(0) : readFileSync(join(HERE, c.stdin));
    const started = Date.now();
    const r = await run([`C:\\windows\\system32\\${program}`, ...args], cwd, input);
    const stderr = r.stderr.toString("latin1");
    const crashed = typeof r.status !== "number" || /^qemu: /m.test(stderr) || /^wine: /m.test(stderr);
    process.stderr.write(`${c.name}: exit ${r.status}, ${((Date.now() - started) / 1000).toFixed(0)} s${crashed ? " (crashed)" : ""}\n`);
    if (crashed && attempt < 3) continue;
    if (crashed) throw new Error(`${c.name}: Wine crashed 3 times:\n${stderr}`);
    writeFileSync(join(OUT, `${c.name}.stdout`), r.stdout);
    writeFileSync(join(OUT, `${c.name}.stderr`), r.stderr);
    writeFileSync(join(OUT, `${c.name}.exit`), `${r.status}\n`);
    break;
  }
}
for (const d of ["work", "data"]) rmSync(join(driveC, d), { recursive: true, force: true });
EOF
