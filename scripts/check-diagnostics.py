#!/usr/bin/env python3
"""Every diagnostic the compiler can emit must have a -verify-diagnostics test.

Finds each emitOpError/emitError call site under lib/ and reads the whole
statement: every string literal of the message (the call's argument and each
`<< "..."` of the chain, outside nested calls and conditionals) must appear,
in order, in one `expected-error` line under test/. A message emitted from n
call sites needs at least n such tests, so two sites that share a leading
phrase but say different things are counted apart.

    python3 scripts/check-diagnostics.py [repo] [--list]
"""
import collections
import pathlib
import re
import sys

args = [a for a in sys.argv[1:] if not a.startswith("--")]
root = pathlib.Path(args[0] if args else ".")
listing = "--list" in sys.argv

call_re = re.compile(r"emit(?:Op)?Error\s*\(")


def unescape(lit):
    return bytes(lit, "utf-8").decode("unicode_escape")


def statement_literals(text, start):
    """String literals of the message streamed by the statement at `start`
    (just after `emit...Error(`): the call's own literal arguments, then
    those of `<<` at depth 0, up to the `;` ending the statement. Adjacent
    literals ("a" "b") join, as in C++. Literals inside nested parentheses
    (helpers, ternaries) may vary, so they are not required."""
    parts = []
    depth = 1  # inside emit...Error(
    i = start
    last_was_literal = False
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            lit = unescape(text[i + 1:j])
            if depth <= 1:
                if last_was_literal and parts:
                    parts[-1] += lit
                else:
                    parts.append(lit)
                last_was_literal = True
            i = j + 1
            continue
        if c == "/" and text.startswith("//", i):
            i = text.index("\n", i)
            continue
        if not c.isspace():
            last_was_literal = False
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth < 0:
                break
        elif c == ";" and depth <= 0:
            break
        elif c == "," and depth == 0:
            break  # a lambda's `return emitError() << ...,` or a call arg
        elif c == "?" and depth <= 1:
            # `cond ? "a" : "b"` at the top level: only what comes before.
            parts = parts[:-1] if last_was_literal else parts
            break
        i += 1
    return tuple(p for p in parts if p.strip())


sites = collections.Counter()
where = {}
for path in sorted((root / "lib").rglob("*.cpp")):
    text = path.read_text()
    for m in call_re.finditer(text):
        # Declarations (`function_ref<InFlightDiagnostic()> emitError`) and
        # forwarding calls without a message are not diagnostics.
        parts = statement_literals(text, m.end())
        if not parts:
            continue
        sites[parts] += 1
        line = text.count("\n", 0, m.start()) + 1
        where.setdefault(parts, f"{path.relative_to(root)}:{line}")

expected = []
for path in sorted((root / "test").rglob("*.mlir")):
    for line in path.read_text().splitlines():
        m = re.search(r"expected-error[^{]*\{\{(.*)\}\}", line)
        if m:
            expected.append(m.group(1))


def covers(parts, message):
    """All parts occur in `message` in order (a regex `{{...}}` in the
    expectation may stand for any part but the first)."""
    pos = 0
    for k, part in enumerate(parts):
        at = message.find(part.strip() if k == 0 else part, pos)
        if at < 0:
            if k > 0 and "{{" in message[pos:]:
                continue
            return False
        pos = at + len(part)
    return True


missing = []
tested = 0
for parts, n in sorted(sites.items()):
    hits = sum(1 for e in expected if covers(parts, e))
    tested += min(hits, n)
    if listing:
        print(f"{hits:3d}/{n} {where[parts]}: {' … '.join(parts)!r}")
    if hits < n:
        missing.append(f"  {where[parts]}: {' … '.join(parts)!r} "
                       f"({n} site(s), {hits} test(s))")

total = sum(sites.values())
print(f"{total} error paths, {tested} tested")
if missing:
    print("untested diagnostics:\n" + "\n".join(missing))
    sys.exit(1)
