"""调阅 (access) requests (R9), confidentiality marks (R11) and copy requests (R10, R12). Each command is ledgered."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from liuhen.access.models import ConfidentialityMark, CopyDecision, CopyRequest, CopyStatus, Mark, RequesterKind
from liuhen.accounts.models import Role, User
from liuhen.agency_settings.services import copy_approver_role
from liuhen.cases import numbers
from liuhen.cases.access import allowed, cases_in_scope, relation, require, subordinate_agencies, within_scope
from liuhen.cases.models import AccessRequest, AccessRequestStatus, Case
from liuhen.cases.queries import access_requests_to_decide
from liuhen.core.errors import Forbidden, InvalidInput, NotFound
from liuhen.core.permissions import ACCESS_GRANT_DAYS, Action, refuse_own_request
from liuhen.ledger import services as ledger

SUBJECTS = {"case", "document", "recording"}


def current_mark(subject_type: str, subject_id: int) -> str:
    row = (
        ConfidentialityMark.objects.filter(subject_type=subject_type, subject_id=subject_id)
        .order_by("-id")
        .values_list("mark", flat=True)
        .first()
    )
    return row or Mark.NONE


def _newest(rows: QuerySet[ConfidentialityMark]) -> dict[int, tuple[str, int]]:
    """subject id → (mark in force, case id): the newest mark wins (a later "none" lifts an earlier one)."""
    return {
        sid: (mark, case_id) for sid, mark, case_id in rows.order_by("id").values_list("subject_id", "mark", "case_id")
    }


def _marked(rows: QuerySet[ConfidentialityMark]) -> set[int]:
    return {sid for sid, (mark, _) in _newest(rows).items() if mark != Mark.NONE}


def marked_ids(case: Case, subject_type: str) -> set[int]:
    """Items of a case whose newest mark is a confidentiality mark."""
    return _marked(ConfidentialityMark.objects.filter(case=case, subject_type=subject_type))


def guard(user: User, case: Case, subject_type: str, subject_id: int) -> None:
    """rule R11: marked items are for the roles the permission table allows (registered in apps.ready)."""
    if current_mark(subject_type, subject_id) != Mark.NONE and not allowed(user, Action.CONFIDENTIAL, case):
        raise Forbidden(f"该{'案件' if subject_type == 'case' else '记录'}已标注保密，您的角色无权查阅（R11）")


def hidden(user: User, subject_type: str) -> set[int]:
    """R11: marked cases, documents or recordings that this user's lists leave out (the permission table does not
    let them see what is marked in that case)."""
    marked = {
        sid: case_id
        for sid, (mark, case_id) in _newest(ConfidentialityMark.objects.filter(subject_type=subject_type)).items()
        if mark != Mark.NONE
    }
    if not marked:
        return set()
    seen = within_scope(user, Action.CONFIDENTIAL, marked.values())  # one query, however many marks
    return {sid for sid, case_id in marked.items() if case_id not in seen}


def _belongs(case: Case, subject_type: str, subject_id: int) -> bool:
    if subject_type == "case":
        return subject_id == case.pk
    if subject_type == "document":
        return case.documents.filter(pk=subject_id).exists()
    return case.recordings.filter(pk=subject_id).exists()


@transaction.atomic
def set_mark(
    *, actor: User, case: Case, subject_type: str, subject_id: int, mark: str, reason: str
) -> ConfidentialityMark:
    require(actor, Action.CASE_WORK, case)
    require(actor, Action.CONFIDENTIAL, case)
    if subject_type not in SUBJECTS or not _belongs(case, subject_type, subject_id):
        raise InvalidInput("标注对象不属于本案")
    if mark not in Mark.values:
        raise InvalidInput(f"未知的保密类别：{mark}")
    if not reason.strip():
        raise InvalidInput("须说明标注或解除的理由")
    row = ConfidentialityMark.objects.create(
        case=case,
        subject_type=subject_type,
        subject_id=subject_id,
        mark=mark,
        reason=reason.strip(),
        set_by=actor,
        set_at=timezone.now(),
    )
    ledger.append(
        actor=actor,
        action="record.marked",
        subject_type=subject_type,
        subject_id=subject_id,
        case_ref=case.pk,
        body={"case_no": case.case_no, "mark": mark, "reason": row.reason},
        rows=[row],
    )
    return row


@transaction.atomic
def request_copy(*, actor: User, case: Case, requester_kind: str, requester_name: str, reason: str) -> CopyRequest:
    require(actor, Action.COPY_REQUEST, case)
    if requester_kind not in RequesterKind.values:
        raise InvalidInput(f"未知的申请人类别：{requester_kind}")
    if not requester_name.strip() or not reason.strip():
        raise InvalidInput("须填写申请人和申请事由")
    req = CopyRequest.objects.create(
        case=case,
        requester_kind=requester_kind,
        requester_name=requester_name.strip(),
        reason=reason.strip(),
        requested_by=actor,
        requested_at=timezone.now(),
    )
    ledger.append(
        actor=actor,
        action="copy.requested",
        subject_type="copy_request",
        subject_id=req.pk,
        case_ref=case.pk,
        body={
            "case_no": case.case_no,
            "requester_kind": requester_kind,
            "reason": req.reason,
        },
        rows=[req],  # the requester's name only as a salted commitment
    )
    return req


def request_access(*, actor: User, case_id: int, purpose: str) -> AccessRequest:
    """调阅申请 (R9) for a case of one's agency (or below it) that is outside one's scope."""
    require(actor, Action.ACCESS_REQUEST)
    case = Case.objects.filter(pk=case_id).first()
    if case is None or relation(actor, case) is None:
        raise NotFound("案件不存在或无权查看")
    if allowed(actor, Action.CASE_VIEW, case):
        raise InvalidInput("该案件已在您的查看范围内，无须申请")
    if not purpose.strip():
        raise InvalidInput("须说明调阅目的")
    if AccessRequest.objects.filter(case=case, requested_by=actor, status=AccessRequestStatus.PENDING).exists():
        raise InvalidInput("您对该案件的调阅申请正在审批中")
    with transaction.atomic():
        req = AccessRequest.objects.create(
            case=case, requested_by=actor, purpose=purpose.strip()[:200], requested_at=timezone.now()
        )
        ledger.append(
            actor=actor,
            action="access.requested",
            subject_type="access_request",
            subject_id=req.pk,
            case_ref=case.pk,
            body={"case_no": case.case_no, "purpose": req.purpose},
            rows=[req],
        )
    return req


def case_id_by_number(actor: User, case_no: str) -> int:
    """The case a 调阅 request names by its number, among those of the actor's agency and below (R9): the number
    as typed, with any brackets, or only its serial when that names one case (``liuhen.cases.numbers``)."""
    typed = case_no.strip()
    exact = numbers.canonical_brackets(typed)
    # the number the case goes by, or the 案源登记号 it was registered under
    case = Case.objects.filter(Q(case_no=exact) | Q(intake_no=exact)).first() if typed else None
    if case is not None and relation(actor, case) is not None:
        return case.pk
    wanted = numbers.parse(typed)
    if wanted is None:
        raise InvalidInput(f"未找到案号为“{typed}”的案件（案号如 明应急罚〔2026〕017号，也可只写序号 017）")
    reach = (
        Case.objects.filter(agency_id__in=subordinate_agencies(actor.agency_id))
        if actor.agency_id
        else Case.objects.none()
    )
    year = f"〔{wanted.year if wanted.year is not None else timezone.localdate().year}〕"  # a bare serial: this year
    reach = reach.filter(Q(case_no__contains=year) | Q(intake_no__contains=year))
    pairs = [
        (pk, no)
        for pk, case_no, intake_no in reach.values_list("pk", "case_no", "intake_no")
        for no in {case_no, intake_no}
        if no
    ]
    found = list(dict(numbers.find(typed, pairs)).items())  # a case named by both its numbers is one case
    if len(found) == 1:
        return found[0][0]
    if len(found) > 1:
        listed = "、".join(no for _, no in found[:5])
        raise InvalidInput(f"序号 {wanted.serial} 对应多件案件：{listed}，请填写完整案号")
    raise InvalidInput(f"未找到案号为“{typed}”的案件（案号如 明应急罚〔2026〕017号，也可只写序号 017）")


def access_requests_for(user: User) -> QuerySet[AccessRequest]:
    """One's own access requests, and the pending ones one may decide."""
    mine = AccessRequest.objects.filter(requested_by=user)
    return (
        AccessRequest.objects.filter(
            Q(pk__in=mine.values("pk")) | Q(pk__in=access_requests_to_decide(user).values("pk"))
        )
        .select_related("case", "requested_by", "decided_by")
        .order_by("-requested_at")
    )


def get_access_request(user: User, access_request_id: int) -> AccessRequest:
    req = access_requests_for(user).filter(pk=access_request_id).first()
    if req is None:
        raise NotFound("调阅申请不存在或无权查看")
    return req


@transaction.atomic
def decide_access(*, actor: User, request: AccessRequest, approve: bool, opinion: str) -> AccessRequest:
    """The head of the case's unit or a leader approves (valid ACCESS_GRANT_DAYS) or refuses, with reasons."""
    req = AccessRequest.objects.select_for_update().select_related("case").get(pk=request.pk)
    require(actor, Action.APPROVE, req.case)
    refuse_own_request(decider_id=actor.pk, requester_ids=[req.requested_by_id], what="调阅申请")  # rule D9
    if req.status != AccessRequestStatus.PENDING:
        raise InvalidInput(f"该申请已{req.get_status_display()}")
    if not opinion.strip():
        raise InvalidInput("须填写审批意见")
    now = timezone.now()
    req.status = AccessRequestStatus.APPROVED if approve else AccessRequestStatus.REFUSED
    req.decided_by, req.decided_at, req.opinion = actor, now, opinion.strip()
    req.expires_at = now + timedelta(days=ACCESS_GRANT_DAYS) if approve else None
    req.save(update_fields=["status", "decided_by", "decided_at", "opinion", "expires_at"])
    ledger.append(
        actor=actor,
        action="access.decided",
        subject_type="access_request",
        subject_id=req.pk,
        case_ref=req.case_id,
        body={
            "case_no": req.case.case_no,
            "requested_by": req.requested_by.username,
            "approve": approve,
            "opinion": req.opinion,
            "expires_at": req.expires_at.isoformat() if req.expires_at else None,
        },
        rows=[req],
    )
    return req


def get_copy_request(user: User, request_id: int) -> CopyRequest:
    req = CopyRequest.objects.filter(pk=request_id, case__in=cases_in_scope(user, Action.CASE_VIEW)).first()
    if req is None:
        raise NotFound("复制申请不存在或无权查看")
    return req


def copies_to_decide(user: User) -> list[CopyRequest]:
    """Pending copy requests that still need this user's signature: as the handling unit's head (R10), or as the
    legal unit for a court or reconsideration body (R12)."""
    pending = (
        CopyRequest.objects.filter(status=CopyStatus.PENDING, case__in=cases_in_scope(user, Action.COPY_DECIDE))
        .exclude(decisions__role=user.role)
        .exclude(requested_by=user)
        .select_related("case")
        .order_by("requested_at")
    )
    return [r for r in pending[:100] if signs(user, r)]


def signs(user: User, req: CopyRequest) -> bool:
    """Whether this user's signature is one the request needs: the role the agency's setting or R12 names, for a
    unit head the case's own unit (the permission table's scope is checked by the caller or ``may_sign``)."""
    return user.role in needed_roles(req) and (user.role != Role.UNIT_HEAD or user.unit_id == req.case.unit_id)


def may_sign(user: User, req: CopyRequest) -> bool:
    """A pending request this user may sign now (R10, R12): for the case page's form."""
    return (
        req.status == CopyStatus.PENDING
        and signs(user, req)
        and allowed(user, Action.COPY_DECIDE, req.case)
        and not req.decisions.filter(role=user.role).exists()
    )


def needed_roles(req: CopyRequest) -> set[str]:
    """R10: a party's copy is approved by whom the agency's setting named when the copy was requested (000 第二十一条:
    the handling unit's head; 002 第三十四条: the agency head); R12: for a court or reconsideration body, the
    handling unit's head with the legal unit."""
    if req.requester_kind == RequesterKind.PARTY:
        return {copy_approver_role(req.case.agency_id, req.requested_at)}
    return {Role.UNIT_HEAD, Role.LEGAL_REVIEWER}


def _approvers_text(roles: set[str]) -> str:
    return "、".join(str(Role(r).label) for r in sorted(roles, key=list(Role.values).index))


@transaction.atomic
def decide_copy(*, actor: User, request: CopyRequest, approve: bool, reason: str) -> CopyRequest:
    req = CopyRequest.objects.select_for_update().select_related("case").get(pk=request.pk)
    require(actor, Action.COPY_DECIDE, req.case)
    if req.status != CopyStatus.PENDING:
        raise InvalidInput(f"该申请已{req.get_status_display()}")
    roles = needed_roles(req)
    if actor.role not in roles or (actor.role == Role.UNIT_HEAD and actor.unit_id != req.case.unit_id):
        rule_ids = "R10" if req.requester_kind == RequesterKind.PARTY else "R12"
        raise Forbidden(f"该复制申请由{_approvers_text(roles)}审批（{rule_ids}，本机关设置）")
    # rule D9 (R10, R12): the one who asked for the copy does not approve it
    refuse_own_request(decider_id=actor.pk, requester_ids=[req.requested_by_id], what="复制申请")
    if req.decisions.filter(role=actor.role).exists():
        raise InvalidInput("您的意见已签署")
    if not reason.strip():
        raise InvalidInput("须填写审批意见")
    now = timezone.now()
    decision = CopyDecision.objects.create(
        request=req, role=actor.role, user=actor, approve=approve, reason=reason.strip(), decided_at=now
    )
    if not approve:
        req.status = CopyStatus.REFUSED
        req.save(update_fields=["status"])
    elif set(req.decisions.values_list("role", flat=True)) >= roles:
        if current_mark("case", req.case_id) != Mark.NONE:
            raise Forbidden("案件整体已标注保密，不予复制（R11）")
        req.status, req.provided_by = CopyStatus.PREPARING, actor
        req.save(update_fields=["status", "provided_by"])
        transaction.on_commit(lambda: enqueue_package(req.pk))
    ledger.append(
        actor=actor,
        action="copy.decided",
        subject_type="copy_request",
        subject_id=req.pk,
        case_ref=req.case_id,
        body={"case_no": req.case.case_no, "approve": approve, "reason": reason.strip()},
        rows=[decision, req],
    )
    return req


def enqueue_package(request_id: int) -> None:
    """Build the package in the job queue (the in-process consumer of `liuhen serve`, or `liuhen worker`)."""
    from liuhen.access.tasks import build_copy_package

    build_copy_package(request_id)


@transaction.atomic
def retry_package(*, actor: User, request: CopyRequest) -> CopyRequest:
    """A package whose building failed (a blob missing from the store, a full disk) is built again."""
    req = CopyRequest.objects.select_for_update().select_related("case").get(pk=request.pk)
    require(actor, Action.COPY_DECIDE, req.case)
    if req.status != CopyStatus.FAILED:
        raise InvalidInput("只有生成失败的复制件可以重新生成")
    req.status, req.failure, req.progress_done = CopyStatus.PREPARING, "", 0
    req.save(update_fields=["status", "failure", "progress_done"])
    ledger.append(
        actor=actor,
        action="copy.retried",
        subject_type="copy_request",
        subject_id=req.pk,
        case_ref=req.case_id,
        body={"case_no": req.case.case_no},
        rows=[req],
    )
    transaction.on_commit(lambda: enqueue_package(req.pk))
    return req
