#!/usr/bin/env bash
# Quick start, end to end: install what ntrace needs, build it, install the `ntrace` command
# (npm install -g .), trace a sample DLL and turn the trace into a flame graph. Outputs go to
# ./quickstart-out/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
# The ntrace command on PATH: a link to this clone (npm's global prefix, e.g. /usr/local/bin).
npm install -g . --no-audit --no-fund --loglevel=error

out=quickstart-out
mkdir -p "$out"

echo "== ntrace info samples/fib/fib.dll"
ntrace info samples/fib/fib.dll | head -n 20
echo "== ntrace run samples/fib/fib.dll --call Run:20 -o $out/fib.ntrace"
ntrace run samples/fib/fib.dll --call Run:20 -o "$out/fib.ntrace"
echo "== ntrace report $out/fib.ntrace"
ntrace report "$out/fib.ntrace" --symbol-path samples/fib
echo "== ntrace flamegraph $out/fib.ntrace --format svg -o $out/fib.svg"
ntrace flamegraph "$out/fib.ntrace" --symbol-path samples/fib --format svg -o "$out/fib.svg"
ntrace flamegraph "$out/fib.ntrace" --symbol-path samples/fib --format speedscope -o "$out/fib.speedscope.json"
echo "== ntrace run samples/programs/hello.exe -o $out/hello.ntrace --module kernel32.dll --module kernelbase.dll"
ntrace run samples/programs/hello.exe -o "$out/hello.ntrace" --module kernel32.dll --module kernelbase.dll
echo "== ntrace replay $out/hello.ntrace --include WriteFile   (the program's writes, down to the system call)"
ntrace replay "$out/hello.ntrace" --include WriteFile
echo "Wrote $out/fib.ntrace, $out/fib.svg (open in a browser), $out/fib.speedscope.json (open in speedscope) and $out/hello.ntrace."
echo "The ntrace command is installed: $(command -v ntrace)"
