"""Disclosure commands (rules P2–P6, P8–P11): an entry is drafted when a decision is made, redacted as data,
published by a reviewer other than its drafter, updated when its decision changes, taken down when the decision is
revoked or its period ends. Every command is one ledgered event; the deadline rows of P2–P6 and P10 open and close
on the names each event lists in ``deadline_events`` (``liuhen.deadlines.services.event_names``)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from liuhen.access.models import Mark
from liuhen.access.services import current_mark
from liuhen.accounts.models import User
from liuhen.agency_settings.services import deadline_rule
from liuhen.cases.access import allowed
from liuhen.cases.models import Case
from liuhen.core import periods
from liuhen.core.errors import CalendarYearUnknown, InvalidInput, RuleViolation
from liuhen.core.permissions import Action
from liuhen.core.rules import rule
from liuhen.core.rules.deadlines import BY_KEY
from liuhen.disclosure import content, log
from liuhen.disclosure.models import (
    CorrectionRequest,
    CorrectionStatus,
    Entry,
    EntryKind,
    EntryStatus,
)
from liuhen.ledger import services as ledger
from liuhen.ledger.models import Event

# The names the deadline table knows these commands by (liuhen.core.rules.deadlines, rows P2–P6, P10)
PUBLISHED_PERSON, PUBLISHED_WARNING = "disclosure:published_person", "disclosure:published_warning"
PUBLISHED, WITHHELD, CHANGED, UPDATED = (
    "disclosure:published",
    "disclosure:withheld",
    "disclosure:changed",
    "disclosure:updated",
)
REVOKED, REVOKED_PENALTY, TAKEN_DOWN = "disclosure:revoked", "disclosure:revoked_penalty", "disclosure:taken_down"
CORRECTION_REQUESTED, CORRECTION_HANDLED = "disclosure:correction_requested", "disclosure:correction_handled"
STATISTICS_PUBLISHED = "disclosure:statistics_published"  # rule P7, an agency's own (no case's)
DEADLINE_EVENTS = (
    STATISTICS_PUBLISHED,
    PUBLISHED,
    PUBLISHED_PERSON,
    PUBLISHED_WARNING,
    WITHHELD,
    CHANGED,
    UPDATED,
    REVOKED,
    REVOKED_PENALTY,
    TAKEN_DOWN,
    CORRECTION_REQUESTED,
    CORRECTION_HANDLED,
)
DECISION_DOCUMENTS = frozenset(content.DECISION_TYPES.values())
# Why a published decision comes down (rule P6: 001 九; 处罚法48)
REVOCATION_GROUNDS = {
    "revoked": "决定被撤销",
    "illegal": "决定被确认违法",
    "redone": "决定被重新作出",
    "changed": "决定被变更",
}
PUBLIC = ledger.Actor("公众")  # a member of the public (no account)


def _event(actor: Any, action: str, entry: Entry, body: dict[str, Any], names: list[str], rows: list[Any]) -> Event:
    return ledger.append(
        actor=actor,
        action=action,
        subject_type="disclosure_entry",
        subject_id=entry.pk,
        case_ref=entry.case_id,
        body={"entry": entry.pk, "case_no": entry.case.case_no, "deadline_events": names, **body},
        rows=rows,
    )


def _marked(case: Case) -> str:
    """The R11 mark of the case or of its decision document: either withholds the entry (rule P9)."""
    mark = current_mark("case", case.pk)
    decision = content.decision_document(case)
    if mark == Mark.NONE and decision is not None:
        mark = current_mark("document", decision.pk)
    return "" if mark == Mark.NONE else str(Mark(mark).label)


def _fill(entry: Entry, drafted: content.Drafted) -> None:
    for key, value in drafted.values.items():
        setattr(entry, key, value)
    entry.redactions = json.dumps(drafted.redactions, ensure_ascii=False, sort_keys=True)


def draft_entry(*, actor: User | None, case: Case, decided_at: datetime) -> Entry:
    """A decision was made: its entry is drafted (rules P2, P3, P8), redacted, and waits for 发布审核 (P11).
    An entry that must not be published records why (R11 marks, minors) and meets the duty by that record."""
    decided_on = decided_at.astimezone(periods.LOCAL).date()
    drafted = content.draft_values(case, decided_on, _marked(case))
    entry = Entry(agency_id=case.agency_id, case=case, drafted_by=actor, drafted_at=timezone.now())
    _fill(entry, drafted)
    entry.save()
    body = {"kind": entry.kind, "redactions": len(drafted.redactions)}
    _event(actor, "disclosure.drafted", entry, body, [], [entry])
    if drafted.withheld:
        entry.status, entry.withheld_reason = EntryStatus.WITHHELD, drafted.withheld
        entry.save(update_fields=["status", "withheld_reason"])
        _event(ledger.SYSTEM, "disclosure.withheld", entry, {"reason": "rule"}, [WITHHELD], [entry])
    return entry


def refresh_draft(entry: Entry) -> None:
    """The decision document was finalised after the step: the draft reads it (still a draft, no event names)."""
    drafted = content.draft_values(entry.case, entry.decided_on, _marked(entry.case))
    _fill(entry, drafted)
    entry.save()
    _event(ledger.SYSTEM, "disclosure.drafted", entry, {"kind": entry.kind, "refreshed": True}, [], [entry])


def _check_reviewer(actor: User, entry: Entry) -> None:
    if not allowed(actor, Action.APPROVE, entry.case):
        raise RuleViolation("P11", rule("P11").source, "只有承办机构负责人或机关负责人可以进行发布审核")
    if actor.pk == entry.drafted_by_id:
        raise RuleViolation("P11", rule("P11").source, "发布审核须由起草人以外的人进行")


def _needs_decision(entry: Entry) -> None:
    if entry.case.procedure in content.DECISION_TYPES and content.decision_document(entry.case) is None:
        raise RuleViolation(
            "P2" if entry.kind == EntryKind.PENALTY else "P3",
            rule("P2").source,
            "决定书尚未定稿，不能公示",
        )


def _public_until(p10: Any, published: datetime) -> date | None:
    """The last day the entry is shown: the end of the P10 row's period, as its deadline counts it (a year whose
    holiday table is not yet known is estimated the same way, rule T5)."""
    try:
        return periods.due(p10, published).on
    except CalendarYearUnknown as exc:
        return periods.estimate(p10, published, exc.year).on


# The P10 rows an entry may run, with the name its publication goes by in the deadline table
PERIODS = {"P10": PUBLISHED, "P10.person": PUBLISHED_PERSON, "P10.warning": PUBLISHED_WARNING}


def publication_period(entry: Entry, at: datetime) -> tuple[str, date | None]:
    """Rule P10: how long the entry stays up, by the agency's settings in force when it is published: the general
    period, or the shorter one for a natural person or for a penalty of a warning only, whichever ends first.
    Gives the name the publication goes by (it opens that row) and the entry's 公示截止期."""
    keys = ["P10"]
    if entry.party_kind == content.PARTY_KINDS["individual"]:
        keys.append("P10.person")
    if entry.kind == EntryKind.PENALTY and entry.category == content.PENALTY_CATEGORY["warning"]:
        keys.append("P10.warning")
    ends = [(_public_until(deadline_rule(BY_KEY[k], entry.agency_id, at), at), k) for k in keys]
    until, key = min(ends, key=lambda e: (e[0] or date.max, keys.index(e[1])))
    return PERIODS[key], until


def publish_entry(*, actor: User, entry: Entry) -> Entry:
    """发布审核 passed: the entry is published (meets P2/P3), goes into the public log, and its period runs (P10)."""
    with transaction.atomic():
        entry = Entry.objects.select_for_update().select_related("case", "agency").get(pk=entry.pk)
        if entry.status != EntryStatus.DRAFT:
            raise InvalidInput(f"该公示条目状态为“{EntryStatus(entry.status).label}”，不能发布")
        _check_reviewer(actor, entry)
        _needs_decision(entry)
        ledger.lock_log()
        _fill(entry, content.draft_values(entry.case, entry.decided_on, _marked(entry.case)))
        now = timezone.now()
        name, entry.public_until = publication_period(entry, now)
        entry.status, entry.reviewed_by, entry.published_at = EntryStatus.PUBLISHED, actor, now
        entry.content_sha256 = content.content_hash(content.public_record(entry))
        entry.save()
        leaf, cp = log.append(entry, "publish", entry.content_sha256)
        _event(actor, "disclosure.published", entry, {"leaf": leaf.index}, [name], [entry, leaf, cp])
    return entry


def withhold_entry(*, actor: User, entry: Entry, reason: str) -> Entry:
    """The agency decides an entry must not be published (secrets, minors, the law): recorded with why."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("请填写不予公示的理由")
    with transaction.atomic():
        entry = Entry.objects.select_for_update().select_related("case").get(pk=entry.pk)
        if entry.status != EntryStatus.DRAFT:
            raise InvalidInput(f"该公示条目状态为“{EntryStatus(entry.status).label}”，不能决定不予公示")
        _check_reviewer(actor, entry)
        entry.status, entry.withheld_reason, entry.reviewed_by = EntryStatus.WITHHELD, reason, actor
        entry.save(update_fields=["status", "withheld_reason", "reviewed_by"])
        _event(actor, "disclosure.withheld", entry, {"reason": "agency"}, [WITHHELD], [entry])
    return entry


def mark_changed(*, actor: Any, entry: Entry) -> None:
    """The published decision was corrected: the entry must be updated within 20 working days (rule P4)."""
    entry.changed_at = timezone.now()
    if isinstance(actor, User):
        entry.drafted_by = actor
    entry.save(update_fields=["changed_at", "drafted_by"])
    _event(actor, "disclosure.changed", entry, {}, [CHANGED], [entry])


def publish_update(*, actor: User, entry: Entry) -> Entry:
    """The changed decision's entry, reviewed by someone other than who changed it, replaces the published one
    (rules P4, P11); the public log records the update."""
    with transaction.atomic():
        entry = Entry.objects.select_for_update().select_related("case", "agency").get(pk=entry.pk)
        if entry.status != EntryStatus.PUBLISHED or entry.changed_at is None:
            raise InvalidInput("该公示条目没有待更新的变更")
        _check_reviewer(actor, entry)
        ledger.lock_log()
        _fill(entry, content.draft_values(entry.case, entry.decided_on, _marked(entry.case)))
        entry.revision += 1
        entry.changed_at, entry.reviewed_by = None, actor
        entry.content_sha256 = content.content_hash(content.public_record(entry))
        entry.save()
        leaf, cp = log.append(entry, "update", entry.content_sha256)
        _event(actor, "disclosure.updated", entry, {"leaf": leaf.index}, [UPDATED], [entry, leaf, cp])
    return entry


def record_revocation(*, actor: User, entry: Entry, ground: str, reason: str) -> Entry:
    """The decision was revoked, confirmed illegal or redone: the take-down period runs (rule P6, 3 working days
    for a penalty under 处罚法48, the agency's 7 or fewer otherwise)."""
    if ground not in REVOCATION_GROUNDS:
        raise InvalidInput(f"撤下事由须为：{'、'.join(REVOCATION_GROUNDS.values())}")
    if not reason.strip():
        raise InvalidInput("请写明撤销、确认违法或重新作出的决定（文号、机关）")
    with transaction.atomic():
        entry = Entry.objects.select_for_update().select_related("case").get(pk=entry.pk)
        if entry.status != EntryStatus.PUBLISHED:
            raise InvalidInput("只有已公示的条目需要撤下")
        if not allowed(actor, Action.CASE_WORK, entry.case) and not allowed(actor, Action.APPROVE, entry.case):
            raise RuleViolation("P6", rule("P6").source, "无权办理该案件的公示撤下")
        entry.revoked_ground, entry.takedown_reason = ground, f"{REVOCATION_GROUNDS[ground]}：{reason.strip()}"
        entry.save(update_fields=["revoked_ground", "takedown_reason"])
        name = REVOKED_PENALTY if entry.kind == EntryKind.PENALTY else REVOKED
        _event(actor, "disclosure.revoked", entry, {"ground": ground}, [name], [entry])
    return entry


def take_down(*, actor: Any, entry: Entry, reason: str = "", expired: bool = False) -> Entry:
    """The entry comes down; its page shows the reason in its place, and the public log records it (P6, P10)."""
    with transaction.atomic():
        entry = Entry.objects.select_for_update().select_related("case").get(pk=entry.pk)
        if entry.status != EntryStatus.PUBLISHED:
            raise InvalidInput("只有已公示的条目可以撤下")
        if isinstance(actor, User):
            _check_reviewer(actor, entry)
        ledger.lock_log()
        entry.status = EntryStatus.EXPIRED if expired else EntryStatus.TAKEN_DOWN
        entry.takedown_reason = "公示期满" if expired else (entry.takedown_reason or reason.strip())
        if not entry.takedown_reason:
            raise InvalidInput("请填写撤下理由")
        entry.taken_down_at = timezone.now()
        entry.save()
        leaf, cp = log.append(entry, "take_down", entry.content_sha256, reason=entry.takedown_reason)
        body = {"leaf": leaf.index, "expired": expired}
        _event(actor, "disclosure.taken_down", entry, body, [TAKEN_DOWN], [entry, leaf, cp])
    return entry


def expire_entries(now: datetime | None = None) -> int:
    """Entries past their 公示截止期 come down by themselves (rule P10)."""
    today = (now or timezone.now()).astimezone(periods.LOCAL).date()
    n = 0
    for entry in Entry.objects.filter(status=EntryStatus.PUBLISHED, public_until__lt=today):
        take_down(actor=ledger.SYSTEM, entry=entry, expired=True)
        n += 1
    return n


def request_correction(*, entry: Entry, requester: str, contact: str, text: str) -> CorrectionRequest:
    """A written request from the public to correct a published entry: registered, 5 working days (rule P5)."""
    requester, contact, text = requester.strip(), contact.strip(), text.strip()
    missing = [label for label, v in (("申请人", requester), ("联系方式", contact), ("更正内容", text)) if not v]
    if missing:
        raise InvalidInput(f"请填写：{'、'.join(missing)}")
    if len(requester) > 100 or len(contact) > 100 or len(text) > 2000:
        raise InvalidInput("申请人、联系方式不超过100字，更正内容不超过2000字")
    with transaction.atomic():
        if entry.status != EntryStatus.PUBLISHED:
            raise InvalidInput("该条目未在公示中，不能申请更正")
        req = CorrectionRequest.objects.create(
            entry=entry, requester=requester, contact=contact, content=text, received_at=timezone.now()
        )
        ledger.append(
            actor=PUBLIC,
            action="disclosure.correction_requested",
            subject_type="correction_request",
            subject_id=req.pk,
            case_ref=entry.case_id,
            body={"entry": entry.pk, "deadline_events": [CORRECTION_REQUESTED]},
            rows=[req],
        )
    return req


def handle_correction(*, actor: User, request: CorrectionRequest, corrected: bool, reply: str) -> CorrectionRequest:
    """The request is checked and answered (rule P5); a correction itself goes through the decision's correction
    and the entry's update (P4, P11)."""
    if not reply.strip():
        raise InvalidInput("请填写核实处理意见")
    with transaction.atomic():
        req = CorrectionRequest.objects.select_for_update().select_related("entry__case").get(pk=request.pk)
        if req.status != CorrectionStatus.RECEIVED:
            raise InvalidInput("该更正申请已处理")
        if not allowed(actor, Action.APPROVE, req.entry.case):
            raise RuleViolation("P5", rule("P5").source, "只有承办机构负责人或机关负责人可以处理更正申请")
        req.status = CorrectionStatus.CORRECTED if corrected else CorrectionStatus.REJECTED
        req.reply, req.handled_by, req.handled_at = reply.strip(), actor, timezone.now()
        req.save()
        ledger.append(
            actor=actor,
            action="disclosure.correction_handled",
            subject_type="correction_request",
            subject_id=req.pk,
            case_ref=req.entry.case_id,
            body={"entry": req.entry_id, "corrected": corrected, "deadline_events": [CORRECTION_HANDLED]},
            rows=[req],
        )
    return req


# --- the ledger subscriber -------------------------------------------------------------------------------


def on_ledger_event(event: Event, body: dict[str, Any]) -> None:
    """A decision made drafts its entry; its decision document finalised later fills the draft in; a corrected
    decision that is already published opens its update (P4)."""
    if event.case_ref is None or event.action not in {"case.transition", "document.finalised"}:
        return
    if event.action == "document.finalised" and body.get("type") not in DECISION_DOCUMENTS:
        return  # most finalised documents are not decisions: no query for them
    case = Case.objects.only("id", "procedure", "agency_id", "case_no").get(pk=event.case_ref)
    if event.action == "case.transition":
        deciding = body.get("action") in content.DECIDING.get(case.procedure_enum, set())
        if deciding and not Entry.objects.filter(case=case).exists():
            actor = User.objects.filter(pk=event.actor_id).first() if event.actor_id else None
            draft_entry(actor=actor, case=case, decided_at=event.at)
        return
    if body.get("type") != content.DECISION_TYPES.get(case.procedure_enum):
        return
    for entry in Entry.objects.filter(case=case).select_related("case"):
        if entry.status == EntryStatus.DRAFT:
            refresh_draft(entry)
        elif entry.status == EntryStatus.PUBLISHED and int(body.get("version") or 1) > 1 and entry.changed_at is None:
            changed_by = User.objects.filter(pk=event.actor_id).first() if event.actor_id else None
            mark_changed(actor=changed_by or ledger.SYSTEM, entry=entry)


def publish_statistics(*, actor: User, agency: Any, year: int, now: datetime | None = None) -> Any:
    """The previous year's tables, as they stand now, published on the portal (rules P7, P12)."""
    from liuhen.disclosure import statistics
    from liuhen.disclosure.models import AnnualStatistics

    now = now or timezone.now()
    if actor.agency_id != agency.pk or not allowed(actor, Action.APPROVE):
        raise RuleViolation("P7", rule("P7").source, "只有本机关的负责人可以公布年度统计数据")
    if not 2000 <= year < now.astimezone(periods.LOCAL).year:
        raise InvalidInput("只能公布已结束年度的统计数据")
    with transaction.atomic():
        row = AnnualStatistics.objects.create(
            agency=agency, year=year, tables=statistics.snapshot(agency, year), published_by=actor, published_at=now
        )
        ledger.append(
            actor=actor,
            action="disclosure.statistics_published",
            subject_type="annual_statistics",
            subject_id=row.pk,
            body={
                "agency": agency.pk,
                "year": year,
                "deadline_events": [STATISTICS_PUBLISHED],  # meets the year's P7 row, whenever it is
                "deadline_subject": f"year:{year}",
            },
            rows=[row],
        )
    return row


def statistics_status(agency: Any, year: int, today: date) -> str:
    """Rule P7: published by 31 January of the next year, or late, or still due."""
    from liuhen.disclosure import statistics
    from liuhen.disclosure.models import AnnualStatistics

    due = statistics.due_on(year)
    first = AnnualStatistics.objects.filter(agency=agency, year=year).order_by("published_at").first()
    if first is not None:
        on = first.published_at.astimezone(periods.LOCAL).date()
        return f"已于{on:%Y-%m-%d}公布（{'按期' if on <= due else '逾期'}，截止{due:%Y-%m-%d}）"
    return f"未公布，已逾期（截止{due:%Y-%m-%d}）" if today > due else f"待公布（截止{due:%Y-%m-%d}）"
