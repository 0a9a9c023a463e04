#!/usr/bin/env python3
"""Per-call self cost by function: cgdiff.py CG_SMALL N_SMALL CG_BIG N_BIG [TOP]"""
import re, subprocess, sys
def load(f):
    out = subprocess.run(['callgrind_annotate', '--threshold=100', '--inclusive=no', f],
                         capture_output=True, text=True).stdout
    d = {}
    for l in out.splitlines():
        m = re.match(r'^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$', l)
        if not m or '=>' in l: continue
        name = re.sub(r'\s*\[.*\]$', '', m.group(2).strip())
        d[name] = d.get(name, 0) + int(m.group(1).replace(',', ''))
    return d
a, na, b, nb = load(sys.argv[1]), int(sys.argv[2]), load(sys.argv[3]), int(sys.argv[4])
top = int(sys.argv[5]) if len(sys.argv) > 5 else 60
diff = {k: (b.get(k, 0) - a.get(k, 0)) / (nb - na) for k in set(a) | set(b)}
for k, v in sorted(diff.items(), key=lambda x: -x[1])[:top]:
    print(f"{v:8.0f}  {k[:170]}")
