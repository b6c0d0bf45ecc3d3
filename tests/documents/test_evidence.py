"""Evidence, not claims: each gate reads the finalised document the law names and what it says.

One regression test per contradiction of the rule-by-rule review that this part of the law touches: 1 (D2: a
review that does not pass), 3 (SV6: periods from the deemed service), 9 (S5 on the document's fine), 11 (D5:
the chair by name), 12 (bare acts and backdating).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from liuhen.accounts.services import create_token
from liuhen.cases import presentation, scenarios, services
from liuhen.cases.models import ActKind
from liuhen.cases.queries import case_facts
from liuhen.core import calendar, periods, stages
from liuhen.core.errors import InvalidInput, RuleViolation
from liuhen.core.rules.deadlines import BY_KEY
from liuhen.deadlines.models import Deadline
from liuhen.documents import services as documents
from liuhen.documents.services import SignatureRequest as Sig
from liuhen.ledger.models import Event
from liuhen.ledger.services import log_size
from liuhen.ledger.verify import verify

pytestmark = pytest.mark.django_db
F = stages.Fact


def _refused(case, action: str, actor) -> RuleViolation:  # type: ignore[no-untyped-def]
    before = log_size()
    with pytest.raises(RuleViolation) as exc:
        services.transition(actor=actor, case=case, action=action)
    assert log_size() == before, "a refused step wrote to the ledger"
    return exc.value


def _at_notice(cast, make_case, **kw):  # type: ignore[no-untyped-def]
    """A general case at the notice stage, with everything for the decision but what the test looks at."""
    case = scenarios.advance(make_case(officers=[cast.handler, cast.second_officer], **kw), stages.Stage.NOTICE, cast)
    for fact in (F.RIGHTS_NOTICE_SERVED, F.HEARING_WINDOW_CLOSED, F.DECISION_APPROVED):
        scenarios.satisfy(case, fact, cast)
    return case


def test_free_text_route_refuses_every_kind_a_document_records(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rules SV2, D4, D5, I2 (review contradiction 12): a claim never stands in for the document; 422 names it
    case = make_case(officers=[cast.handler, cast.second_officer])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=cast.handler)}")
    before, facts = log_size(), case_facts(case)
    for kind, names in services.DOCUMENT_ACTS.items():
        r = api.post(f"/api/v1/cases/{case.pk}/acts", {"kind": kind, "note": "已办"}, content_type="application/json")
        assert r.status_code == 422, kind
        assert all(f"《{n}》" in r.json()["detail"] or n in r.json()["detail"] for n in names), r.json()
    assert {"delivery", "rights_notice", "hearing", "legal_review", "inspection_transcript"} <= set(
        services.DOCUMENT_ACTS
    )
    assert (
        "送达回证"
        in api.post(f"/api/v1/cases/{case.pk}/acts", {"kind": "delivery"}, content_type="application/json").json()[
            "detail"
        ]
    )
    web = Client()
    web.force_login(cast.handler)
    page = web.post(f"/cases/{case.pk}/acts/", {"kind": "hearing", "note": "已听证"})
    assert page.status_code == 422 and "听证笔录" in page.content.decode()
    written = Event.objects.filter(seq__gte=before).values_list("action", flat=True)
    assert set(written) <= {"record.read"}, "a refused act wrote more than the page's read"
    assert not case.acts.exists() and case_facts(case) == facts
    form = web.get(f"/cases/{case.pk}/").content.decode()
    assert 'value="note"' in form and 'value="delivery"' not in form  # the form offers only what it may record
    # what remains of free text is a note on the timeline: it opens nothing, and it says something
    empty = api.post(f"/api/v1/cases/{case.pk}/acts", {"kind": "note"}, content_type="application/json")
    assert empty.status_code == 422 and "说明" in empty.json()["detail"]
    r = api.post(
        f"/api/v1/cases/{case.pk}/acts", {"kind": "note", "note": "当事人来电询问进度"}, content_type="application/json"
    )
    assert r.status_code == 201 and case_facts(case) == facts
    assert "办案备注——当事人来电询问进度" in presentation.timeline(case)[-1]["text"]


def test_a_legal_review_that_does_not_pass_blocks_the_decision(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule D2 (处罚法58, review contradiction 1): none, a draft, and 不同意 are refused; a corrected 同意 opens it
    case = _at_notice(cast, make_case, is_major=True)
    assert _refused(case, "decide", cast.handler).rule_id == "D2"
    draft = scenarios.make_document(case, "legal_review_opinion", cast, final=False)
    assert _refused(case, "decide", cast.handler).rule_id == "D2"
    sign = [Sig("legal_reviewer", username=cast.legal_reviewer.username)]
    documents.save_draft(actor=cast.legal_reviewer, document=draft, data={**draft.values, "conclusion": "disagree"})
    no = documents.finalise(actor=cast.legal_reviewer, document=draft, signatures=sign)
    violation = _refused(case, "decide", cast.handler)
    assert violation.rule_id == "D2" and "审核通过" in violation.message
    fixed = documents.correct(
        actor=cast.legal_reviewer, document=no, reason="补充证据后重新审核", data={**no.values, "conclusion": "agree"}
    )
    assert _refused(case, "decide", cast.handler).rule_id == "D2"  # the correction is still a draft
    documents.finalise(actor=cast.legal_reviewer, document=fixed, signatures=sign)
    scenarios.satisfy(case, F.COLLECTIVE_DISCUSSION, cast)
    assert services.transition(actor=cast.handler, case=case, action="decide").stage == "decision"


def test_a_case_found_major_during_the_procedure_needs_the_review(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule D2: "major" is set when the facts emerge, by a recorded command with its reason
    case = _at_notice(cast, make_case)
    with pytest.raises(InvalidInput, match="理由"):
        services.mark_major(actor=cast.handler, case=case, reason=" ")
    web = Client()
    web.force_login(cast.handler)
    assert "认定为重大执法决定（D2）" in web.get(f"/cases/{case.pk}/").content.decode()
    web.post(f"/cases/{case.pk}/major/", {"reason": "调查中发现涉及重大公共安全"})
    case.refresh_from_db()
    event = Event.objects.filter(action="case.marked_major").get()
    assert json.loads(event.body)["reason"] == "调查中发现涉及重大公共安全" and case.is_major
    assert verify() == []
    with connection.cursor() as cur:  # the flag is defended by the ledger: changed without the command, it is named
        cur.execute("UPDATE cases_case SET is_major = %s WHERE id = %s", [False, case.pk])
    assert any("重大执法决定" in str(f) for f in verify())
    with connection.cursor() as cur:
        cur.execute("UPDATE cases_case SET is_major = %s WHERE id = %s", [True, case.pk])
    assert _refused(case, "decide", cast.handler).rule_id == "D2"
    scenarios.satisfy(case, F.LEGAL_REVIEW, cast)
    scenarios.satisfy(case, F.COLLECTIVE_DISCUSSION, cast)
    case = services.transition(actor=cast.handler, case=case, action="decide")
    other = _at_notice(cast, make_case)
    other = services.transition(actor=cast.handler, case=other, action="decide")
    with pytest.raises(InvalidInput, match="不能再认定"):  # a decision made is not reclassified afterwards
        services.mark_major(actor=cast.handler, case=other, reason="事后认定")


def test_filing_reads_the_finalised_filing_form(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule S2: the approved chain alone does not file the case; a major case's form carries the legality review
    case = make_case(is_major=True)
    scenarios.approve(case, "filing", cast)
    assert _refused(case, "file", cast.handler).rule_id == "S2"
    doc = scenarios.make_document(case, "filing_approval", cast, final=False, legality_review="")
    assert _refused(case, "file", cast.handler).rule_id == "S2"
    with pytest.raises(RuleViolation) as exc:
        documents.finalise(actor=cast.handler, document=doc)
    assert exc.value.rule_id == "S2" and "合法性审查" in exc.value.message
    documents.save_draft(actor=cast.handler, document=doc, data={**doc.values, "legality_review": "经审查符合立案条件"})
    documents.finalise(actor=cast.handler, document=doc)
    assert _refused(case, "file", cast.handler).rule_id == "S6"  # the form opens S2; the violation is dated next
    scenarios.satisfy(case, F.VIOLATION_DATED, cast)
    assert services.transition(actor=cast.handler, case=case, action="file").stage == "investigation"


def test_the_decided_fine_is_never_heavier_than_the_notified_one(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule D4 (处罚法44、45): the 决定书's fine is compared with the 告知书's
    case = scenarios.advance(make_case(officers=[cast.handler, cast.second_officer]), stages.Stage.NOTICE, cast)
    scenarios.make_document(case, "penalty_notice", cast, proposed_fine="10000")
    for fact in (F.HEARING_WINDOW_CLOSED, F.DECISION_APPROVED):
        scenarios.satisfy(case, fact, cast)
    case = services.transition(actor=cast.handler, case=case, action="decide")
    heavier = scenarios.make_document(case, "penalty_decision", cast, final=False, fine="12000")
    with pytest.raises(RuleViolation) as exc:
        documents.finalise(actor=cast.handler, document=heavier)
    assert exc.value.rule_id == "D4" and "10000" in exc.value.message
    assert _refused(case, "deliver", cast.handler).rule_id == "D6"  # no decision document yet
    documents.save_draft(actor=cast.handler, document=heavier, data={**heavier.values, "fine": "10000"})
    assert documents.finalise(actor=cast.handler, document=heavier).status == "final"
    unnotified = scenarios.advance(make_case(officers=[cast.handler]), stages.Stage.NOTICE, cast)
    scenarios.make_document(unnotified, "penalty_notice", cast)  # states no fine
    for fact in (F.HEARING_WINDOW_CLOSED, F.DECISION_APPROVED):
        scenarios.satisfy(unnotified, fact, cast)
    unnotified = services.transition(actor=cast.handler, case=unnotified, action="decide")
    with pytest.raises(RuleViolation, match="未载明拟罚款"):
        scenarios.make_document(unnotified, "penalty_decision", cast, fine="500")


def test_statements_the_party_made_are_reviewed_before_the_decision(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule D4: a 陈述申辩笔录 still a draft (no review yet) holds the decision back
    case = _at_notice(cast, make_case)
    scenarios.make_document(case, "statement_transcript", cast, final=False)
    violation = _refused(case, "decide", cast.handler)
    assert violation.rule_id == "D4" and "复核" in violation.message
    scenarios.satisfy(case, F.STATEMENTS_REVIEWED, cast)
    assert services.transition(actor=cast.handler, case=case, action="decide").stage == "decision"


def test_the_hearing_chair_is_a_user_who_investigated_nothing(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule D5 (处罚法64, review contradiction 11): checked against everyone who signed an investigation record
    case = make_case(officers=[cast.handler])
    scenarios.make_document(case, "inspection_transcript", cast)  # signed by officer1 and officer2
    inquiry = scenarios.make_document(case, "inquiry_transcript", cast, final=False)
    documents.finalise(
        actor=cast.handler,
        document=inquiry,
        signatures=[Sig("officer", username="officer1"), Sig("officer", username="head1"), Sig("party", name="钱某")],
    )
    with pytest.raises(RuleViolation, match="回避"):  # the 听证通知书 already names the chair
        scenarios.make_document(case, "hearing_notification", cast, chair_name="officer2")
    rest = [Sig("recorder", username="archivist1"), Sig("party", name="钱某")]
    transcript = scenarios.make_document(case, "hearing_transcript", cast, final=False)
    for chair in (Sig("chair", name="officer2"), Sig("chair", username="head1"), Sig("chair", username="officer2")):
        with pytest.raises(RuleViolation) as exc:  # typed by name; a signer not assigned to the case; an investigator
            documents.finalise(actor=cast.handler, document=transcript, signatures=[chair, *rest])
        assert exc.value.rule_id == "D5"
    assert F.HEARING_HELD not in case_facts(case)
    documents.finalise(actor=cast.handler, document=transcript, signatures=[Sig("chair", username="legal1"), *rest])
    assert F.HEARING_HELD in case_facts(case)


def test_on_the_spot_decision_needs_two_certified_officers(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule I1 (处罚法42) on the simplified procedure too
    case = make_case("simplified_procedure", penalty_kind="warning")
    assert _refused(case, "decide_on_spot", cast.handler).rule_id == "I1"
    doc = documents.create_document(
        actor=cast.handler,
        case=case,
        code="onsite_penalty_decision",
        data=scenarios.document_data(case, documents.doc_type("onsite_penalty_decision")),
    )
    with pytest.raises(RuleViolation) as exc:
        documents.finalise(actor=cast.handler, document=doc, signatures=[Sig("officer", username="officer1")])
    assert exc.value.rule_id == "I1"


@pytest.fixture
def _official_calendar():  # type: ignore[no-untyped-def]
    calendar.configure(calendar.official_calendar())
    yield


def _beijing(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00").astimezone(UTC)


def test_public_notice_counts_from_the_deemed_date(cast, make_case, _official_calendar) -> None:  # type: ignore[no-untyped-def]
    # rules SV6, E2, D6 (民诉95, review contradiction 3): notice on 9.4, served on 10.8; the windows run from then
    with time_machine.travel(_beijing("2026-09-04T10:00"), tick=False):
        case = scenarios.advance(make_case(officers=[cast.handler, cast.second_officer]), stages.Stage.DECISION, cast)
        scenarios.satisfy(case, F.DECISION_DOCUMENT, cast)
        scenarios.make_document(
            case, "delivery_receipt", cast, method="public_notice", failed_methods="直接送达、邮寄送达均被退回"
        )
        assert F.DELIVERED not in case_facts(case)
        assert _refused(case, "deliver", cast.handler).rule_id == "SV2"
    rows = {d.rule_key: d for d in Deadline.objects.filter(case=case)}
    deemed = date(2026, 10, 8)
    assert rows["SV6"].due_on == deemed == periods.deemed_served_on(date(2026, 9, 4))
    assert rows["SV1"].status == "met"  # the agency served in time, by notice
    assert rows["E2"].due_on == date(2026, 10, 23) == periods.due(BY_KEY["E2"], deemed).on
    assert rows["D6.reconsideration"].due_on == date(2026, 12, 7)
    assert not case.acts.filter(kind=ActKind.DELIVERY).exists()
    with time_machine.travel(_beijing("2026-10-08T09:00"), tick=False):
        assert F.DELIVERED in case_facts(case)
        assert services.transition(actor=cast.handler, case=case, action="deliver").stage == "enforcement"


def test_a_receipt_for_another_document_does_not_serve_the_decision(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule SV2: the 送达回证 names the decision it serves
    case = scenarios.advance(make_case(officers=[cast.handler, cast.second_officer]), stages.Stage.DECISION, cast)
    scenarios.satisfy(case, F.DECISION_DOCUMENT, cast)
    scenarios.make_document(case, "delivery_receipt", cast, served_document="听证通知书")
    assert _refused(case, "deliver", cast.handler).rule_id == "SV2"
    scenarios.make_document(case, "delivery_receipt", cast)  # names 行政处罚决定书 and its number
    assert services.transition(actor=cast.handler, case=case, action="deliver").stage == "enforcement"


def test_a_backdated_notice_needs_its_reason_and_shows_as_backfilled(cast, make_case, _official_calendar) -> None:  # type: ignore[no-untyped-def]
    # rules D5, T4 (review contradiction 12): a past time counts only as a 补录 with its reason, and the party's
    # window runs from the date the party signed for the notice
    with time_machine.travel(_beijing("2026-10-12T10:00"), tick=False):
        case = scenarios.advance(make_case(officers=[cast.handler, cast.second_officer]), stages.Stage.NOTICE, cast)
        signed = timezone.now() - timedelta(days=3)
        before = log_size()
        with pytest.raises(InvalidInput, match="补录理由"):
            scenarios.make_document(case, "penalty_notice", cast, signed_at=signed)
        assert log_size() == before + 1  # the draft stays; the finalising changed nothing
        with pytest.raises(InvalidInput, match="晚于当前时间"):
            scenarios.make_document(case, "penalty_notice", cast, signed_at=timezone.now() + timedelta(hours=1))
        scenarios.make_document(
            case, "penalty_notice", cast, signed_at=signed, backfill_reason="当事人签收后承办人外出"
        )
        act = case.acts.get(kind=ActKind.RIGHTS_NOTICE)
        assert act.occurred_at == signed and act.is_backfill
        assert "【补录】" in presentation.timeline(case)[-1]["text"]
        window = Deadline.objects.get(case=case, rule_key="D5.request")
        # 5 working days from Friday 10.9 (10.10 is a working Saturday), not from the entry on 10.12 (10.19)
        assert window.due_on == periods.due(BY_KEY["D5.request"], signed).on == date(2026, 10, 15)


ENDS = {
    stages.Procedure.GENERAL: stages.Stage.CLOSED,
    stages.Procedure.SIMPLIFIED: stages.Stage.CLOSED,
    stages.Procedure.INSPECTION: stages.Stage.CLOSED,
    stages.Procedure.LICENCE: stages.Stage.CLOSED,
    stages.Procedure.COMPULSION: stages.Stage.CLOSED,
    stages.Procedure.COMPLAINT: stages.Stage.FILED,
}


@pytest.mark.parametrize("procedure", list(stages.Procedure), ids=str)
def test_each_procedure_reaches_its_end_through_documents_approvals_and_commands(procedure, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rules S2, D4, SV2 and every gate: a whole case, intake to close, where each act a document records came from
    # its finalised document, and every other act is a command that has no document of its own
    kw = {"penalty_kind": "fine", "fine_amount": "200"} if procedure == stages.Procedure.SIMPLIFIED else {}
    case = scenarios.advance(make_case(procedure.value, **kw), ENDS[procedure], cast)
    case = scenarios.step(case, "archive", cast)
    assert case.stage == stages.Stage.ARCHIVED
    acts = [json.loads(e.body) for e in Event.objects.filter(case_ref=case.pk, action="case.act_recorded")]
    assert acts, "a case moves on records"
    for body in acts:
        if body["kind"] in services.DOCUMENT_ACTS:
            doc = case.documents.get(pk=body["document"])
            assert doc.status == "final", body
        else:
            assert "document" not in body and body["kind"] in scenarios.COMMAND_KINDS, body


def test_a_receipt_entered_later_carries_its_reason_over_the_api_and_the_page(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rules SV2, T4: the party's periods run from the date on the receipt; entered days later it is a 补录
    case = make_case(officers=[cast.handler, cast.second_officer])
    served = (timezone.localtime() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    doc = scenarios.make_document(case, "delivery_receipt", cast, final=False, served_at=served)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=cast.handler)}")
    sigs = [{"slot": "server", "username": "officer1"}, {"slot": "recipient", "name": "钱某"}]
    url = f"/api/v1/documents/{doc.pk}/finalise"
    r = api.post(url, {"signatures": sigs}, content_type="application/json")
    assert r.status_code == 422 and "补录理由" in r.json()["detail"]
    web = Client()
    web.force_login(cast.handler)
    page = web.post(
        f"/documents/{doc.pk}/", {"do": "finalise", "server_username": "officer1", "recipient_name": "钱某"}
    )
    assert "补录理由" in web.get(page["Location"]).content.decode()
    doc.refresh_from_db()
    assert doc.status == "draft" and not case.acts.exists()
    form = web.get(f"/documents/{doc.pk}/").content.decode()
    assert 'name="backfill_reason"' in form and 'name="signed_at"' in form
    r = api.post(
        url, {"signatures": sigs, "backfill_reason": "送达人外出执法返回后录入"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "final"
    act = case.acts.get(kind=ActKind.DELIVERY)
    assert timezone.localtime(act.occurred_at).strftime("%Y-%m-%dT%H:%M") == served and act.is_backfill


def test_a_notice_sent_by_mail_is_served_on_the_date_its_receipt_says(cast, make_case, _official_calendar) -> None:  # type: ignore[no-untyped-def]
    # rules D4, D5, SV2: a notice not signed for on handover is served by the 送达回证 that names it, on its date;
    # the hearing window runs from then, and a notice's receipt starts no payment or appeal period
    with time_machine.travel(_beijing("2026-10-12T10:00"), tick=False):
        case = scenarios.advance(make_case(officers=[cast.handler, cast.second_officer]), stages.Stage.NOTICE, cast)
        scenarios.satisfy(case, F.DECISION_APPROVED, cast)
        draft = scenarios.make_document(case, "penalty_notice", cast, final=False)
        notice = documents.finalise(actor=cast.handler, document=draft, signatures=[])  # posted, not handed over
        assert F.RIGHTS_NOTICE_SERVED not in case_facts(case)
        assert not case.deadlines.filter(rule_key="D5.request").exists()
        assert _refused(case, "decide", cast.handler).rule_id == "D4"
    with time_machine.travel(_beijing("2026-10-16T10:00"), tick=False):
        scenarios.make_document(
            case,
            "delivery_receipt",
            cast,
            method="mail",
            mail_no="EMS1234567890",
            served_document=f"行政处罚告知书 {notice.document_no}",
            served_at="2026-10-14T15:00",
            backfill_reason="挂号信回执返回后录入",
        )
        assert F.RIGHTS_NOTICE_SERVED in case_facts(case) and F.DELIVERED not in case_facts(case)
    act = case.acts.get(kind=ActKind.RIGHTS_NOTICE)
    assert act.occurred_at == _beijing("2026-10-14T15:00")
    window = Deadline.objects.get(case=case, rule_key="D5.request")
    assert window.due_on == periods.due(BY_KEY["D5.request"], act.occurred_at).on == date(2026, 10, 21)
    assert not case.acts.filter(kind=ActKind.DELIVERY).exists() and not case.deadlines.filter(rule_key="E2").exists()


def test_a_rights_notice_served_by_public_notice_opens_the_hearing_window_on_the_deemed_date(  # type: ignore[no-untyped-def]
    cast, make_case, _official_calendar
) -> None:
    # rules SV6, D5 (民诉95): a 行政处罚告知书 the party could not be handed is served by public notice 30 days after
    # the notice (9.4 → 10.8); the 5 working days to ask for a hearing run from then, and not before
    from liuhen.core.documents.catalogue import BY_CODE

    with time_machine.travel(_beijing("2026-09-04T10:00"), tick=False):
        case = scenarios.advance(make_case(officers=[cast.handler, cast.second_officer]), stages.Stage.NOTICE, cast)
        before = set(case.acts.filter(kind=ActKind.RIGHTS_NOTICE).values_list("pk", flat=True))
        t = BY_CODE["penalty_notice"]
        notice = documents.create_document(
            actor=cast.handler, case=case, code=t.code, data=scenarios.document_data(case, t)
        )
        unsigned = [s for s in scenarios.signatures(case, t, cast) if s.slot != "recipient"]
        notice = documents.finalise(actor=cast.handler, document=notice, signatures=unsigned)
        scenarios.make_document(
            case,
            "delivery_receipt",
            cast,
            method="public_notice",
            failed_methods="当事人下落不明，直接送达、邮寄送达均被退回",
            served_document=f"行政处罚告知书 {notice.document_no}",
        )
        served = case.acts.filter(kind=ActKind.RIGHTS_NOTICE).exclude(pk__in=before).get()
        assert timezone.localtime(served.occurred_at).date() == date(2026, 10, 8)
        assert case.acts.filter(kind=ActKind.PUBLIC_NOTICE).exists()
        if not before:
            assert F.RIGHTS_NOTICE_SERVED not in case_facts(case)
    # 10.9, 10.10 (a 调休 Saturday), 10.12, 10.13, 10.14: the fifth working day
    with time_machine.travel(_beijing("2026-10-14T10:00"), tick=False):
        facts = case_facts(case)
        assert F.RIGHTS_NOTICE_SERVED in facts and F.HEARING_WINDOW_CLOSED not in facts
    with time_machine.travel(_beijing("2026-10-15T10:00"), tick=False):
        assert F.HEARING_WINDOW_CLOSED in case_facts(case)
