#!/usr/bin/env bash
# Regenerates test/golden/tracefile/v1.2.ntrace (the newest format) from test/tracefile/small.ts (the small trace
# fixture). Only do this for a deliberate format change, and then bump the format version:
# a golden file of an older version must keep decoding (add a new golden, keep the old one).
set -euo pipefail
cd "$(dirname "$0")/../../.."
NTRACE_REGEN_GOLDEN=1 npx vitest run test/tracefile/golden.test.ts
