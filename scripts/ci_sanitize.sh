#!/usr/bin/env bash
# scripts/ci_sanitize.sh - CI stage: the whole suite (unit + integration)
# under AddressSanitizer + UndefinedBehaviorSanitizer with leak detection
# (scripts/test.sh --sanitize, build in build-asan/).  Any report fails the
# stage: ASan aborts, UBSan halts on the first error.
set -euo pipefail
SANCSIM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$SANCSIM_ROOT"
exec scripts/test.sh --sanitize
