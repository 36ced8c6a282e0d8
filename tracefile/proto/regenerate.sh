#!/usr/bin/env bash
# Regenerates tracefile/generated/trace.{js,d.ts} from tracefile/proto/trace.proto with
# protobufjs-cli (pbjs static module, ES6, + pbts declarations). Run: npm run proto
set -euo pipefail
cd "$(dirname "$0")/../.."
out=tracefile/generated
mkdir -p "$out"
header="// generated — do not edit; regenerate with npm run proto (tracefile/proto/regenerate.sh from tracefile/proto/trace.proto)"

# --dependency: the project is ESM under NodeNext resolution, where a bare
# "protobufjs/minimal" does not resolve (protobufjs has no "exports" map); the .js file does.
npx --no-install pbjs -t static-module -w es6 --es6 --dependency protobufjs/minimal.js \
  --no-verify --no-convert --no-delimited --no-typeurl \
  -o "$out/trace.tmp.js" tracefile/proto/trace.proto
npx --no-install pbts --no-comments -o "$out/trace.tmp.d.ts" "$out/trace.tmp.js"

{ echo "$header"; cat "$out/trace.tmp.js"; } > "$out/trace.js"
{ echo "$header"; cat "$out/trace.tmp.d.ts"; } > "$out/trace.d.ts"
rm -f "$out/trace.tmp.js" "$out/trace.tmp.d.ts"
echo "wrote $out/trace.js and $out/trace.d.ts"
