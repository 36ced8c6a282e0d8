#!/usr/bin/env bash
# Build a static qemu-i386 (user mode) from Debian's qemu source with
# qemu-per-thread-gdt.patch applied, for running multi-threaded programs under 32-bit Wine on a
# machine that cannot execute i386 code (see wine-qemu-userns.sh). Prints the binary's path.
#
#   samples/tools/build-qemu-i386-pergdt.sh [out=/tmp/qemu-i386-pergdt]
#
# Needs a deb-src entry for Debian (apt-get source qemu) and the packages
# build-essential ninja-build meson libglib2.0-dev libpcre2-dev pkg-config python3.
# Takes about 10 minutes on 2 cores (only the i386-linux-user target is built).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-/tmp/qemu-i386-pergdt}"
WORK=/tmp/ntrace-qemu-pergdt
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"
apt-get source qemu >/dev/null 2>&1 || {
  echo "apt-get source qemu failed: add a deb-src line for Debian and run apt-get update" >&2; exit 1; }
src="$(find . -maxdepth 1 -type d -name 'qemu-*' | head -1)"
cd "$src"
patch -p1 < "$HERE/qemu-per-thread-gdt.patch" >&2
mkdir build && cd build
../configure --target-list=i386-linux-user --static --disable-system --disable-tools --disable-docs \
  --disable-werror --disable-capstone --disable-gnutls --disable-slirp >&2
ninja qemu-i386 >&2
cp qemu-i386 "$OUT"
echo "$OUT"
