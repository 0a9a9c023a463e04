#!/usr/bin/env python3
"""The generated part of docs/performance.md and its plots, from the results
scripts/bench.sh collected (the directory $RES; see that script).

Usage: bench/report.py GENERATED_MD PLOT_DIR  (environment: see bench.sh)
Tables in Markdown; plots as SVG made by gnuplot (Debian package gnuplot-nox).
"""
import glob
import os
import statistics
import subprocess
import sys

env = os.environ
RES = env["RES"]
KS = [int(k) for k in env["KS"].split()]
WS = [int(w) for w in env["WS"].split()]
IMPLS = ["ours", "original"]
NAMES = {"ours": "ours", "original": "original"}


def keyvals(path):
    d = {}
    try:
        with open(path) as f:
            for line in f:
                p = line.split(None, 1)
                if len(p) == 2:
                    d[p[0]] = p[1].strip()
    except OSError:
        pass
    return d


def read(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def fmt(v, digits=0):
    """A figure with thin thousands separators, or '–'."""
    x = num(v)
    if x is None:
        return "–"
    s = f"{x:,.{digits}f}"
    return s.replace(",", " ")


def ratio(a, b, digits=2):
    a, b = num(a), num(b)
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.{digits}f}"


cells = {}
for impl in IMPLS:
    for w in WS:
        for k in KS:
            base = f"{RES}/{impl}-W{w}-K{k}"
            r = keyvals(base + ".txt")
            r["status"] = read(base + ".status", "not run")
            cells[(impl, w, k)] = r

floor = keyvals(f"{RES}/floor")
def median_of_runs(path):
    """The median of the figures in `path` (one callgrind run a line) and
    all of them; ("", []) when none ran."""
    runs = sorted(x for x in (num(v) for v in read(path).split()) if x is not None)
    if not runs:
        return "", []
    return str(statistics.median(runs)), runs


cg_runs = {(i, s): median_of_runs(f"{RES}/cg-{i}-{s}") for i in IMPLS for s in "ab"}
cg = {k: v[0] for k, v in cg_runs.items()}


def cg_text(impl, side):
    """The median, and with several runs their spread."""
    m, runs = cg_runs[(impl, side)]
    if len(runs) < 2:
        return fmt(m)
    return f"{fmt(m)} ({len(runs)} runs: {fmt(runs[0])}–{fmt(runs[-1])})"
dg = {i: keyvals(f"{RES}/dg-{i}") for i in IMPLS}

out = []
o = out.append
quick = env.get("QUICK") == "1"
o("## Results\n")
o("### Run\n")
o(f"* {'**Quick run** (`scripts/bench.sh --quick`: W ∈ {1, 64} × K ∈ {0, 10 000}, small N)' if quick else 'Full grid (`scripts/bench.sh`)'}, "
  f"{env['RUN_DATE']}, revision {env['REV']}, build type {env['BUILD_TYPE']}.")
o(f"* Machine: {env['MACHINE_MODEL']}, {env['MACHINE_CPUS']} CPUs, {env['MACHINE_RAM']} RAM, "
  f"Linux {env['MACHINE_KERNEL']}; load average at the end of the run {env['MACHINE_LOAD']} "
  "(a machine shared with other work shows it here).")
if env.get("BENCH_NOTE"):
    o(f"* {env['BENCH_NOTE']}")
o(f"* Measured calls per cell: N = {env['N_W1']} at W = 1, {env['N_W64']} at W = 64; "
  f"callgrind runs of {env['CG_N1']} and {env['CG_N2']} calls.")
o(f"* Original: Debian atm-tools {env['ORIG_VERSION']} `/usr/sbin/atmsigd` through the shim; "
  f"each of its cells capped at {env['ORIG_CELL_LIMIT_S']} s. Ours: {env['OURS_CONF_NOTE']}.")
o("")

o("### The grid\n")
o("Two demons back to back, one row per cell (demons started fresh). CPU and "
  "system calls per measured call; RSS in kB; `B/held` is bytes of RSS per held call.\n")
o("| demon | W | K | status | calls/s | setup p50 / p99 / p99.9 µs | CPU µs/call A / B "
  "| syscalls/call A / B | RSS idle A / B | RSS held A / B | B/held A / B | load µs/call |")
o("|---|---|---|---|---|---|---|---|---|---|---|---|")
for impl in IMPLS:
    for w in WS:
        for k in KS:
            c = cells[(impl, w, k)]
            if "calls_per_s" not in c:
                o(f"| {impl} | {w} | {fmt(k)} | {c['status']} | | | | | | | | |")
                continue
            o(f"| {impl} | {w} | {fmt(k)} | {c['status']} | {fmt(c.get('calls_per_s'))} "
              f"| {fmt(c.get('setup_p50_us'))} / {fmt(c.get('setup_p99_us'))} / {fmt(c.get('setup_p999_us'))} "
              f"| {fmt(c.get('cpu_us_per_call_a'), 1)} / {fmt(c.get('cpu_us_per_call_b'), 1)} "
              f"| {fmt(c.get('syscalls_per_call_a'), 1)} / {fmt(c.get('syscalls_per_call_b'), 1)} "
              f"| {fmt(c.get('rss_kb_idle_a'))} / {fmt(c.get('rss_kb_idle_b'))} "
              f"| {fmt(c.get('rss_kb_held_a'))} / {fmt(c.get('rss_kb_held_b'))} "
              f"| {fmt(c.get('bytes_per_held_call_a'))} / {fmt(c.get('bytes_per_held_call_b'))} "
              f"| {fmt(c.get('cpu_us_per_call_load'), 1)} |")
o("")

fa, fb = floor.get("floor_batched_us_per_call_a"), floor.get("floor_batched_us_per_call_b")
o("### Ours against the original and the floor\n")
o("Ratios of the same cell: ours/original (below 1: ours is cheaper or, for calls/s, slower), "
  "ours/floor (the batched transport floor of that side, below). Target: CPU per call at "
  "most 1.5 × the batched floor at W = 64, K = 0.\n")
o("| W | K | calls/s ours / orig (ratio) | CPU A ours / orig (ratio) | A ours/floor "
  "| CPU B ours / orig (ratio) | B ours/floor | p99 µs ours / orig |")
o("|---|---|---|---|---|---|---|---|")
for w in WS:
    for k in KS:
        a, b = cells[("ours", w, k)], cells[("original", w, k)]
        if "calls_per_s" not in a and "calls_per_s" not in b:
            continue
        o(f"| {w} | {fmt(k)} | {fmt(a.get('calls_per_s'))} / {fmt(b.get('calls_per_s'))} "
          f"({ratio(a.get('calls_per_s'), b.get('calls_per_s'))}) "
          f"| {fmt(a.get('cpu_us_per_call_a'), 1)} / {fmt(b.get('cpu_us_per_call_a'), 1)} "
          f"({ratio(a.get('cpu_us_per_call_a'), b.get('cpu_us_per_call_a'))}) "
          f"| {ratio(a.get('cpu_us_per_call_a'), fa, 1)} "
          f"| {fmt(a.get('cpu_us_per_call_b'), 1)} / {fmt(b.get('cpu_us_per_call_b'), 1)} "
          f"({ratio(a.get('cpu_us_per_call_b'), b.get('cpu_us_per_call_b'))}) "
          f"| {ratio(a.get('cpu_us_per_call_b'), fb, 1)} "
          f"| {fmt(a.get('setup_p99_us'))} / {fmt(b.get('setup_p99_us'))} |")
o("")

o("### Instructions per call (callgrind, W = 1)\n")
if int(env.get("CG_RUNS", "1")) > 1:
    o(f"Ours: the median of {env['CG_RUNS']} runs, each the difference of {env['CG_N1']} and "
      f"{env['CG_N2']} calls, with their spread (the shell's and Asio's share follows the loop "
      "turns a call takes); the original: one run.\n")
o("| side | ours | original | ours/original | target |")
o("|---|---|---|---|---|")
for s, name in (("a", "A (user side)"), ("b", "B (network side)")):
    o(f"| {name} | {cg_text('ours', s)} | {fmt(cg[('original', s)])} "
      f"| {ratio(cg[('ours', s)], cg[('original', s)])} | ≤ 20 000 |")
o("")

o("### Datagrams and system calls per call (strace, W = 1)\n")
o("Counted by `bench/floor/count_datagrams.sh` (both demons under `strace -f -yy`, "
  "difference of two runs). The fraction above the protocol's count is SSCOP's POLL/STAT.\n")
o("| demon | side | UDP out | UDP in | unix out | unix in | system calls |")
o("|---|---|---|---|---|---|---|")
for impl in IMPLS:
    for s in "ab":
        d = dg[impl]
        o(f"| {impl} | {s.upper()} | {fmt(d.get('udp_out_' + s), 2)} | {fmt(d.get('udp_in_' + s), 2)} "
          f"| {fmt(d.get('unix_out_' + s), 2)} | {fmt(d.get('unix_in_' + s), 2)} "
          f"| {fmt(d.get('syscalls_' + s), 1)} |")
o("")

o("### Transport floor (bench/floor/floor_probe)\n")
o(f"CPU per datagram, µs (UDP {floor.get('udp_size', '?')} octets, unix {floor.get('unix_size', '?')} "
  f"octets, batches of {floor.get('batch', '?')}):\n")
o("| | send | receive | send batched | receive batched |")
o("|---|---|---|---|---|")
for t in ("udp", "unix"):
    o(f"| {t.upper() if t == 'udp' else 'unix'} | {fmt(floor.get(t + '_send_us'), 2)} | {fmt(floor.get(t + '_recv_us'), 2)} "
      f"| {fmt(floor.get(t + '_send_batched_us'), 2)} | {fmt(floor.get(t + '_recv_batched_us'), 2)} |")
o("")
o(f"Floor per call ({floor.get('datagrams_a', '')}; {floor.get('datagrams_b', '')}):\n")
o("| side | one datagram per system call | batched |")
o("|---|---|---|")
for s in "ab":
    o(f"| {s.upper()} | {fmt(floor.get('floor_us_per_call_' + s), 1)} µs "
      f"| {fmt(floor.get('floor_batched_us_per_call_' + s), 1)} µs |")
o("")


# --- what bounds the CPU per call --------------------------------------------------
def shell_floor(path):
    """bench/shell/shell_floor.sh's output: instructions per call (W = 1) and the
    median CPU per call of its runs at W = 64."""
    instr, cpus = None, []
    for line in read(path).splitlines():
        if line.startswith("instructions per call"):
            instr = line.rsplit(":", 1)[1].strip()
        elif line.startswith("W=64 run"):
            f = line.split(":", 1)[1].split()
            kv = dict(zip(f[0::2], f[1::2]))
            if num(kv.get("cpu_us_per_call")) is not None:
                cpus.append(num(kv["cpu_us_per_call"]))
    cpus.sort()
    return instr, (cpus[len(cpus) // 2] if cpus else None)


split = keyvals(f"{RES}/split")
kernel_over_floor = {}  # side -> the kernel's share of its CPU per call / the batched floor
sf_instr, sf_cpu = shell_floor(f"{RES}/shell-floor")
o("### What bounds the CPU per call (W = 64, K = 0)\n")
o("The demon's own transports and loop with an engine that does nothing "
  "(`bench/shell/shell_floor.sh`: the datagrams of a call's A side, its own driver): "
  f"{fmt(sf_instr)} instructions per call at W = 1, {fmt(sf_cpu, 1)} µs CPU per call at W = 64 "
  "(the median of its runs).\n")
if "split_samples_a" in split:
    o("Where our demons' CPU goes in a separate run of the W = 64, K = 0 cell "
      "(`bench/demon/cpu_split.sh`: perf's cpu-clock samples of each demon during the measured "
      "phase, by the system call on the stack; the kernel's work of a `sendmmsg` on loopback "
      "includes delivering each datagram and waking its reader). µs per call = the run's CPU "
      "per call × the share:\n")
    o("| side | CPU µs/call | user space | sendmmsg | recvmmsg | epoll_wait | other kernel "
      "| kernel / batched floor | samples |")
    o("|---|---|---|---|---|---|---|---|---|")
    for s, fl in (("a", fa), ("b", fb)):
        cpu = num(split.get(f"cpu_us_per_call_{s}"))
        part = {x: num(split.get(f"split_{x}_pct_{s}"))
                for x in ("user", "sendmmsg", "recvmmsg", "epoll_wait", "other")}
        if cpu is None or None in part.values():
            o(f"| {s.upper()} | – | | | | | | | |")
            continue
        us = {x: cpu * v / 100 for x, v in part.items()}
        kernel = cpu - us["user"]
        if num(fl):
            kernel_over_floor[s] = kernel / num(fl)
        cells_ = " | ".join(f"{fmt(us[x], 1)} ({fmt(part[x], 0)} %)"
                            for x in ("user", "sendmmsg", "recvmmsg", "epoll_wait", "other"))
        o(f"| {s.upper()} | {fmt(cpu, 1)} | {cells_} | {ratio(kernel, num(fl), 2)} "
          f"| {fmt(split.get(f'split_samples_{s}'))} |")
    o("")
    o("The kernel's share alone, against the batched floor, is the least the ratio CPU / "
      "floor can be whatever the demon's own instructions cost.\n")
else:
    o(f"Where our demons' CPU goes: not measured ({read(RES + '/split.err', 'no perf')}).\n")

LAT_ROWS = (("wake-chain", "wake chain (six hops)"),
            ("call-chain", "call chain (our datagrams)"),
            ("original-chain", "call chain (the original's datagrams)"),
            ("ours", "ours"), ("original", "original"),
            ("isolated-chain", "isolated: call chain (our datagrams, 1 ms between calls)"),
            ("ours-isolated", "isolated: ours (`--gap-us 1000`)"),
            ("original-isolated", "isolated: the original (`--gap-us 1000`)"))
lat = {(n, q): median_of_runs(f"{RES}/lat-{n}.{q}") for n, _ in LAT_ROWS for q in ("p50", "p99")}
# Each demon against the floor of its own datagrams.
LAT_FLOOR = {"wake-chain": "call-chain", "call-chain": "call-chain",
             "original-chain": "original-chain", "ours": "call-chain",
             "original": "original-chain", "isolated-chain": "isolated-chain",
             "ours-isolated": "isolated-chain", "original-isolated": "isolated-chain"}


def lat_text(n, q):
    """A latency's median over the alternate runs, with their spread."""
    m, runs = lat[(n, q)]
    if len(runs) < 2:
        return fmt(m, 1)
    return f"{fmt(m, 1)} ({fmt(runs[0], 1)}–{fmt(runs[-1], 1)})"


o("### What bounds the setup latency (W = 1, K = 0)\n")
if lat[("call-chain", "p50")][1]:
    o("A call's setup crosses six hops between three processes (the generator as both "
      "kernels, demon A, demon B: unix, UDP, unix, unix, UDP, unix). `bench/floor/wake_chain` "
      "makes them with processes that do no work, each waiting in `epoll_wait`: the machine's "
      "wake-ups and transport alone (*wake chain*). A call at W = 1 is more than those six "
      "hops: B answers SETUP with as_indicate and CALL PROCEEDING, as_accept with as_okay and "
      "CONNECT; A answers CONNECT with as_okay and CONNECT ACKNOWLEDGE; the kernel's as_close "
      "is answered at once, so the last call's release is still under way when the next "
      "starts. The *call chain* sends every one of those datagrams, in our demons' order and "
      "sizes, again between processes that do no work: what is left above it is the work of "
      "the two demons and the generator. The original's datagrams differ (CALL PROCEEDING "
      "before as_indicate, B's as_okay on CONNECT ACKNOWLEDGE, the kernel's as_close "
      "answered on RELEASE COMPLETE, so its calls do not overlap): the chain makes those too, "
      "and each demon is set against the chain of its own datagrams. *Isolated* calls start "
      "1 ms after the last ended (`atmsigd-load --gap-us 1000`; the chain sleeps as long): "
      "no release is under way, and every process is asleep when a setup starts.\n")
    runs = env.get("LAT_RUNS", "1")
    o((f"Each row is the median of {runs} runs made alternately" if runs != "1" else
       "One run of each") +
      f" (ours and the original {fmt(env.get('LAT_N'))} calls a run, fresh processes each: "
      "where the scheduler puts the three processes moves one run's p50), with the runs' "
      "spread; the chains 20 000 rounds a run.\n")
    o("| | p50 µs | p99 µs | p50 / the call chain of its datagrams |")
    o("|---|---|---|---|")
    for n, name in LAT_ROWS:
        o(f"| {name} | {lat_text(n, 'p50')} | {lat_text(n, 'p99')} | "
          f"{ratio(lat[(n, 'p50')][0], lat[(LAT_FLOOR[n], 'p50')][0])} |")
    o("")
else:
    o(f"Not measured ({read(RES + '/lat-wake.err', 'no wake_chain')}).\n")


# --- targets of issue 13 -------------------------------------------------------
def verdict(ok):
    return "–" if ok is None else ("met" if ok else "not met")


def le(v, limit):
    x = num(v)
    return None if x is None else x <= limit


def at_million(ok):
    """A target set at K = 1 000 000 judged only there."""
    return verdict(ok) if kmax >= 1000000 else "K = 1 000 000 not run"


rows = []
kmax = max([k for k in KS if cells[("ours", 64, k)]["status"] == "ok"] or [0])
ck = cells.get(("ours", 64, kmax), {})
for s in "ab":
    v = cg[("ours", s)]
    rows.append((f"instructions per call, {s.upper()} (W = 1)", "≤ 20 000", fmt(v), verdict(le(v, 20000))))
c0 = cells.get(("ours", 64, 0), {})
for s, fl in (("a", fa), ("b", fb)):
    v = c0.get(f"cpu_us_per_call_{s}")
    lim = num(fl) * 1.5 if num(fl) is not None else None
    ok = le(v, lim) if lim is not None else None
    kf = kernel_over_floor.get(s)
    cpu_verdict = verdict(ok)
    if ok is False and kf is not None and kf > 1.5:
        cpu_verdict = f"not met; bound: the kernel's share alone is {kf:.2f} × the floor"
    rows.append((f"CPU per call, {s.upper()}, W = 64, K = 0", f"≤ 1.5 × floor = {fmt(lim, 1)} µs",
                 f"{fmt(v, 1)} µs", cpu_verdict))
    v = c0.get(f"syscalls_per_call_{s}")
    rows.append((f"system calls per call, {s.upper()}, W = 64, K = 0", "≤ 3", fmt(v, 1), verdict(le(v, 3))))
def cell_runs(k, key):
    """The figure `key` of ours at W = 64, K = k in each of its runs (the
    grid's and bench.sh's RATIO_RUNS again), sorted; the grid's alone when
    it was not run again."""
    files = sorted(glob.glob(f"{RES}/ours-W64-K{k}.run*.txt"))
    vals = [num(keyvals(f).get(key)) for f in files] or [num(cells[("ours", 64, k)].get(key))]
    return sorted(v for v in vals if v is not None)


for s in "ab":
    r0, rk = cell_runs(0, f"cpu_us_per_call_{s}"), cell_runs(kmax, f"cpu_us_per_call_{s}")
    v0 = statistics.median(r0) if r0 else None
    vk = statistics.median(rk) if rk else None
    ok = None if v0 is None or vk is None or kmax == 0 else vk <= 1.2 * v0
    spread = ""
    if len(r0) > 1 or len(rk) > 1:
        spread = (f" (medians of {max(len(r0), len(rk))} runs each, alternately: K = 0 "
                  f"{fmt(r0[0], 1)}–{fmt(r0[-1], 1)} µs, K = {fmt(kmax)} "
                  f"{fmt(rk[0], 1)}–{fmt(rk[-1], 1)} µs)") if r0 and rk else ""
    rows.append((f"CPU per call, {s.upper()}, W = 64, K = {fmt(kmax)} against K = 0",
                 "within 20 % (at K = 1 000 000)",
                 f"{ratio(vk, v0)} ×{spread}" if kmax else "–", at_million(ok)))
p99 = [f"{fmt(k)}: {fmt(cells[('ours', 64, k)].get('setup_p99_us'))}" for k in KS
       if "calls_per_s" in cells[("ours", 64, k)]]
rows.append(("p99 setup latency as K grows, W = 64 (µs)", "no step", ", ".join(p99) or "–", "see figures"))
for s in "ab":
    v = ck.get(f"bytes_per_held_call_{s}") if kmax else None
    rows.append((f"RSS per held call, {s.upper()}, K = {fmt(kmax)}", "≤ 256 B (at K = 1 000 000)",
                 f"{fmt(v)} B" if v else "–", at_million(le(v, 256))))
    v = c0.get(f"rss_kb_idle_{s}")
    rows.append((f"idle RSS, {s.upper()}", "≤ 3 MB", f"{fmt(v)} kB", verdict(le(v, 3072))))
p50_ours, p50_orig, p50_call = (lat[(n, "p50")][0] for n in ("ours", "original", "call-chain"))
ok = le(p50_ours, 100)
if ok is False and num(p50_call) is not None:
    # What the limit leaves for the work of two demons and the generator.
    left = 100 - num(p50_call)
    lat_verdict = (f"not met; bound: our call's datagrams alone take {fmt(p50_call, 1)} µs, "
                   f"leaving {fmt(max(left, 0), 1)} µs for all the demons' and the generator's "
                   "work; isolated calls: ours "
                   f"{fmt(lat[('ours-isolated', 'p50')][0], 1)} µs, the original "
                   f"{fmt(lat[('original-isolated', 'p50')][0], 1)}, their floor "
                   f"{fmt(lat[('isolated-chain', 'p50')][0], 1)}")
else:
    lat_verdict = verdict(ok)
rows.append(("setup latency p50, W = 1, K = 0 (median of the alternate runs)",
             f"≤ 100 µs (original here: {fmt(p50_orig, 1)} µs)",
             f"{fmt(p50_ours, 1)} µs", lat_verdict))
o("### Targets of issue 13 (ours)\n")
o("| target | limit | measured | |")
o("|---|---|---|---|")
for r in rows:
    o("| " + " | ".join(r) + " |")
o("")

# --- plots -----------------------------------------------------------------------
plot_dir = sys.argv[2]
os.makedirs(plot_dir, exist_ok=True)
data = os.path.join(RES, "plot")
os.makedirs(data, exist_ok=True)
cols = ["calls_per_s", "cpu_us_per_call_a", "cpu_us_per_call_b", "rss_kb_held_a", "rss_kb_held_b"]
for impl in IMPLS:
    for w in WS:
        with open(f"{data}/{impl}-W{w}.dat", "w") as f:
            for i, k in enumerate(KS):
                c = cells[(impl, w, k)]
                if "calls_per_s" not in c or c["status"] != "ok":
                    continue
                vals = [c.get(x, "na") for x in cols]
                f.write(f"{i} {k} " + " ".join("NaN" if num(v) is None else v for v in vals) + "\n")
xtics = ", ".join(f'"{fmt(k)}" {i}' for i, k in enumerate(KS))
style = {"ours": "lc rgb '#1f5fbf'", "original": "lc rgb '#c0392b'"}
dash = {1: "dt 2", 64: "dt 1"}


# SVG by default; BENCH_PLOT_FORMAT=png (libgd) to look at them where no SVG viewer is.
FORMAT = env.get("BENCH_PLOT_FORMAT", "svg")
TERMINAL = {"svg": "svg size 720,440 dynamic font 'sans,11'", "png": "png size 720,440"}[FORMAT]


def plot(name, title, ylabel, series):
    lines = [
        f"set terminal {TERMINAL}",
        f"set output '{plot_dir}/{name}.{FORMAT}'",
        f"set title '{title}'",
        "set xlabel 'K (calls held)'",
        f"set ylabel '{ylabel}'",
        f"set xtics ({xtics})",
        f"set xrange [-0.3:{len(KS) - 0.7}]",
        "set yrange [0:*]",
        "set key outside right top",
        "set grid ytics",
    ]
    parts = []
    for impl, w, col, label, pt in series:
        f = f"{data}/{impl}-W{w}.dat"
        if os.path.getsize(f) == 0:
            continue
        parts.append(f"'{f}' using 1:{col} with linespoints {style[impl]} {dash[w]} pt {pt} lw 2 title '{label}'")
    if not parts:
        return False
    lines.append("plot " + ", \\\n  ".join(parts))
    subprocess.run(["gnuplot"], input="\n".join(lines) + "\n", text=True, check=True)
    return True


made = []
s = [(i, w, 3, f"{NAMES[i]} W={w}", 7 if i == "ours" else 5) for i in IMPLS for w in WS]
if plot("calls_per_s", "Calls per second (measured calls, K held meanwhile)", "calls/s", s):
    made.append(("calls_per_s", "calls per second"))
s = [(i, w, 4 if side == "a" else 5, f"{NAMES[i]} {side.upper()} W={w}", 7 if side == "a" else 9)
     for i in IMPLS for w in WS for side in "ab"]
if plot("cpu_per_call", "CPU per call of each demon (schedstat)", "µs per call", s):
    made.append(("cpu_per_call", "CPU per call"))
s = [(i, w, 6 if side == "a" else 7, f"{NAMES[i]} {side.upper()} W={w}", 7 if side == "a" else 9)
     for i in IMPLS for w in WS for side in "ab"]
if plot("rss", "RSS with K calls held", "kB", s):
    made.append(("rss", "RSS"))
o("### Plots\n")
o("Ours blue, the original red; W = 64 solid, W = 1 dashed. Only cells that ran to the end.\n")
for name, alt in made:
    o(f"![{alt}](performance/{name}.{FORMAT})\n")

with open(sys.argv[1], "w") as f:
    f.write("\n".join(out) + "\n")
