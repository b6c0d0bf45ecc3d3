"""Case commands. Each validates, changes, and appends its ledger event in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import Agency, Role, Unit, User
from liuhen.cases.access import allowed_in_unit
from liuhen.cases.actors import case_body
from liuhen.cases.actors import ledger_time as ledger_time
from liuhen.cases.actors import require_agency_member as require_agency_member
from liuhen.cases.actors import require_case_actor as require_case_actor
from liuhen.cases.acts import (  # noqa: F401 - the act commands, with the rest of the case commands
    ACT_ROLES,
    ACTS_NEEDING_NOTE,
    BACKFILL_GRACE,
    COMMAND_ACTS,
    DOCUMENT_ACTS,
    FUTURE_TOLERANCE,
    backfill_needed,
    mark_major,
    record_act,
    record_document_act,
)
from liuhen.cases.approvals import APPROVALS_BY_PROCEDURE as APPROVALS_BY_PROCEDURE
from liuhen.cases.approvals import assign_officer as assign_officer
from liuhen.cases.approvals import decide_approval as decide_approval
from liuhen.cases.approvals import propose_officer as propose_officer
from liuhen.cases.approvals import require_assignable
from liuhen.cases.approvals import review_approval as review_approval
from liuhen.cases.approvals import start_approval as start_approval
from liuhen.cases.models import (
    Case,
    CaseNumberCounter,
    CaseOfficer,
    CaseSource,
    Party,
)
from liuhen.cases.queries import case_facts
from liuhen.core import stages
from liuhen.core.errors import Forbidden, InvalidInput
from liuhen.core.penalties import PartyKind, PenaltyKind
from liuhen.core.permissions import Action
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


# 案源登记 has its own register (明应急案源〔2026〕017号): a 一般程序 case takes its 罚 number only when 立案 is
# approved, so a source that is never filed uses up no case number
INTAKE_KIND = "案源"
NUMBERED_AT_FILING = frozenset({Procedure.GENERAL})


def next_case_no(agency: Agency, procedure: Procedure | None, year: int) -> str:
    """The next number of the procedure's series, or of the 案源登记 register (``procedure`` None)."""
    kind = KIND_CHAR[procedure] if procedure is not None else INTAKE_KIND
    counter, _ = CaseNumberCounter.objects.select_for_update().get_or_create(agency=agency, kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return format_case_no(
        agency.case_no_template, agency_short=agency.short_name, kind=kind, year=year, seq=counter.last
    )


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
    violation_ended_on: date | str | None = None,
    serious_harm: bool = False,
    violation_at: datetime | str | None = None,
    violation_place: str = "",
    at: datetime | None = None,
) -> Case:
    try:
        proc = Procedure(procedure)
    except ValueError as exc:
        raise InvalidInput(f"未知的程序类型：{procedure}") from exc
    require_agency_member(actor, unit.agency_id)
    # the permission table: an officer registers cases in his own unit; only a role whose scope reaches the
    # agency (a leader) registers them for another unit
    if not allowed_in_unit(actor, Action.CASE_CREATE, unit.pk, unit.agency_id):
        if allowed_in_unit(actor, Action.CASE_CREATE, actor.unit_id, actor.agency_id):
            raise Forbidden(f"只能在本单位登记案件；{unit.name}的案件由该单位或机关负责人登记")
        raise Forbidden("只有执法人员、承办机构负责人或机关负责人可以登记案件")
    cause = (cause or "").strip()
    if not cause:
        raise InvalidInput("案由不能为空")
    if source not in CaseSource.values:
        raise InvalidInput(f"未知的案源：{source}")
    if penalty_kind and penalty_kind not in {k.value for k in PenaltyKind}:
        raise InvalidInput(f"未知的处罚种类：{penalty_kind}")
    fine = _parse_fine(fine_amount)
    now = at or timezone.now()
    from liuhen.cases.limitation import parse_violation_at, parse_violation_ended

    ended_on = parse_violation_ended(violation_ended_on, timezone.localtime(now).date())  # rule S6
    violation_at = parse_violation_at(violation_at, now, ended_on)
    violation_place = (violation_place or "").strip()
    if len(violation_place) > 200:
        raise InvalidInput("违法地点不能超过200字")
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
        require_assignable(o)
        if o.unit_id != unit.pk:
            # rule D9: someone of another unit joins a case only through an approved assignment
            raise InvalidInput(f"{o.display_name} 不是{unit.name}人员：请在登记后提请指派，经审核、批准后承办（D9）")
    agency = unit.agency
    year = timezone.localtime(now).year
    intake_no = next_case_no(agency, None, year) if proc in NUMBERED_AT_FILING else ""
    case = Case.objects.create(
        agency=agency,
        unit=unit,
        case_no=intake_no or next_case_no(agency, proc, year),
        intake_no=intake_no,
        procedure=proc.value,
        stage=stages.INITIAL_STAGE[proc].value,
        cause=cause,
        source=source,
        summary=summary,
        is_major=is_major,
        penalty_kind=penalty_kind,
        fine_amount=fine,
        violation_ended_on=ended_on,
        serious_harm=bool(serious_harm),
        violation_at=violation_at,
        violation_place=violation_place,
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
        body=case_body(
            case,
            procedure=case.procedure,
            stage=case.stage,
            cause=cause,
            source=source,
            unit=unit.name,
            is_major=is_major,
            penalty_kind=penalty_kind,
            fine_amount=str(fine) if fine is not None else None,
            violation_ended_on=ended_on.isoformat() if ended_on else None,
            serious_harm=bool(serious_harm),
            violation_at=violation_at.isoformat() if violation_at else None,  # the place: in the row image only
            officers=[o.get_username() for o in officers],
            # personal data only as salted commitments, in the parties' row images (rule R8, P9)
            parties=[{"id": pr.pk, "kind": pr.kind} for pr in party_rows],
        ),
        rows=[case, *party_rows, *officer_rows],
    )
    return case


@transaction.atomic
@transaction.atomic
def transition(*, actor: User, case: Case, action: str) -> Case:
    """The one way a case changes stage. Raises StageError or RuleViolation and changes nothing."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if action == "archive":
        require_agency_member(actor, case.agency_id)
        if actor.role != Role.ARCHIVIST:
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
        body=case_body(
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
