#!/bin/sh
# Builds the native hook helper (x86-64 Linux, Debian's libunicorn2). The runtime falls back to
# JS hooks when the library is missing or cannot be loaded.
set -e
cd "$(dirname "$0")"
${CC:-cc} -O2 -shared -fPIC -Wall -Wextra -o libntrace_hooks.so ntrace_hooks.c -l:libunicorn.so.2
