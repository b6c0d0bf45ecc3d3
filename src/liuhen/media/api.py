"""Media endpoints: a case's recordings, late uploads (R1), the AV list (AV1–AV6)."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from liuhen.cases.access import access_history, hidden_records
from liuhen.cases.queries import get_case
from liuhen.core.permissions import Action
from liuhen.core.rules.av import AV_RULES, REQUIREMENT_LABELS
from liuhen.media import queries
from liuhen.media.models import Recording
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
    }


@router.get("/cases/{case_id}/recordings", response=list[dict[str, Any]], summary="案件的音像记录")
@needs(Action.CASE_VIEW)
def case_recordings(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    user = acting_user(request)
    case = get_case(user, case_id)
    rows = case.recordings.select_related("blob", "device", "officer").exclude(pk__in=hidden_records(user, "recording"))
    return [describe(r) for r in rows.order_by("recorded_from")]


@router.get("/cases/{case_id}/av-gaps", response=list[dict[str, Any]], summary="缺少音像记录的必录活动（AV1–AV4）")
@needs(Action.CASE_VIEW)
def case_av_gaps(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = get_case(acting_user(request), case_id)
    return [
        {"rule": g.rule.rule_id, "activity": g.rule.label, "source": g.rule.source, "occurred_at": g.occurred_at}
        for g in queries.av_gaps(case)
    ]


@router.get("/media/late", response=list[dict[str, Any]], summary="超过24小时上传的音像记录（R1）")
@needs(Action.MEDIA_UPLOAD)
def late(request: HttpRequest, scope: str = "mine") -> list[dict[str, Any]]:
    return [describe(r) for r in queries.late_uploads(acting_user(request), scope).select_related("blob")]


@router.get("/av-rules", response=list[dict[str, Any]], summary="音像记录事项清单（AV1–AV6，003 第十二条）")
@needs(Action.REFERENCE)
def av_rules(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "rule": r.rule_id,
            "activity": r.activity,
            "label": r.label,
            "requirement": r.requirement,
            "requirement_label": REQUIREMENT_LABELS[r.requirement],
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
