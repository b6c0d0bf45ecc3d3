"""调阅 (access) requests, confidentiality marks and copy requests over the API."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Router, Schema, Status

from liuhen.access import services, view_requests
from liuhen.access.models import CopyRequest, CopyStatus, ViewRequest
from liuhen.access.views import package_response
from liuhen.cases.models import AccessRequest
from liuhen.cases.queries import get_case
from liuhen.core.permissions import Action
from liuhen.web.permissions import acting_user, needs

router = Router(tags=["access"])


class AccessRequestIn(Schema):
    purpose: str


def describe_access(req: AccessRequest) -> dict[str, Any]:
    return {
        "id": req.pk,
        "case_id": req.case_id,
        "case_no": req.case.case_no,
        "requested_by": req.requested_by.username,
        "purpose": req.purpose,
        "requested_at": req.requested_at.isoformat(),
        "status": req.status,
        "status_label": req.get_status_display(),
        "decided_by": req.decided_by.username if req.decided_by else None,
        "opinion": req.opinion,
        "expires_at": req.expires_at.isoformat() if req.expires_at else None,
    }


@router.post("/cases/{case_id}/access-requests", response={201: dict[str, Any]}, summary="调阅申请（R9）")
@needs(Action.ACCESS_REQUEST)
def request_access(request: HttpRequest, case_id: int, payload: AccessRequestIn) -> Status[dict[str, Any]]:
    req = services.request_access(actor=acting_user(request), case_id=case_id, purpose=payload.purpose)
    return Status(201, describe_access(req))


@router.get("/access-requests", response=list[dict[str, Any]], summary="我的调阅申请和待我审批的调阅申请")
@needs(Action.ACCESS_REQUEST)
def access_requests(request: HttpRequest) -> list[dict[str, Any]]:
    return [describe_access(r) for r in services.access_requests_for(acting_user(request))[:200]]


class AccessDecisionIn(Schema):
    approve: bool
    opinion: str


@router.post("/access-requests/{access_request_id}/decide", response=dict[str, Any], summary="审批调阅申请（R9）")
@needs(Action.APPROVE)
def decide_access(request: HttpRequest, access_request_id: int, payload: AccessDecisionIn) -> dict[str, Any]:
    user = acting_user(request)
    req = services.decide_access(
        actor=user,
        request=services.get_access_request(user, access_request_id),
        approve=payload.approve,
        opinion=payload.opinion,
    )
    return describe_access(req)


class MarkIn(Schema):
    subject_type: str
    subject_id: int
    mark: str
    reason: str


@router.get("/cases/{case_id}/marks", response=list[dict[str, Any]], summary="案件的保密标识记录（最新的有效）")
@needs(Action.CASE_VIEW)
def marks(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = get_case(acting_user(request), case_id)
    return [
        {
            "id": m.pk,
            "subject_type": m.subject_type,
            "subject_id": m.subject_id,
            "mark": m.mark,
            "mark_label": m.get_mark_display(),
            "reason": m.reason,
            "set_by": m.set_by.username,
            "set_at": m.set_at.isoformat(),
        }
        for m in case.marks.select_related("set_by").order_by("id")
    ]


@router.post("/cases/{case_id}/marks", response={201: dict[str, Any]}, summary="标注或解除保密（R11）")
@needs(Action.CONFIDENTIAL)
def mark(request: HttpRequest, case_id: int, payload: MarkIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    row = services.set_mark(
        actor=user,
        case=get_case(user, case_id),
        subject_type=payload.subject_type,
        subject_id=payload.subject_id,
        mark=payload.mark,
        reason=payload.reason,
    )
    return Status(201, {"id": row.pk, "mark": row.mark, "mark_label": row.get_mark_display()})


class CopyIn(Schema):
    requester_kind: str
    requester_name: str
    reason: str


def describe(req: CopyRequest) -> dict[str, Any]:
    return {
        "id": req.pk,
        "case_id": req.case_id,
        "requester_kind": req.requester_kind,
        "requester_name": req.requester_name,
        "reason": req.reason,
        "status": req.status,
        "status_label": req.get_status_display(),
        "package_sha256": req.package_sha256,
        "progress_percent": req.percent if req.status == CopyStatus.PREPARING else None,
        "failure": req.failure,
        "decisions": [{"role": d.role, "approve": d.approve, "reason": d.reason} for d in req.decisions.all()],
    }


@router.get("/cases/{case_id}/copy-requests", response=list[dict[str, Any]], summary="案件的复制申请及审批意见")
@needs(Action.CASE_VIEW)
def copy_requests(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = get_case(acting_user(request), case_id)
    return [describe(r) for r in case.copy_requests.prefetch_related("decisions").order_by("-id")]


@router.post("/cases/{case_id}/copy-requests", response={201: dict[str, Any]}, summary="申请复制（R10、R12）")
@needs(Action.COPY_REQUEST)
def request_copy(request: HttpRequest, case_id: int, payload: CopyIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    req = services.request_copy(
        actor=user,
        case=get_case(user, case_id),
        requester_kind=payload.requester_kind,
        requester_name=payload.requester_name,
        reason=payload.reason,
    )
    return Status(201, describe(req))


class DecideIn(Schema):
    approve: bool
    reason: str


@router.post("/copy-requests/{request_id}/decide", response=dict[str, Any], summary="审批复制申请")
@needs(Action.COPY_DECIDE)
def decide(request: HttpRequest, request_id: int, payload: DecideIn) -> dict[str, Any]:
    user = acting_user(request)
    req = services.decide_copy(
        actor=user, request=services.get_copy_request(user, request_id), approve=payload.approve, reason=payload.reason
    )
    return describe(req)


@router.post("/copy-requests/{request_id}/retry", response=dict[str, Any], summary="重新生成失败的复制件")
@needs(Action.COPY_DECIDE)
def retry(request: HttpRequest, request_id: int) -> dict[str, Any]:
    user = acting_user(request)
    return describe(services.retry_package(actor=user, request=services.get_copy_request(user, request_id)))


@router.get("/copy-requests/{request_id}/package", summary="复制件（zip，含哈希清单）", response={200: bytes})
@needs(Action.COPY_REQUEST)
def package(request: HttpRequest, request_id: int) -> HttpResponse | StreamingHttpResponse:
    return package_response(request, services.get_copy_request(acting_user(request), request_id))


class ViewRequestIn(Schema):
    applicant_kind: str
    applicant_name: str
    records: str
    channel: str
    relation: str = ""
    received_at: datetime | None = None


class ViewExtensionIn(Schema):
    reason: str


class ViewReplyIn(Schema):
    reply: str
    reason: str = ""


def describe_view(req: ViewRequest) -> dict[str, Any]:
    due = view_requests.reply_due_on(req)
    return {
        "id": req.pk,
        "case_no": req.case.case_no,
        "applicant_kind": req.applicant_kind,
        "applicant": req.applicant_name,
        "relation": req.relation,
        "records": req.records,
        "channel": req.channel,
        "received_at": req.received_at.isoformat(),
        "status": req.status,
        "status_label": req.get_status_display(),
        "reply_due_on": due.on.isoformat() if due.on else None,
        "reply_due_unverified_year": due.unverified_year,
        "extension_reason": req.extension_reason,
        "reply": req.reply,
        "reply_reason": req.reply_reason,
        "replied_at": req.replied_at.isoformat() if req.replied_at else None,
    }


@router.get(
    "/cases/{case_id}/view-requests", response=list[dict[str, Any]], summary="当事人、利害关系人查阅申请（R15）"
)
@needs(Action.CASE_VIEW)
def view_requests_of_case(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    user = acting_user(request)
    return [describe_view(r) for r in view_requests.view_requests_for(user, get_case(user, case_id))[:200]]


@router.post("/cases/{case_id}/view-requests", response={201: dict[str, Any]}, summary="登记查阅申请（R15）")
@needs(Action.COPY_REQUEST)
def receive_view_request(request: HttpRequest, case_id: int, payload: ViewRequestIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    req = view_requests.receive_view_request(actor=user, case=get_case(user, case_id), **payload.dict())
    return Status(201, describe_view(req))


@router.post("/view-requests/{view_request_id}/extend", response=dict[str, Any], summary="延长查阅申请答复期限（R15）")
@needs(Action.APPROVE)
def extend_view_request(request: HttpRequest, view_request_id: int, payload: ViewExtensionIn) -> dict[str, Any]:
    user = acting_user(request)
    req = view_requests.get_view_request(user, view_request_id)
    return describe_view(view_requests.extend_view_request(actor=user, request=req, reason=payload.reason))


@router.post("/view-requests/{view_request_id}/reply", response=dict[str, Any], summary="答复查阅申请（R15）")
@needs(Action.COPY_DECIDE)
def reply_view_request(request: HttpRequest, view_request_id: int, payload: ViewReplyIn) -> dict[str, Any]:
    user = acting_user(request)
    req = view_requests.get_view_request(user, view_request_id)
    return describe_view(
        view_requests.reply_view_request(actor=user, request=req, reply=payload.reply, reason=payload.reason)
    )
