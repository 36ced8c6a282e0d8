#!/bin/sh
# Builds the native hook helper libntrace_hooks.so (x86-64 Linux, Debian's libunicorn2; only
# the runtime package is needed: it links against libunicorn.so.2 by file name). Run by
# scripts/install-deps.sh; the binary is a build product, never committed. The runtime falls
# back to JS hooks when the library is missing or cannot be loaded (and `ntrace run` says so).
set -e
cd "$(dirname "$0")"
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || { echo "build.sh: the native hook helper is for x86-64 Linux only" >&2; exit 1; }
# Build to a temporary name first: a failed build never leaves a broken library behind.
${CC:-cc} -O2 -shared -fPIC -Wall -Wextra -o libntrace_hooks.so.tmp ntrace_hooks.c -l:libunicorn.so.2 -lm
mv -f libntrace_hooks.so.tmp libntrace_hooks.so
