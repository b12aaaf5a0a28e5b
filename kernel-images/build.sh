#!/usr/bin/env bash
# Build the TAL Lab guest: a patched i386 Linux 6.1 bzImage, a busybox
# initramfs and the SeaBIOS images, all into kernel-images/images/, plus
# manifest.json recording every input and output hash.
#
# Usage: kernel-images/build.sh [--no-apt] [--out DIR]
#   --no-apt   do not run apt-get (the packages are already installed)
#   --out DIR  write images and manifest to DIR instead of kernel-images/images
# TAL_BUILD_DIR overrides the work directory (default kernel-images/build).
#
# The build is reproducible: the same Debian package versions, config fragment
# and patches give byte-identical outputs (verify.sh checks this).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
BUILD="${TAL_BUILD_DIR:-$HERE/build}"
OUT="$HERE/images"
USE_APT=1

while [ $# -gt 0 ]; do
	case "$1" in
	--no-apt) USE_APT=0 ;;
	--out) OUT="$(mkdir -p "$2" && cd "$2" && pwd)"; shift ;;
	*) echo "build.sh: unknown argument: $1" >&2; exit 2 ;;
	esac
	shift
done

# Fixed build identity: these end up in the kernel's version string.
export KBUILD_BUILD_TIMESTAMP='2024-01-01 00:00:00 UTC'
export KBUILD_BUILD_USER=tal
export KBUILD_BUILD_HOST=tal-lab
export KBUILD_BUILD_VERSION=1
export SOURCE_DATE_EPOCH=1704067200
export LC_ALL=C TZ=UTC
umask 022

APT_PACKAGES=(linux-source-6.1 busybox-static:i386 seabios gcc-i686-linux-gnu
	binutils-i686-linux-gnu gcc make bc flex bison libelf-dev libssl-dev cpio
	xz-utils gzip python3)

log() { echo "build.sh: $*" >&2; }

install_packages() {
	export DEBIAN_FRONTEND=noninteractive
	if ! dpkg --print-foreign-architectures | grep -qx i386; then
		dpkg --add-architecture i386
	fi
	# A mirror in the middle of a sync can fail one index; the install below
	# still fails loudly if a package is really missing.
	apt-get update -qq || log "warning: apt-get update reported errors (continuing)"
	apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
}

pkg_version() { dpkg-query -W -f '${Version}' "$1"; }

if [ "$USE_APT" = 1 ]; then
	install_packages
fi

SRC_TAR=/usr/src/linux-source-6.1.tar.xz
[ -f "$SRC_TAR" ] || { log "missing $SRC_TAR (install linux-source-6.1)"; exit 1; }

mkdir -p "$BUILD" "$OUT"

# 1. Kernel source: a fresh tree whenever the source package or a patch changes.
"$HERE/scripts/prepare-source.sh" "$SRC_TAR" "$BUILD/linux" "$HERE/patches"

# 2. Configuration: tinyconfig + our fragment, and every fragment line must hold.
"$HERE/scripts/configure-kernel.sh" "$BUILD/linux" "$BUILD/kout" "$HERE/config/guest.fragment"

# 3. Kernel.
log "building bzImage (a few minutes on 2 cores)"
make -s -C "$BUILD/linux" ARCH=i386 O="$BUILD/kout" -j"$(nproc)" bzImage
install -m 0644 "$BUILD/kout/arch/x86/boot/bzImage" "$OUT/bzImage"

# 4. Initramfs.
cp /bin/busybox "$BUILD/busybox"
# e_machine 3 = EM_386: the amd64 busybox would not run in the guest.
[ "$(od -An -tu2 -j18 -N2 "$BUILD/busybox" | tr -d ' ')" = 3 ] || { log "/bin/busybox is not the i386 busybox-static"; exit 1; }
mkdir -p "$BUILD/userland"
make -s -C "$HERE/userland" OUT="$BUILD/userland"
"$HERE/scripts/make-initramfs.sh" "$BUILD/linux" "$HERE/initramfs" "$BUILD/initramfs" \
	"$OUT/initramfs.cpio.gz" "$BUILD/busybox" "$BUILD/userland/talexec" \
	"$BUILD/userland/talprobe"

# 5. BIOS images, as Debian ships them.
install -m 0644 /usr/share/seabios/bios.bin "$OUT/bios.bin"
install -m 0644 /usr/share/seabios/vgabios-stdvga.bin "$OUT/vgabios-stdvga.bin"

# 6. Manifest.
"$HERE/scripts/write-manifest.py" --root "$HERE" --out "$OUT" \
	--kernel-config "$BUILD/kout/.config" --system-map "$BUILD/kout/System.map" \
	--package linux-source-6.1="$(pkg_version linux-source-6.1)" \
	--package busybox-static:i386="$(pkg_version busybox-static:i386)" \
	--package seabios="$(pkg_version seabios)" \
	--package gcc-i686-linux-gnu="$(pkg_version gcc-i686-linux-gnu)" \
	--package gcc="$(pkg_version gcc)" \
	--package binutils="$(pkg_version binutils)"
log "done: $OUT"
