#!/usr/bin/env bash
# Installs what ntrace needs on a Debian machine with Node 20: the unicorn engine library
# (Debian's libunicorn2, and the faster 2.1.1 from Debian trixie into ntrace's private cache by
# scripts/fetch-engine.sh), the npm dependencies, the native hook helper, and the system DLLs
# user-mode programs run on (Wine's i386 DLLs and mingw-w64's runtime DLLs, fetched from
# Debian's packages into ntrace's private cache by scripts/fetch-system-dlls.sh, without
# installing i386 packages). Idempotent; run as root (or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

packages=(libunicorn2)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# A C compiler for the tracer's native hook helper (below).
command -v "${CC:-cc}" >/dev/null 2>&1 || missing+=(gcc libc6-dev)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# The engine's native block clock (runtime/engine/native/libntrace_clock.so, built here, never
# committed): without it instructions are counted by unicorn's per-instruction hook (same
# numbers, slower), so a failed build is not fatal.
if command -v "${CC:-cc}" >/dev/null 2>&1 && sh runtime/engine/native/build.sh 2>/dev/null; then
  echo "install-deps: built runtime/engine/native/libntrace_clock.so (native block clock)"
else
  echo "install-deps: could not build the native block clock (needs cc and libunicorn2); the engine counts with unicorn's slower per-instruction counter (sh runtime/engine/native/build.sh shows why)"
fi

# The native hook helper of the tracer (runtime/tracing/native/libntrace_hooks.so, built here,
# never committed): needs a C compiler and libunicorn2. Without it tracing still works, through
# the slower JS hooks, so a failed build is not fatal.
if command -v "${CC:-cc}" >/dev/null 2>&1 && sh runtime/tracing/native/build.sh 2>/dev/null; then
  echo "install-deps: built runtime/tracing/native/libntrace_hooks.so (native tracing hooks)"
else
  echo "install-deps: could not build the native hook helper (needs cc and libunicorn2); tracing falls back to the slower JS hooks (about 3x slower; sh runtime/tracing/native/build.sh shows why)"
fi

# The faster engine: Debian trixie's unicorn 2.1.1, into ntrace's cache (never fatal: without
# it ntrace runs on the libunicorn2 installed above, slower).
bash scripts/fetch-engine.sh

# Wine's i386 DLLs (user mode runs on them) and mingw-w64's runtime DLLs, into ntrace's cache.
bash scripts/fetch-system-dlls.sh
