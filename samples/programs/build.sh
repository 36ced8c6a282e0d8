#!/usr/bin/env bash
# Rebuild the ordinary Windows programs of samples/programs/ (hello.exe, crt.exe, ...) from
# source, deterministically. See README.md.
#
#   samples/programs/build.sh                          rebuild in place
#   NTRACE_SAMPLES_OUT=/dir samples/programs/build.sh  write the images to /dir/programs/
#   samples/programs/build.sh hello cpp                only some programs
#
# Built the way users build them: Debian's mingw-w64 gcc/g++ -O2, default C runtime
# msvcrt.dll (ucrt.exe: the Universal CRT through the api-ms-win-crt-* API sets), C++ runtime
# and OpenMP runtime as DLLs, COFF symbol table kept. Two additions, both harmless to the
# program: `-Wl,-S` drops the DWARF sections that mingw's static startup libraries carry
# (~150 KB per image), and `-Wl,--pdb=` gives each image an RSDS record and a PDB with its
# public symbols, like every other committed sample image.
#
# Determinism: every compile and link runs inside the fixed directory $BUILD on copies of the
# sources with relative paths (GNU ld writes absolute object paths into the PDB), objects are
# compiled separately (the gcc driver's temporary object names would end up in the PDB),
# --no-insert-timestamp removes the COFF timestamp, the PDB GUID comes from --build-id (a
# hash of the image), and ../tools/fix-pdb-signature.mjs replaces the time(NULL) GNU ld writes
# into the PDB info stream. Two builds give byte-identical images and PDBs.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SAMPLES="$(cd "$HERE/.." && pwd)"
OUT="${NTRACE_SAMPLES_OUT:+$NTRACE_SAMPLES_OUT/programs}"
OUT="${OUT:-$HERE}"
BUILD=/tmp/ntrace-samples-build/programs
MINGW=/usr/i686-w64-mingw32

die() { echo "samples/programs/build.sh: $*" >&2; exit 1; }

# The win32 and posix thread-model variants are named explicitly, so the result does not
# depend on which one `update-alternatives` made the default i686-w64-mingw32-gcc.
CC=i686-w64-mingw32-gcc-win32
CXX=i686-w64-mingw32-g++-win32
CXX_POSIX=i686-w64-mingw32-g++-posix

need() {
  command -v "$1" >/dev/null 2>&1 ||
    die "'$1' not found: install the Debian package '$2' (all needed: gcc-mingw-w64-i686 g++-mingw-w64-i686 libz-mingw-w64-dev llvm nodejs)"
}
need $CC gcc-mingw-w64-i686-win32
need $CXX g++-mingw-w64-i686-win32
need i686-w64-mingw32-gcc-posix gcc-mingw-w64-i686-posix
need $CXX_POSIX g++-mingw-w64-i686-posix
need llvm-pdbutil llvm
need llvm-readobj llvm
need llvm-dwarfdump llvm
need llvm-objdump llvm
need node nodejs
[ -f "$MINGW/include/zlib.h" ] && [ -f "$MINGW/lib/libz.dll.a" ] ||
  die "zlib for mingw missing ($MINGW/include/zlib.h, $MINGW/lib/libz.dll.a): install the Debian package libz-mingw-w64-dev"
[ -f "$MINGW/lib/libucrt.a" ] || die "$MINGW/lib/libucrt.a missing: install mingw-w64-i686-dev"

# link <driver> <out.exe> <objects and flags...>
# GNU ld 2.40 ends the S_ENVBLOCK record of the PDB's "* Linker *" module without the empty
# string that closes its list; when the record happens to need no padding, readers run off
# its end (llvm-pdbutil: "stream is too short"). The record holds the working directory, so
# such a link is redone from the subdirectory "ld" (3 characters more: never a multiple of 4
# again). See ../build.sh gnu_link for the same workaround.
link() {
  local driver=$1 out=$2; shift 2
  local pdb="${out%.exe}.pdb"
  local flags=(-Wl,--no-insert-timestamp -Wl,--build-id -Wl,-S "-Wl,--pdb=$pdb")
  rm -f "$out" "$pdb"
  "$driver" -O2 -o "$out" "$@" "${flags[@]}"
  if llvm-pdbutil dump --symbols "$pdb" 2>&1 | grep -q 'Error while processing symbol records'; then
    rm -rf ld && mkdir ld
    local args=() a
    for a in "$@"; do
      if [ -e "$a" ] && [[ "$a" != /* ]]; then args+=("$PWD/$a"); else args+=("$a"); fi
    done
    (cd ld && "$driver" -O2 -o "$out" "${args[@]}" "${flags[@]}")
    mv "ld/$out" "ld/$pdb" .
    rm -rf ld
    if llvm-pdbutil dump --symbols "$pdb" 2>&1 | grep -q 'Error while processing symbol records'; then
      die "$pdb: llvm-pdbutil cannot read the linker module's symbols"
    fi
  fi
  node "$SAMPLES/tools/fix-pdb-signature.mjs" "$pdb"
}

# expect_imports <exe> <dll...>: the image imports exactly these DLLs (in this order)
expect_imports() {
  local exe=$1; shift
  local got want
  got="$(llvm-readobj --coff-imports "$exe" | sed -n 's/^ *Name: //p' | tr '\n' ' ')"
  want="$* "
  [ "$got" = "$want" ] || die "$exe imports [$got], expected [$want] (toolchain differs from the one documented in README.md?)"
}

MINGW_CRT=(KERNEL32.dll msvcrt.dll)

# Files a build_<program> makes besides <program>.exe and .pdb (copied to $OUT too).
EXTRA_OUTPUTS=()

# build_callcount <driver> <program> <source extension>: the independent reference for the
# call counts of a traced <program>.exe (test/user/call-counts.test.ts, callcounts/README.md).
#  - <program>-callcount.exe: the same source built with -finstrument-functions and linked
#    with callcount.c, which counts __cyg_profile_func_enter per function and prints
#    "callcount <rva> <calls>" lines on stderr at exit (gcc instruments every source-level
#    call, including the calls it inlines);
#  - callcounts/<program>.inlined.txt: the functions <program>.exe has inlined somewhere (the
#    abstract origins of DW_TAG_inlined_subroutine in a -g compile of the same source; -g does
#    not change gcc's code, which is checked here), whose source-level counts a trace of
#    <program>.exe cannot see;
#  - callcounts/<program>.functions.txt: the functions <program>.o defines (its own code, as
#    opposed to the C runtime's), by symbol name.
build_callcount() {
  local driver=$1 p=$2 ext=$3
  [ -f callcount.o ] || $CC -O2 -c callcount.c -o callcount.o
  $driver -O2 -finstrument-functions -c "$p.$ext" -o "$p-callcount.o"
  link $driver "$p-callcount.exe" "$p-callcount.o" callcount.o
  $driver -O2 -g -c "$p.$ext" -o "$p-g.o"
  cmp -s <(llvm-objdump -d --no-show-raw-insn "$p.o" | tail -n +3) <(llvm-objdump -d --no-show-raw-insn "$p-g.o" | tail -n +3) ||
    die "$p.$ext: gcc -g changed the code; the inlining analysis would not describe $p.exe"
  mkdir -p callcounts
  llvm-dwarfdump --debug-info "$p-g.o" 2>/dev/null |
    awk '/DW_TAG_inlined_subroutine/ { want = 1; next } want && /DW_AT_abstract_origin/ { if (match($0, /"[^"]*"/)) print substr($0, RSTART + 1, RLENGTH - 2); want = 0 }' |
    LC_ALL=C sort -u > "callcounts/$p.inlined.txt"
  # llvm-objdump -t, not llvm-nm: llvm-nm leaves out a static function at offset 0 of .text
  llvm-objdump -t "$p.o" | awk '/\(ty +20\)/ && !/\(sec +(0|-[0-9]+)\)/ { print $NF }' | LC_ALL=C sort -u > "callcounts/$p.functions.txt"
  EXTRA_OUTPUTS+=("$p-callcount.exe" "$p-callcount.pdb" "callcounts/$p.inlined.txt" "callcounts/$p.functions.txt")
}

build_hello() {
  $CC -O2 -c hello.c -o hello.o
  link $CC hello.exe hello.o
  expect_imports hello.exe "${MINGW_CRT[@]}"
}

build_crt() {
  $CC -O2 -c crt.c -o crt.o
  link $CC crt.exe crt.o
  expect_imports crt.exe "${MINGW_CRT[@]}"
  build_callcount $CC crt c
}

build_files() {
  $CC -O2 -c files.c -o files.o
  link $CC files.exe files.o
  expect_imports files.exe "${MINGW_CRT[@]}"
}

build_envargs() {
  $CC -O2 -c envargs.c -o envargs.o
  link $CC envargs.exe envargs.o
  expect_imports envargs.exe "${MINGW_CRT[@]}"
}

build_exitcode() {
  $CC -O2 -c exitcode.c -o exitcode.o
  link $CC exitcode.exe exitcode.o
  expect_imports exitcode.exe "${MINGW_CRT[@]}"
}

build_win32threads() {
  $CC -O2 -c win32threads.c -o win32threads.o
  link $CC win32threads.exe win32threads.o
  expect_imports win32threads.exe "${MINGW_CRT[@]}"
}

build_cpp() {
  $CXX -O2 -c cpp.cpp -o cpp.o
  link $CXX cpp.exe cpp.o
  expect_imports cpp.exe KERNEL32.dll msvcrt.dll libgcc_s_dw2-1.dll libstdc++-6.dll
  build_callcount $CXX cpp cpp
  # The same program stripped, as users ship it: no COFF symbols (-s), no PDB, no debug
  # directory (no --build-id/--pdb). Its code has the same layout as cpp.exe's (.text first).
  rm -f cpp-stripped.exe
  $CXX -O2 -o cpp-stripped.exe cpp.o -s -Wl,--no-insert-timestamp
  llvm-readobj --coff-debug-directory cpp-stripped.exe | grep -q 'Type:' && die "cpp-stripped.exe has a debug directory"
  EXTRA_OUTPUTS+=(cpp-stripped.exe)
}

build_stdthread() {
  $CXX_POSIX -O2 -c stdthread.cpp -o stdthread.o
  link $CXX_POSIX stdthread.exe stdthread.o
  expect_imports stdthread.exe KERNEL32.dll msvcrt.dll libwinpthread-1.dll libgcc_s_dw2-1.dll libstdc++-6.dll
}

build_openmp() {
  $CC -O2 -fopenmp -c openmp.c -o openmp.o
  link $CC openmp.exe openmp.o -fopenmp
  expect_imports openmp.exe KERNEL32.dll msvcrt.dll libgomp-1.dll
}

build_zlib() {
  $CC -O2 -c zlib.c -o zlib.o
  link $CC zlib.exe zlib.o -lz     # libz.dll.a: imports zlib1.dll
  expect_imports zlib.exe "${MINGW_CRT[@]}" zlib1.dll
}

# GCC 12 has no -mcrtdll=ucrt (GCC 13 added it). What that option does is done by hand: the
# headers are put in UCRT mode with -D_UCRT, and the link uses gcc's own specs with -lmsvcrt
# replaced by -lucrt (mingw-w64's libucrt.a: import libraries of the api-ms-win-crt-* API sets
# plus mingw's compatibility wrappers). The specs file is derived from the installed gcc.
build_ucrt() {
  $CC -dumpspecs | sed 's/-lmsvcrt/-lucrt/g' > ucrt.specs
  $CC -specs=ucrt.specs -D_UCRT -O2 -c ucrt.c -o ucrt.o
  link $CC ucrt.exe ucrt.o -specs=ucrt.specs
  expect_imports ucrt.exe KERNEL32.dll api-ms-win-crt-convert-l1-1-0.dll api-ms-win-crt-environment-l1-1-0.dll \
    api-ms-win-crt-heap-l1-1-0.dll api-ms-win-crt-math-l1-1-0.dll api-ms-win-crt-private-l1-1-0.dll \
    api-ms-win-crt-runtime-l1-1-0.dll api-ms-win-crt-stdio-l1-1-0.dll api-ms-win-crt-string-l1-1-0.dll \
    api-ms-win-crt-time-l1-1-0.dll api-ms-win-crt-utility-l1-1-0.dll
}

# The hostile guest of test/user/hostile.test.ts: plain Win32 and ntdll calls (found with
# GetProcAddress), the registry through advapi32.
build_hostile() {
  $CC -O2 -c hostile.c -o hostile.o
  link $CC hostile.exe hostile.o
  expect_imports hostile.exe ADVAPI32.dll "${MINGW_CRT[@]}"
}

ALL=(hello crt files envargs exitcode win32threads cpp stdthread openmp zlib ucrt hostile)

main() {
  local targets=("$@")
  [ ${#targets[@]} -gt 0 ] || targets=("${ALL[@]}")
  rm -rf "$BUILD"
  mkdir -p "$BUILD" "$OUT"
  (cd "$HERE" && cp ./*.c ./*.cpp "$BUILD/")
  cd "$BUILD"
  local t f
  for t in "${targets[@]}"; do
    declare -F "build_$t" >/dev/null || die "unknown program '$t' (known: ${ALL[*]})"
    EXTRA_OUTPUTS=()
    "build_$t"
    cp "$t.exe" "$t.pdb" "$OUT/"
    for f in "${EXTRA_OUTPUTS[@]}"; do
      mkdir -p "$OUT/$(dirname "$f")"
      cp "$f" "$OUT/$f"
    done
    echo "built programs/$t.exe $t.pdb ${EXTRA_OUTPUTS[*]}"
  done
}

main "$@"
