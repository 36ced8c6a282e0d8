#!/usr/bin/env bash
# Rebuild every ntrace sample image from source, deterministically.
#
#   samples/build.sh            rebuild all samples in place
#   samples/build.sh fib seh    rebuild only the named samples
#   NTRACE_SAMPLES_OUT=/dir samples/build.sh
#                               write the images to /dir/<name>/ instead (used by the
#                               test that checks the committed binaries equal a rebuild)
#
# Why a fixed build directory: compilers and linkers write the working directory, the object
# paths and the PDB path into PDBs and CodeView records. Every compile and link therefore runs
# inside $BUILD (always the same absolute path) on copies of the sources, with relative
# paths, and timestamps are disabled (/brepro, --no-insert-timestamp). Two builds on any
# machine with the same Debian toolchain give byte-identical images and PDBs.
#
# Two prologue forms (see samples/README.md):
#   clang form: clang-cl /hotpatch (first instruction >= 2 bytes) + lld-link /functionpadmin:5
#   msvc form : mingw gcc __attribute__((ms_hook_prologue)) (mov edi,edi; push ebp; mov ebp,esp),
#               linked with GNU ld (keeps the COFF symbol table, writes an RSDS record and a PDB
#               with publics). GNU as pads function alignment with multi-byte NOPs, which are
#               not hot-patch padding, so the generated assembly is post-processed:
#               every function alignment becomes 5 x CC followed by CC fill to 16 bytes.
set -euo pipefail

SAMPLES="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${NTRACE_SAMPLES_OUT:-$SAMPLES}"
BUILD=/tmp/ntrace-samples-build
MINGW_LIB=/usr/i686-w64-mingw32/lib

die() { echo "samples/build.sh: $*" >&2; exit 1; }

need() {
  local tool=$1 pkg=$2
  command -v "$tool" >/dev/null 2>&1 ||
    die "'$tool' not found: install the Debian package '$pkg' (all needed: clang lld gcc-mingw-w64-i686 llvm)"
}
need clang clang
need lld-link lld
need i686-w64-mingw32-gcc gcc-mingw-w64-i686
need i686-w64-mingw32-ld binutils-mingw-w64-i686
need llvm-dlltool llvm
need llvm-pdbutil llvm
need node nodejs
[ -f "$MINGW_LIB/libkernel32.a" ] || die "$MINGW_LIB/libkernel32.a missing: install mingw-w64-i686-dev"

# ---------------------------------------------------------------------------- helpers
# All helpers run inside $BUILD/<sample> with relative paths.

# clang_cc <src.c> <obj> [extra clang-cl flags...]   (clang form: /hotpatch)
clang_cc() {
  local src=$1 obj=$2; shift 2
  clang --driver-mode=cl --target=i686-pc-windows-msvc /O2 /hotpatch /Z7 /GS- /c "$src" "/Fo$obj" "$@"
}

# clang_cc_nohotpatch <src.c> <obj> [extra flags...]   (no /hotpatch: short first instructions)
clang_cc_nohotpatch() {
  local src=$1 obj=$2; shift 2
  clang --driver-mode=cl --target=i686-pc-windows-msvc /O2 /Z7 /GS- /c "$src" "/Fo$obj" "$@"
}

# lld_link <out> <pdb> <lld-link args...>   (clang form; add /functionpadmin:5 yourself)
lld_link() {
  local out=$1 pdb=$2; shift 2
  lld-link /nodefaultlib /debug /brepro /pdbaltpath:%_PDB% "/pdb:$pdb" "/out:$out" "$@"
}

# gcc_cc <src.c> <obj> [extra gcc flags...]   (msvc form: ms_hook_prologue, CC padding)
gcc_cc() {
  local src=$1 obj=$2; shift 2
  local asm="${obj%.o}.s"
  i686-w64-mingw32-gcc -O2 -DNTRACE_MSVC_FORM \
    -fno-optimize-sibling-calls -fno-align-loops -fno-align-jumps -fno-align-labels \
    -falign-functions=16 -fno-asynchronous-unwind-tables -fno-ident \
    -S -o "$asm" "$src" "$@"
  # Function alignment -> 5 bytes of int3 + int3 fill up to 16: >= 5 bytes of CC before
  # every function. Any other alignment directive inside .text would be executed padding,
  # so none may remain (the -fno-align-* flags above prevent them).
  sed -i -E 's/^\t\.(align 16|p2align 4)$/\t.fill 5,1,0xcc\n\t.p2align 4,0xcc/' "$asm"
  if grep -nE '^\s*\.(p2)?align' "$asm" | grep -vE 'p2align 4,0xcc' >/dev/null; then
    # Alignment of data is fine; only report it so a reader knows it was checked.
    grep -nE '^\s*\.(p2)?align' "$asm" | grep -vE 'p2align 4,0xcc' | sed "s|^|  note: $asm:|" >&2
  fi
  i686-w64-mingw32-gcc -c -o "$obj" "$asm"
}

# gnu_link <out> <pdb> <entry symbol> <ld args...>   (msvc form; GNU ld from binutils-mingw-w64)
gnu_link() {
  local out=$1 pdb=$2 entry=$3; shift 3
  # GNU ld 2.40 ends the S_ENVBLOCK record of the PDB's "* Linker *" module without the empty
  # string that closes the list; readers then run into the record's padding, and when there
  # is none (record length a multiple of 4) llvm-pdbutil fails ("stream is too short"). The
  # record is 40 + 2*len(cwd) + len(pdb) bytes before padding (cwd, "exe" = the ld name, and
  # the absolute pdb path), so link from the 2-character subdirectory "ld" (length + 6, i.e.
  # 2 mod 4) whenever that sum is a multiple of 4. Object paths are absolute in the PDB either
  # way; the image is the same.
  local dir=.
  if (( (40 + 2 * ${#PWD} + ${#pdb}) % 4 == 0 )); then dir=ld; fi
  mkdir -p "$dir"
  local args=() a
  for a in "$@"; do
    if [ "$dir" != . ] && [ -e "$a" ] && [[ "$a" != /* ]]; then args+=("$PWD/$a"); else args+=("$a"); fi
  done
  (cd "$dir" && i686-w64-mingw32-ld --no-insert-timestamp --build-id --enable-stdcall-fixup \
    "--pdb=$pdb" -e "$entry" -o "$out" "${args[@]}")
  if [ "$dir" != . ]; then mv "$dir/$out" "$dir/$pdb" .; fi
  if llvm-pdbutil dump --publics --symbols "$pdb" 2>&1 | grep -q 'Error while processing symbol records'; then
    die "$pdb: llvm-pdbutil cannot read the linker module's symbols (see gnu_link)"
  fi
  # GNU ld stamps time(NULL) into the PDB info stream's Signature: make it reproducible.
  node "$SAMPLES/tools/fix-pdb-signature.mjs" "$pdb"
}

# start_sample <name>: fresh $BUILD/<name> holding a copy of samples/<name>/ sources
start_sample() {
  local name=$1
  rm -rf "${BUILD:?}/$name"
  mkdir -p "$BUILD/$name"
  (cd "$SAMPLES/$name" && find . -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' -o -name '*.def' -o -name '*.order' -o -name '*.S' -o -name '*.s' \) \
     -exec cp {} "$BUILD/$name/" \;)
  rm -rf "${BUILD:?}/include"
  if [ -d "$SAMPLES/include" ]; then cp -r "$SAMPLES/include" "$BUILD/include"; fi
  cd "$BUILD/$name"
}

# publish <name> <files...>: copy build results to $OUT/<name>/
publish() {
  local name=$1; shift
  mkdir -p "$OUT/$name"
  cp "$@" "$OUT/$name/"
  echo "built $name: $*"
}

# ---------------------------------------------------------------------------- samples

build_fib() {
  start_sample fib
  clang_cc fib.c fib.obj
  lld_link fib.dll fib.pdb /dll /entry:DllMain /functionpadmin:5 /def:fib.def fib.obj
  clang_cc_nohotpatch fib.c fib_nopad.obj /Os
  # fib first (/order: the functions are COMDATs): its first instruction is the 1-byte
  # `push edi`, so even the function that starts .text (preceded only by the zero-filled
  # header page) cannot be taken for a padded, patchable one.
  lld_link fib_nopad.dll fib_nopad.pdb /dll /entry:DllMain /def:fib.def /order:@fib_nopad.order fib_nopad.obj
  gcc_cc fib.c fib_msvc.o
  gnu_link fib_msvc.dll fib_msvc.pdb _DllMain@12 --shared fib_msvc.o fib.def
  publish fib fib.dll fib.pdb fib_nopad.dll fib_nopad.pdb fib_msvc.dll fib_msvc.pdb
}

build_hotpatch() {
  start_sample hotpatch
  gcc_cc hotpatch.c hotpatch.o
  gnu_link hotpatch.dll hotpatch.pdb _DllMain@12 --shared hotpatch.o hotpatch.def
  publish hotpatch hotpatch.dll hotpatch.pdb
}

build_forwarders() {
  start_sample forwarders
  clang_cc forwarders.c forwarders.obj
  # Forwarders as /export switches (see forwarders.def for why); lld-link numbers them after
  # the .def's explicit ordinals.
  lld_link forwarders.dll forwarders.pdb /dll /entry:DllMain /functionpadmin:5 \
    /def:forwarders.def \
    /export:MyGetTickCount=kernel32.GetTickCount \
    /export:HotAdd=hotpatch.Add \
    /export:HotByOrdinal=hotpatch.#7 \
    forwarders.obj
  # multiname.dll: several names on one ordinal, which no linker makes from a .def file: the
  # export directory is the hand-written .edata of multiname_edata.S (used as is by lld-link).
  # /safeseh:no because a GNU as object carries no SafeSEH marker.
  clang_cc multiname.c multiname.obj
  i686-w64-mingw32-as -o multiname_edata.o multiname_edata.S
  lld_link multiname.dll multiname.pdb /dll /entry:DllMain /functionpadmin:5 /safeseh:no \
    multiname.obj multiname_edata.o
  publish forwarders forwarders.dll forwarders.pdb multiname.dll multiname.pdb
}

build_seh() {
  start_sample seh
  gcc_cc seh.c seh.o
  i686-w64-mingw32-gcc -c -o seh_asm.o seh_asm.S
  gnu_link seh.dll seh.pdb _DllMain@12 --shared seh.o seh_asm.o seh.def "$MINGW_LIB/libkernel32.a"
  publish seh seh.dll seh.pdb
}

build_threads() {
  start_sample threads
  gcc_cc threads.c threads.o
  gnu_link threads.exe threads.pdb _start@0 --subsystem console threads.o "$MINGW_LIB/libkernel32.a"
  publish threads threads.exe threads.pdb
}

build_missing() {
  start_sample missing
  gcc_cc missing.c missing.o
  # -k: import by the undecorated name NtraceDoesNotExist (symbol _NtraceDoesNotExist@4)
  llvm-dlltool -m i386 -k -d kernel32_extra.def -l libkernel32_extra.a
  gnu_link missing.dll missing.pdb _DllMain@12 --shared missing.o missing.def \
    libkernel32_extra.a "$MINGW_LIB/libkernel32.a"
  publish missing missing.dll missing.pdb
}

build_compress() {
  start_sample compress
  clang_cc compress.c compress.obj
  lld_link compress.dll compress.pdb /dll /entry:DllMain /functionpadmin:5 /def:compress.def compress.obj
  gcc_cc compress.c compress_msvc.o
  gnu_link compress_msvc.dll compress_msvc.pdb _DllMain@12 --shared compress_msvc.o compress.def
  publish compress compress.dll compress.pdb compress_msvc.dll compress_msvc.pdb
}

build_drivers() {
  start_sample drivers
  cp "$SAMPLES/seh/seh_asm.S" .           # the same SEH plumbing; fs:[0] = KPCR ExceptionList
  i686-w64-mingw32-gcc -c -o seh_asm.o seh_asm.S
  llvm-dlltool -m i386 -k -d nts_func_imports.def -l libnts_func.a
  llvm-dlltool -m i386 -k -d ntoskrnl_extra.def -l libntoskrnl_extra.a
  local klibs=("$MINGW_LIB/libntoskrnl.a" "$MINGW_LIB/libhal.a")
  # native kernel-mode images; /safeseh:no because the GNU as object has no SafeSEH marker
  local drv=(/driver /subsystem:native /entry:DriverEntry /base:0x10000 /functionpadmin:5 /safeseh:no)
  local d
  for d in func lower upper missing; do clang_cc "nts_$d.c" "nts_$d.obj"; done
  lld_link nts_func.sys nts_func.pdb "${drv[@]}" /export:NtsFunctionDevice nts_func.obj seh_asm.o "${klibs[@]}"
  lld_link nts_lower.sys nts_lower.pdb "${drv[@]}" nts_lower.obj libnts_func.a "${klibs[@]}"
  lld_link nts_upper.sys nts_upper.pdb "${drv[@]}" nts_upper.obj libnts_func.a "${klibs[@]}"
  lld_link nts_missing.sys nts_missing.pdb "${drv[@]}" nts_missing.obj libntoskrnl_extra.a "${klibs[@]}"
  publish drivers nts_func.sys nts_func.pdb nts_lower.sys nts_lower.pdb nts_upper.sys nts_upper.pdb \
    nts_missing.sys nts_missing.pdb
}

# samples/kernel/ (kfunc.sys, kfilt1.sys, khog.sys, kmissing.sys) has its own build script,
# written with the kernel runtime; run it so this script rebuilds every committed image.
build_kernel() {
  [ -x "$SAMPLES/kernel/build.sh" ] || [ -f "$SAMPLES/kernel/build.sh" ] || return 0
  bash "$SAMPLES/kernel/build.sh"
}

# samples/programs/ (ordinary mingw-built EXEs: hello.exe, cpp.exe, ...) has its own build
# script too (it needs g++-mingw-w64-i686 and libz-mingw-w64-dev besides the tools above).
build_programs() {
  bash "$SAMPLES/programs/build.sh"
}

ALL_SAMPLES=(fib hotpatch forwarders seh threads missing compress drivers kernel programs)

main() {
  local targets=("$@")
  [ ${#targets[@]} -gt 0 ] || targets=("${ALL_SAMPLES[@]}")
  mkdir -p "$BUILD"
  for t in "${targets[@]}"; do
    declare -F "build_$t" >/dev/null || die "unknown sample '$t' (known: ${ALL_SAMPLES[*]})"
    "build_$t"
  done
}

main "$@"
