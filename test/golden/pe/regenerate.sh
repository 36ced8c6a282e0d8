#!/usr/bin/env bash
# Regenerates the golden llvm-readobj / llvm-objdump output for every committed sample image.
# The tests parse these files; they never run the LLVM tools themselves.
#   bash test/golden/pe/regenerate.sh          (from anywhere; needs llvm-readobj, llvm-objdump)
# llvm-readobj 14 prints forwarded exports with their RVA only, so llvm-objdump -p's export
# table (which shows "forwarded to X") is kept as well, and llvm-readobj --symbols for the COFF
# symbol table (mingw images keep one).
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
out="$root/test/golden/pe"
cd "$root"
shopt -s nullglob globstar
rm -f "$out"/*.readobj.txt "$out"/*.objdump-p.txt "$out"/*.symbols.txt
n=0
for img in samples/**/*.dll samples/**/*.exe samples/**/*.sys; do
  base="$(basename "$img")"
  llvm-readobj --file-headers --sections --coff-imports --coff-exports --coff-debug-directory "$img" > "$out/$base.readobj.txt"
  llvm-objdump -p "$img" > "$out/$base.objdump-p.txt"
  llvm-readobj --symbols "$img" > "$out/$base.symbols.txt"
  n=$((n + 1))
done
echo "regenerated golden output for $n sample images in test/golden/pe/ ($(llvm-readobj --version | grep -o 'LLVM version [0-9.]*'))"
