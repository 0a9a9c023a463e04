#!/usr/bin/env python3
"""Instructions per call by layer, from two callgrind profiles of one demon.

Usage: cg_layers.py CG_SMALL N_SMALL CG_BIG N_BIG [--functions K]

The two profiles are those bench/demon/callgrind_per_call.sh keeps with
CG_KEEP=DIR (DIR/cg.N1, DIR/cg.N2). Each function's own cost (callgrind's
self cost: its code and whatever the compiler inlined into it) is put in one
layer, from its name (the first atmsigd namespace in it, so a std:: template
instantiated for a layer's type counts for that layer) or its object (libc,
ld.so); the difference of the two runs divided by N_BIG - N_SMALL is the
cost per call. The layers add up to the total: this is a partition of self
costs, not inclusive costs (the inclusive cost of one entry point counts
the layers below it, and a callback into a layer above).

With --functions K, the K most expensive functions of every layer follow.

With --charge-callers, what a generic function costs (malloc/free, the rest
of libc, std:: code for no layer's type) is charged to the layer that called
it, through the call graph of the profile (each call's inclusive cost, less
what the callee spent in a layer's code, e.g. a callback): each layer's
figure is then its code and the library work done for it. What no layer
called (start-up, the writer thread's own loop) stays where it is.
"""
import re
import subprocess
import sys

# Layer of an atmsigd namespace; the log path also takes the shell's logger
# (io::Logger, its writer thread and line formatting in src/io/logging.cpp).
NAMESPACES = {
    'io': 'shell (src/io)',
    'engine': 'engine',
    'atmsvc': 'socket table (atmsvc)',
    'callctl': 'call control (callctl)',
    'q2931': 'Q.2931 codec',
    'sscf': 'SSCF + SSCOP',
    'sscop': 'SSCF + SSCOP',
    'log': 'log path',
    'util': 'util (flat maps, slabs, timers)',
    'config': 'config',
}
ORDER = [
    'shell (src/io)', 'Asio', 'engine', 'socket table (atmsvc)', 'call control (callctl)',
    'Q.2931 codec', 'SSCF + SSCOP', 'util (flat maps, slabs, timers)', 'log path',
    'malloc/free', 'libc (other)', 'std (other)', 'ld.so', 'other',
]
MALLOC = re.compile(r'^(malloc|free|cfree|calloc|realloc|_int_malloc|_int_free\w*|'
                    r'malloc_consolidate|tcache_\w+|__libc_malloc|__libc_free|'
                    r'operator new|operator delete|unlink_chunk\w*|sysmalloc|'
                    r'__GI___libc_malloc|__GI___libc_free|_int_realloc|__libc_realloc)\b')
LOGGER = re.compile(r'atmsigd::io::(Logger|LogLevels|\(anonymous namespace\)::'
                    r'(append_usec|time_text|Tags|Frame|severity_of|of_event))')


def strip_templates(text):
    """`text` without its template argument lists: the layer of
    `atmsigd::callctl::Router::to<std::variant<atmsigd::atmsvc::X>>` is the
    function's namespace, not its arguments'. `operator<` and `operator<<`
    keep their brackets."""
    out, depth, i = [], 0, 0
    while i < len(text):
        if text.startswith('operator<<', i) or text.startswith('operator<', i):
            n = 10 if text.startswith('operator<<', i) else 9
            if depth == 0:
                out.append(text[i:i + n])
            i += n
            continue
        c = text[i]
        if c == '<':
            depth += 1
        elif c == '>' and depth > 0:
            depth -= 1
        elif depth == 0:
            out.append(c)
        i += 1
    return ''.join(out)


def layer(name, obj, path):
    # The ATM address as text (util/atm_text) is printed by the log lines
    # only on a call's path; the trace ring (util/trace_ring) is the shell's.
    if ('logging.cpp' in path or 'src/log/' in path or 'include/atmsigd/log/' in path or
            LOGGER.search(name) or 'svc_address' in name):
        return 'log path'
    if 'trace_ring' in path or 'TraceRing' in name:
        return 'shell (src/io)'
    if MALLOC.match(name) or '/malloc/' in path:
        return 'malloc/free'
    head = strip_templates(name.split('(')[0])
    m = re.search(r'atmsigd::(\w+)::', name)
    if not m:  # a name callgrind left mangled: 7atmsigd4sscf...
        mm = re.search(r'7atmsigd(\d+)', name)
        if mm:
            n = int(mm.group(1))
            ns = name[mm.end():mm.end() + n]
            m = re.match(r'(\w+)', ns + '::')
    mp = re.search(r'(?:src|include/atmsigd)/(\w+)/', path)
    lead = re.match(r'^(?:[\w:,* ]+ )?atmsigd::(\w+)::', head)
    if lead:
        return NAMESPACES.get(lead.group(1), 'other')
    if 'boost::asio' in head:
        return 'Asio'
    if m:
        return NAMESPACES.get(m.group(1), 'other')
    if mp:
        return NAMESPACES.get(mp.group(1), 'other')
    if 'ld-linux' in obj or path.startswith('./elf/'):
        return 'ld.so'
    if 'libc.so' in obj or path.startswith('./'):
        return 'libc (other)'
    if 'std::' in head or '__gnu_cxx' in head or '__cxx' in head:
        return 'std (other)'
    return 'other'


def load(f):
    out = subprocess.run(['callgrind_annotate', '--threshold=100', '--inclusive=no', '--auto=no', f],
                         capture_output=True, text=True, check=True).stdout
    d = {}
    for line in out.splitlines():
        m = re.match(r'^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$', line)
        if not m or '=>' in line or 'PROGRAM TOTALS' in line:
            continue
        full = m.group(2).strip()
        obj = ''
        mo = re.search(r'\s*\[([^\]]*)\]$', full)
        if mo:
            obj = mo.group(1)
            full = full[:mo.start()]
        mp = re.match(r'^([^:\s]*(?:/|\?\?\?)[^:]*):(.*)$', full)
        path, name = (mp.group(1), mp.group(2)) if mp else ('', full)
        key = (name, obj, path)
        d[key] = d.get(key, 0) + int(m.group(1).replace(',', ''))
    return d


GENERIC = {'malloc/free', 'libc (other)', 'std (other)', 'ld.so', 'other'}


def parse_profile(f):
    """Self cost per function and inclusive cost per call arc, from the file."""
    names, files, objs = {}, {}, {}
    info = {}  # fn id -> (name, obj, path)
    self_cost, arcs = {}, {}
    fn = cfn = None
    ob = fl = ''
    cob = cfl = None
    pending_call = False

    def comp(table, rest):
        m = re.match(r'\((\d+)\)(?: (.*))?$', rest)
        if not m:
            return rest
        if m.group(2) is not None:
            table[m.group(1)] = m.group(2)
        return table.get(m.group(1), '')

    with open(f) as fh:
        for line in fh:
            line = line.rstrip('\n')
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in '+-*':
                if fn is None:
                    continue
                cost = int(line.split()[-1]) if len(line.split()) > 1 else 0
                if pending_call:
                    arcs[(fn, cfn)] = arcs.get((fn, cfn), 0) + cost
                    pending_call = False
                else:
                    self_cost[fn] = self_cost.get(fn, 0) + cost
                continue
            key, _, rest = line.partition('=')
            if key == 'ob':
                ob = comp(objs, rest)
            elif key == 'fl':
                fl = comp(files, rest)
            elif key in ('fi', 'fe'):
                comp(files, rest)
            elif key == 'fn':
                name = comp(names, rest)
                fn = name + '\x00' + ob
                info.setdefault(fn, (name, ob, fl))
            elif key == 'cob':
                cob = comp(objs, rest)
            elif key in ('cfl', 'cfi'):
                cfl = comp(files, rest)
            elif key == 'cfn':
                name = comp(names, rest)
                cfn = name + '\x00' + (cob if cob is not None else ob)
                info.setdefault(cfn, (name, cob if cob is not None else ob, cfl or fl))
                cob = cfl = None
            elif key == 'calls':
                pending_call = True
    return info, self_cost, arcs


def charged(f):
    """Per layer: its functions' self cost plus the generic work they called."""
    info, self_cost, arcs = parse_profile(f)
    lay = {k: layer(*v) for k, v in info.items()}
    out = {}
    for k, v in self_cost.items():
        if lay[k] not in GENERIC:
            out[lay[k]] = out.get(lay[k], 0) + v
    callees = {}
    for (a, b), v in arcs.items():
        callees.setdefault(a, []).append((b, v))
    incl = {}
    for k in info:
        incl[k] = self_cost.get(k, 0) + sum(v for b, v in callees.get(k, []) if b != k)
    memo = {}

    def layer_part(g, depth=0):
        # Of g's inclusive cost, the part spent in a layer's code below it.
        if g in memo:
            return memo[g]
        memo[g] = 0.0
        part = 0.0
        if depth < 50:
            for b, v in callees.get(g, []):
                if b == g:
                    continue
                if lay[b] not in GENERIC:
                    part += v
                elif incl.get(b):
                    part += v * layer_part(b, depth + 1) / incl[b]
        memo[g] = min(part, incl[g])
        return memo[g]

    for (a, b), v in arcs.items():
        if a == b or lay[a] in GENERIC or lay[b] not in GENERIC:
            continue
        frac = 1 - layer_part(b) / incl[b] if incl.get(b) else 1
        out[lay[a]] = out.get(lay[a], 0) + v * frac
    out['not charged (no layer above)'] = sum(self_cost.values()) - sum(out.values())
    return out


def main_charged(args):
    a, na, b, nb = charged(args[0]), int(args[1]), charged(args[2]), int(args[3])
    per = {k: (b.get(k, 0) - a.get(k, 0)) / (nb - na) for k in set(a) | set(b)}
    total = sum(per.values())
    print(f'{"layer (library work charged to it)":34s} {"per call":>9s} {"share":>6s}')
    for lay in ORDER + ['not charged (no layer above)']:
        if lay in per and (lay not in GENERIC or abs(per[lay]) >= 0.5):
            print(f'{lay:34s} {per[lay]:9.0f} {100 * per[lay] / total:5.1f}%')
    print(f'{"total":34s} {total:9.0f}')


def main():
    args = sys.argv[1:]
    if '--charge-callers' in args:
        args.remove('--charge-callers')
        main_charged(args)
        return
    top = 0
    if '--functions' in args:
        i = args.index('--functions')
        top = int(args[i + 1])
        del args[i:i + 2]
    a, na, b, nb = load(args[0]), int(args[1]), load(args[2]), int(args[3])
    per = {k: (b.get(k, 0) - a.get(k, 0)) / (nb - na) for k in set(a) | set(b)}
    layers = {}
    funcs = {}
    for (name, obj, path), v in per.items():
        lay = layer(name, obj, path)
        layers[lay] = layers.get(lay, 0) + v
        funcs.setdefault(lay, {})
        funcs[lay][name] = funcs[lay].get(name, 0) + v
    total = sum(layers.values())
    print(f'{"layer":34s} {"per call":>9s} {"share":>6s}')
    for lay in ORDER:
        if lay in layers:
            print(f'{lay:34s} {layers[lay]:9.0f} {100 * layers[lay] / total:5.1f}%')
    print(f'{"total":34s} {total:9.0f}')
    if top:
        for lay in ORDER:
            if lay not in funcs:
                continue
            print(f'\n== {lay}')
            for name, v in sorted(funcs[lay].items(), key=lambda x: -x[1])[:top]:
                print(f'{v:8.0f}  {name[:150]}')


if __name__ == '__main__':
    main()
