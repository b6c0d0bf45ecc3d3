"""The 承办人 → 审核人 → 批准人 chain (rule D9), and assigning officers to a case, which rides on it for anyone
outside the case's unit. Each command validates, changes and appends its ledger event in one transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import Role, User
from liuhen.cases.actors import case_body, require_agency_member, require_case_actor
from liuhen.cases.models import (
    ActKind,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    ApprovalStep,
    Case,
    CaseOfficer,
    StepRole,
)
from liuhen.core.errors import Forbidden, InvalidInput, RuleViolation
from liuhen.core.permissions import refuse_own_request
from liuhen.core.rules import rule
from liuhen.core.stages import Procedure
from liuhen.ledger import services as ledger

# Which approvals each procedure uses (rule D9 applies to all of them)
APPROVALS_BY_PROCEDURE: dict[Procedure, set[str]] = {
    Procedure.GENERAL: {ApprovalKind.FILING, ApprovalKind.NON_FILING, ApprovalKind.DECISION, ApprovalKind.CLOSING},
    Procedure.SIMPLIFIED: set(),
    Procedure.INSPECTION: set(),
    Procedure.LICENCE: {ApprovalKind.LICENCE_DECISION},
    Procedure.COMPULSION: {ApprovalKind.COMPULSION, ApprovalKind.EXTENSION, ApprovalKind.CLOSING},
    Procedure.COMPLAINT: {ApprovalKind.FILING, ApprovalKind.NON_FILING},
}
EMERGENCY_BACKFILL = timedelta(hours=24)  # rule S3 (002 第八条); hours run from the exact time (T4)


# Who may be assigned to handle a case: enforcement officers and unit heads. Assigning another role (a
# supervisor, an archivist, a legal reviewer) would open the case's records, marked ones included (R11), through
# a door the permission table does not have.
ASSIGNABLE_ROLES = {Role.OFFICER, Role.UNIT_HEAD}


def require_assignable(officer: User) -> None:
    if officer.role not in ASSIGNABLE_ROLES or not officer.is_active:
        raise InvalidInput(f"{officer.display_name}（{officer.get_role_display()}）不能被指派承办案件")


def _check_new_officer(case: Case, officer: User) -> None:
    if officer.agency_id != case.agency_id:
        raise InvalidInput(f"{officer.display_name} 不是本机关人员，不能承办本案")
    require_assignable(officer)
    if case.officers.filter(user=officer).exists():
        raise InvalidInput(f"{officer.display_name} 已是本案承办人员")


def _add_officer(*, actor: User, case: Case, officer: User, approval: Approval | None = None) -> CaseOfficer:
    row = CaseOfficer.objects.create(case=case, user=officer, is_lead=not case.officers.exists())
    cert = officer.valid_certificate(timezone.localdate())
    body = case_body(case, officer=officer.get_username(), certificate_no=cert.certificate_no if cert else None)
    if approval is not None:
        body["approval"] = approval.pk
    ledger.append(
        actor=actor,
        action="case.officer_assigned",
        subject_type="case",
        subject_id=case.pk,
        case_ref=case.pk,
        body=body,
        rows=[row],
    )
    return row


@transaction.atomic
def assign_officer(*, actor: User, case: Case, officer: User) -> CaseOfficer:
    """An officer of the case's own unit joins it at once; anyone else only through ``propose_officer`` (D9)."""
    require_case_actor(actor, case)
    _check_new_officer(case, officer)
    if officer.unit_id != case.unit_id:
        raise RuleViolation(
            "D9",
            rule("D9").source,
            f"{officer.display_name} 不是承办单位人员：指派须提请审核、批准（承办人→审核人→批准人）",
        )
    return _add_officer(actor=actor, case=case, officer=officer)


@transaction.atomic
def propose_officer(*, actor: User, case: Case, officer: User, opinion: str) -> Approval:
    """承办人 proposes someone outside the case's unit as an officer of it (rule D9): the head of the case's unit
    reviews, a leader approves, and only then does that person handle the case and read its records."""
    require_case_actor(actor, case)
    _check_new_officer(case, officer)
    if officer.unit_id == case.unit_id:
        raise InvalidInput(f"{officer.display_name} 是承办单位人员，可直接指派，无须审批")
    opinion = (opinion or "").strip()
    if not opinion:
        raise InvalidInput("承办人意见不能为空：请说明指派理由")
    if case.approvals.filter(
        kind=ApprovalKind.OFFICER_ASSIGNMENT,
        officer=officer,
        status__in=[ApprovalStatus.REVIEWING, ApprovalStatus.APPROVING],
    ).exists():
        raise InvalidInput(f"指派 {officer.display_name} 的审批正在办理中")
    return _propose(
        actor=actor,
        case=case,
        opinion=opinion,
        approval=Approval(case=case, kind=ApprovalKind.OFFICER_ASSIGNMENT, officer=officer),
        officer=officer.get_username(),
        officer_unit=officer.unit.name if officer.unit else None,
    )


def _propose(*, actor: User, case: Case, opinion: str, approval: Approval, **extra: Any) -> Approval:
    """The 承办人's step that opens every approval (rule D9): the approval, the handler's signed opinion, and the
    `approval.proposed` event carrying both."""
    now = timezone.now()
    approval.created_at = now
    approval.save()
    step = ApprovalStep.objects.create(
        approval=approval,
        role=StepRole.HANDLER,
        user=actor,
        agree=True,
        opinion=opinion,
        signed_name=actor.display_name,
        signed_at=now,
    )
    ledger.append(
        actor=actor,
        action="approval.proposed",
        subject_type="approval",
        subject_id=approval.pk,
        case_ref=case.pk,
        at=now,
        body=case_body(
            case,
            approval=approval.pk,
            kind=approval.kind,
            step=step.role,
            opinion=opinion,
            signed_name=step.signed_name,
            **extra,
        ),
        rows=[approval, step],
    )
    return approval


def _emergency_started_at(case: Case) -> datetime | None:
    return (
        case.acts.filter(kind=ActKind.EMERGENCY_START)
        .order_by("occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )


@transaction.atomic
def start_approval(*, actor: User, case: Case, kind: str, opinion: str) -> Approval:
    """承办人 proposes (rule D9)."""
    if kind not in ApprovalKind.values:
        raise InvalidInput(f"未知的审批事项：{kind}")
    if kind == ApprovalKind.OFFICER_ASSIGNMENT:
        raise InvalidInput("指派承办人员请通过“指派承办人员”提请（须写明拟指派的人员）")
    if kind not in APPROVALS_BY_PROCEDURE[case.procedure_enum]:
        raise InvalidInput(f"{case.get_procedure_display()}不使用“{ApprovalKind(kind).label}”")
    require_case_actor(actor, case)
    opinion = (opinion or "").strip()
    if not opinion:
        raise InvalidInput("承办人意见不能为空")
    if case.approvals.filter(kind=kind).exclude(status=ApprovalStatus.REJECTED).exists():
        raise InvalidInput(f"“{ApprovalKind(kind).label}”已提交或已批准，不能重复提交")
    late = False
    if kind == ApprovalKind.FILING:
        started = _emergency_started_at(case)
        late = started is not None and timezone.now() - started > EMERGENCY_BACKFILL  # rule S3
    flag = {"flag": f"S3 {rule('S3').source}: 紧急启动后超过24小时才补报立案审批表"} if late else {}
    return _propose(actor=actor, case=case, opinion=opinion, approval=Approval(case=case, kind=kind, late=late), **flag)


def _officer_to_assign(approval: Approval) -> User | None:
    """The person an approved assignment makes an officer of the case, checked again as it is approved (still of
    the agency, of a role that handles cases, not yet on the case)."""
    if approval.kind != ApprovalKind.OFFICER_ASSIGNMENT:
        return None
    officer = approval.officer
    if officer is None:
        raise InvalidInput("该指派审批未写明拟指派的人员")
    _check_new_officer(approval.case, officer)
    return officer


def _sign_step(
    *, actor: User, approval: Approval, role: StepRole, agree: bool, opinion: str, next_status: ApprovalStatus
) -> Approval:
    opinion = (opinion or "").strip()
    if not opinion:
        raise InvalidInput(f"{role.label}意见不能为空")
    # D9: the three steps are three different people, and no one approves their own proposal
    refuse_own_request(decider_id=actor.pk, requester_ids=approval.steps.values_list("user_id", flat=True), what="审批")
    officer = _officer_to_assign(approval) if agree and next_status == ApprovalStatus.APPROVED else None
    now = timezone.now()
    step = ApprovalStep.objects.create(
        approval=approval,
        role=role,
        user=actor,
        agree=agree,
        opinion=opinion,
        signed_name=actor.display_name,
        signed_at=now,
    )
    approval.status = next_status if agree else ApprovalStatus.REJECTED
    if approval.status in {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED}:
        approval.decided_at = now
    approval.save(update_fields=["status", "decided_at"])
    numbered = _number_on_filing(approval, now)
    ledger.append(
        actor=actor,
        action=f"approval.{role.value}_signed",
        subject_type="approval",
        subject_id=approval.pk,
        case_ref=approval.case_id,
        at=now,
        body=case_body(
            approval.case,
            approval=approval.pk,
            kind=approval.kind,
            step=role.value,
            agree=agree,
            opinion=opinion,
            signed_name=actor.display_name,
            status=approval.status,
            **({"intake_no": numbered.intake_no, "assigned_case_no": numbered.case_no} if numbered else {}),
        ),
        rows=[approval, step, *([numbered] if numbered else [])],
    )
    if officer is not None:
        _add_officer(actor=actor, case=approval.case, officer=officer, approval=approval)
    return approval


def _number_on_filing(approval: Approval, now: datetime) -> Case | None:
    """rule S2: 立案 approved, a case registered under its 案源登记号 takes the next number of its procedure's series
    (the approver's event carries it); None when the approval is not that, or the case is numbered already."""
    if approval.kind != ApprovalKind.FILING or approval.status != ApprovalStatus.APPROVED:
        return None
    case = Case.objects.select_for_update().get(pk=approval.case_id)
    if not case.awaiting_number:
        return None
    from liuhen.cases.services import next_case_no

    case.case_no = next_case_no(case.agency, case.procedure_enum, timezone.localtime(now).year)
    case.numbered_at = now
    case.save(update_fields=["case_no", "numbered_at"])
    approval.case = case
    return case


def _locked_approval(approval: Approval) -> Approval:
    return Approval.objects.select_for_update().select_related("case").get(pk=approval.pk)


@transaction.atomic
def review_approval(*, actor: User, approval: Approval, agree: bool, opinion: str) -> Approval:
    """审核人 reviews: the head of the handling unit (rule D9)."""
    approval = _locked_approval(approval)
    require_agency_member(actor, approval.case.agency_id)
    if approval.status != ApprovalStatus.REVIEWING:
        raise InvalidInput(f"该审批当前状态为“{approval.get_status_display()}”，不能审核")
    if not (actor.role == Role.UNIT_HEAD and actor.unit_id == approval.case.unit_id):
        raise Forbidden("审核须由承办机构负责人进行")
    return _sign_step(
        actor=actor,
        approval=approval,
        role=StepRole.REVIEWER,
        agree=agree,
        opinion=opinion,
        next_status=ApprovalStatus.APPROVING,
    )


@transaction.atomic
def decide_approval(*, actor: User, approval: Approval, approve: bool, opinion: str) -> Approval:
    """批准人 approves or refuses: a leader of the agency (rule D9)."""
    approval = _locked_approval(approval)
    require_agency_member(actor, approval.case.agency_id)
    if approval.status != ApprovalStatus.APPROVING:
        raise InvalidInput(f"该审批当前状态为“{approval.get_status_display()}”，不能批准")
    if actor.role != Role.LEADER:
        raise Forbidden("批准须由机关负责人进行")
    return _sign_step(
        actor=actor,
        approval=approval,
        role=StepRole.APPROVER,
        agree=approve,
        opinion=opinion,
        next_status=ApprovalStatus.APPROVED,
    )
