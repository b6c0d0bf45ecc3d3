"""After publication (rules P4, P5, P6, P10, P11): each deadline met by its event, and missed without it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from liuhen.cases import scenarios
from liuhen.core.errors import RuleViolation
from liuhen.deadlines.models import Deadline
from liuhen.deadlines.services import scan
from liuhen.disclosure import content, services
from liuhen.disclosure.models import Entry, EntryStatus, LogLeaf
from liuhen.documents import services as documents
from tests.disclosure.conftest import at

pytestmark = pytest.mark.django_db


def _dl(case, key):  # type: ignore[no-untyped-def]
    return Deadline.objects.filter(case=case, rule_key=key).order_by("-id").first()


def _published(cast, simple):  # type: ignore[no-untyped-def]
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        case = simple()
        entry = services.publish_entry(actor=cast.unit_head, entry=Entry.objects.get(case=case))
    return case, entry


def test_rules_P4_P11_changed_decision_updated_and_P5_correction(cast, simple) -> None:  # type: ignore[no-untyped-def]
    case, entry = _published(cast, simple)
    assert _dl(case, "P2").status == "met"
    with time_machine.travel(at("2026-11-04T10:00"), tick=False):
        old = content.decision_document(case)
        new = documents.correct(
            actor=cast.handler,
            document=old,
            reason="违法事实表述有误",
            data={**old.values, "facts": "更正后的违法事实"},
        )
        documents.finalise(actor=cast.handler, document=new, signatures=scenarios.signatures(case, new.type, cast))
        req = services.request_correction(entry=entry, requester="某某化工有限公司", contact="025-1", text="事实有误")
        quick = services.request_correction(entry=entry, requester="某某化工有限公司", contact="025-1", text="名称有误")
    with time_machine.travel(at("2026-11-05T10:00"), tick=False):  # one request answered in time, one not (P5)
        services.handle_correction(actor=cast.unit_head, request=quick, corrected=False, reply="经核实名称无误")
    assert Deadline.objects.get(rule_key="P5", subject=f"correction_request:{quick.pk}").status == "met"
    p4, p5 = _dl(case, "P4"), Deadline.objects.get(rule_key="P5", subject=f"correction_request:{req.pk}")
    assert (p4.status, p4.due_on, p5.status, p5.due_on) == ("open", date(2026, 12, 2), "open", date(2026, 11, 11))
    with pytest.raises(RuleViolation) as own:  # the one who changed the decision does not review its entry
        services.publish_update(actor=cast.handler, entry=entry)
    assert own.value.rule_id == "P11"
    scan(at("2026-11-12T09:00"))  # P5 missed so far: overdue
    assert p5.alerts.filter(level="overdue").exists()
    with time_machine.travel(at("2026-11-20T10:00"), tick=False):
        entry = services.publish_update(actor=cast.unit_head, entry=entry)
        services.handle_correction(actor=cast.unit_head, request=req, corrected=True, reply="已更正违法事实")
    p5.refresh_from_db()
    assert (_dl(case, "P4").status, p5.status) == ("met", "late")
    assert entry.revision == 2 and entry.facts == "更正后的违法事实"
    with time_machine.travel(at("2026-11-23T10:00"), tick=False):  # changed again, and the update comes late
        again = documents.correct(actor=cast.handler, document=new, reason="再次更正", data=new.values)
        documents.finalise(actor=cast.handler, document=again, signatures=scenarios.signatures(case, new.type, cast))
    assert _dl(case, "P4").due_on == date(2026, 12, 21)
    scan(at("2026-12-22T09:00"))
    assert _dl(case, "P4").alerts.filter(level="overdue").exists()
    with time_machine.travel(at("2026-12-22T10:00"), tick=False):
        services.publish_update(actor=cast.leader, entry=entry)
    assert _dl(case, "P4").status == "late"
    assert list(LogLeaf.objects.filter(entry=entry).values_list("index", flat=True)) == [0, 1, 2]


def test_rule_P6_penalty_taken_down_within_3_workdays(cast, simple) -> None:  # type: ignore[no-untyped-def]
    case, entry = _published(cast, simple)
    with time_machine.travel(at("2026-11-04T10:00"), tick=False):
        services.record_revocation(actor=cast.handler, entry=entry, ground="revoked", reason="复议机关决定撤销")
    p6 = _dl(case, "P6.penalty")
    assert p6.due_on == date(2026, 11, 9) and _dl(case, "P6") is None
    scan(at("2026-11-10T09:00"))
    assert p6.alerts.filter(level="overdue").exists()  # missed without the take-down
    with time_machine.travel(at("2026-11-10T10:00"), tick=False):
        entry = services.take_down(actor=cast.unit_head, entry=entry)
    assert _dl(case, "P6.penalty").status == "late" and entry.status == EntryStatus.TAKEN_DOWN
    page = Client().get(f"/gongshi/entries/{entry.pk}/").content.decode()  # the reason in place of the entry
    assert "本条公示已撤下" in page and "复议机关决定撤销" in page and "违法事实" not in page
    assert "take_down" in LogLeaf.objects.filter(entry=entry).order_by("-index").first().data  # type: ignore[union-attr]
    assert _dl(case, "P10.warning").status == "early"  # it came down before its (warning's) period ended


def test_rules_P3_P6_P10_licence_taken_down_within_7_workdays_and_expiry(cast, make_case, simple) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        licence = make_case("licence", officers=[cast.handler, cast.second_officer])
        licence = scenarios.advance(licence, scenarios.stages.Stage.DECISION, cast)
        entry = services.publish_entry(actor=cast.unit_head, entry=Entry.objects.get(case=licence))
    assert _dl(licence, "P3.licence").status == "met" and entry.kind == "licence"
    with time_machine.travel(at("2026-11-04T10:00"), tick=False):
        services.record_revocation(actor=cast.handler, entry=entry, ground="illegal", reason="法院判决确认违法")
    assert _dl(licence, "P6").due_on == date(2026, 11, 13) and _dl(licence, "P6.penalty") is None
    with time_machine.travel(at("2026-11-12T10:00"), tick=False):
        services.take_down(actor=cast.leader, entry=entry)
    assert _dl(licence, "P6").status == "met"
    # rule P10: a published penalty comes down by itself at the end of its period (5 years by default, for a fine
    # on an organisation)
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        case = make_case(
            "simplified_procedure",
            officers=[cast.handler, cast.second_officer],
            penalty_kind="fine",
            fine_amount=Decimal("1000"),
        )
        case = scenarios.step(case, "decide_on_spot", cast)
        penalty = services.publish_entry(actor=cast.unit_head, entry=Entry.objects.get(case=case))
    # 2031-11-02 is a Sunday: the period ends on Monday 3 November (T2), as the P10 row counts it
    assert penalty.public_until == date(2031, 11, 3) == _dl(case, "P10").due_on
    assert services.expire_entries(at("2031-11-03T12:00")) == 0  # still shown on its last day
    with time_machine.travel(at("2031-11-04T00:30"), tick=False):
        assert services.expire_entries() == 1
    penalty.refresh_from_db()
    assert penalty.status == EntryStatus.EXPIRED and penalty.takedown_reason == "公示期满"
    assert _dl(case, "P10").status == "ended"
