"""The rule tables are complete, sourced, and docs/rules.md is generated from them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from liuhen.core.rules import PARTIAL, PENDING, RULES, Status, status
from liuhen.core.rules.deadlines import DEADLINE_RULES, PeriodUnit
from liuhen.core.rules.export import render
from liuhen.core.rules.naming import cited, naming_tests

pytestmark = pytest.mark.core
ROOT = Path(__file__).resolve().parents[2]
# The project's own copy of the rule catalogue, kept in step with the agencies' regulations.
CATALOGUE = ROOT / "docs" / "catalogue.md"
TIMED = re.compile(r"\d+\s*(h\b|wd\b|days?\b|months?\b|years?\b|年)|31 January")


def catalogue_rows() -> list[tuple[str, str]]:
    rows = []
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*([A-Z]{1,2}\d+)\s*\|(.*)", line)
        if m:
            rows.append((m.group(1), m.group(2)))
    assert len(rows) >= 87
    return rows


def test_every_catalogued_rule_is_in_the_code() -> None:
    assert {rid for rid, _ in catalogue_rows()} == set(RULES)
    assert all(r.source.strip() for r in RULES.values())
    assert set(RULES) >= PARTIAL | PENDING and not PARTIAL & PENDING


def test_every_built_rule_is_named_by_a_test() -> None:
    naming = naming_tests(ROOT / "tests")
    unnamed = sorted(rid for rid in RULES if status(rid) is not Status.PENDING and not naming.get(rid))
    assert unnamed == [], f"rules built but named by no test: {unnamed}"


def test_citations_are_read_as_written() -> None:
    assert cited("# rules T1–T5 and rule D2/D3, rules I1, D2 and SV4") == {
        "T1",
        "T2",
        "T3",
        "T4",
        "T5",
        "D2",
        "D3",
        "I1",
        "SV4",
    }
    assert cited("an S3 bucket, rule") == set()


def test_every_timed_rule_has_a_row_with_a_source() -> None:
    # T1–T5 are how periods are counted (liuhen.core.calendar), not periods themselves
    timed = {rid for rid, text in catalogue_rows() if not rid.startswith("T") and TIMED.search(text)}
    assert {"S3", "I3", "D7", "E2", "P7"} <= timed
    rows = {r.rule_id for r in DEADLINE_RULES}
    assert timed - rows == set(), f"timed rules without a row: {sorted(timed - rows)}"
    for r in DEADLINE_RULES:
        assert r.source.strip(), f"{r.key} has no source"
        assert r.rule_id in RULES, r.key
        assert (r.period > 0 or r.unit == PeriodUnit.RECORDED_DATE) and r.triggers, r.key
        for name in (*r.triggers, *r.fulfilled_by):
            kinds = "transition|act|approval|due|media|disclosure|calendar|archive|document|case|view_request"
            assert re.fullmatch(rf"({kinds}):[\w.:]+", name), name
        assert not r.runs_from or r.runs_from in {x.key for x in DEADLINE_RULES}, r.key
        assert not r.set_by or "." in r.set_by, r.key


def test_docs_rules_md_is_generated_from_the_tables() -> None:
    generated = render(ROOT / "tests") + "\n"
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == generated, (
        "docs/rules.md is stale: run `liuhen rules export`"
    )
    for r in DEADLINE_RULES:
        assert f"| {r.key} | {r.rule_id} |" in generated and r.source in generated
