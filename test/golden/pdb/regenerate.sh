#!/usr/bin/env bash
# Regenerates the llvm-pdbutil golden files the PDB tests compare against: one
# <name>.pdbutil.txt per committed PDB (samples/**/*.pdb and test/fixtures/pdb/*.pdb).
# Needs Debian's llvm (llvm-pdbutil); the tests themselves do not.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$root"
rm -f "$here"/*.pdbutil.txt
for pdb in $(find samples test/fixtures/pdb -name '*.pdb' | sort); do
  name="$(basename "$pdb" .pdb)"
  out="$here/$name.pdbutil.txt"
  [ -e "$out" ] && { echo "duplicate PDB name $name" >&2; exit 1; }
  {
    echo "# llvm-pdbutil dump --summary --section-contribs --section-headers --publics --symbols $pdb"
    llvm-pdbutil dump --summary --section-contribs --section-headers --publics --symbols "$pdb"
  } > "$out"
  echo "wrote $out"
done
