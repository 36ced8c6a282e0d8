#!/usr/bin/env bash
# Rebuilds ntrace-runner.exe from runner.c, deterministically (fixed build directory, no
# timestamps), with Debian's mingw-w64 gcc: no C runtime, kernel32 only.
#   bash runtime/user/runner/build.sh [OUTDIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here}"
command -v i686-w64-mingw32-gcc >/dev/null || { echo "runner/build.sh: i686-w64-mingw32-gcc not found: apt-get install gcc-mingw-w64-i686" >&2; exit 1; }
build=/tmp/ntrace-runner-build
rm -rf "$build" && mkdir -p "$build" && cp "$here/runner.c" "$build/"
cd "$build"
i686-w64-mingw32-gcc -O2 -nostdlib -ffreestanding -fno-stack-protector -fno-asynchronous-unwind-tables -fno-ident \
  -Wl,--entry,_runner_main@0 -Wl,--subsystem,console -Wl,--no-insert-timestamp -Wl,--build-id=none -s \
  -o ntrace-runner.exe runner.c -lkernel32
mkdir -p "$out"
cp ntrace-runner.exe "$out/ntrace-runner.exe"
echo "built $out/ntrace-runner.exe"
