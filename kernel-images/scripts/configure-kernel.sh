#!/usr/bin/env bash
# Produce the kernel .config: `tinyconfig` for i386, our fragment merged on top,
# then `olddefconfig`. Kconfig silently drops options whose dependencies are
# missing, so every line of the fragment is checked against the result.
set -euo pipefail
TREE="$1" KOUT="$2" FRAGMENT="$3"

mkdir -p "$KOUT"
make -s -C "$TREE" ARCH=i386 O="$KOUT" tinyconfig >/dev/null
"$TREE/scripts/kconfig/merge_config.sh" -m -O "$KOUT" "$KOUT/.config" "$FRAGMENT" >/dev/null 2>&1
make -s -C "$TREE" ARCH=i386 O="$KOUT" olddefconfig >/dev/null

bad=0
while read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$KOUT/.config" || { echo "configure-kernel.sh: not in .config: $line" >&2; bad=1; } ;;
	"# CONFIG_"*" is not set")
		name="${line#\# }"; name="${name%% *}"
		if grep -q "^$name=" "$KOUT/.config"; then
			echo "configure-kernel.sh: should be unset: $name" >&2; bad=1
		fi ;;
	esac
done < "$FRAGMENT"
exit $bad
