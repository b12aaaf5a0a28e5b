#!/usr/bin/env python3
"""Write images/manifest.json: every input of the guest build (Debian package
versions, our config fragment, patches, userland and scripts, by SHA-256) and
every output (size and SHA-256). verify.sh compares a rebuild against it."""
import argparse
import hashlib
import json
import os

# i386 kernel direct map: virtual = physical + PAGE_OFFSET.
PAGE_OFFSET = 0xC0000000
# Control page + 2048 records of 32 bytes.
CONTROL_REGION_SIZE = 4096 + 2048 * 32


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def tracked_inputs(root):
    """Files under the input folders of kernel-images/, relative, sorted."""
    out = {}
    for folder in ('config', 'patches', 'initramfs', 'userland', 'scripts'):
        base = os.path.join(root, folder)
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                out[os.path.relpath(full, root)] = sha256(full)
    for name in ('build.sh',):
        out[name] = sha256(os.path.join(root, name))
    return dict(sorted(out.items()))


def control_region(system_map):
    """Physical address of the host-shared region (docs/telemetry.md)."""
    with open(system_map) as f:
        for line in f:
            addr, _, name = line.split()
            if name == 'tal_region':
                return {'symbol': 'tal_region',
                        'phys': '0x%08x' % (int(addr, 16) - PAGE_OFFSET),
                        'size': CONTROL_REGION_SIZE}
    raise SystemExit('write-manifest.py: tal_region not in System.map')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--root', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--kernel-config', required=True)
    ap.add_argument('--system-map', required=True)
    ap.add_argument('--package', action='append', default=[],
                    help='NAME=VERSION of a Debian package the build used')
    args = ap.parse_args()

    packages = dict(sorted(p.split('=', 1) for p in args.package))
    outputs = {}
    for name in ('bzImage', 'initramfs.cpio.gz', 'bios.bin', 'vgabios-stdvga.bin'):
        path = os.path.join(args.out, name)
        outputs[name] = {'sha256': sha256(path), 'size': os.path.getsize(path)}

    manifest = {
        'format': 1,
        'description': 'TAL Lab guest images; rebuild with kernel-images/build.sh, '
                       'check with kernel-images/verify.sh',
        'debian_packages': packages,
        'build_environment': {
            k: os.environ.get(k, '') for k in (
                'KBUILD_BUILD_TIMESTAMP', 'KBUILD_BUILD_USER',
                'KBUILD_BUILD_HOST', 'KBUILD_BUILD_VERSION', 'SOURCE_DATE_EPOCH')
        },
        'inputs': tracked_inputs(args.root),
        'kernel_config_sha256': sha256(args.kernel_config),
        'control_region': control_region(args.system_map),
        'outputs': outputs,
    }
    with open(os.path.join(args.out, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')


if __name__ == '__main__':
    main()
