"""Recording what happened on a case (acts). A kind that a document records is written only by finalising that
document; the free-text route takes the commands that have no document of their own, and notes. An act entered
after it happened is a 补录: it needs a reason, and periods still run from when it happened (T4)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import Role, User
from liuhen.cases.actors import case_body as _case_body
from liuhen.cases.actors import ledger_time, require_agency_member, require_case_actor
from liuhen.cases.models import ActKind, Case, CaseAct
from liuhen.core import stages
from liuhen.core.documents.catalogue import BY_CODE, CATALOGUE
from liuhen.core.errors import Forbidden, InvalidInput
from liuhen.ledger import services as ledger

# Acts that only a given role may record
ACT_ROLES: dict[str, set[str]] = {
    ActKind.LEGAL_REVIEW: {Role.LEGAL_REVIEWER},  # rule D2: the legal unit reviews
    ActKind.COLLECTIVE_DISCUSSION: {Role.LEADER},  # rule D3: the leaders discuss
}
# Commands whose record is what the officer writes: it may not be empty (the party's written request or waiver,
# the proof of performance, the body that received an appeal, a note's text)
ACTS_NEEDING_NOTE = {
    ActKind.EMERGENCY_START,
    ActKind.EMERGENCY_MEASURE_REPORT,
    ActKind.REFUSAL_NOTICE,
    ActKind.LEGAL_REVIEW,
    ActKind.COLLECTIVE_DISCUSSION,
    ActKind.HEARING_REQUEST,
    ActKind.RIGHTS_WAIVER,
    ActKind.PERFORMANCE,
    ActKind.RECONSIDERATION,
    ActKind.LITIGATION,
    ActKind.NOTE,
}
# An act whose time is this much before its entry is a 补录 (entered after it happened): it needs a reason
BACKFILL_GRACE = timedelta(minutes=30)
FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks of a body camera or a phone may run a little ahead
# Stages before the decision, where a case may still be found to be major (rule D2)
MAJOR_MARKABLE_STAGES = {stages.Stage.INTAKE, stages.Stage.INVESTIGATION, stages.Stage.REVIEW, stages.Stage.NOTICE}


def _documents_recording() -> dict[str, tuple[str, ...]]:
    """Act kind → the names of the document types whose finalising records it (the catalogue says which)."""
    out: dict[str, list[str]] = {}
    for t in CATALOGUE:
        if t.records_act:
            out.setdefault(t.records_act, []).append(t.name)
    out.setdefault(ActKind.PUBLIC_NOTICE, []).append(BY_CODE["delivery_receipt"].name)  # method 公告送达 (SV6)
    return {kind: tuple(names) for kind, names in out.items()}


# Kinds that only a finalised document records: the free-text route refuses them, naming the document (rule SV2,
# D4, D5, I2 and every gate that reads a document; see the review's "bare act")
DOCUMENT_ACTS: dict[str, tuple[str, ...]] = _documents_recording()


# Kinds that a command of their own records, with what to do instead (the free-text route refuses them)
COMMAND_ACTS: dict[str, str] = {
    # rule AV6: an activity is left unrecorded only on a request for that activity, approved by the unit head
    ActKind.AV_OMISSION: "不予音像记录须就具体执法活动提出申请，经承办机构负责人批准（AV6），不能以办案记录代替",
}


def backfill_needed(occurred: datetime, recorded: datetime) -> bool:
    """An act entered more than BACKFILL_GRACE after it happened is a 补录: it needs a reason."""
    return recorded - occurred > BACKFILL_GRACE


@transaction.atomic
def record_act(
    *,
    actor: User,
    case: Case,
    kind: str,
    note: str = "",
    occurred_at: datetime | None = None,
    backfill_reason: str = "",
) -> CaseAct:
    """The free-text route (API and the 记录办案事项 form): commands without a document of their own, and notes.
    A kind that a document records is refused, naming the document to make."""
    if kind in DOCUMENT_ACTS:
        names = "》或《".join(DOCUMENT_ACTS[kind])
        raise InvalidInput(f"“{ActKind(kind).label}”须制作并定稿《{names}》，不能以办案记录代替")
    if kind in COMMAND_ACTS:
        raise InvalidInput(COMMAND_ACTS[kind])
    return _record(
        actor=actor, case=case, kind=kind, note=note, occurred_at=occurred_at, backfill_reason=backfill_reason
    )


def record_document_act(
    *,
    actor: User,
    case: Case,
    kind: str,
    document_id: int,
    note: str,
    occurred_at: datetime,
    backfill_reason: str = "",
    takes_effect_later: bool = False,
) -> CaseAct:
    """The act a finalised document records (called by the documents app inside its finalising transaction).
    ``takes_effect_later``: the law dates it ahead, as service by public notice 30 days after the notice (rule
    SV6); it is no fact before that day (`cases.queries.case_facts`)."""
    return _record(
        actor=actor,
        case=case,
        kind=kind,
        note=note,
        occurred_at=occurred_at,
        backfill_reason=backfill_reason,
        document_id=document_id,
        takes_effect_later=takes_effect_later,
    )


def _record(
    *,
    actor: User,
    case: Case,
    kind: str,
    note: str,
    occurred_at: datetime | None,
    backfill_reason: str,
    document_id: int | None = None,
    takes_effect_later: bool = False,
) -> CaseAct:
    if kind not in ActKind.values:
        raise InvalidInput(f"未知的记录事项：{kind}")
    roles = ACT_ROLES.get(kind)
    if roles is not None:
        require_agency_member(actor, case.agency_id)
        if actor.role not in roles:
            raise Forbidden(f"“{ActKind(kind).label}”只能由{'、'.join(Role(r).label for r in roles)}记录")
    else:
        require_case_actor(actor, case)
    note = (note or "").strip()
    if kind in ACTS_NEEDING_NOTE and not note:
        raise InvalidInput(f"“{ActKind(kind).label}”须填写说明")
    now = timezone.now()
    occurred = occurred_at or now
    if occurred > now + FUTURE_TOLERANCE and not takes_effect_later:
        raise InvalidInput("发生时间不能晚于当前时间")
    backfill_reason = (backfill_reason or "").strip()
    if not backfill_needed(occurred, now):
        backfill_reason = ""  # entered as it happened: nothing to explain
    elif not backfill_reason:  # a past time counts only with its reason, and shows as 补录 (T4 runs from then)
        raise InvalidInput(f"“{ActKind(kind).label}”的发生时间早于记录时间，属事后补录，须说明补录理由")
    act = CaseAct.objects.create(
        case=case,
        kind=kind,
        note=note,
        occurred_at=occurred,
        recorded_by=actor,
        recorded_at=now,
        backfill_reason=backfill_reason,
    )
    body = _case_body(case, act=act.pk, kind=kind, note=note, occurred_at=ledger_time(occurred))
    if backfill_reason:
        body["backfill_reason"] = backfill_reason
    if document_id is not None:
        body["document"] = document_id
    ledger.append(
        actor=actor,
        action="case.act_recorded",
        subject_type="case_act",
        subject_id=act.pk,
        case_ref=case.pk,
        at=now,
        body=body,
        rows=[act],
    )
    return act


@transaction.atomic
def mark_major(*, actor: User, case: Case, reason: str) -> Case:
    """rule D2: a case becomes a 重大执法决定 when facts emerge during the procedure; the reason is recorded.
    Before the decision only: a decision already made cannot be reclassified after the fact."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    require_case_actor(actor, case)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("认定为重大执法决定须说明理由（如涉及重大公共利益、情节复杂、可能造成重大社会影响）")
    if case.is_major:
        raise InvalidInput("本案已认定为重大执法决定")
    if case.stage not in MAJOR_MARKABLE_STAGES:
        raise InvalidInput(f"案件已处于“{case.get_stage_display()}”阶段，不能再认定为重大执法决定")
    case.is_major = True
    case.save(update_fields=["is_major"])
    ledger.append(
        actor=actor,
        action="case.marked_major",
        subject_type="case",
        subject_id=case.pk,
        case_ref=case.pk,
        body=_case_body(case, is_major=True, reason=reason),
        rows=[case],
    )
    return case
