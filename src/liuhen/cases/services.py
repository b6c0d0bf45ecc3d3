"""Case commands. Each validates, changes, and appends its ledger event in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import Agency, Role, Unit, User
from liuhen.cases.models import (
    ActKind,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    ApprovalStep,
    Case,
    CaseAct,
    CaseNumberCounter,
    CaseOfficer,
    CaseSource,
    Party,
    StepRole,
)
from liuhen.cases.queries import case_facts
from liuhen.core import stages
from liuhen.core.errors import Forbidden, InvalidInput, RuleViolation
from liuhen.core.penalties import PartyKind, PenaltyKind
from liuhen.core.rules import rule
from liuhen.core.stages import Procedure
from liuhen.ledger import services as ledger

KIND_CHAR: dict[Procedure, str] = {
    Procedure.GENERAL: "罚",
    Procedure.SIMPLIFIED: "罚",
    Procedure.INSPECTION: "检",
    Procedure.LICENCE: "许",
    Procedure.COMPULSION: "强",
    Procedure.COMPLAINT: "诉",
}

# Which approvals each procedure uses (rule D9 applies to all of them)
APPROVALS_BY_PROCEDURE: dict[Procedure, set[str]] = {
    Procedure.GENERAL: {ApprovalKind.FILING, ApprovalKind.NON_FILING, ApprovalKind.DECISION, ApprovalKind.CLOSING},
    Procedure.SIMPLIFIED: set(),
    Procedure.INSPECTION: set(),
    Procedure.LICENCE: {ApprovalKind.LICENCE_DECISION},
    Procedure.COMPULSION: {ApprovalKind.COMPULSION, ApprovalKind.CLOSING},
    Procedure.COMPLAINT: {ApprovalKind.FILING, ApprovalKind.NON_FILING},
}

# Acts that only a given role may record
ACT_ROLES: dict[str, set[str]] = {
    ActKind.LEGAL_REVIEW: {Role.LEGAL_REVIEWER},  # rule D2: the legal unit reviews
    ActKind.COLLECTIVE_DISCUSSION: {Role.LEADER},  # rule D3: the leaders discuss
}
ACTS_NEEDING_NOTE = {
    ActKind.EMERGENCY_START,
    ActKind.EMERGENCY_MEASURE_REPORT,
    ActKind.REFUSAL_NOTICE,
    ActKind.LEGAL_REVIEW,
    ActKind.COLLECTIVE_DISCUSSION,
}
EMERGENCY_BACKFILL = timedelta(hours=24)  # rule S3 (002 第八条); hours run from the exact time (T4)


@dataclass(frozen=True)
class PartyInput:
    kind: str
    name: str
    id_number: str = ""
    legal_representative: str = ""
    address: str = ""
    phone: str = ""


def format_case_no(template: str, *, agency_short: str, kind: str, year: int, seq: int) -> str:
    try:
        return template.format(agency_short=agency_short, kind=kind, year=year, seq=seq)
    except (KeyError, IndexError, ValueError) as exc:
        raise InvalidInput(f"案号模板无效：{template}（{exc}）") from exc


def next_case_no(agency: Agency, procedure: Procedure, year: int) -> str:
    kind = KIND_CHAR[procedure]
    counter, _ = CaseNumberCounter.objects.select_for_update().get_or_create(agency=agency, kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return format_case_no(
        agency.case_no_template, agency_short=agency.short_name, kind=kind, year=year, seq=counter.last
    )


def require_agency_member(actor: User, agency_id: int) -> None:
    if not actor.is_superuser and actor.agency_id != agency_id:
        raise Forbidden("不能操作其他机关的案件")


def require_case_actor(actor: User, case: Case) -> None:
    """Officers assigned to the case, the handling unit's head, and the agency's leaders act on a case."""
    require_agency_member(actor, case.agency_id)
    if actor.is_superuser or actor.role == Role.LEADER:
        return
    if actor.role == Role.UNIT_HEAD and actor.unit_id == case.unit_id:
        return
    if case.officers.filter(user=actor).exists():
        return
    raise Forbidden("只有本案承办人员、承办机构负责人或机关负责人可以办理此事项")


def _parse_fine(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        fine = Decimal(str(value))
    except InvalidOperation as exc:
        raise InvalidInput(f"罚款金额无效：{value}") from exc
    if fine < 0 or fine.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput(f"罚款金额无效：{value}（应为不小于 0、最多两位小数的金额）")
    return fine


def _case_body(case: Case, **extra: Any) -> dict[str, Any]:
    return {"case_no": case.case_no, **extra}


@transaction.atomic
def create_case(
    *,
    actor: User,
    unit: Unit,
    procedure: str,
    cause: str,
    source: str = CaseSource.INSPECTION,
    summary: str = "",
    parties: list[PartyInput] | None = None,
    officers: list[User] | None = None,
    is_major: bool = False,
    penalty_kind: str = "",
    fine_amount: Any = None,
    at: datetime | None = None,
) -> Case:
    try:
        proc = Procedure(procedure)
    except ValueError as exc:
        raise InvalidInput(f"未知的程序类型：{procedure}") from exc
    require_agency_member(actor, unit.agency_id)
    if actor.role not in {Role.OFFICER, Role.UNIT_HEAD, Role.LEADER, Role.ADMIN} and not actor.is_superuser:
        raise Forbidden("只有执法人员、承办机构负责人或机关负责人可以登记案件")
    cause = (cause or "").strip()
    if not cause:
        raise InvalidInput("案由不能为空")
    if source not in CaseSource.values:
        raise InvalidInput(f"未知的案源：{source}")
    if penalty_kind and penalty_kind not in {k.value for k in PenaltyKind}:
        raise InvalidInput(f"未知的处罚种类：{penalty_kind}")
    fine = _parse_fine(fine_amount)
    parties = parties or []
    for p in parties:
        if p.kind not in {k.value for k in PartyKind}:
            raise InvalidInput(f"当事人类型无效：{p.kind}（应为 individual 或 organisation）")
        if not p.name.strip():
            raise InvalidInput("当事人姓名/名称不能为空")
    officers = list(officers or [])
    if actor.role == Role.OFFICER and actor not in officers:
        officers.insert(0, actor)
    for o in officers:
        if o.agency_id != unit.agency_id:
            raise InvalidInput(f"{o.display_name} 不是本机关人员，不能承办本案")
    now = at or timezone.now()
    agency = unit.agency
    case = Case.objects.create(
        agency=agency,
        unit=unit,
        case_no=next_case_no(agency, proc, timezone.localtime(now).year),
        procedure=proc.value,
        stage=stages.INITIAL_STAGE[proc].value,
        cause=cause,
        source=source,
        summary=summary,
        is_major=is_major,
        penalty_kind=penalty_kind,
        fine_amount=fine,
        created_by=actor,
        created_at=now,
        stage_changed_at=now,
    )
    party_rows = [
        Party.objects.create(
            case=case,
            kind=p.kind,
            name=p.name.strip(),
            id_number=p.id_number.strip(),
            legal_representative=p.legal_representative,
            address=p.address,
            phone=p.phone,
            created_at=now,
        )
        for p in parties
    ]
    officer_rows = [CaseOfficer.objects.create(case=case, user=o, is_lead=(i == 0)) for i, o in enumerate(officers)]
    ledger.append(
        actor=actor,
        action="case.created",
        subject_type="case",
        subject_id=case.pk,
        case_ref=case.pk,
        at=now,
        body=_case_body(
            case,
            procedure=case.procedure,
            stage=case.stage,
            cause=cause,
            source=source,
            unit=unit.name,
            is_major=is_major,
            penalty_kind=penalty_kind,
            fine_amount=str(fine) if fine is not None else None,
            officers=[o.get_username() for o in officers],
            # personal data only as salted commitments, in the parties' row images (rule R8, P9)
            parties=[{"id": pr.pk, "kind": pr.kind} for pr in party_rows],
        ),
        rows=[case, *party_rows, *officer_rows],
    )
    return case


@transaction.atomic
def assign_officer(*, actor: User, case: Case, officer: User) -> CaseOfficer:
    require_case_actor(actor, case)
    if officer.agency_id != case.agency_id:
        raise InvalidInput(f"{officer.display_name} 不是本机关人员，不能承办本案")
    if case.officers.filter(user=officer).exists():
        raise InvalidInput(f"{officer.display_name} 已是本案承办人员")
    row = CaseOfficer.objects.create(case=case, user=officer, is_lead=not case.officers.exists())
    cert = officer.valid_certificate(timezone.localdate())
    ledger.append(
        actor=actor,
        action="case.officer_assigned",
        subject_type="case",
        subject_id=case.pk,
        case_ref=case.pk,
        body=_case_body(case, officer=officer.get_username(), certificate_no=cert.certificate_no if cert else None),
        rows=[row],
    )
    return row


@transaction.atomic
def record_act(*, actor: User, case: Case, kind: str, note: str = "", occurred_at: datetime | None = None) -> CaseAct:
    if kind not in ActKind.values:
        raise InvalidInput(f"未知的记录事项：{kind}")
    roles = ACT_ROLES.get(kind)
    if roles is not None:
        require_agency_member(actor, case.agency_id)
        if actor.role not in roles and not actor.is_superuser:
            raise Forbidden(f"“{ActKind(kind).label}”只能由{'、'.join(Role(r).label for r in roles)}记录")
    else:
        require_case_actor(actor, case)
    note = (note or "").strip()
    if kind in ACTS_NEEDING_NOTE and not note:
        raise InvalidInput(f"“{ActKind(kind).label}”须填写说明")
    now = timezone.now()
    occurred = occurred_at or now
    if occurred > now + timedelta(minutes=5):
        raise InvalidInput("发生时间不能晚于当前时间")
    act = CaseAct.objects.create(
        case=case, kind=kind, note=note, occurred_at=occurred, recorded_by=actor, recorded_at=now
    )
    ledger.append(
        actor=actor,
        action="case.act_recorded",
        subject_type="case_act",
        subject_id=act.pk,
        case_ref=case.pk,
        at=now,
        body=_case_body(case, act=act.pk, kind=kind, note=note, occurred_at=ledger_time(occurred)),
        rows=[act],
    )
    return act


def ledger_time(at: datetime) -> str:
    from liuhen.ledger.envelope import format_at

    return format_at(at)


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
    if kind not in APPROVALS_BY_PROCEDURE[case.procedure_enum]:
        raise InvalidInput(f"{case.get_procedure_display()}不使用“{ApprovalKind(kind).label}”")
    require_case_actor(actor, case)
    opinion = (opinion or "").strip()
    if not opinion:
        raise InvalidInput("承办人意见不能为空")
    if case.approvals.filter(kind=kind).exclude(status=ApprovalStatus.REJECTED).exists():
        raise InvalidInput(f"“{ApprovalKind(kind).label}”已提交或已批准，不能重复提交")
    now = timezone.now()
    late = False
    if kind == ApprovalKind.FILING:
        started = _emergency_started_at(case)
        late = started is not None and now - started > EMERGENCY_BACKFILL  # rule S3
    approval = Approval.objects.create(case=case, kind=kind, late=late, created_at=now)
    step = ApprovalStep.objects.create(
        approval=approval,
        role=StepRole.HANDLER,
        user=actor,
        agree=True,
        opinion=opinion,
        signed_name=actor.display_name,
        signed_at=now,
    )
    body = _case_body(
        case, approval=approval.pk, kind=kind, step=step.role, opinion=opinion, signed_name=step.signed_name
    )
    if late:
        s3 = rule("S3")
        body["flag"] = f"S3 {s3.source}: 紧急启动后超过24小时才补报立案审批表"
    ledger.append(
        actor=actor,
        action="approval.proposed",
        subject_type="approval",
        subject_id=approval.pk,
        case_ref=case.pk,
        at=now,
        body=body,
        rows=[approval, step],
    )
    return approval


def _sign_step(
    *, actor: User, approval: Approval, role: StepRole, agree: bool, opinion: str, next_status: ApprovalStatus
) -> Approval:
    opinion = (opinion or "").strip()
    if not opinion:
        raise InvalidInput(f"{role.label}意见不能为空")
    if approval.steps.filter(user=actor).exists() and not actor.is_superuser:
        # D9: the three steps are three different people
        raise RuleViolation("D9", rule("D9").source, "同一人不能在同一审批中既承办又审核或批准")
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
    ledger.append(
        actor=actor,
        action=f"approval.{role.value}_signed",
        subject_type="approval",
        subject_id=approval.pk,
        case_ref=approval.case_id,
        at=now,
        body=_case_body(
            approval.case,
            approval=approval.pk,
            kind=approval.kind,
            step=role.value,
            agree=agree,
            opinion=opinion,
            signed_name=actor.display_name,
            status=approval.status,
        ),
        rows=[approval, step],
    )
    return approval


def _locked_approval(approval: Approval) -> Approval:
    return Approval.objects.select_for_update().select_related("case").get(pk=approval.pk)


@transaction.atomic
def review_approval(*, actor: User, approval: Approval, agree: bool, opinion: str) -> Approval:
    """审核人 reviews: the head of the handling unit (rule D9)."""
    approval = _locked_approval(approval)
    require_agency_member(actor, approval.case.agency_id)
    if approval.status != ApprovalStatus.REVIEWING:
        raise InvalidInput(f"该审批当前状态为“{approval.get_status_display()}”，不能审核")
    if not actor.is_superuser and not (actor.role == Role.UNIT_HEAD and actor.unit_id == approval.case.unit_id):
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
    if not actor.is_superuser and actor.role != Role.LEADER:
        raise Forbidden("批准须由机关负责人进行")
    return _sign_step(
        actor=actor,
        approval=approval,
        role=StepRole.APPROVER,
        agree=approve,
        opinion=opinion,
        next_status=ApprovalStatus.APPROVED,
    )


@transaction.atomic
def transition(*, actor: User, case: Case, action: str) -> Case:
    """The one way a case changes stage. Raises StageError or RuleViolation and changes nothing."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if action == "archive":
        require_agency_member(actor, case.agency_id)
        if actor.role != Role.ARCHIVIST and not actor.is_superuser:
            raise Forbidden("归档须由档案管理员办理")
    else:
        require_case_actor(actor, case)
    step = stages.check(case.procedure_enum, case.stage_enum, action, case_facts(case))
    now = timezone.now()
    source = case.stage
    case.stage = step.target.value
    case.stage_changed_at = now
    fields = ["stage", "stage_changed_at"]
    if action == "extend":
        case.extensions += 1
        fields.append("extensions")
    case.save(update_fields=fields)
    ledger.append(
        actor=actor,
        action="case.transition",
        subject_type="case",
        subject_id=case.pk,
        case_ref=case.pk,
        at=now,
        body=_case_body(
            case,
            action=action,
            label=step.label,
            source=source,
            target=case.stage,
            rules=sorted({g.rule_id for g in step.gates}),
        ),
        rows=[case],
    )
    return case
