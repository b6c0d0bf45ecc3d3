"""How ledger events open and close deadline instances, written once for two books: the ``Deadline`` table (the
ledger subscriber) and memory (``liuhen verify``'s replay of the log, ``liuhen.deadlines.replay``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from liuhen.agency_settings.services import deadline_rule
from liuhen.core import periods
from liuhen.core.calendar import WorkCalendar
from liuhen.core.errors import CalendarYearUnknown
from liuhen.core.rules.agency_settings import runs_for_ever
from liuhen.core.rules.deadlines import BY_KEY, DeadlineKind, DeadlineRule, PeriodUnit, fulfilled_by, triggered_by
from liuhen.deadlines.models import Deadline, DeadlineStatus
from liuhen.documents.models import Document, DocumentStatus
from liuhen.ledger.envelope import format_at

# Whose periods: a case's (case id, None), or an agency's own duty that belongs to no case (None, agency id), e.g.
# the year's statistics (P7) or the update of its 事前公开 (P4)
Owner = tuple[int | None, int | None]


def owner_of(dl: Deadline) -> Owner:
    return (dl.case_id, None) if dl.case_id is not None else (None, dl.agency_id)


def _owned(owner: Owner) -> Any:
    case_id, agency_id = owner
    if case_id is not None:
        return Deadline.objects.filter(case_id=case_id)
    return Deadline.objects.filter(case__isnull=True, agency_id=agency_id or 0)


class Book:
    """Where deadline instances are kept: this base class is the ``Deadline`` table."""

    def open_exists(self, owner: Owner, rule_key: str, subject: str | None) -> bool:
        return _rows(owner, rule_key, subject).filter(status=DeadlineStatus.OPEN).exists()

    def latest(self, owner: Owner, rule_key: str, subject: str | None) -> Deadline | None:
        return _rows(owner, rule_key, subject).order_by("-started_at", "-id").first()

    def add(self, dl: Deadline) -> None:
        dl.save(force_insert=True)

    def open_of(self, owner: Owner, keys: list[str]) -> Iterable[Deadline]:
        return list(_owned(owner).filter(rule_key__in=keys, status=DeadlineStatus.OPEN))

    def unverified(self, years: list[int]) -> Iterable[Deadline]:
        return list(Deadline.objects.filter(unverified_year__in=years).order_by("id"))

    def changed(self, dl: Deadline, fields: list[str]) -> None:
        dl.save(update_fields=fields)


def _rows(owner: Owner, rule_key: str, subject: str | None) -> Any:
    qs = _owned(owner).filter(rule_key=rule_key)
    return qs if subject is None else qs.filter(subject=subject)


TABLE = Book()


@dataclass
class Context:
    """What a period depends on beside the event: the case (``None`` for an agency's own duty), the holiday table
    and the documents in force when the event was recorded (``None``: now, as the subscriber sees it)."""

    case_id: int | None
    procedure: str
    agency_id: int
    book: Book = TABLE
    cal: WorkCalendar | None = None
    as_of: datetime | None = None

    @property
    def owner(self) -> Owner:
        return (self.case_id, None) if self.case_id is not None else (None, self.agency_id)


def recorded_value(ctx: Context, rule: DeadlineRule) -> int | date | None:
    """What the case's finalised document says of this row's period (the row's ``set_by``), if anything: the
    newest one finalised by the time the event was recorded."""
    if not rule.set_by or ctx.case_id is None:
        return None
    code, name = rule.set_by.split(".", 1)
    qs = Document.objects.filter(case_id=ctx.case_id, doc_type=code, status=DocumentStatus.FINAL)
    if ctx.as_of is not None:
        qs = qs.filter(finalised_at__lte=ctx.as_of)
    doc = qs.order_by("-finalised_at", "-id").first()
    value = doc.values.get(name) if doc is not None else None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def due(rule: DeadlineRule, start: datetime | Any, recorded: int | date | None, cal: WorkCalendar | None) -> Any:
    try:
        return periods.due(rule, start, cal, recorded=recorded)
    except CalendarYearUnknown as exc:  # rule T5: never a silent guess, a flagged estimate
        return periods.estimate(rule, start, exc.year, cal, recorded=recorded)


# A row whose period is set per case by another app's record (the 案卷's own 保管期限, rule R6), by row key
_PERIODS: dict[str, Callable[[int], int | None]] = {}


def provide_period(rule_key: str, period_of: Callable[[int], int | None]) -> None:
    """``period_of(case_id)`` gives the case's period for this row (in its unit), or None for the agency's."""
    _PERIODS[rule_key] = period_of


def case_period(ctx: Context, rule: DeadlineRule) -> DeadlineRule:
    provider = _PERIODS.get(rule.key)
    value = provider(ctx.case_id) if provider is not None and ctx.case_id is not None else None
    return rule if value is None else replace(rule, period=value)


def _subject(rule: DeadlineRule, subject: str) -> str | None:
    """The subject a row's instances are kept per (one request of many), or ``None``: all of the case's."""
    return subject if rule.per_subject else None


def _start(ctx: Context, rule: DeadlineRule, trigger: str, happened: datetime, subject: str = "") -> Any:
    """Where a period starts: the event's time, the day another period ended (``due:``), or, for a row that
    ``runs_from`` another, the last day of that row's latest period on this case (强制法25, 信息公开条例33)."""
    if rule.runs_from:
        before = ctx.book.latest(ctx.owner, rule.runs_from, _subject(rule, subject))
        if before is not None and before.due_on is not None:
            return before.due_on
        if before is not None and before.due_at is not None:
            return before.due_at
    return happened.astimezone(periods.LOCAL).date() if trigger.startswith("due:") else happened


def natural_key(dl: Deadline) -> dict[str, Any]:
    """What names one deadline instance in events and in verify's findings (its id is the table's own)."""
    return {
        "rule_key": dl.rule_key,
        "subject": dl.subject,
        "trigger_seq": dl.trigger_seq,
        "started_at": format_at(dl.started_at),
    }


def ends_at(dl: Deadline) -> datetime:
    """The moment a period is over: the exact time, or the end of its last day in Asia/Shanghai."""
    if dl.due_at is not None:
        return dl.due_at
    assert dl.due_on is not None
    return datetime.combine(dl.due_on + timedelta(days=1), time(0), periods.LOCAL)


def open_period(
    ctx: Context, rule: DeadlineRule, trigger: str, started_at: datetime, seq: int | None, subject: str = ""
) -> None:
    mine = _subject(rule, subject)
    if ctx.book.open_exists(ctx.owner, rule.key, mine):
        return  # the period already runs; a repeated trigger does not restart it
    # the agency's period in force when the trigger happened: a later change of the setting never moves it
    rule = case_period(ctx, deadline_rule(rule, ctx.agency_id, started_at))
    if runs_for_ever(rule):
        return  # a record kept 永久 (R6) has no end to count to
    start = _start(ctx, rule, trigger, started_at, subject)
    recorded = recorded_value(ctx, rule)
    if rule.unit == PeriodUnit.RECORDED_DATE and recorded is None:
        return  # the document names no day (it cannot be finalised without one)
    d = due(rule, start, recorded, ctx.cal)
    if isinstance(start, date) and not isinstance(start, datetime):
        started_at = datetime.combine(start, time(0), periods.LOCAL)
    ctx.book.add(
        Deadline(
            case_id=ctx.case_id,
            agency_id=ctx.agency_id if ctx.case_id is None else None,
            rule_key=rule.key,
            rule_id=rule.rule_id,
            kind=rule.kind,
            trigger=trigger,
            trigger_seq=seq,
            started_at=started_at,
            due_at=d.at,
            due_on=d.on,
            unverified_year=d.unverified_year,
            subject=mine or "",
        )
    )
    follow = f"due:{rule.key}"
    for chained in triggered_by(follow, ctx.procedure):
        end = d.at or datetime.combine(d.on, time(0), periods.LOCAL)
        open_period(ctx, chained, follow, end, seq)


def close_periods(ctx: Context, name: str, at: datetime, seq: int, subject: str = "") -> None:
    keys = [r.key for r in fulfilled_by(name)]
    if not keys:
        return
    for dl in ctx.book.open_of(ctx.owner, keys):
        if BY_KEY[dl.rule_key].per_subject and dl.subject != subject:
            continue  # another request's period
        in_time = at < ends_at(dl)
        if dl.kind == DeadlineKind.WAITING:
            dl.status = DeadlineStatus.EARLY if in_time else DeadlineStatus.MET
        elif dl.kind == DeadlineKind.RETENTION:
            dl.status = DeadlineStatus.EARLY if in_time else DeadlineStatus.ENDED
        else:
            dl.status = DeadlineStatus.MET if in_time else DeadlineStatus.LATE
        dl.closed_at, dl.closed_by_seq = at, seq
        ctx.book.changed(dl, ["status", "closed_at", "closed_by_seq"])


def recompute(
    book: Book,
    years: list[int],
    ctx_of: Callable[[Deadline], Context],
    cal: WorkCalendar | None = None,
) -> int:
    """After a year's schedule is imported, estimates in that year become real deadlines (rule T5).
    ``ctx_of(deadline)`` gives a deadline's context (its case's, or its agency's)."""
    n = 0
    for dl in book.unverified(years):
        ctx = ctx_of(dl)
        rule = case_period(ctx, deadline_rule(BY_KEY[dl.rule_key], ctx.agency_id, dl.started_at))
        start: Any = (
            dl.started_at.astimezone(periods.LOCAL).date()
            if dl.trigger.startswith("due:") or rule.runs_from
            else dl.started_at
        )
        d = due(rule, start, recorded_value(ctx, rule), cal)
        dl.due_at, dl.due_on, dl.unverified_year = d.at, d.on, d.unverified_year
        book.changed(dl, ["due_at", "due_on", "unverified_year"])
        n += 1
    return n
