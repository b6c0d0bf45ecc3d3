"""The rule tables are complete, sourced, and docs/rules.md is generated from them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from liuhen.core.rules import RULES
from liuhen.core.rules.deadlines import DEADLINE_RULES
from liuhen.core.rules.export import render

pytestmark = pytest.mark.core
ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT.parent / "shared" / "design" / "rules.md"
TIMED = re.compile(r"\d+\s*(h\b|wd\b|days?\b|months?\b|years?\b|年)|31 January")


def catalogue_rows() -> list[tuple[str, str]]:
    rows = []
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*([A-Z]{1,2}\d+)\s*\|(.*)", line)
        if m:
            rows.append((m.group(1), m.group(2)))
    assert len(rows) > 60
    return rows


def test_every_catalogued_rule_is_in_the_code() -> None:
    assert {rid for rid, _ in catalogue_rows()} == set(RULES)
    assert all(r.source.strip() for r in RULES.values())


def test_every_timed_rule_has_a_row_with_a_source() -> None:
    # T1–T5 are how periods are counted (liuhen.core.calendar), not periods themselves
    timed = {rid for rid, text in catalogue_rows() if not rid.startswith("T") and TIMED.search(text)}
    assert {"S3", "I3", "D7", "E2", "P7"} <= timed
    rows = {r.rule_id for r in DEADLINE_RULES}
    assert timed - rows == set(), f"timed rules without a row: {sorted(timed - rows)}"
    for r in DEADLINE_RULES:
        assert r.source.strip(), f"{r.key} has no source"
        assert r.rule_id in RULES, r.key
        assert r.period > 0 and r.triggers, r.key
        for name in (*r.triggers, *r.fulfilled_by):
            assert re.fullmatch(r"(transition|act|approval|due|media|disclosure|calendar|archive):[\w.:]+", name), name


def test_docs_rules_md_is_generated_from_the_tables() -> None:
    generated = render() + "\n"
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == generated, (
        "docs/rules.md is stale: run `liuhen rules export`"
    )
    for r in DEADLINE_RULES:
        assert f"| {r.key} | {r.rule_id} |" in generated and r.source in generated
