#!/usr/bin/env python3
"""Instructions per call by function, from two callgrind profiles of one demon.

Usage: cg_diff.py CG_SMALL N_SMALL CG_BIG N_BIG [TOP]

The profiles are those bench/demon/callgrind_per_call.sh keeps with
CG_KEEP=DIR. Each function's own cost (callgrind's self cost, by file and
function: code inlined from a header is listed under the header) in the big
run less the small one, divided by N_BIG - N_SMALL; the TOP (default 60)
largest. bench/demon/cg_layers.py adds these up by layer.
"""
import re
import subprocess
import sys


def load(f):
    out = subprocess.run(['callgrind_annotate', '--threshold=100', '--inclusive=no', '--auto=no', f],
                         capture_output=True, text=True, check=True).stdout
    d = {}
    for line in out.splitlines():
        m = re.match(r'^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$', line)
        if not m or '=>' in line or 'PROGRAM TOTALS' in line:
            continue
        name = re.sub(r'\s*\[.*\]$', '', m.group(2).strip())
        d[name] = d.get(name, 0) + int(m.group(1).replace(',', ''))
    return d


def main():
    a, na, b, nb = load(sys.argv[1]), int(sys.argv[2]), load(sys.argv[3]), int(sys.argv[4])
    top = int(sys.argv[5]) if len(sys.argv) > 5 else 60
    diff = {k: (b.get(k, 0) - a.get(k, 0)) / (nb - na) for k in set(a) | set(b)}
    for k, v in sorted(diff.items(), key=lambda x: -x[1])[:top]:
        print(f'{v:8.0f}  {k[:170]}')


if __name__ == '__main__':
    main()
