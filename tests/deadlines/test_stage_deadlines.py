"""Deadline rows opened and closed by documents and structured commands: rules S6, I3, I4, E1."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection

from liuhen.cases import limitation, scenarios
from liuhen.cases import services as cases
from liuhen.core import calendar, stages
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.core.errors import InvalidInput, RuleViolation
from liuhen.deadlines.calendar_store import import_schedule
from liuhen.deadlines.models import Deadline
from liuhen.deadlines.services import scan
from liuhen.documents import services as documents
from liuhen.ledger.verify import verify
from tests.documents.conftest import sample_data, sample_signatures

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _official_calendar():  # type: ignore[no-untyped-def]
    calendar.configure(calendar.official_calendar())
    import liuhen.deadlines.calendar_store as store

    store._installed_version = None
    yield
    store._installed_version = None


def at(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00").astimezone(UTC)


def final(cast, case, code, **changes):  # type: ignore[no-untyped-def]
    t = BY_CODE[code]
    doc = documents.create_document(actor=cast.handler, case=case, code=code, data={**sample_data(t), **changes})
    return documents.finalise(actor=cast.handler, document=doc, signatures=sample_signatures(t))


def row(case, key: str) -> Deadline:  # type: ignore[no-untyped-def]
    return Deadline.objects.get(case=case, rule_key=key)


def _measure(cast, make_case, term_days: int):  # type: ignore[no-untyped-def]
    """A 扣押 applied on 2026-11-02 with the decision's term."""
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        case = make_case("compulsion", officers=[cast.handler, cast.second_officer])
        scenarios.satisfy(case, stages.Fact.COMPULSION_APPROVED, cast)
        final(cast, case, "compulsion_decision", measure="seize", term_days=term_days)
        return scenarios.step(case, "apply_measure", cast)


def test_an_extension_runs_from_the_end_of_the_original_term(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule I4 (强制法25), the review's contradiction 2: measure on 11-02 for 30 days ends on 12-02; an extension
    # decided on 11-04 runs 30 days from 12-02, not from 11-04 (which would end on 12-04)
    case = _measure(cast, make_case, 30)
    assert row(case, "I4.term").due_on == date(2026, 12, 2)
    with time_machine.travel(at("2026-11-04T10:00"), tick=False):
        scenarios.satisfy(case, stages.Fact.EXTENSION_APPROVED, cast)
        final(cast, case, "extension_decision", extension_days=30)
        case = cases.transition(actor=cast.handler, case=case, action="extend")
    assert row(case, "I4.term").status == "met"
    ext = row(case, "I4.extension")
    assert ext.started_at == at("2026-12-02T00:00")
    # 2027's holidays are not in the table yet: 12-02 + 30 days is a flagged estimate (rule T5), never 12-04
    assert (ext.due_on, ext.unverified_year) == (date(2027, 1, 1), 2027)
    schedule = {"source": "国务院办公厅关于2027年部分节假日安排的通知（测试）", "days": [
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
    ]}  # fmt: skip
    import_schedule(actor=None, data=json.dumps(schedule).encode(), filename="2027.json")
    ext.refresh_from_db()
    assert (ext.due_on, ext.unverified_year) == (date(2027, 1, 4), None)  # 1.1 a holiday, 1.2–3 a weekend (T2)


def test_a_shorter_term_and_extension_are_respected(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule I4: a decision for 15 days ends on 11-17; an extension of 20 days runs to 12-07
    case = _measure(cast, make_case, 15)
    assert row(case, "I4.term").due_on == date(2026, 11, 17)
    with time_machine.travel(at("2026-11-16T10:00"), tick=False):
        scenarios.satisfy(case, stages.Fact.EXTENSION_APPROVED, cast)
        final(cast, case, "extension_decision", extension_days=20)
        case = cases.transition(actor=cast.handler, case=case, action="extend")
    assert row(case, "I4.extension").due_on == date(2026, 12, 7)
    with time_machine.travel(at("2026-12-01T10:00"), tick=False):
        scenarios.satisfy(case, stages.Fact.LIFT_DECISION, cast)
        cases.transition(actor=cast.handler, case=case, action="lift")
    assert row(case, "I4.extension").status == "met"


def test_an_extension_decision_needs_its_own_approval(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule I4 (强制法25): the 延长查封扣押期限决定书 rides on a new approval by the agency head (D9 chain), and is
    # made while the measure's term runs (not for a measure never applied, nor after its term ended)
    waiting = make_case("compulsion", officers=[cast.handler, cast.second_officer])
    scenarios.satisfy(waiting, stages.Fact.EXTENSION_APPROVED, cast)
    with pytest.raises(RuleViolation, match="正在实施"):
        final(cast, waiting, "extension_decision", extension_days=30)
    case = _measure(cast, make_case, 30)
    with pytest.raises(RuleViolation, match="审批"):
        final(cast, case, "extension_decision", extension_days=30)
    scenarios.satisfy(case, stages.Fact.EXTENSION_APPROVED, cast)
    with (
        time_machine.travel(at("2026-12-03T09:00"), tick=False),
        pytest.raises(RuleViolation, match="已于2026-12-02届满"),
    ):
        final(cast, case, "extension_decision", extension_days=30)
    with time_machine.travel(at("2026-12-02T17:00"), tick=False):
        doc = final(cast, case, "extension_decision", extension_days=30)
    assert doc.approval is not None and doc.approval.kind == "extension"


def test_the_preservation_decision_meets_the_seven_working_days(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule I3 (处罚法56; 002 第十四条), the review's contradiction 4: the row can be met, by the 处理决定书
    case = make_case(officers=[cast.handler, cast.second_officer])
    forms = dict(BY_CODE["preservation_list"].field("form").choices)
    assert set(forms.values()) == {"先行登记保存", "复制", "音像", "鉴定", "勘验", "制作询问笔录"}
    assert BY_CODE["preservation_list"].field("storage").choices == (("onsite", "就地保存"), ("removed", "异地保存"))
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        listed = final(cast, case, "preservation_list", form="copy", storage="removed")
    assert row(case, "I3").due_on == date(2026, 11, 11)
    with time_machine.travel(at("2026-11-05T10:00"), tick=False):
        with pytest.raises(RuleViolation, match="保存清单") as exc:
            final(cast, case, "preservation_decision", list_no="测应急登保〔2026〕999号")
        assert exc.value.rule_id == "I3"
        final(cast, case, "preservation_decision", list_no=listed.document_no, decision="return")
    assert row(case, "I3").status == "met"
    other = make_case(officers=[cast.handler, cast.second_officer])
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        listed = final(cast, other, "preservation_list")
    with time_machine.travel(at("2026-11-12T09:00"), tick=False):
        assert scan().overdue >= 1  # alerted when late
        final(cast, other, "preservation_decision", list_no=listed.document_no)
    assert row(other, "I3").status == "late"


def test_the_rectification_recheck_is_due_by_the_orders_deadline(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule E1 (002 第二十八条; 000 第十七条): opened by the order, met by the re-check record, alerted when late
    case = make_case("inspection", officers=[cast.handler, cast.second_officer])
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        final(cast, case, "rectification_order", deadline_on="2026-11-15")
    e1 = row(case, "E1")
    assert e1.kind == "deadline" and e1.due_on == date(2026, 11, 16)  # 11-15 is a Sunday (T2)
    with time_machine.travel(at("2026-11-17T09:00"), tick=False):
        result = scan()
        assert result.overdue == 1 and e1.alerts.filter(level="overdue").exists()
        final(cast, case, "rectification_check", checked_at="2026-11-16T15:00")
    e1.refresh_from_db()
    assert e1.status == "met" and e1.closed_at == at("2026-11-16T15:00")  # on the day the re-check was made (T4)
    late = make_case("inspection", officers=[cast.handler, cast.second_officer])
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        final(cast, late, "rectification_order", deadline_on="2026-11-10")
    with time_machine.travel(at("2026-11-20T10:00"), tick=False):
        final(cast, late, "rectification_check", checked_at="2026-11-20T09:00")
    assert row(late, "E1").status == "late"


def test_limitation_is_recorded_at_registration_and_filing_after_it_is_refused(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule S6 (处罚法36): 2 years from the end of the violation (5 with harm to life, health or financial safety)
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        old = make_case(officers=[cast.handler, cast.second_officer], violation_ended_on="2024-10-20")
        assert row(old, "S6").due_on == date(2026, 10, 20)
        scenarios.satisfy(old, stages.Fact.FILING_APPROVED, cast)
        with pytest.raises(RuleViolation, match="追责时效") as exc:
            cases.transition(actor=cast.handler, case=old, action="file")
        assert exc.value.rule_id == "S6"
        serious = make_case(violation_ended_on="2024-10-20", serious_harm=True)
        assert row(serious, "S6.serious").due_on == date(2029, 10, 22)  # 10-20 is a Saturday (T2)
        serious = scenarios.step(serious, "file", cast)
        assert serious.stage == "investigation" and row(serious, "S6.serious").status == "met"
        with pytest.raises(InvalidInput, match="不能晚于今天"):
            make_case(violation_ended_on="2026-11-03")


@pytest.mark.tampers  # the date is moved behind the application's back
def test_limitation_recorded_before_filing_with_a_reason_and_checked_by_verify(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule S6: a case registered without it records it before filing; a change needs a reason; verify defends it
    case = make_case(officers=[cast.handler, cast.second_officer])
    scenarios.satisfy(case, stages.Fact.FILING_APPROVED, cast)
    with pytest.raises(RuleViolation, match="违法行为发生"):
        cases.transition(actor=cast.handler, case=case, action="file")
    limitation.record_violation_period(actor=cast.handler, case=case, violation_ended_on="2026-10-01")
    with pytest.raises(InvalidInput, match="理由"):
        limitation.record_violation_period(actor=cast.handler, case=case, violation_ended_on="2026-09-01")
    limitation.record_violation_period(
        actor=cast.handler, case=case, violation_ended_on="2026-09-01", reason="经核查，违法行为于9月1日停止"
    )
    assert Deadline.objects.filter(case=case, rule_key="S6").count() == 1  # the period already runs
    case = cases.transition(actor=cast.handler, case=case, action="file")
    with pytest.raises(InvalidInput, match="立案"):
        limitation.record_violation_period(actor=cast.handler, case=case, violation_ended_on="2026-08-01", reason="x")
    assert not [f for f in verify() if "违法行为" in f.problem]
    with connection.cursor() as cur:
        cur.execute("UPDATE cases_case SET violation_ended_on = '2020-01-01' WHERE id = %s", [case.pk])
    assert [f for f in verify() if "违法行为发生（终了）日期" in f.problem]
