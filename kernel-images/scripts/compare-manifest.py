#!/usr/bin/env python3
"""Compare a rebuild's manifest with the committed one and say plainly why
they differ.  Exit 0: identical outputs, or differences fully explained by
Debian packages that moved since the manifest was written.  Exit 1: the
committed images are stale (an input of ours changed) or the build is not
reproducible (same inputs, different outputs)."""
import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def main():
    committed, rebuilt = load(sys.argv[1]), load(sys.argv[2])
    moved = {name: (ver, rebuilt['debian_packages'].get(name))
             for name, ver in committed['debian_packages'].items()
             if rebuilt['debian_packages'].get(name) != ver}
    stale = sorted(name for name in set(committed['inputs']) | set(rebuilt['inputs'])
                   if committed['inputs'].get(name) != rebuilt['inputs'].get(name))
    differ = sorted(name for name in committed['outputs']
                    if committed['outputs'][name] != rebuilt['outputs'].get(name))

    for name, (old, new) in sorted(moved.items()):
        print(f'verify: Debian package {name} moved: manifest has {old}, this machine has {new}')
    if stale:
        for name in stale:
            print(f'verify: input {name} differs from the manifest (committed images are stale; '
                  'run npm run build:guest and commit kernel-images/images)')
        return 1
    if not differ:
        print('verify: reproducible: every output matches manifest.json')
        return 0
    if moved:
        print('verify: outputs differ (' + ', '.join(differ) + '), as expected after the package '
              'changes above; not a reproducibility failure. Rebuild and commit to update.')
        return 0
    for name in differ:
        print(f'verify: NOT REPRODUCIBLE: {name}: manifest {committed["outputs"][name]["sha256"]}, '
              f'rebuilt {rebuilt["outputs"].get(name, {}).get("sha256")}')
    return 1


if __name__ == '__main__':
    sys.exit(main())
