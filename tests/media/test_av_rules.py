"""The published mandatory-AV list (AV1–AV13) gates the case, activity by activity, from the documents that record
the activities; omissions are approved per activity (AV6); late uploads (R1) are visible per officer, unit, agency."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client

from liuhen.accounts.services import create_token
from liuhen.cases import scenarios
from liuhen.cases import services as cases
from liuhen.core import stages
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.core.errors import Forbidden, InvalidInput, RuleViolation
from liuhen.core.rules.av import AV_RULES, BY_DOC_TYPE, FOCUS, breaks, uninterrupted
from liuhen.documents import services as documents
from liuhen.ledger.models import Event
from liuhen.media import av_services, queries, services
from liuhen.media.models import OmissionStatus
from tests.documents.conftest import sample_data, sample_signatures
from tests.media.conftest import synthesise

pytestmark = pytest.mark.django_db
QUIET = {
    "party_objects": False,
    "dangerous": False,
    "legacy_issue": False,
    "after_commitment": False,
    "major_hazard": False,
}


def _investigating(cast, make_case, **kw):  # type: ignore[no-untyped-def]
    case = make_case(officers=[cast.handler, cast.second_officer], **kw)
    return scenarios.advance(case, stages.Stage.INVESTIGATION, cast)


def _final(cast, case, code, **changes):  # type: ignore[no-untyped-def]
    t = BY_CODE[code]
    data = {**sample_data(t), **{k: v for k, v in changes.items() if k in {f.name for f in t.fields}}}
    doc = documents.create_document(actor=cast.handler, case=case, code=code, data=data)
    return documents.finalise(actor=cast.handler, document=doc, signatures=sample_signatures(t))


def _api(user) -> Client:  # type: ignore[no-untyped-def]
    return Client(HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=user)}")


def test_an_activity_needs_a_recording_made_during_it_and_its_playback_review(
    tmp_path, blob_root, cast, make_case
) -> None:  # type: ignore[no-untyped-def]
    # rules AV1, AV2 (the 现场检查笔录 of 10:00–10:30), I5, AV8, AV11 (the review of the recording that covers it)
    case = _investigating(cast, make_case)
    doc = _final(
        cast, case, "inspection_transcript", started_at="2026-11-23T10:00", ended_at="2026-11-23T10:30", **QUIET
    )
    with pytest.raises(RuleViolation) as exc:
        cases.transition(actor=cast.handler, case=case, action="conclude_investigation")
    assert exc.value.rule_id == "AV1" and "AV6" in exc.value.message
    api = _api(cast.handler)
    gaps = api.get(f"/api/v1/cases/{case.pk}/av-gaps").json()
    assert [(g["rule"], g["activity"], g["document"], g["blocking"]) for g in gaps] == [
        ("AV2", "现场检查（勘验）", doc.pk, True)
    ]
    far = synthesise(tmp_path / "far.mp4", created="2026-11-23T09:00:00Z")  # 17:00 local: not during it
    services.ingest_file(actor=None, path=far, officer=cast.handler, case=case)
    assert [g.rule_id for g in queries.av_gaps(case)] == ["AV2"]
    near = synthesise(tmp_path / "near.mp4", created="2026-11-23T01:55:00Z", tone=600)  # 09:55, on the way in
    rec = services.ingest_file(actor=None, path=near, officer=cast.handler, case=case).recording
    assert [(g.rule_id, g.blocking) for g in queries.av_gaps(case)] == [("AV11", True)]  # not yet reviewed
    services.review_recording(
        actor=cast.handler, recording=rec, party_told=False, opening_statement=True, focus=["scene", "people"]
    )
    findings = {g.rule_id: g for g in queries.av_findings(case)}
    assert set(findings) == {"I5", "AV11"} and not any(g.blocking for g in findings.values())
    assert "重要涉案物品" in findings["AV11"].problem and "告知当事人" in findings["I5"].problem
    with pytest.raises(InvalidInput, match="未知的摄录重点"):
        services.review_recording(
            actor=cast.handler, recording=rec, party_told=True, opening_statement=True, focus=["x"]
        )
    assert cases.transition(actor=cast.handler, case=case, action="conclude_investigation").stage == "review"
    rows = api.get(f"/api/v1/cases/{case.pk}/av-gaps").json()
    assert {(g["rule"], g["blocking"]) for g in rows} == {("I5", False), ("AV11", False)}
    assert len(api.get(f"/api/v1/cases/{case.pk}/recordings").json()) == 2
    assert Event.objects.filter(action="media.reviewed").count() == 1


def test_the_published_list_names_every_activity_and_its_conditions(cast) -> None:  # type: ignore[no-untyped-def]
    # rules AV1, AV2, AV3, AV4, AV5, AV9, AV10 (and the AV of 留置 and 公告 service, SV4, SV6): the list as data;
    # 003 第十二条: the list is published, read without signing in
    rows = Client().get("/api/v1/av-rules").json()
    assert {r["rule"] for r in rows} == {"AV1", "AV2", "AV3", "AV4", "AV5", "AV9", "AV10"}
    labels = {r["label"] for r in rows}
    for needed in (
        "告知承诺后的现场核查",
        "立案后询问",
        "留置送达",
        "公告送达",
        "现场处置重大事故隐患",
        "实施行政强制措施",
    ):
        assert needed in labels
    assert _api(cast.handler).get("/api/v1/av-rules").json() == rows

    def rules_for(code: str, major: bool = False, **data: object) -> set[str]:
        return {r.rule_id for r in BY_DOC_TYPE[code] if r.mandatory and r.applies(data, major=major)}

    assert rules_for("delivery_receipt", method="direct") == set()
    assert rules_for("delivery_receipt", method="left_with") == rules_for("delivery_receipt", method="public_notice")
    assert rules_for("delivery_receipt", method="left_with") == {"AV1", "AV3"}  # SV4, SV6: AV of the service
    assert rules_for("onsite_penalty_decision") == set()  # AV5: simplified procedure, as the situation needs
    assert rules_for("onsite_penalty_decision", dispute_likely=True) == {"AV9"}
    assert rules_for("onsite_penalty_decision", major=True) == {"AV10"}
    assert rules_for("inquiry_transcript", party_objects=True) == {"AV1", "AV10"}
    assert rules_for("survey_transcript", legacy_issue=True) == {"AV2", "AV10"}
    assert rules_for("onsite_transcript") == {"AV1", "AV3", "AV4"}
    assert rules_for("enforcement_decision", method="restore") == {"AV3"}
    assert all(r.activity.startswith("doc:") and r.doc_type in BY_CODE for r in AV_RULES)
    assert "court_application" not in BY_DOC_TYPE  # AV4 is on-site work, not the filing of a court application


def test_uninterrupted_from_arrival_to_departure(tmp_path, blob_root, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule AV4: the 现场笔录 of a seizure, 10:00–10:03, filmed 10:00:00–10:00:03 and again from 10:02
    t = datetime(2026, 11, 23, 10, 0)
    assert uninterrupted(
        (t, t.replace(minute=3)), [(t, t.replace(minute=1)), (t.replace(minute=1), t.replace(minute=3))]
    )
    assert breaks((t, t.replace(minute=9)), [(t, t.replace(minute=2))]) == [(t.replace(minute=2), t.replace(minute=9))]
    case = scenarios.advance(
        make_case("compulsion", officers=[cast.handler, cast.second_officer]), stages.Stage.IN_FORCE, cast
    )
    scenarios.omit_recordings(case, cast)  # the measure's own records (I4) were made where no camera may go (AV6)
    doc = _final(cast, case, "onsite_transcript", started_at="2026-11-23T10:00", ended_at="2026-11-23T10:03", **QUIET)
    device = services.register_device(
        actor=cast.unit_head, agency_id=case.agency_id, number="CAM-9", officer=cast.handler
    )
    first = services.ingest_file(
        actor=None, device=device, case=case, path=synthesise(tmp_path / "a.mp4", created="2026-11-23T02:00:00Z")
    ).recording
    second = services.ingest_file(
        actor=None, device=device, case=case, path=synthesise(tmp_path / "b.mp4", created="2026-11-23T02:02:00Z")
    ).recording
    for rec in (first, second):
        services.review_recording(
            actor=cast.handler, recording=rec, party_told=True, opening_statement=True, focus=list(FOCUS)
        )
    gaps = queries.av_gaps(case)
    assert [(g.rule_id, g.document_id) for g in gaps] == [("AV4", doc.pk)] and "10:00至10:02" in gaps[0].problem
    # rules AV12, AV13: the camera could not go on; reported to the unit head at once, and the note kept
    with pytest.raises(InvalidInput, match="书面说明"):
        services.note_interruption(actor=cast.handler, recording=first, reason="device_fault", cannot_continue=True)
    web = Client()
    web.force_login(cast.handler)
    assert "无法继续记录（AV12）" in web.get(f"/cases/{case.pk}/media/").content.decode()
    form = {"reason": "device_fault", "note": "记录仪死机，无法继续录制", "cannot_continue": "on"}
    r = web.post(f"/media/{first.pk}/interruption/", form, follow=True)
    assert "已记录并报告主管人员（AV12）" in r.content.decode()
    assert first.interruptions.get().reported_to == cast.unit_head
    assert queries.av_gaps(case) == []
    assert [g.rule_id for g in queries.av_findings(case)] == ["AV13"]
    reports = _api(cast.unit_head).get("/api/v1/media/reports").json()
    assert [(r["rule_id"], r["recording_id"]) for r in reports if r["rule_id"] == "AV12"] == [("AV12", first.pk)]
    # rule DV1: the camera was used with no pre-use check on record, which is reported as well
    unchecked = {r["recording_id"] for r in reports if r["rule_id"] == "DV1" and r["kind"] == "未做使用前检查"}
    assert unchecked == {first.pk, second.pk}
    assert _api(cast.handler).get("/api/v1/media/reports").json() == []  # an officer is not the supervisor


def test_an_omission_is_per_activity_for_a_reason_of_the_rule_approved_by_the_unit_head(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule AV6: flammable/explosive or classified sites (AV2 also "unsuitable"), one activity, the unit head approves
    case = _investigating(cast, make_case)
    station = _final(cast, case, "inspection_transcript", **QUIET)
    hazard = _final(cast, case, "inspection_transcript", **{**QUIET, "major_hazard": True})
    with pytest.raises(RuleViolation) as exc:  # "forgot the camera" is no reason of the rule
        av_services.request_av_omission(actor=cast.handler, document=station, reason="forgot", note="忘了带记录仪")
    assert exc.value.rule_id == "AV6"
    with pytest.raises(RuleViolation, match="不适用于"):  # AV1 (major hazard) allows no "unsuitable"
        av_services.request_av_omission(actor=cast.handler, document=hazard, reason="unsuitable", note="不便录制")
    api = _api(cast.handler)
    r = api.post(
        f"/api/v1/cases/{case.pk}/av-omissions",
        {"document_id": station.pk, "reason": "flammable", "note": "加油站加油区，易燃易爆"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["status"] == "pending"
    omission_id = r.json()["id"]
    assert {g.document_id for g in queries.av_gaps(case)} == {station.pk, hazard.pk}  # pending is not approved
    with pytest.raises(InvalidInput, match="已有"):
        av_services.request_av_omission(actor=cast.handler, document=station, reason="classified", note="涉密")
    decision = {"approve": True, "opinion": "情况属实，同意不予录制"}
    refused = api.post(f"/api/v1/av-omissions/{omission_id}/decision", decision, content_type="application/json")
    assert refused.status_code == 403  # an officer may not approve
    own = av_services.request_av_omission(actor=cast.unit_head, document=hazard, reason="flammable", note="储罐区")
    with pytest.raises(Forbidden, match="本人"):
        av_services.decide_av_omission(actor=cast.unit_head, omission=own, approve=True, opinion="同意")
    r = _api(cast.unit_head).post(
        f"/api/v1/av-omissions/{omission_id}/decision", decision, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == OmissionStatus.APPROVED
    # the approved omission covers the filling station only: the hazard inspection still blocks the case
    assert {g.document_id for g in queries.av_gaps(case)} == {hazard.pk}
    with pytest.raises(RuleViolation):
        cases.transition(actor=cast.handler, case=case, action="conclude_investigation")
    with pytest.raises(InvalidInput, match="已审批"):
        av_services.decide_av_omission(
            actor=cast.unit_head, omission=station.av_omissions.get(), approve=False, opinion="改为不同意"
        )


def test_the_published_av_list_and_late_uploads(tmp_path, blob_root, cast) -> None:  # type: ignore[no-untyped-def]
    # rule R1: late uploads per officer, unit and agency
    api = _api(cast.unit_head)
    old = synthesise(tmp_path / "old.mp4", created="2026-11-01T01:00:00Z")
    services.ingest_file(actor=None, path=old, officer=cast.handler)
    assert api.get("/api/v1/media/late", {"scope": "mine"}).json() == []  # the unit head recorded nothing late
    unit = api.get("/api/v1/media/late", {"scope": "unit"}).json()
    assert [r["file_name"] for r in unit] == ["old.mp4"] and unit[0]["late"]
    assert api.get("/api/v1/media/late", {"scope": "everywhere"}).status_code == 422


def test_a_free_text_note_is_no_av6_omission(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule AV6: leaving an activity unrecorded is asked for that activity and approved by the unit head; a note on
    # the case does not do it, and is refused with what to do instead
    case = make_case()
    with pytest.raises(InvalidInput, match="承办机构负责人批准"):
        cases.record_act(actor=cast.handler, case=case, kind="av_omission", note="加油站内易燃易爆")
    assert not case.acts.exists()
