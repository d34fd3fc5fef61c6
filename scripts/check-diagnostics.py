#!/usr/bin/env python3
"""Every diagnostic the compiler can emit must have a -verify-diagnostics test.

Finds each emitOpError/emitError call site under lib/, takes its leading
message literal, and counts `expected-error` lines under test/ that contain
it. A message emitted from n call sites needs at least n tests.
"""
import collections
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
site_re = re.compile(
    r'emit(?:Op)?Error\(\s*(?:\)\s*<<\s*)?"((?:[^"\\]|\\.)*)"', re.S)
sites = collections.Counter()
where = {}
for path in sorted((root / "lib").rglob("*.cpp")):
    text = path.read_text()
    for m in site_re.finditer(text):
        msg = m.group(1)
        sites[msg] += 1
        line = text.count("\n", 0, m.start()) + 1
        where.setdefault(msg, f"{path.relative_to(root)}:{line}")

expected = []
for path in sorted((root / "test").rglob("*.mlir")):
    for line in path.read_text().splitlines():
        m = re.search(r"expected-error[^{]*\{\{(.*)\}\}", line)
        if m:
            expected.append(m.group(1))

missing = []
tested = 0
for msg, n in sorted(sites.items()):
    hits = sum(1 for e in expected if msg.strip() and msg.strip() in e)
    tested += min(hits, n)
    if hits < n:
        missing.append(f"  {where[msg]}: '{msg}' ({n} site(s), {hits} test(s))")

total = sum(sites.values())
print(f"{total} error paths, {tested} tested")
if missing:
    print("untested diagnostics:\n" + "\n".join(missing))
    sys.exit(1)
