#!/usr/bin/env python3
"""Splits `perf script` call-graph samples of one process by where they were
spent: user space, or the system call on the stack (sendmmsg, recvmmsg,
epoll_wait, ...), or other kernel work (interrupts, faults). Reads perf
script's output on stdin; prints one line per place, largest first.
With --keys SIDE: key-value lines for scripts/bench.sh instead
(split_user_pct_SIDE, split_sendmmsg_pct_SIDE, split_recvmmsg_pct_SIDE,
split_epoll_wait_pct_SIDE, split_other_pct_SIDE: the rest of the kernel)."""
import collections
import re
import sys

SYSCALL = re.compile(r"__(?:x64|ia32)_sys_(\w+)|__do_sys_(\w+)")


def place(frames):
    for f in frames:
        m = SYSCALL.search(f)
        if m:
            return "system call " + (m.group(1) or m.group(2))
    return "kernel, other" if "[kernel.kallsyms]" in frames[0] else "user space"


def keys(counts, total, side):
    def pct(n):
        return f"{100 * n / total:.1f}" if total else "na"

    named = {"user": counts["user space"]}
    for call in ("sendmmsg", "recvmmsg", "epoll_wait"):
        named[call] = counts["system call " + call]
    named["other"] = total - sum(named.values())
    for name, n in named.items():
        print(f"split_{name}_pct_{side} {pct(n)}")
    print(f"split_samples_{side} {total}")


def main():
    side = sys.argv[2] if len(sys.argv) == 3 and sys.argv[1] == "--keys" else None
    counts = collections.Counter()
    total = 0
    for block in sys.stdin.read().split("\n\n"):
        lines = [l.strip() for l in block.strip().splitlines() if l.strip()]
        if len(lines) < 2:
            continue
        total += 1
        counts[place(lines[1:])] += 1
    if side:
        keys(counts, total, side)
        return
    if total == 0:
        print("  no samples")
        return
    for name, n in counts.most_common():
        if 100 * n / total >= 0.5:
            print(f"  {100 * n / total:5.1f} %  {name}")
    print(f"  ({total} samples)")


if __name__ == "__main__":
    main()
