"""Automatic scoring of 案卷评查 items from the case's records, met and not met (rule SU4)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from liuhen.cases import scenarios
from liuhen.core import stages
from liuhen.supervision import autoscore
from liuhen.supervision.autoscore import Verdict
from liuhen.supervision.tables import PENALTY_GENERAL

pytestmark = pytest.mark.django_db
P = PENALTY_GENERAL.params
MET, NOT, NA = Verdict.MET, Verdict.NOT_MET, Verdict.NOT_APPLICABLE


def verdicts(case, params=P):  # type: ignore[no-untyped-def]
    return {name: check(case, params).verdict for name, check in autoscore.CHECKS.items()}


@pytest.fixture
def decided(cast, make_case):  # type: ignore[no-untyped-def]
    """A lawful general-procedure case: an inspection on record (its recording left out for an approved reason),
    decided with a fine and served, with both officers assigned."""
    case = make_case(penalty_kind="fine", fine_amount=Decimal("5000"), officers=[cast.handler, cast.second_officer])
    case = scenarios.advance(case, stages.Stage.INVESTIGATION, cast)
    scenarios.make_document(case, "inspection_transcript", cast)
    scenarios.omit_recordings(case, cast)
    return scenarios.advance(case, stages.Stage.ENFORCEMENT, cast)


def test_rule_su4_every_automatic_item_met_on_a_lawful_case(decided) -> None:  # type: ignore[no-untyped-def]
    got = verdicts(decided)
    assert got == {
        "certified": MET,
        "two_officers": MET,
        "records_two_officers": MET,
        "decision_document": MET,
        "inspection_transcript": MET,
        "filing_on_time": MET,
        "notice_before_decision": MET,
        "hearing_offered": NA,  # 5,000 yuan is below the organisation threshold of 30,000
        "collective_discussion": NA,  # not a major case
        "service_on_time": MET,
        "av_complete": MET,
        "deadlines_met": MET,
        "ledger_verified": MET,
    }
    evidence = autoscore.records_two_officers(decided, P).evidence
    assert evidence and all("officer1" in e and "officer2" in e and "CERT-" in e for e in evidence)
    # the hearing threshold is the agency's: at 1,000 yuan for organisations the file lacks the hearing notice
    low = autoscore.hearing_offered(decided, {**P, "hearing_organisation": 1000})
    assert low.verdict == NOT and "听证告知书" in low.evidence[-1]


def test_rule_su4_items_not_met_on_an_incomplete_case(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # one officer, no record, no decision: the items that need them fail, naming what is missing
    case = scenarios.advance(make_case(), stages.Stage.INVESTIGATION, cast)
    got = verdicts(case)
    assert got["two_officers"] == NOT
    assert got["records_two_officers"] == NOT
    assert got["decision_document"] == NOT
    assert got["notice_before_decision"] == NOT
    assert got["service_on_time"] == NOT
    assert autoscore.decision_document(case, P).evidence == ("案卷中没有已定稿的决定书",)
    # an inspection transcript of a mandatory-AV activity, with no recording and no approved reason (AV2)
    scenarios.make_document(case, "inspection_transcript", cast)
    assert autoscore.av_complete(case, P).verdict == NOT
    assert autoscore.records_two_officers(case, P).verdict == MET
    # a major case without its collective discussion
    case.is_major = True
    assert autoscore.collective_discussion(case, P).verdict == NOT


def test_rule_su4_late_filing_and_late_service_fail(cast, make_case, decided) -> None:  # type: ignore[no-untyped-def]
    # rule S3: an emergency start 30 hours ago with no filing approval
    from liuhen.cases import services

    late = make_case(officers=[cast.handler, cast.second_officer])
    services.record_act(
        actor=cast.handler,
        case=late,
        kind="emergency_start",
        note="现场发现重大事故隐患，情况紧急，先行启动调查",
        occurred_at=timezone.now() - timedelta(hours=30),
        backfill_reason="夜间处置，返回后补录",
    )
    services.transition(actor=cast.handler, case=late, action="emergency_start")
    assert autoscore.filing_on_time(late, P).verdict == NOT
    assert autoscore.deadlines_met(late, P).verdict == NOT
    # rule SV1: a decision made but not served within 7 working days
    fresh = make_case(penalty_kind="fine", fine_amount=Decimal("5000"), officers=[cast.handler, cast.second_officer])
    fresh = scenarios.advance(fresh, stages.Stage.DECISION, cast)
    assert autoscore.service_on_time(fresh, P).verdict == NA  # still within the period
    with time_machine.travel(timezone.now() + timedelta(days=20)):
        outcome = autoscore.service_on_time(fresh, P)
        assert outcome.verdict == NOT and "已逾期未办" in outcome.evidence[0], outcome
        assert autoscore.deadlines_met(fresh, P).verdict == NOT
        assert autoscore.service_on_time(decided, P).verdict == MET  # served on time stays met


@pytest.mark.tampers
def test_rule_su4_an_altered_event_fails_the_ledger_item(decided) -> None:  # type: ignore[no-untyped-def]
    from liuhen.ledger.models import Event

    event = Event.objects.filter(case_ref=decided.pk, action="case.act_recorded").order_by("seq").first()
    assert event is not None
    from liuhen.ledger import triggers

    with connection.cursor() as cur:
        for sql in triggers.drop_statements(connection.vendor, "ledger_event"):
            cur.execute(sql)
        cur.execute(
            "UPDATE ledger_event SET body = %s WHERE seq = %s", [event.body[:-1] + ',"note_added":"x"}', event.seq]
        )
    outcome = autoscore.ledger_verified(decided, P)
    assert outcome.verdict == NOT and f"#{event.seq}" in outcome.evidence[0]
