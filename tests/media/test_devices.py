"""Devices and who made a recording: the pre-use check and the decision on a faulty or retired device's files (rule
DV1), recordings unrelated to enforcement found in triage (rule DV2), third-party makers (rule R16)."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from liuhen.accounts.models import Role
from liuhen.accounts.services import create_token
from liuhen.cases import scenarios
from liuhen.core import stages
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.core.errors import Forbidden, InvalidInput
from liuhen.core.rules.av import FOCUS
from liuhen.documents import services as documents
from liuhen.ledger.models import Event
from liuhen.media import device_services, queries, services
from liuhen.media.models import DeviceLog, Recording
from tests.conftest import make_user
from tests.documents.conftest import sample_data, sample_signatures
from tests.media.conftest import synthesise

pytestmark = pytest.mark.django_db


def _api(user) -> Client:  # type: ignore[no-untyped-def]
    return Client(HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=user)}")


def test_a_check_before_use_and_a_decision_on_a_faulty_devices_files(tmp_path, blob_root, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule DV1 (004 第二十、二十一条): battery and storage checked before use; a fault takes the device out of use,
    # and what it recorded counts only once the unit head accepts it with a reason
    case = scenarios.advance(make_case(officers=[cast.handler, cast.second_officer]), stages.Stage.INVESTIGATION, cast)
    t = BY_CODE["inspection_transcript"]
    data = {**sample_data(t), "started_at": "2026-11-23T10:00", "ended_at": "2026-11-23T10:30"}
    data.update(party_objects=False, dangerous=False, legacy_issue=False, after_commitment=False, major_hazard=False)
    doc = documents.create_document(actor=cast.handler, case=case, code=t.code, data=data)
    documents.finalise(actor=cast.handler, document=doc, signatures=sample_signatures(t))
    device = services.register_device(
        actor=cast.unit_head, agency_id=case.agency_id, number="CAM-1", officer=cast.handler
    )
    with pytest.raises(InvalidInput, match="写明情况"):
        device_services.check_device(actor=cast.handler, device=device, battery_ok=False, storage_ok=True)
    with time_machine.travel("2026-11-23T01:30:00Z", tick=False):  # 09:30, before going out
        r = _api(cast.handler).post(
            f"/api/v1/devices/{device.pk}/checks",
            {"battery_ok": True, "storage_ok": True},
            content_type="application/json",
        )
    assert r.status_code == 201
    check = DeviceLog.objects.get(pk=r.json()["id"])
    assert (check.kind, check.battery_ok, check.storage_ok) == ("check", True, True)
    good = services.ingest_file(
        actor=None, device=device, case=case, path=synthesise(tmp_path / "a.mp4", created="2026-11-23T02:00:00Z")
    ).recording
    assert good.precheck == check and good.device_review == ""
    services.log_device(actor=cast.handler, device=device, kind="fault", note="屏幕花屏")
    with pytest.raises(InvalidInput, match="故障"):
        device_services.check_device(actor=cast.handler, device=device, battery_ok=True, storage_ok=True)
    flagged = services.ingest_file(
        actor=None,
        device=device,
        case=case,
        path=synthesise(tmp_path / "b.mp4", created="2026-11-23T02:20:00Z", tone=500),
    ).recording
    assert (flagged.device_status, flagged.device_review) == ("faulty", "pending")
    body = Event.objects.filter(action="media.ingested", subject_id=str(flagged.pk)).get().body
    assert '"device_review":"pending"' in body and '"device_status":"faulty"' in body
    assert list(queries.counted_recordings(case)) == [good]  # a flagged file proves nothing until decided
    reports = _api(cast.unit_head).get("/api/v1/media/reports").json()
    assert [(r["rule_id"], r["kind"], r["recording_id"]) for r in reports] == [
        ("DV1", "故障或报废设备的录像", flagged.pk)
    ]
    with pytest.raises(Forbidden):
        device_services.decide_device_recording(actor=cast.handler, recording=flagged, accept=True, reason="画面可用")
    with pytest.raises(InvalidInput, match="理由"):
        device_services.decide_device_recording(actor=cast.unit_head, recording=flagged, accept=True, reason=" ")
    r = _api(cast.unit_head).post(
        f"/api/v1/recordings/{flagged.pk}/device-review",
        {"accept": True, "reason": "花屏仅限画面边缘，声音画面完整"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["device_review"] == "accepted"
    assert set(queries.counted_recordings(case)) == {good, flagged}
    with pytest.raises(InvalidInput, match="已经作出审定"):
        device_services.decide_device_recording(actor=cast.unit_head, recording=flagged, accept=False, reason="改判")
    services.log_device(actor=cast.handler, device=device, kind="retired", note="报废")
    late = services.ingest_file(
        actor=None,
        device=device,
        case=case,
        path=synthesise(tmp_path / "c.mp4", created="2026-11-23T02:25:00Z", tone=700),
    ).recording
    device_services.decide_device_recording(
        actor=cast.unit_head, recording=late, accept=False, reason="报废设备，时间不可信"
    )
    assert late not in set(queries.counted_recordings(case))
    for rec in (good, flagged):
        services.review_recording(
            actor=cast.handler, recording=rec, party_told=True, opening_statement=True, focus=FOCUS
        )
    assert queries.av_gaps(case) == []


def test_triage_finds_a_recording_unrelated_to_enforcement_and_reports_it(tmp_path, blob_root, cast) -> None:  # type: ignore[no-untyped-def]
    # rule DV2 (004 第二十三条(四)): 严禁利用执法记录设备记录与执法无关的活动
    device = services.register_device(
        actor=cast.unit_head, agency_id=cast.handler.agency_id, number="CAM-2", officer=cast.handler
    )
    rec = services.ingest_file(
        actor=None, device=device, path=synthesise(tmp_path / "p.mp4", created="2026-11-22T12:00:00Z")
    ).recording
    assert rec.case is None
    with pytest.raises(Forbidden):  # not for the officer who made it
        device_services.triage_recording(actor=cast.handler, recording=rec, finding="private_use", note="私人聚餐")
    with pytest.raises(InvalidInput, match="核查结论"):
        device_services.triage_recording(actor=cast.unit_head, recording=rec, finding="fine", note="看过")
    r = _api(cast.unit_head).post(
        f"/api/v1/recordings/{rec.pk}/triage",
        {"finding": "private_use", "note": "周日私人聚餐录像，与执法无关"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["triage"] == "private_use"
    assert Event.objects.filter(action="media.triaged", subject_id=str(rec.pk)).exists()
    supervisor = make_user(cast.handler.agency, None, "watch1", Role.SUPERVISOR)
    for who in (cast.unit_head, supervisor):
        reported = {(x["rule_id"], x["recording_id"]) for x in _api(who).get("/api/v1/media/reports").json()}
        assert reported == {("DV2", rec.pk)}  # private use is reported as such, not as a missed device check
    with pytest.raises(InvalidInput, match="已核查"):
        device_services.triage_recording(actor=cast.unit_head, recording=rec, finding="no_case", note="改")


def test_a_recording_by_a_contracted_third_party_names_it_and_the_supervising_officer(
    tmp_path, blob_root, cast
) -> None:  # type: ignore[no-untyped-def]
    # rule R16 (001 全过程记录办法 七: 购买服务)
    clip = synthesise(tmp_path / "drone.mp4", created="2026-11-22T03:00:00Z")
    with pytest.raises(InvalidInput, match="监督的执法人员"):
        services.ingest_file(actor=None, path=clip, contractor="某某航拍服务有限公司")
    rec = services.ingest_file(
        actor=None, path=clip, contractor="某某航拍服务有限公司", supervising_officer=cast.handler, officer=cast.handler
    ).recording
    assert (rec.contractor, rec.supervising_officer) == ("某某航拍服务有限公司", cast.handler)
    body = Event.objects.get(action="media.ingested", subject_id=str(rec.pk)).body
    assert "某某航拍服务有限公司" in body and '"supervising_officer":"officer1"' in body


def test_a_contractors_recording_uploaded_in_the_browser_names_the_uploading_officer(tmp_path, blob_root, cast) -> None:  # type: ignore[no-untyped-def]
    # rule R16: the officer who uploads a contracted party's recording is the one who supervised it
    from tests.media.test_tus import TUS, meta, patch

    video = synthesise(tmp_path / "航拍.mp4", created="2026-11-22T03:00:00Z").read_bytes()
    web = Client()
    web.force_login(cast.handler)
    assert "第三方制作方" in web.get("/media/upload/").content.decode()
    created = web.post(
        "/uploads/",
        content_type="application/offset+octet-stream",
        **TUS,
        HTTP_UPLOAD_LENGTH=str(len(video)),
        HTTP_UPLOAD_METADATA=meta(filename="航拍.mp4", contractor="某某航拍服务有限公司"),
    )
    assert patch(web, created["Location"], 0, video).status_code == 204
    rec = Recording.objects.get()
    assert (rec.contractor, rec.supervising_officer, rec.officer) == (
        "某某航拍服务有限公司",
        cast.handler,
        cast.handler,
    )
