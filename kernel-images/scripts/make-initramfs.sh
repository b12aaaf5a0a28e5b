#!/usr/bin/env bash
# Build initramfs.cpio.gz: Debian's static i386 busybox, our small userland
# binaries and the files under initramfs/. The archive is written by the
# kernel's own gen_init_cpio from a sorted list with one fixed mtime (files
# are staged and touched, since gen_init_cpio takes a file's mtime from the
# file), so the same inputs give the same bytes, and device nodes need no root.
# Usage: make-initramfs.sh TREE SKEL_DIR WORK_DIR OUT_FILE [BIN...]
#   TREE      kernel source tree (for usr/gen_init_cpio.c)
#   SKEL_DIR  files copied as they are (mode 0755 if executable, else 0644)
#   BIN       binaries installed into /bin (busybox first)
set -euo pipefail
TREE="$1" SKEL="$2" WORK="$3" OUT="$4"
shift 4
MTIME="${SOURCE_DATE_EPOCH:-1704067200}"

rm -rf "$WORK/stage"
mkdir -p "$WORK/stage/bin"
gcc -O2 -o "$WORK/gen_init_cpio" "$TREE/usr/gen_init_cpio.c"
for b in "$@"; do
	cp "$b" "$WORK/stage/bin/"
done
cp -R "$SKEL/." "$WORK/stage/"
find "$WORK/stage" -exec touch -h -d "@$MTIME" {} +

list="$WORK/initramfs.list"
{
	for d in bin dev etc etc/init.d mnt proc root sys tmp; do
		echo "dir /$d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "slink /bin/sh busybox 0777 0 0"
	echo "slink /init bin/busybox 0777 0 0"
	for b in "$@"; do
		echo "file /bin/$(basename "$b") $WORK/stage/bin/$(basename "$b") 0755 0 0"
	done
	(cd "$SKEL" && find . -type f | sort) | while read -r f; do
		f="${f#./}"
		mode=0644
		[ -x "$SKEL/$f" ] && mode=0755
		echo "file /$f $WORK/stage/$f $mode 0 0"
	done
} | LC_ALL=C sort -s -k2,2 > "$list"

"$WORK/gen_init_cpio" -t "$MTIME" "$list" > "$WORK/initramfs.cpio"
gzip -n -9 < "$WORK/initramfs.cpio" > "$OUT"
