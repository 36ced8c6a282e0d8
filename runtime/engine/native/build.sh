#!/bin/sh
# Builds the engine's native clock libntrace_clock.so (x86-64 Linux; links libunicorn.so.2 by
# file name, so only Debian's runtime package is needed). Run by scripts/install-deps.sh and
# npm's postinstall; the binary is a build product, never committed. Without it the engine
# counts with unicorn's per-instruction counter (slower, same counts).
set -e
cd "$(dirname "$0")"
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || { echo "build.sh: the native clock is for x86-64 Linux only" >&2; exit 1; }
# Build to a temporary name first: a failed build never leaves a broken library behind.
${CC:-cc} -O2 -shared -fPIC -Wall -Wextra -o libntrace_clock.so.tmp ntrace_clock.c -l:libunicorn.so.2 -lpthread
mv -f libntrace_clock.so.tmp libntrace_clock.so
