#!/usr/bin/python3
"""Read meson's testlog.json and print "N skipped", then, as the last line,
"N passed, N failed" (the line CI reads), counting each TAP result line; a
program that failed without reporting a failing case (a crash, a timeout)
counts as one failure of its own."""

import json
import re
import sys

passed = failed = skipped = 0
ok_re = re.compile(r'^(not )?ok\b(.*)$')

try:
    lines = open(sys.argv[1], encoding='utf-8', errors='replace').read().splitlines()
except OSError as e:
    print(f'count-tap: {e}', file=sys.stderr)
    print('0 passed, 1 failed')
    sys.exit(1)

for line in lines:
    entry = json.loads(line)
    name = entry.get('name', '?')
    result = entry.get('result', 'ERROR')
    p = f = s = 0
    for out in entry.get('stdout', '').splitlines():
        m = ok_re.match(out)
        if not m:
            continue
        directive = m.group(2)
        if re.search(r'#\s*(skip|todo)', directive, re.I):
            s += 1
            print(f'skipped: {name}: {out.strip()}')
        elif m.group(1):
            f += 1
        else:
            p += 1
    if result not in ('OK', 'SKIP', 'EXPECTEDFAIL') and f == 0:
        f += 1
        print(f'failed: {name} ({result}) without a failing TAP case')
    if result == 'SKIP' and p == f == s == 0:
        s += 1
        print(f'skipped: {name}: the whole program')
    passed += p
    failed += f
    skipped += s

print(f'{skipped} skipped')
print(f'{passed} passed, {failed} failed')
sys.exit(1 if failed else 0)
