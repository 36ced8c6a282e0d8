#!/usr/bin/env bash
# Rebuild the kernel-mode samples (kfunc.sys, kfilt1.sys, khog.sys, kmissing.sys) from source,
# deterministically (fixed build directory, relative paths, /brepro). See README.md.
#
#   samples/kernel/build.sh                      rebuild in place
#   NTRACE_SAMPLES_OUT=/dir samples/kernel/build.sh   write the images to /dir/kernel/
#
# clang form (clang-cl /hotpatch + lld-link /functionpadmin:5): every C function is
# hot-patchable. Import libraries for ntoskrnl.exe and hal.dll come from ntoskrnl.def/hal.def
# (llvm-dlltool -m i386 -k: stdcall Name@N / fastcall @Name@N symbols, undecorated import
# names). kseh.S is assembled by GNU as (mingw), so kfunc links with /safeseh:no.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${NTRACE_SAMPLES_OUT:+$NTRACE_SAMPLES_OUT/kernel}"
OUT="${OUT:-$HERE}"
BUILD=/tmp/ntrace-samples-build/kernel

for tool in clang lld-link llvm-dlltool i686-w64-mingw32-gcc; do
  command -v "$tool" >/dev/null 2>&1 || { echo "samples/kernel/build.sh: '$tool' not found (Debian: clang lld llvm gcc-mingw-w64-i686)" >&2; exit 1; }
done

rm -rf "$BUILD"
mkdir -p "$BUILD"
cp "$HERE"/*.c "$HERE"/*.h "$HERE"/*.S "$HERE"/*.def "$BUILD/"
cp -r "$HERE/include" "$BUILD/include"
cd "$BUILD"

cc() { clang --driver-mode=cl --target=i686-pc-windows-msvc /O2 /hotpatch /Z7 /GS- /Iinclude /c "$1" "/Fo$2"; }
link() {
  local out=$1 base=$2; shift 2
  lld-link /driver /subsystem:native /entry:DriverEntry /nodefaultlib /functionpadmin:5 /debug /brepro \
    /pdbaltpath:%_PDB% "/pdb:${out%.sys}.pdb" "/base:$base" "/out:$out" "$@"
}

llvm-dlltool -m i386 -k -d ntoskrnl.def -l libntoskrnl.a
llvm-dlltool -m i386 -k -d hal.def -l libhal.a
i686-w64-mingw32-gcc -c -o kseh.obj kseh.S
for s in kfunc kfilt1 khog kmissing; do cc "$s.c" "$s.obj"; done
link kfunc.sys 0x10400000 kfunc.obj kseh.obj /safeseh:no libntoskrnl.a libhal.a
link kfilt1.sys 0x10500000 kfilt1.obj libntoskrnl.a libhal.a
link khog.sys 0x10600000 khog.obj libntoskrnl.a libhal.a
link kmissing.sys 0x10700000 kmissing.obj libntoskrnl.a

mkdir -p "$OUT"
cp kfunc.sys kfunc.pdb kfilt1.sys kfilt1.pdb khog.sys khog.pdb kmissing.sys kmissing.pdb "$OUT/"
echo "built kernel: kfunc.sys kfilt1.sys khog.sys kmissing.sys (+ PDBs) in $OUT"
