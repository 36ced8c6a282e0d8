#!/usr/bin/env bash
# Recompute the pure-computation expected results (fib, hotpatch, compress) by compiling the
# samples' own C sources natively with the host gcc, and print one line per result:
#   <export> <args comma-separated> <result>
# test/samples/ runs this (when gcc is installed) and compares with samples/expected.json.
# Win32-only spellings are defined away; results are int32 as on x86.
set -euo pipefail
SAMPLES="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CC="${CC:-gcc}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
FLAGS=(-O1 -w -fno-builtin '-D__stdcall=' '-D__declspec(x)=')

cat > "$WORK/fib_main.c" <<C
#include <stdio.h>
#include "$SAMPLES/fib/fib.c"
int main(void) {
    int ns[] = {4, 20, 25, 30};
    for (int i = 0; i < 4; i++) printf("fib Run %d %d\n", ns[i], Run(ns[i]));
    printf("fib Deep 100 %d\nfib Deep 10000 %d\n", Deep(100), Deep(10000));
    return 0;
}
C
cat > "$WORK/hotpatch_main.c" <<C
#include <stdio.h>
#include "$SAMPLES/hotpatch/hotpatch.c"
int main(void) {
    printf("hotpatch Add 2,3 %d\nhotpatch Twice 21 %d\nhotpatch Combine 5,2,3 %d\n", Add(2, 3), Twice(21), Combine(5, 2, 3));
    printf("hotpatch Loop 100 %d\nhotpatch HogStack 0 %d\nhotpatch HogStack 5 %d\n", Loop(100), HogStack(0), HogStack(5));
    int ns[] = {0, 5, 10};
    for (int i = 0; i < 3; i++) printf("hotpatch Run %d %d\n", ns[i], Run(ns[i]));
    return 0;
}
C
cat > "$WORK/compress_main.c" <<C
#include <stdio.h>
#define NTRACE_NATIVE_CHECK
#include "$SAMPLES/compress/compress.c"
int main(void) {
    int its[] = {1, 2, 3, 10};
    for (int i = 0; i < 4; i++) printf("compress Run %d %d\n", its[i], Run(its[i]));
    printf("compress PackedSize 1 %d\ncompress PackedSize 7 %d\n", PackedSize(1), PackedSize(7));
    return 0;
}
C
for s in fib hotpatch compress; do
  "$CC" "${FLAGS[@]}" -o "$WORK/$s" "$WORK/${s}_main.c"
  "$WORK/$s"
done
