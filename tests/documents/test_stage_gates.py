"""Stage gates and document prerequisites that read finalised documents: rules S1, I4, D8, E3, E5."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from liuhen.accounts.services import create_token
from liuhen.cases import scenarios
from liuhen.cases import services as cases
from liuhen.core import calendar, stages
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.core.errors import InvalidInput, RuleViolation
from liuhen.deadlines.models import Deadline
from liuhen.documents import attachments, services
from liuhen.documents.services import SignatureRequest as Sig
from liuhen.ledger.models import Event
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


def draft(cast, case, code, **changes):  # type: ignore[no-untyped-def]
    from liuhen.core.documents.catalogue import BY_CODE

    return services.create_document(
        actor=cast.handler, case=case, code=code, data={**sample_data(BY_CODE[code]), **changes}
    )


def final(cast, case, code, sigs=None, **changes):  # type: ignore[no-untyped-def]
    doc = draft(cast, case, code, **changes)
    return services.finalise(
        actor=cast.handler, document=doc, signatures=sample_signatures(doc.type) if sigs is None else sigs
    )


def refused(case, action, cast) -> RuleViolation:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleViolation) as exc:
        cases.transition(actor=cast.handler, case=case, action=action)
    return exc.value


def test_applying_a_measure_needs_its_decision_list_and_on_site_record(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule I4 (002 第十五条; 强制法18、24): refused with no document, with a draft, then allowed with all three
    case = make_case("compulsion", officers=[cast.handler, cast.second_officer])
    scenarios.satisfy(case, stages.Fact.COMPULSION_APPROVED, cast)
    assert "决定书" in refused(case, "apply_measure", cast).message
    final(cast, case, "compulsion_decision", measure="seize")
    listed = draft(cast, case, "seizure_list")
    final(cast, case, "onsite_transcript")
    assert refused(case, "apply_measure", cast).rule_id == "I4"  # the list is still a draft
    services.finalise(actor=cast.handler, document=listed, signatures=sample_signatures(listed.type))
    assert cases.transition(actor=cast.handler, case=case, action="apply_measure").stage == "in_force"


def test_an_emergency_measure_needs_its_on_site_record(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule I4 (强制法19): acting first, the on-site record and the list are made on the spot
    case = make_case("compulsion", officers=[cast.handler, cast.second_officer])
    scenarios.satisfy(case, stages.Fact.EMERGENCY_MEASURE_REPORTED, cast)
    violation = refused(case, "emergency_measure", cast)
    assert violation.rule_id == "I4" and "现场笔录" in violation.message
    scenarios.satisfy(case, stages.Fact.EMERGENCY_MEASURE_DOCUMENTED, cast)
    assert cases.transition(actor=cast.handler, case=case, action="emergency_measure").stage == "in_force"


def test_a_power_cut_needs_the_notice_a_day_ahead_unless_urgent(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule I4 (安法70): the notice names a time at least 24 h ahead; the cut waits for it; an emergency says why
    case = make_case("compulsion", officers=[cast.handler, cast.second_officer])
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        with pytest.raises(RuleViolation, match="24小时"):
            final(cast, case, "power_cut_notice", cut_at="2026-11-03T09:00")
        final(cast, case, "power_cut_notice", cut_at="2026-11-03T11:00")
    row = Deadline.objects.get(case=case, rule_key="I4.power")
    assert row.kind == "waiting" and row.due_at == at("2026-11-03T10:00")
    with time_machine.travel(at("2026-11-02T16:00"), tick=False):
        with pytest.raises(RuleViolation) as exc:  # cut before the notice ran its 24 hours
            final(cast, case, "power_cut_record", cut_at="2026-11-02T16:00", emergency=False)
        assert exc.value.rule_id == "I4"
        with pytest.raises(RuleViolation, match="紧急情形"):
            final(cast, case, "power_cut_record", cut_at="2026-11-02T16:00", emergency=True, emergency_reason="")
    with time_machine.travel(at("2026-11-03T11:30"), tick=False):
        final(cast, case, "power_cut_record", cut_at="2026-11-03T11:00", emergency=False)
    row.refresh_from_db()
    assert row.status == "met" and row.closed_at == at("2026-11-03T11:00")  # from when the power was cut (T4)


def test_enforcement_needs_a_served_demand_notice_and_the_reply_recorded(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule E3 (强制法35、36、37; 002 第二十九条): no 催告书, a draft one, no reply record, time not yet up: refused
    case = make_case(officers=[cast.handler, cast.second_officer])
    scenarios.satisfy(case, stages.Fact.DECISION_APPROVED, cast)
    decision = draft(cast, case, "enforcement_decision")
    sigs: list[Sig] = []
    with pytest.raises(RuleViolation, match="催告书") as exc:
        services.finalise(actor=cast.handler, document=decision, signatures=sigs)
    assert exc.value.rule_id == "E3"
    notice = draft(cast, case, "demand_notice", perform_by=(timezone.localdate() + timedelta(days=10)).isoformat())
    with pytest.raises(RuleViolation, match="催告书"):
        services.finalise(actor=cast.handler, document=decision, signatures=sigs)
    notice = services.finalise(actor=cast.handler, document=notice, signatures=sample_signatures(notice.type))
    with pytest.raises(RuleViolation, match="陈述、申辩"):
        services.finalise(actor=cast.handler, document=decision, signatures=sigs)
    with pytest.raises(RuleViolation, match="复核意见"):  # a statement made is recorded with its review
        final(cast, case, "demand_statement", demand_no=notice.document_no, made="stated", review="")
    with pytest.raises(RuleViolation, match="文号"):
        final(cast, case, "demand_statement", demand_no="测应急催告〔2026〕999号", made="none")
    final(cast, case, "demand_statement", demand_no=notice.document_no, made="stated")
    with pytest.raises(RuleViolation, match="履行期限"):
        services.finalise(actor=cast.handler, document=decision, signatures=sigs)
    later = timezone.now() + timedelta(days=12)
    with time_machine.travel(later, tick=False):
        assert services.finalise(actor=cast.handler, document=decision, signatures=sigs).status == "final"


def test_a_court_application_waits_ten_working_days_after_service(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule E3 (强制法53、54): refused before the wait ends (not merely marked early), and before the appeal periods
    case = make_case(officers=[cast.handler, cast.second_officer])
    with time_machine.travel(at("2026-05-15T10:00"), tick=False):
        final(cast, case, "delivery_receipt", method="direct", served_at="2026-05-15T10:00")
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        notice = final(cast, case, "demand_notice")
        final(cast, case, "demand_statement", demand_no=notice.document_no, made="none")
    assert Deadline.objects.get(case=case, rule_key="E3.wait").due_on.isoformat() == "2026-11-16"
    application = draft(cast, case, "court_application", demand_served_on="2026-11-02")
    sigs = sample_signatures(application.type)
    with time_machine.travel(at("2026-11-16T10:00"), tick=False):
        with pytest.raises(RuleViolation, match="10个工作日") as exc:
            services.finalise(actor=cast.handler, document=application, signatures=sigs)
        assert exc.value.rule_id == "E3"
    with time_machine.travel(at("2026-11-17T10:00"), tick=False):
        wrong = draft(cast, case, "court_application", demand_served_on="2026-11-01")
        with pytest.raises(InvalidInput, match="送达日期"):
            services.finalise(actor=cast.handler, document=wrong, signatures=sigs)
        assert services.finalise(actor=cast.handler, document=application, signatures=sigs).status == "final"
    assert Deadline.objects.get(case=case, rule_key="E3.wait").status == "met"


def test_a_demand_notice_served_by_public_notice_counts_from_the_deemed_date(blob_root, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rules SV6, E3 (民诉95): a 催告书 served by public notice is served 30 days after the notice, and the court
    # application's wait counts from then, not from the day the notice went up
    from liuhen.documents.prerequisites import served_on

    case = make_case(officers=[cast.handler, cast.second_officer])
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        notice = final(
            cast,
            case,
            "demand_notice",
            sigs=[s for s in sample_signatures(BY_CODE["demand_notice"]) if s.slot != "recipient"],
        )
        assert served_on(notice) is None
        receipt = draft(
            cast,
            case,
            "delivery_receipt",
            method="public_notice",
            served_at="2026-11-02T10:00",
            served_document=f"催告书 {notice.document_no}",
            notice_form="posting",
            notice_carrier="当事人住所地",
        )
        attachments.attach(
            actor=cast.handler, document=receipt, kind="notice_copy", chunks=[b"%PDF-1.7"], name="公告.pdf"
        )
        services.finalise(actor=cast.handler, document=receipt, signatures=[Sig("server", username="officer1")])
    assert served_on(notice).isoformat() == "2026-12-02"


def test_a_court_application_waits_for_the_appeal_periods(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule E3 (强制法53): the decision served on 2026-09-01 can be appealed until 2027-03-01
    case = make_case(officers=[cast.handler, cast.second_officer])
    with time_machine.travel(at("2026-09-01T10:00"), tick=False):
        final(cast, case, "delivery_receipt", method="direct", served_at="2026-09-01T10:00")
        notice = final(cast, case, "demand_notice")
        final(cast, case, "demand_statement", demand_no=notice.document_no, made="none")
    with time_machine.travel(at("2026-10-09T10:00"), tick=False), pytest.raises(RuleViolation, match="复议、诉讼期限"):
        final(cast, case, "court_application", demand_served_on="2026-09-01")


def test_closing_an_enforced_case_needs_the_result_of_enforcement(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule E5 (000 第十八条; 002 第三十一条): the court's outcome too, when the agency applied to a court
    case = scenarios.advance(make_case(officers=[cast.handler, cast.second_officer]), stages.Stage.ENFORCEMENT, cast)
    with time_machine.travel(timezone.now() - timedelta(days=40), tick=False):
        notice = final(cast, case, "demand_notice", perform_by=(timezone.localdate() + timedelta(days=5)).isoformat())
        final(cast, case, "demand_statement", demand_no=notice.document_no, made="none")
    final(cast, case, "enforcement_decision", sigs=[])
    scenarios.satisfy(case, stages.Fact.PERFORMANCE, cast)
    violation = refused(case, "close", cast)
    assert violation.rule_id == "E5" and "执行结果" in violation.message
    with pytest.raises(RuleViolation, match="强制执行申请书"):
        final(cast, case, "enforcement_result", route="court")
    final(cast, case, "enforcement_result", route="agency")
    assert refused(case, "close", cast).rule_id != "E5"  # the closing approval is next


def test_a_court_result_names_the_ruling_and_outcome(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule E5: with a court application on file, the result records the court's ruling number and outcome
    case = make_case(officers=[cast.handler, cast.second_officer])
    with time_machine.travel(at("2026-05-15T10:00"), tick=False):
        final(cast, case, "delivery_receipt", method="direct", served_at="2026-05-15T10:00")
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        notice = final(cast, case, "demand_notice")
        final(cast, case, "demand_statement", demand_no=notice.document_no, made="none")
    with time_machine.travel(at("2026-11-20T10:00"), tick=False):
        final(cast, case, "court_application", demand_served_on="2026-11-02")
        with pytest.raises(RuleViolation, match="裁定书") as exc:
            final(cast, case, "enforcement_result", route="court", court_ruling="", court_outcome="")
        assert exc.value.rule_id == "E5"
        result = final(cast, case, "enforcement_result", route="court", court_outcome="executed")
    assert result.values["court_ruling"]


def test_a_simplified_case_closes_after_its_decision_is_filed_with_the_agency(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule D8 (002 第二十二条(五); 处罚法52): the 备案 of the on-the-spot decision is recorded
    case = make_case("simplified_procedure", penalty_kind="warning", officers=[cast.handler, cast.second_officer])
    decision = final(cast, case, "onsite_penalty_decision")
    case = scenarios.advance(case, stages.Stage.ENFORCEMENT, cast)
    scenarios.satisfy(case, stages.Fact.PERFORMANCE, cast)
    violation = refused(case, "close", cast)
    assert violation.rule_id == "D8" and "备案" in violation.message
    with pytest.raises(RuleViolation, match="当场行政处罚决定书"):
        final(cast, case, "onsite_decision_filing", decision_no="测应急当罚〔2026〕999号")
    final(cast, case, "onsite_decision_filing", decision_no=decision.document_no)
    assert cases.transition(actor=cast.handler, case=case, action="close").stage == "closed"


def test_application_intake_records(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule S1 (000 第五条; 002 第七条): an oral application is written down and confirmed by the applicant, an online
    # one keeps its screenshots, a correction made on the spot is confirmed; registration and receipt open 受理
    case = make_case("licence", officers=[cast.handler, cast.second_officer])
    clerk = [Sig("officer", username="officer1")]
    with pytest.raises(RuleViolation, match="口头申请") as exc:
        final(cast, case, "application_form", clerk, channel="oral")
    assert exc.value.rule_id == "S1"
    with pytest.raises(RuleViolation, match="截图"):
        final(cast, case, "application_form", clerk, channel="online", online_capture="")
    assert refused(case, "accept", cast).rule_id == "S1"
    form = final(cast, case, "application_form", [*clerk, Sig("party", name="申请人甲")], channel="oral")
    assert form.values["oral_record"] and case.acts.filter(kind="application_registration").exists()
    with pytest.raises(RuleViolation, match="申请人当场更正并确认"):
        final(cast, case, "material_correction", applicant_confirmed=False)
    final(cast, case, "material_correction")
    assert "凭证" in refused(case, "accept", cast).message
    final(cast, case, "acceptance_receipt")
    assert cases.transition(actor=cast.handler, case=case, action="accept").stage == "accepted"


def test_application_supplement_and_refusal_documents(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule S1: the one-time notice of everything to supplement, and the written refusal, are documents
    case = make_case("licence", officers=[cast.handler, cast.second_officer])
    final(cast, case, "supplement_notice")
    assert cases.transition(actor=cast.handler, case=case, action="request_supplement").stage == "supplementing"
    other = make_case("licence", officers=[cast.handler, cast.second_officer])
    assert refused(other, "refuse", cast).rule_id == "S1"
    refusal = final(cast, other, "refusal_decision")
    assert refusal.document_no and cases.transition(actor=cast.handler, case=other, action="refuse").stage == "refused"


def test_an_online_application_keeps_its_screenshots_as_attachments(cast, make_case, blob_root) -> None:  # type: ignore[no-untyped-def]
    # rule S1 (000 第五条): the screenshots or photos are files kept with the 申请登记表, covered by its hash
    case = make_case("licence", officers=[cast.handler, cast.second_officer])
    form = draft(cast, case, "application_form", channel="online")
    clerk = [Sig("officer", username="officer1")]
    with pytest.raises(RuleViolation, match="截图") as exc:
        services.finalise(actor=cast.handler, document=form, signatures=clerk)
    assert exc.value.rule_id == "S1"
    shot = b"\x89PNG\r\n\x1a\n" + b"online application page" * 100
    client = Client(HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=cast.handler)}")
    r = client.post(
        f"/api/v1/documents/{form.pk}/attachments", {"file": SimpleUploadedFile("申请页面截图.png", shot, "image/png")}
    )
    assert r.status_code == 201, r.content
    assert r.json()["sha256"] == hashlib.sha256(shot).hexdigest() and r.json()["name"] == "申请页面截图.png"
    assert Event.objects.filter(action="document.attachment_added", subject_id=str(form.pk)).exists()
    form = services.finalise(actor=cast.handler, document=form, signatures=clerk)
    with pytest.raises(InvalidInput, match="已定稿"):
        attachments.attach(actor=cast.handler, document=form, name="再加一张.png", chunks=[b"x"])
    assert not verify()
    # the database refuses (R8); in a savepoint, so the test's transaction goes on (PostgreSQL aborts it otherwise)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE documents_attachment SET name = 'x' WHERE document_id = %s", [form.pk])


def test_an_attachment_changed_in_the_store_is_found_by_verify(cast, make_case, blob_root) -> None:  # type: ignore[no-untyped-def]
    # rule S1: the kept file is re-hashed by verify like every stored file
    case = make_case("licence", officers=[cast.handler, cast.second_officer])
    form = draft(cast, case, "application_form", channel="online")
    row = attachments.attach(actor=cast.handler, document=form, name="照片.jpg", chunks=[b"photo of the screen"])
    path = next(p for p in blob_root.rglob("*") if p.is_file() and p.name == row.blob_id)
    path.chmod(0o644)
    path.write_bytes(b"another photo")
    assert any(f.record.startswith("文书附件 照片.jpg（申请登记表") and "与哈希不符" in f.problem for f in verify())
