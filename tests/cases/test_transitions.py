"""Every transition of every procedure, refused and allowed, through the real services (both databases)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from liuhen.cases import scenarios, services
from liuhen.cases.models import ApprovalKind, Case
from liuhen.cases.queries import case_facts
from liuhen.core import stages
from liuhen.core.errors import Forbidden, InvalidInput, RuleViolation, StageError
from liuhen.ledger.models import Event
from liuhen.ledger.services import log_size

pytestmark = pytest.mark.django_db


def _case_kwargs(procedure: stages.Procedure) -> dict[str, object]:
    if procedure == stages.Procedure.SIMPLIFIED:
        return {"penalty_kind": "warning"}
    return {}


def _refused(case: Case, action: str, actor) -> RuleViolation:  # type: ignore[no-untyped-def]
    before_stage, before_size = case.stage, log_size()
    with pytest.raises(RuleViolation) as exc:
        services.transition(actor=actor, case=case, action=action)
    case.refresh_from_db()
    assert case.stage == before_stage, "a refused step changed the stage"
    assert log_size() == before_size, "a refused step wrote to the ledger"
    return exc.value


@pytest.mark.parametrize("t", stages.TRANSITIONS, ids=lambda t: f"{t.procedure}:{t.source}:{t.action}")
def test_transition_refused_then_allowed(t: stages.Transition, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # every gate of the table, each refusal naming its rule: rules S1, S2, S4, E1 (and the rest of the table).
    # A gate that a document opens is refused with no document, then still refused with the document a draft.
    case = scenarios.advance(make_case(t.procedure.value, **_case_kwargs(t.procedure)), t.source, cast)
    actor = cast.archivist if t.action == "archive" else cast.handler
    refusals = []
    while missing := scenarios.needed(t, case_facts(case)):
        violation = _refused(case, t.action, actor)
        first_failing = next(g for g in t.gates if not g.passes(case_facts(case)))
        assert violation.rule_id == first_failing.rule_id
        assert violation.source and violation.message
        refusals.append(violation.rule_id)
        code = scenarios.FACT_DOCUMENT.get(missing[0])
        if missing[0] == stages.Fact.DECISION_DOCUMENT:
            code = scenarios.DECISION_DOCUMENT[case.procedure]
        if code is not None:
            scenarios.make_document(case, code, cast, final=False)
            assert _refused(case, t.action, actor).rule_id == violation.rule_id, "a draft opened a gate"
        scenarios.satisfy(case, missing[0], cast)
    if not t.gates:
        # no rule gates this step: it is refused to the wrong person and from the wrong stage
        wrong = cast.handler if t.action == "archive" else cast.leader.__class__.objects.get(username="legal1")
        with pytest.raises(Forbidden):
            services.transition(actor=wrong, case=case, action=t.action)
    size = log_size()
    case = services.transition(actor=actor, case=case, action=t.action)
    assert case.stage == t.target
    event = Event.objects.get(seq=size)
    body = json.loads(event.body)
    assert (event.action, body["action"], body["source"], body["target"]) == (
        "case.transition",
        t.action,
        t.source,
        t.target,
    )
    assert body["rules"] == sorted({g.rule_id for g in t.gates})
    if t.source != t.target:
        with pytest.raises(StageError):  # the same step again, from the new stage, does not exist
            services.transition(actor=actor, case=case, action=t.action)


def test_emergency_start_needs_filing_backfill_before_concluding(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule S3: the procedure may start first, the 立案审批表 follows (and is flagged when late)
    case = make_case()
    case = scenarios.step(case, "emergency_start", cast)
    scenarios.satisfy(case, stages.Fact.TWO_CERTIFIED_OFFICERS, cast)
    assert _refused(case, "conclude_investigation", cast.handler).rule_id == "S2"
    scenarios.satisfy(case, stages.Fact.FILING_APPROVED, cast)
    assert not case.approvals.get(kind=ApprovalKind.FILING).late
    assert services.transition(actor=cast.handler, case=case, action="conclude_investigation").stage == "review"


def test_late_emergency_backfill_is_flagged(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule S3; an act entered after it happened is a 补录 and needs its reason (review contradiction 12)
    case = make_case()
    past = timezone.now() - timedelta(hours=25)
    with pytest.raises(InvalidInput, match="补录理由"):
        services.record_act(actor=cast.handler, case=case, kind="emergency_start", note="夜间泄漏", occurred_at=past)
    assert not case.acts.exists()
    services.record_act(
        actor=cast.handler,
        case=case,
        kind="emergency_start",
        note="夜间发现泄漏",
        occurred_at=past,
        backfill_reason="夜间现场处置，次日返回单位补录",
    )
    approval = services.start_approval(actor=cast.handler, case=case, kind="filing", opinion="补报立案")
    assert approval.late
    body = json.loads(Event.objects.filter(action="approval.proposed").last().body)  # type: ignore[union-attr]
    assert body["flag"].startswith("S3 002 第八条")


def test_simplified_procedure_limits(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule S5: an individual may be fined at most 200 yuan on the spot, an organisation 3,000; the ceiling is read
    # from the fine the 当场行政处罚决定书 states, never from what the case was registered with (contradiction 9)
    person = [services.PartyInput(kind="individual", name="钱某")]
    case = make_case("simplified_procedure", penalty_kind="fine", fine_amount="100", parties=person)
    draft = scenarios.make_document(case, "onsite_penalty_decision", cast, final=False, fine="5000")
    with pytest.raises(RuleViolation) as exc:
        scenarios.make_document(case, "onsite_penalty_decision", cast, fine="201")
    assert exc.value.rule_id == "S5" and "201" in exc.value.message
    assert _refused(case, "decide_on_spot", cast.handler).rule_id == "D8"  # no final decision document at all
    assert draft.status == "draft" and stages.Fact.SIMPLIFIED_LIMITS not in case_facts(case)
    scenarios.make_document(case, "onsite_penalty_decision", cast, fine="200")
    assert _refused(case, "decide_on_spot", cast.handler).rule_id == "S6"  # rule S6: the violation is dated first
    scenarios.satisfy(case, stages.Fact.VIOLATION_DATED, cast)
    assert services.transition(actor=cast.handler, case=case, action="decide_on_spot").stage == "decision"
    org = make_case("simplified_procedure", penalty_kind="fine", fine_amount="100")
    with pytest.raises(RuleViolation, match=r"3000\.01元"):
        scenarios.make_document(org, "onsite_penalty_decision", cast, fine="3000.01")
    scenarios.make_document(org, "onsite_penalty_decision", cast, fine="3000")
    assert stages.Fact.SIMPLIFIED_LIMITS in case_facts(org)


def test_compulsory_measure_extends_once_and_needs_approval(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule I4: emergency measures need the leader's approval afterwards; an extension needs a new approval of its
    # own (强制法25), not the measure's; one extension only
    case = make_case("compulsion")
    case = scenarios.step(case, "emergency_measure", cast)
    violation = _refused(case, "extend", cast.handler)
    assert violation.rule_id == "I4" and "重新批准" in violation.message
    scenarios.satisfy(case, stages.Fact.EXTENSION_APPROVED, cast)
    violation = _refused(case, "extend", cast.handler)  # approved, but the party is not told in writing
    assert violation.rule_id == "I4" and "延长查封扣押期限决定书" in violation.message
    scenarios.satisfy(case, stages.Fact.EXTENSION_NOTICE, cast)  # the decision rides on the extension's approval
    violation = _refused(case, "extend", cast.handler)
    assert violation.rule_id == "I4" and "补办批准" in violation.message  # the measure itself is not yet approved
    scenarios.satisfy(case, stages.Fact.COMPULSION_APPROVED, cast)
    case = services.transition(actor=cast.handler, case=case, action="extend")
    violation = _refused(case, "extend", cast.handler)
    assert violation.rule_id == "I4" and "一次" in violation.message


def test_major_decision_needs_legal_review_and_collective_discussion(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rules D2, D3: checked only for major decisions, in that order after D4 and D9
    case = scenarios.advance(make_case(is_major=True), stages.Stage.NOTICE, cast)
    for fact in (stages.Fact.RIGHTS_NOTICE_SERVED, stages.Fact.HEARING_WINDOW_CLOSED, stages.Fact.DECISION_APPROVED):
        scenarios.satisfy(case, fact, cast)
    assert _refused(case, "decide", cast.handler).rule_id == "D2"
    with pytest.raises(InvalidInput, match="法制审核意见书"):  # a claim is no review: the document is named
        services.record_act(actor=cast.legal_reviewer, case=case, kind="legal_review", note="同意")
    scenarios.satisfy(case, stages.Fact.LEGAL_REVIEW, cast)
    assert _refused(case, "decide", cast.handler).rule_id == "D3"
    scenarios.satisfy(case, stages.Fact.COLLECTIVE_DISCUSSION, cast)
    assert services.transition(actor=cast.handler, case=case, action="decide").stage == "decision"


@pytest.mark.tampers  # a certificate is made to lapse by hand
def test_investigation_needs_two_certified_officers(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule I1: an expired certificate does not count
    case = scenarios.advance(make_case(), stages.Stage.INVESTIGATION, cast)
    cert = cast.second_officer.certificates.get()
    cert.valid_to = timezone.localdate() - timedelta(days=1)
    cert.save()
    services.assign_officer(actor=cast.handler, case=case, officer=cast.second_officer)
    assert _refused(case, "conclude_investigation", cast.handler).rule_id == "I1"


def test_decision_waits_for_the_hearing_request_window(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule D5: 5 working days after the rights notice, unless the party waives in writing
    import time_machine

    case = scenarios.advance(make_case(), stages.Stage.NOTICE, cast)
    scenarios.satisfy(case, stages.Fact.DECISION_APPROVED, cast)
    with time_machine.travel(datetime(2026, 9, 28, 2, 0, tzinfo=UTC), tick=False):  # 10:00 in Beijing
        scenarios.make_document(case, "penalty_notice", cast)  # the party signs for it now
        violation = _refused(case, "decide", cast.handler)
        assert violation.rule_id == "D5" and "5个工作日" in violation.message
    with time_machine.travel(datetime(2026, 10, 10, 8, 0, tzinfo=UTC), tick=False):  # the 5th working day
        assert _refused(case, "decide", cast.handler).rule_id == "D5"
    with time_machine.travel(datetime(2026, 10, 12, 2, 0, tzinfo=UTC), tick=False):  # the window has ended
        assert stages.Fact.HEARING_WINDOW_CLOSED in case_facts(case)
    other = scenarios.advance(make_case(), stages.Stage.NOTICE, cast)
    for fact in (stages.Fact.RIGHTS_NOTICE_SERVED, stages.Fact.DECISION_APPROVED):
        scenarios.satisfy(other, fact, cast)
    assert _refused(other, "decide", cast.handler).rule_id == "D5"
    services.record_act(actor=cast.handler, case=other, kind="rights_waiver", note="当事人书面放弃")
    assert services.transition(actor=cast.handler, case=other, action="decide").stage == "decision"
