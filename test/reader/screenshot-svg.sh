#!/bin/sh
# Screenshot of an SVG in headless Chromium (Debian package "chromium"), offline.
# Usage: sh test/reader/screenshot-svg.sh <file.svg> <out.png>
set -e
svg=$(realpath "$1")
png=$(realpath -m "$2")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium=${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}
"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --screenshot="$png" --window-size=1200,800 "file://$svg" >/dev/null 2>&1
test -s "$png"
