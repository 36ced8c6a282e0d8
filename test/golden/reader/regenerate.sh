#!/bin/sh
# Regenerates the reader's golden files from independent tools (llvm-pdbutil, llvm-objdump).
# Run from the repository root: sh test/golden/reader/regenerate.sh
set -e
out=test/golden/reader
# Procedure names and section:offset of fib.pdb (S_GPROC32 records).
llvm-pdbutil dump -symbols samples/fib/fib.pdb | grep -A1 -E "S_GPROC32" | grep -v -- "^--" > $out/fib-procedures.txt
# stack_hog's disassembly in hotpatch.dll (frame size: sub esp, N).
llvm-objdump -d --no-show-raw-insn samples/hotpatch/hotpatch.dll | awk '/<_stack_hog>:/{p=1} p&&/^$/{exit} p&&!/int3/' > $out/hotpatch-stack_hog.txt
llvm-objdump -d --no-show-raw-insn samples/hotpatch/hotpatch.dll | awk '/<_HogStack@4>:/{p=1} p&&/^$/{exit} p&&!/int3/' > $out/hotpatch-HogStack.txt
llvm-objdump -d --no-show-raw-insn samples/hotpatch/hotpatch.dll | awk '/<_Run@4>:/{p=1} p&&/^$/{exit} p&&!/int3/' > $out/hotpatch-Run.txt
