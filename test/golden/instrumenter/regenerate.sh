#!/usr/bin/env bash
# Regenerates the golden disassemblies the x86 length decoder is checked against:
#   tricky.objdump.txt   hand-picked encodings (tricky.s, assembled by llvm-mc)
#   <image>.objdump.txt  the executable sections of every sample image
# Needs llvm-mc and llvm-objdump (Debian: llvm). Run from anywhere.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
llvm-mc -triple=i686-pc-linux -filetype=obj "$here/tricky.s" -o "$tmp/tricky.o"
llvm-objdump -d "$tmp/tricky.o" > "$here/tricky.objdump.txt"
for image in "$root"/samples/*/*.dll "$root"/samples/*/*.exe "$root"/samples/*/*.sys; do
  [ -f "$image" ] || continue
  name="$(basename "$image")"
  (cd "$(dirname "$image")" && llvm-objdump -d "$name") > "$here/$name.objdump.txt"
done
