"""Publication (rules P2, P3, P9, P11): a decision drafts its redacted entry; a reviewer other than the drafter
publishes it, which meets the P2/P3 deadline on the official working-day calendar."""

from __future__ import annotations

import json
from datetime import date

import pytest
import time_machine

from liuhen.cases import scenarios
from liuhen.core import stages
from liuhen.core.errors import RuleViolation
from liuhen.deadlines.models import Deadline
from liuhen.deadlines.services import scan
from liuhen.disclosure import content, services
from liuhen.disclosure.models import Entry, EntryStatus
from tests.disclosure.conftest import PARTY_ID, PARTY_PHONE, WITNESS, WITNESS_ID, at

pytestmark = pytest.mark.django_db


def test_rules_P2_P9_P11_redacted_draft_published_by_another(cast, decided) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        case = decided()
    entry = Entry.objects.get(case=case)
    assert entry.status == EntryStatus.DRAFT and entry.drafted_by == cast.handler
    shown = json.dumps(content.public_record(entry), ensure_ascii=False)
    for secret in (PARTY_ID, PARTY_PHONE, WITNESS, WITNESS_ID, "13800001111", "明山区幸福路1号", "高血压"):
        assert secret not in shown
    assert "王五" in shown and "〔已隐去：身份证号码〕" in entry.facts
    removed = {(r["rule"], r["field"]): r["count"] for r in json.loads(entry.redactions)}
    assert removed[("id_number", "facts")] == 2 and removed[("phone", "facts")] == 2
    assert removed[("third_party", "facts")] == 1 and removed[("address", "facts")] == 1
    assert ("health", "facts") in removed
    p2 = Deadline.objects.get(case=case, rule_key="P2")
    assert p2.status == "open" and p2.due_on == date(2026, 11, 11)  # 7 working days
    with pytest.raises(RuleViolation) as refused:  # rule P11: not by the drafter
        services.publish_entry(actor=cast.handler, entry=entry)
    assert refused.value.rule_id == "P11"
    with time_machine.travel(at("2026-11-05T10:00"), tick=False):
        entry = services.publish_entry(actor=cast.unit_head, entry=entry)
    p2.refresh_from_db()
    assert p2.status == "met" and entry.status == EntryStatus.PUBLISHED
    assert entry.public_until == date(2028, 11, 6)  # rule P10: 2 years by default for a natural person (T2: Monday)
    assert Deadline.objects.get(case=case, rule_key="P10.person").status == "open"


def test_rule_P2_missed_without_publication(cast, simple) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        case = simple()
    scan(at("2026-11-12T09:00"))
    p2 = Deadline.objects.get(case=case, rule_key="P2")
    assert p2.status == "open" and p2.alerts.filter(level="overdue").exists()
    with time_machine.travel(at("2026-11-13T10:00"), tick=False):
        services.publish_entry(actor=cast.unit_head, entry=Entry.objects.get(case=case))
    p2.refresh_from_db()
    assert p2.status == "late"


def test_rule_P2_friday_before_a_holiday_on_the_official_calendar(cast, simple) -> None:  # type: ignore[no-untyped-def]
    """Decided on Friday 2026-09-25 (中秋节): 28–30 September count, 1–7 October are the National Day holiday, 8, 9
    and Saturday 10 October (调休上班) count, and 12 October is the seventh working day (rules T1, T2)."""
    with time_machine.travel(at("2026-09-25T16:00"), tick=False):
        case = simple()
    assert Deadline.objects.get(case=case, rule_key="P2").due_on == date(2026, 10, 12)


def test_rules_P3_R11_compulsion_entry_and_marked_case_withheld(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    from liuhen.access.services import set_mark

    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        case = scenarios.step(
            make_case("compulsion", officers=[cast.handler, cast.second_officer]), "apply_measure", cast
        )
    entry = Entry.objects.get(case=case)
    assert entry.kind == "compulsion" and entry.category in {"查封", "扣押", "停止供电"}
    p3 = Deadline.objects.get(case=case, rule_key="P3.compulsion")
    assert p3.due_on == date(2026, 11, 30)  # 20 working days
    scan(at("2026-12-01T09:00"))  # missed without its publication
    assert p3.alerts.filter(level="overdue").exists()
    with time_machine.travel(at("2026-12-01T10:00"), tick=False):
        services.publish_entry(actor=cast.leader, entry=entry)
    p3.refresh_from_db()
    assert p3.status == "late"  # (met in time: the licence of test_lifecycle and every row of test_rows)
    secret = make_case("simplified_procedure", officers=[cast.handler, cast.second_officer], penalty_kind="warning")
    set_mark(
        actor=cast.handler,
        case=secret,
        subject_type="case",
        subject_id=secret.pk,
        mark="trade_secret",
        reason="涉及工艺配方",
    )
    secret = scenarios.step(secret, "decide_on_spot", cast)
    withheld = Entry.objects.get(case=secret)
    # rule P8: a 双随机 inspection's result is an entry too, drafted when the inspection closes
    inspection = scenarios.advance(
        make_case("inspection", officers=[cast.handler, cast.second_officer]), stages.Stage.CLOSED, cast
    )
    assert Entry.objects.get(case=inspection).kind == "inspection"
    assert withheld.status == EntryStatus.WITHHELD and "商业秘密" in withheld.withheld_reason
    assert Deadline.objects.get(case=secret, rule_key="P2").status == "met"
