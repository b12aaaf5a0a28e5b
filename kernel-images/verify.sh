#!/usr/bin/env bash
# Rebuild the guest from scratch in a separate build directory and compare
# with the committed kernel-images/images/manifest.json. Says plainly when a
# Debian package moved since the manifest was written instead of failing on
# a hash.
# Usage: kernel-images/verify.sh [--no-apt]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$HERE/build/verify"

rm -rf "$WORK"
mkdir -p "$WORK"
TAL_BUILD_DIR="$WORK/build" "$HERE/build.sh" "$@" --out "$WORK/images"
python3 "$HERE/scripts/compare-manifest.py" "$HERE/images/manifest.json" "$WORK/images/manifest.json"
