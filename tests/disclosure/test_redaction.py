"""Redaction as data (rule P9): each rule removes what it names and says how many spans it removed, never what."""

from __future__ import annotations

import json
from datetime import date

from liuhen.disclosure import redaction
from liuhen.disclosure.content import _minor


def test_rule_P9_each_rule_removes_its_kind_and_lists_counts_only() -> None:
    people = redaction.People(
        party_name="王五",
        party_is_person=True,
        party_address="明山区幸福路1号",
        others=("李四", "王五"),  # the party's own name is never removed
        values=("320102198001011234", "025-52345678"),
    )
    text = (
        "王五（320102198001011234）住明山区幸福路1号，电话025-52345678、13912345678，"
        "罚款缴入账户6222021234567890123；证人李四称其患有心脏病。统一社会信用代码91320100MA1X2Y3Z4A。"
    )
    out, removed = redaction.redact({"facts": text}, people)
    facts = out["facts"]
    for gone in ("320102198001011234", "明山区幸福路1号", "025-52345678", "13912345678", "6222021234567890123", "李四"):
        assert gone not in facts
    assert "王五" in facts and "91320100MA1X2Y3Z4A" in facts  # the party and an organisation's code stay
    assert "心脏病" not in facts and "〔已隐去：健康状况〕" in facts
    counts = {r["rule"]: r["count"] for r in removed}
    assert counts == {"id_number": 1, "phone": 2, "bank_account": 1, "address": 1, "health": 1, "third_party": 1}
    assert "李四" not in json.dumps(removed, ensure_ascii=False)  # the list says how much, not what


def test_rule_P9_an_organisation_keeps_its_address_and_a_minor_is_not_published() -> None:
    org = redaction.People(party_name="某公司", party_is_person=False, party_address="工业园路18号")
    out, removed = redaction.redact({"facts": "某公司位于工业园路18号"}, org)
    assert out["facts"] == "某公司位于工业园路18号" and removed == []

    class Party:
        kind, id_number = "individual", "320102201001011234"

    assert _minor(Party(), date(2026, 12, 31)) and not _minor(Party(), date(2028, 1, 1))  # type: ignore[arg-type]
