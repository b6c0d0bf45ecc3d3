"""Requests by a party or an interested party to view a case's records (rule R15, 003 第十八条).

They follow the 政府信息公开 rules: a reply within 20 working days of receiving the request, extendable once by
at most 20 working days with the approval of the head and notice to the applicant (信息公开条例33). The periods
are rows R15 and R15.extension of the deadline table; each command here is a ledger event that opens or closes
them. Officers register a request for the cases they may request copies of; the handling unit's head replies;
only an agency leader may extend.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from liuhen.access.models import ViewChannel, ViewerKind, ViewReply, ViewRequest, ViewStatus
from liuhen.accounts.models import Role, User
from liuhen.cases.access import cases_in_scope, require
from liuhen.cases.models import Case
from liuhen.core import periods
from liuhen.core.errors import CalendarYearUnknown, Forbidden, InvalidInput, NotFound
from liuhen.core.permissions import Action
from liuhen.core.rules.deadlines import BY_KEY
from liuhen.ledger import services as ledger


def _at(value: datetime) -> str:
    from liuhen.ledger.envelope import format_at

    return format_at(value)


def _body(req: ViewRequest, **extra: object) -> dict[str, object]:
    # the applicant's name only as a salted commitment, in the row image (rules R8, P9)
    return {"case_no": req.case.case_no, "request": req.pk, **extra}


def reply_due_on(req: ViewRequest) -> periods.Due:
    """R15: the last day to reply, as the deadline table counts it (an estimate past the holiday table, T5)."""
    try:
        first = periods.due(BY_KEY["R15"], req.received_at)
        if req.status != ViewStatus.EXTENDED or first.on is None:
            return first
        return periods.due(BY_KEY["R15.extension"], first.on)
    except CalendarYearUnknown as exc:
        return periods.estimate(BY_KEY["R15"], req.received_at, exc.year)


@transaction.atomic
def receive_view_request(
    *,
    actor: User,
    case: Case,
    applicant_kind: str,
    applicant_name: str,
    records: str,
    channel: str,
    relation: str = "",
    received_at: datetime | None = None,
) -> ViewRequest:
    require(actor, Action.COPY_REQUEST, case)
    if applicant_kind not in ViewerKind.values:
        raise InvalidInput(f"未知的申请人类别：{applicant_kind}（应为当事人或利害关系人）")
    if channel not in ViewChannel.values:
        raise InvalidInput(f"未知的申请方式：{channel}")
    if not applicant_name.strip() or not records.strip():
        raise InvalidInput("须填写申请人和申请查阅的记录")
    if applicant_kind == ViewerKind.INTERESTED and not relation.strip():
        raise InvalidInput("利害关系人申请查阅的，须说明与案件的利害关系")
    now = timezone.now()
    received = received_at or now
    if received > now + timedelta(minutes=5):
        raise InvalidInput("收到申请时间不能晚于当前时间")
    req = ViewRequest.objects.create(
        case=case,
        applicant_kind=applicant_kind,
        applicant_name=applicant_name.strip(),
        relation=relation.strip(),
        records=records.strip(),
        channel=channel,
        received_at=received,
        registered_by=actor,
        registered_at=now,
    )
    ledger.append(
        actor=actor,
        action="view_request.received",
        subject_type="view_request",
        subject_id=req.pk,
        case_ref=case.pk,
        at=now,
        body=_body(
            req,
            applicant_kind=applicant_kind,
            records=req.records,
            channel=channel,
            occurred_at=_at(received),  # rule R15: the reply period runs from the day it was received
        ),
        rows=[req],
    )
    return req


def _locked(request: ViewRequest) -> ViewRequest:
    return ViewRequest.objects.select_for_update().select_related("case").get(pk=request.pk)


@transaction.atomic
def extend_view_request(*, actor: User, request: ViewRequest, reason: str) -> ViewRequest:
    """信息公开条例33: the head approves an extension of at most 20 working days, and the applicant is told."""
    req = _locked(request)
    require(actor, Action.CASE_VIEW, req.case)
    if actor.role != Role.LEADER:
        raise Forbidden("延长答复期限须经机关负责人同意")
    if req.status != ViewStatus.PENDING:
        raise InvalidInput(f"该申请当前状态为“{req.get_status_display()}”，不能延长（答复期限只能延长一次）")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("须说明延长理由及告知申请人的情况")
    now = timezone.now()
    due = reply_due_on(req)
    if due.on is not None and timezone.localtime(now).date() > due.on:
        raise InvalidInput(f"答复期限已于{due.on.isoformat()}届满，不能再延长")
    req.status, req.extended_by, req.extended_at, req.extension_reason = ViewStatus.EXTENDED, actor, now, reason
    req.save(update_fields=["status", "extended_by", "extended_at", "extension_reason"])
    ledger.append(
        actor=actor,
        action="view_request.extended",
        subject_type="view_request",
        subject_id=req.pk,
        case_ref=req.case_id,
        at=now,
        body=_body(req, reason=reason, status=req.status),
        rows=[req],
    )
    return req


@transaction.atomic
def reply_view_request(*, actor: User, request: ViewRequest, reply: str, reason: str = "") -> ViewRequest:
    req = _locked(request)
    require(actor, Action.COPY_DECIDE, req.case)
    if req.status == ViewStatus.REPLIED:
        raise InvalidInput("该申请已答复")
    if reply not in ViewReply.values:
        raise InvalidInput(f"未知的答复：{reply}")
    reason = (reason or "").strip()
    if reply != ViewReply.GRANTED and not reason:
        raise InvalidInput("部分同意、不予查阅或记录不存在的，须说明理由和依据")
    now = timezone.now()
    req.status, req.replied_by, req.replied_at = ViewStatus.REPLIED, actor, now
    req.reply, req.reply_reason = reply, reason
    req.save(update_fields=["status", "replied_by", "replied_at", "reply", "reply_reason"])
    ledger.append(
        actor=actor,
        action="view_request.replied",
        subject_type="view_request",
        subject_id=req.pk,
        case_ref=req.case_id,
        at=now,
        body=_body(req, reply=reply, reason=reason, status=req.status),
        rows=[req],
    )
    return req


def view_requests_for(user: User, case: Case) -> QuerySet[ViewRequest]:
    require(user, Action.CASE_VIEW, case)
    return case.view_requests.select_related("case").order_by("-received_at", "-id")


def get_view_request(user: User, request_id: int) -> ViewRequest:
    req = (
        ViewRequest.objects.select_related("case")
        .filter(pk=request_id, case__in=cases_in_scope(user, Action.CASE_VIEW))
        .first()
    )
    if req is None:
        raise NotFound("查阅申请不存在或无权查看")
    return req
