"""Media endpoints: a case's recordings and AV findings, omissions (AV6), playback reviews (I5, AV8, AV11), device
checks and decisions (DV1), triage (DV2), reports to supervisors, late uploads (R1), the published AV list."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from liuhen.cases.access import access_history, hidden_records
from liuhen.cases.queries import get_case
from liuhen.core.errors import NotFound
from liuhen.core.permissions import Action
from liuhen.core.rules.av import AV_RULES, REQUIREMENT_LABELS
from liuhen.documents.queries import get_document
from liuhen.media import av_services, device_services, queries, services
from liuhen.media.models import AVOmission, Device, Recording
from liuhen.web.permissions import acting_user, needs

router = Router(tags=["media"])


def describe(r: Recording) -> dict[str, Any]:
    return {
        "id": r.pk,
        "case_id": r.case_id,
        "file_name": r.file_name,
        "sha256": r.blob_id,
        "size": r.blob.size,
        "device": r.device.number if r.device else None,
        "officer": r.officer.username if r.officer else None,
        "recorded_from": r.recorded_from,
        "recorded_to": r.recorded_to,
        "uploaded_at": r.uploaded_at,
        "upload_due_at": r.upload_due_at,
        "late": r.late,
        "duration_ms": r.duration_ms,
        "video_codec": r.video_codec,
        "audio_codec": r.audio_codec,
        "width": r.width,
        "height": r.height,
        "gps": r.gps,
        "poster": r.poster_id,
        "stream": f"/media/{r.pk}/stream/",
        "contractor": r.contractor or None,
        "supervising_officer": r.supervising_officer.username if r.supervising_officer else None,
        "device_status": r.device_status or None,
        "device_review": r.device_review or None,
        "precheck": r.precheck_id,
        "triage": r.triage or None,
    }


@router.get("/cases/{case_id}/recordings", response=list[dict[str, Any]], summary="案件的音像记录")
@needs(Action.CASE_VIEW)
def case_recordings(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    user = acting_user(request)
    case = get_case(user, case_id)
    rows = case.recordings.select_related("blob", "device", "officer").exclude(pk__in=hidden_records(user, "recording"))
    return [describe(r) for r in rows.order_by("recorded_from")]


@router.get(
    "/cases/{case_id}/av-gaps",
    response=list[dict[str, Any]],
    summary="必录活动的音像记录问题（AV1–AV13、I5；blocking 为阻止结案的缺失）",
)
@needs(Action.CASE_VIEW)
def case_av_gaps(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = get_case(acting_user(request), case_id)
    return [
        {
            "rule": g.rule_id,
            "activity": g.activity,
            "source": g.source,
            "occurred_at": g.occurred_at,
            "document": g.document_id,
            "problem": g.problem,
            "blocking": g.blocking,
        }
        for g in queries.av_findings(case)
    ]


def _omission(o: AVOmission) -> dict[str, Any]:
    return {
        "id": o.pk,
        "case_id": o.case_id,
        "document": o.document_id,
        "reason": o.reason,
        "reason_label": o.get_reason_display(),
        "note": o.note,
        "status": o.status,
        "requested_by": o.requested_by.username,
        "decided_by": o.decided_by.username if o.decided_by else None,
        "opinion": o.opinion,
    }


class OmissionIn(Schema):
    document_id: int
    reason: str
    note: str


@router.post("/cases/{case_id}/av-omissions", response={201: dict[str, Any]}, summary="申请不予音像记录（AV6）")
@needs(Action.CASE_WORK)
def request_omission(request: HttpRequest, case_id: int, payload: OmissionIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    case = get_case(user, case_id)
    doc = get_document(user, payload.document_id)
    if doc.case_id != case.pk:
        raise NotFound("本案没有该文书")
    omission = av_services.request_av_omission(actor=user, document=doc, reason=payload.reason, note=payload.note)
    return Status(201, _omission(omission))


class DecisionIn(Schema):
    approve: bool
    opinion: str


@router.post("/av-omissions/{omission_id}/decision", response=dict[str, Any], summary="审批不予音像记录（AV6）")
@needs(Action.APPROVE)
def decide_omission(request: HttpRequest, omission_id: int, payload: DecisionIn) -> dict[str, Any]:
    user = acting_user(request)
    omission = AVOmission.objects.filter(pk=omission_id, case__agency=user.agency).first()
    if omission is None:
        raise NotFound("申请不存在")
    get_case(user, omission.case_id)
    omission = av_services.decide_av_omission(
        actor=user, omission=omission, approve=payload.approve, opinion=payload.opinion
    )
    return _omission(omission)


class ReviewIn(Schema):
    party_told: bool
    opening_statement: bool
    focus: list[str] = []
    note: str = ""


@router.post("/recordings/{recording_id}/reviews", response={201: dict[str, Any]}, summary="回放审查（I5、AV8、AV11）")
@needs(Action.CASE_WORK)
def review(request: HttpRequest, recording_id: int, payload: ReviewIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    rec = queries.get_recording(user, recording_id)
    r = services.review_recording(
        actor=user,
        recording=rec,
        party_told=payload.party_told,
        opening_statement=payload.opening_statement,
        focus=payload.focus,
        note=payload.note,
    )
    return Status(201, {"id": r.pk, "recording": rec.pk, "reviewed_at": r.reviewed_at})


class DeviceDecisionIn(Schema):
    accept: bool
    reason: str


@router.post(
    "/recordings/{recording_id}/device-review", response=dict[str, Any], summary="故障、报废设备录像的审定（DV1）"
)
@needs(Action.APPROVE)
def device_review(request: HttpRequest, recording_id: int, payload: DeviceDecisionIn) -> dict[str, Any]:
    user = acting_user(request)
    rec = device_services.decide_device_recording(
        actor=user, recording=queries.get_recording(user, recording_id), accept=payload.accept, reason=payload.reason
    )
    return describe(rec)


class TriageIn(Schema):
    finding: str
    note: str


@router.post("/recordings/{recording_id}/triage", response=dict[str, Any], summary="未归案录像的核查（DV2）")
@needs(Action.APPROVE)
def triage(request: HttpRequest, recording_id: int, payload: TriageIn) -> dict[str, Any]:
    user = acting_user(request)
    rec = device_services.triage_recording(
        actor=user, recording=queries.get_recording(user, recording_id), finding=payload.finding, note=payload.note
    )
    return describe(rec)


class CheckIn(Schema):
    battery_ok: bool
    storage_ok: bool
    note: str = ""


@router.post("/devices/{device_id}/checks", response={201: dict[str, Any]}, summary="设备使用前检查（DV1）")
@needs(Action.DEVICE)
def device_check(request: HttpRequest, device_id: int, payload: CheckIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    device = Device.objects.filter(pk=device_id, agency=user.agency).first()
    if device is None:
        raise NotFound("设备不存在")
    entry = device_services.check_device(
        actor=user, device=device, battery_ok=payload.battery_ok, storage_ok=payload.storage_ok, note=payload.note
    )
    return Status(201, {"id": entry.pk, "device": device.number, "at": entry.at})


@router.get("/media/reports", response=list[dict[str, Any]], summary="报告主管人员的事项（AV12、DV1、DV2）")
@needs(Action.RECORD_READ)  # about recordings, which are case content: not the system administrator's (R9)
def reports(request: HttpRequest) -> list[dict[str, Any]]:
    return [r.__dict__ for r in queries.reports(acting_user(request))]


@router.get("/media/late", response=list[dict[str, Any]], summary="超过24小时上传的音像记录（R1）")
@needs(Action.MEDIA_UPLOAD)
def late(request: HttpRequest, scope: str = "mine") -> list[dict[str, Any]]:
    return [describe(r) for r in queries.late_uploads(acting_user(request), scope).select_related("blob")]


@router.get(
    "/av-rules",
    response=list[dict[str, Any]],
    auth=None,
    summary="音像记录事项清单（AV1–AV10；003 第十二条：向社会公布，无须登录）",
)
@needs(Action.REFERENCE)
def av_rules(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "rule": r.rule_id,
            "activity": r.activity,
            "label": r.label,
            "requirement": r.requirement,
            "requirement_label": REQUIREMENT_LABELS[r.requirement],
            "condition": r.condition_text,
            "source": r.source,
        }
        for r in AV_RULES
    ]


@router.get(
    "/recordings/{recording_id}/access-history",
    response=list[dict[str, Any]],
    summary="音像记录的调阅记录（谁、何时、为何、以何种方式）",
)
@needs(Action.CASE_VIEW)
def recording_access_history(request: HttpRequest, recording_id: int) -> list[dict[str, Any]]:
    rec = queries.get_recording(acting_user(request), recording_id)
    return access_history(rec.case, "recording", rec.pk) if rec.case is not None else []
