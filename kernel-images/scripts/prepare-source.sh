#!/usr/bin/env bash
# Unpack Debian's linux-source tarball into a fresh tree and apply our patch
# series in order. The tree is reused only while its stamp (hash of the tarball
# and of every patch) is unchanged, so an edited patch always gets a clean tree.
set -euo pipefail
SRC_TAR="$1" TREE="$2" PATCHES="$3"

stamp="$( (sha256sum "$SRC_TAR" | cut -d' ' -f1
	for p in "$PATCHES"/*.patch; do
		if [ -e "$p" ]; then sha256sum "$p" | cut -d' ' -f1; fi
	done) | sha256sum | cut -d' ' -f1)"

if [ -f "$TREE/.tal-stamp" ] && [ "$(cat "$TREE/.tal-stamp")" = "$stamp" ]; then
	exit 0
fi

echo "prepare-source.sh: unpacking $(basename "$SRC_TAR")" >&2
rm -rf "$TREE" "$TREE.tmp"
mkdir -p "$TREE.tmp"
tar -xf "$SRC_TAR" -C "$TREE.tmp" --strip-components=1
for p in "$PATCHES"/*.patch; do
	[ -e "$p" ] || continue
	echo "prepare-source.sh: applying $(basename "$p")" >&2
	patch -d "$TREE.tmp" -p1 --quiet --forward --no-backup-if-mismatch < "$p"
done
echo "$stamp" > "$TREE.tmp/.tal-stamp"
mv "$TREE.tmp" "$TREE"
