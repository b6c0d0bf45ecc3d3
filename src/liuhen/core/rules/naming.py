"""Which tests name which rule: a test cites a rule as `rule D2`, `rules D2, D3`, `rule D2/D3`, `rules T1–T5`,
or in parentheses, `(R10, R12)`, `(AV1–AV6)`.

docs/rules.md lists, for every catalogue id, the tests that name it; an implemented rule that no test names is
an error (tests/core/test_rule_table.py).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

_ID = r"[A-Z]{1,2}\d+"
_CITATION = re.compile(rf"(?:\brules?\s+|\()({_ID}(?:\s*(?:,|/|、|–|-|and|和)\s*{_ID})*)")
_PART = re.compile(rf"({_ID})(?:\s*[–-]\s*({_ID}))?")
_TEST = re.compile(r"^(\s*)(?:async\s+)?def\s+(test_\w+)")


def cited(text: str) -> set[str]:
    """The rule ids a line of text cites, ranges (T1–T5) expanded."""
    ids: set[str] = set()
    for citation in _CITATION.finditer(text):
        for first, last in _PART.findall(citation.group(1)):
            if not last:
                ids.add(first)
                continue
            prefix = first.rstrip("0123456789")
            if last.rstrip("0123456789") != prefix:
                ids.update((first, last))
                continue
            lo, hi = int(first[len(prefix) :]), int(last[len(prefix) :])
            ids.update(f"{prefix}{n}" for n in range(lo, hi + 1))
    return ids


def naming_tests(root: Path) -> dict[str, list[str]]:
    """rule id → the tests under `root` that name it: `path::test_function`, or the path alone where the file
    names it outside a test function (its docstring, a fixture)."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in sorted(root.rglob("test_*.py")):
        if path.name == "test_rule_table.py":  # tests the table itself, not the rules
            continue
        where = path.relative_to(root.parent).as_posix()
        test, indent = "", -1
        for line in path.read_text(encoding="utf-8").splitlines():
            m = _TEST.match(line)
            if m:
                test, indent = m.group(2), len(m.group(1))
            elif (
                line.strip()
                and test
                and len(line) - len(line.lstrip()) <= indent
                and not line.lstrip().startswith((")", "]"))
            ):
                test, indent = "", -1
            for rule_id in cited(line):
                found[rule_id].add(f"{where}::{test}" if test else where)
    return {rule_id: sorted(names) for rule_id, names in found.items()}
