#!/usr/bin/env python3
"""Resident pages of a running demon's binary, by ELF section (issue 13).

Usage: resident_sections.py PID [BINARY]   (root: reads /proc/PID/pagemap)

For every allocated section of BINARY (default: /proc/PID/exe) prints its
size and how many of its 4 KiB pages are mapped in the process (pagemap's
"present" bit): what start-up, idle and the calls touched, widened by the
kernel's 64 KiB fault-around windows. A page shared by two sections counts
for both. A benchmark tool, never a test.
"""
import os
import struct
import subprocess
import sys

PAGE = 4096


def sections(binary):
    out = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        line = line.replace("[ ", "[")
        parts = line.split()
        if len(parts) < 7 or not parts[0].startswith("[") or parts[0] == "[Nr]":
            continue
        name, addr, size, flags = parts[1], int(parts[3], 16), int(parts[5], 16), parts[7]
        if "A" in flags and size:
            yield name, addr, size


def main():
    pid = sys.argv[1]
    binary = sys.argv[2] if len(sys.argv) > 2 else os.readlink(f"/proc/{pid}/exe")
    real = os.path.realpath(binary)
    base = None
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 6 and os.path.realpath(fields[5]) == real and int(fields[2], 16) == 0:
                base = int(fields[0].split("-")[0], 16)
                break
    if base is None:
        sys.exit(f"{binary} is not mapped in {pid}")
    total = 0
    with open(f"/proc/{pid}/pagemap", "rb") as pm:
        print(f"{'section':24} {'size kB':>8} {'resident kB':>12}")
        for name, addr, size in sections(binary):
            first, last = (base + addr) // PAGE, (base + addr + size - 1) // PAGE
            pm.seek(first * 8)
            data = pm.read((last - first + 1) * 8)
            present = sum(1 for (e,) in struct.iter_unpack("<Q", data) if e >> 63)
            total += present
            print(f"{name:24} {size / 1024:8.0f} {present * 4:12d}")
    print(f"{'sum':24} {'':8} {total * 4:12d}")


if __name__ == "__main__":
    main()
