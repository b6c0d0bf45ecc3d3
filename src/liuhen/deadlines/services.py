"""Deadlines follow the ledger: a trigger event opens one, a fulfilling event closes it; a scan alerts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from liuhen.accounts.models import Role, User
from liuhen.agency_settings.services import deadline_rule
from liuhen.cases.models import Case
from liuhen.core import periods
from liuhen.core.errors import CalendarYearUnknown
from liuhen.core.rules.agency_settings import runs_for_ever
from liuhen.core.rules.deadlines import BY_KEY, DeadlineKind, DeadlineRule, PeriodUnit, fulfilled_by, triggered_by
from liuhen.deadlines.calendar_store import ensure_calendar
from liuhen.deadlines.models import Alert, AlertLevel, Deadline, DeadlineStatus
from liuhen.documents.models import Document, DocumentStatus
from liuhen.ledger.models import Event

log = logging.getLogger("liuhen.deadlines")

DUE_SOON_WORKDAYS = 2  # alert officers this many working days ahead
DUE_SOON_HOURS = 6  # and this many hours ahead of an hour period's end


# What a recording's ingest is called in the deadline table (rules R1, R5): recorded (or back from remote duty,
# when that was given), then uploaded
MEDIA_NAMES = ("media:recorded", "media:returned", "media:uploaded")


def event_names(event: Event, body: dict[str, Any]) -> list[str]:
    """The names a ledger event goes by in the deadline table."""
    action = event.action
    if action == "media.ingested":
        if body.get("returned_at"):
            return ["media:returned", "media:uploaded"]
        return ["media:recorded", "media:uploaded"] if body.get("recorded_to") else ["media:uploaded"]
    if action == "case.transition":
        return [f"transition:{body.get('action')}"]
    if action == "case.act_recorded":
        return [f"act:{body.get('kind')}"]
    if action == "approval.proposed":
        return [f"approval:{body.get('kind')}:proposed"]
    if action == "approval.approver_signed" and body.get("status") == "approved":
        return [f"approval:{body.get('kind')}:approved"]
    if action == "document.finalised" and body.get("version") == 1:  # a correction does not happen again
        return [f"document:{body.get('type')}"]
    if action in {"case.created", "case.violation_recorded"} and body.get("violation_ended_on"):
        return ["case:violation_ended_serious" if body.get("serious_harm") else "case:violation_ended"]  # rule S6
    if action.startswith("disclosure."):  # rules P2–P6, P10: each disclosure event lists what it opens or meets
        return [str(name) for name in body.get("deadline_events", ())]
    if action.startswith("view_request."):  # rule R15
        return [f"view_request:{action.removeprefix('view_request.')}"]
    return []


def recorded_value(case: Case, rule: DeadlineRule) -> int | date | None:
    """What the case's finalised document says of this row's period (the row's ``set_by``), if anything."""
    if not rule.set_by:
        return None
    code, field = rule.set_by.split(".", 1)
    doc = (
        Document.objects.filter(case=case, doc_type=code, status=DocumentStatus.FINAL)
        .order_by("-finalised_at", "-id")
        .first()
    )
    value = doc.values.get(field) if doc is not None else None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _due(rule: DeadlineRule, start: datetime | Any, recorded: int | date | None = None) -> periods.Due:
    try:
        return periods.due(rule, start, recorded=recorded)
    except CalendarYearUnknown as exc:  # rule T5: never a silent guess, a flagged estimate
        return periods.estimate(rule, start, exc.year, recorded=recorded)


def _mine(rule: DeadlineRule, subject: str) -> dict[str, str]:
    """The filter that picks a row's instances: all of the case's, or the subject's own (one request of many)."""
    return {"subject": subject} if rule.per_subject else {}


def _start(case: Case, rule: DeadlineRule, trigger: str, happened: datetime, subject: str = "") -> Any:
    """Where a period starts: the event's time, the day another period ended (``due:``), or, for a row that
    ``runs_from`` another, the last day of that row's latest period on this case (强制法25, 信息公开条例33)."""
    if rule.runs_from:
        before = (
            Deadline.objects.filter(case=case, rule_key=rule.runs_from, **_mine(rule, subject))
            .order_by("-started_at", "-id")
            .first()
        )
        if before is not None and before.due_on is not None:
            return before.due_on
        if before is not None and before.due_at is not None:
            return before.due_at
    return happened.astimezone(periods.LOCAL).date() if trigger.startswith("due:") else happened


def ends_at(dl: Deadline) -> datetime:
    """The moment a period is over: the exact time, or the end of its last day in Asia/Shanghai."""
    if dl.due_at is not None:
        return dl.due_at
    assert dl.due_on is not None
    return datetime.combine(dl.due_on + timedelta(days=1), time(0), periods.LOCAL)


def _open(
    case: Case, rule: DeadlineRule, trigger: str, started_at: datetime, seq: int | None, subject: str = ""
) -> None:
    mine = _mine(rule, subject)
    if Deadline.objects.filter(case=case, rule_key=rule.key, status=DeadlineStatus.OPEN, **mine).exists():
        return  # the period already runs; a repeated trigger does not restart it
    # the agency's period in force when the trigger happened: a later change of the setting never moves it
    rule = deadline_rule(rule, case.agency_id, started_at)
    if runs_for_ever(rule):
        return  # a record kept 永久 (R6) has no end to count to
    start = _start(case, rule, trigger, started_at, subject)
    if rule.unit == PeriodUnit.RECORDED_DATE and recorded_value(case, rule) is None:
        return  # the document names no day (it cannot be finalised without one)
    d = _due(rule, start, recorded_value(case, rule))
    if isinstance(start, date) and not isinstance(start, datetime):
        started_at = datetime.combine(start, time(0), periods.LOCAL)
    Deadline.objects.create(
        case=case,
        rule_key=rule.key,
        rule_id=rule.rule_id,
        kind=rule.kind,
        trigger=trigger,
        trigger_seq=seq,
        started_at=started_at,
        due_at=d.at,
        due_on=d.on,
        unverified_year=d.unverified_year,
        subject=mine.get("subject", ""),
    )
    follow = f"due:{rule.key}"
    for chained in triggered_by(follow, case.procedure):
        end = d.at or datetime.combine(d.on, time(0), periods.LOCAL)  # type: ignore[arg-type]
        _open(case, chained, follow, end, seq)


def _close(case: Case, name: str, at: datetime, seq: int, subject: str = "") -> None:
    keys = [r.key for r in fulfilled_by(name)]
    if not keys:
        return
    for dl in Deadline.objects.filter(case=case, rule_key__in=keys, status=DeadlineStatus.OPEN):
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
        dl.save(update_fields=["status", "closed_at", "closed_by_seq"])


def happened_at(event: Event, body: dict[str, Any], name: str = "") -> datetime:
    """When the recorded thing happened: an act's own time (recorded later, it still counts from then, T4); for a
    recording, when it ended or its officer returned (R1), and the upload at the event's own time; for a
    violation, the day it ended (S6)."""
    ended = body.get("violation_ended_on")  # rule S6: the limitation runs from the day the violation ended
    if event.action in {"case.created", "case.violation_recorded"} and isinstance(ended, str):
        try:
            return datetime.combine(date.fromisoformat(ended), time(0), periods.LOCAL)
        except ValueError:
            pass
    field = {"media:recorded": "recorded_to", "media:returned": "returned_at"}.get(name, "occurred_at")
    occurred = body.get(field)
    if isinstance(occurred, str):
        try:
            return datetime.fromisoformat(occurred.replace("Z", "+00:00"))
        except ValueError:
            pass
    return event.at


def on_ledger_event(event: Event, body: dict[str, Any]) -> None:
    """Ledger subscriber: open and close deadlines in the transaction that records the event."""
    if event.case_ref is None:
        return
    names = event_names(event, body)
    if not names:
        return
    ensure_calendar()
    case = Case.objects.only("id", "procedure", "agency_id").get(pk=event.case_ref)
    subject = f"{event.subject_type}:{event.subject_id}"
    for name in names:
        when = happened_at(event, body, name)
        _close(case, name, when, event.seq, subject)
        for rule in triggered_by(name, case.procedure):
            _open(case, rule, name, when, event.seq, subject)


def recompute_unverified(years: list[int]) -> int:
    """After a year's schedule is imported, estimates in that year become real deadlines (rule T5)."""
    n = 0
    for dl in Deadline.objects.filter(unverified_year__in=years).select_related("case"):
        rule = deadline_rule(BY_KEY[dl.rule_key], dl.case.agency_id, dl.started_at)
        start: Any = (
            dl.started_at.astimezone(periods.LOCAL).date()
            if dl.trigger.startswith("due:") or rule.runs_from
            else dl.started_at
        )
        d = _due(rule, start, recorded_value(dl.case, rule))
        dl.due_at, dl.due_on, dl.unverified_year = d.at, d.on, d.unverified_year
        dl.save(update_fields=["due_at", "due_on", "unverified_year"])
        n += 1
    return n


# --- scanning ----------------------------------------------------------------------------------------


@dataclass
class ScanResult:
    due_soon: int = 0
    overdue: int = 0
    ended: int = 0
    alerts: int = 0
    emailed: int = 0


def soon_limit(now: datetime) -> tuple[datetime, Any]:
    today = now.astimezone(periods.LOCAL).date()
    cal = ensure_calendar()
    try:
        day = cal.add_workdays(today, DUE_SOON_WORKDAYS)
    except CalendarYearUnknown:
        day = today + timedelta(days=DUE_SOON_WORKDAYS + 2)
    return now + timedelta(hours=DUE_SOON_HOURS), day


def recipients(dl: Deadline, level: str) -> list[User]:
    people = [co.user for co in dl.case.officers.select_related("user")]
    if level == AlertLevel.OVERDUE:  # the handling unit's head hears of what is overdue
        people += list(User.objects.filter(unit_id=dl.case.unit_id, role=Role.UNIT_HEAD, is_active=True))
    seen: dict[int, User] = {u.pk: u for u in people if u.is_active}
    return list(seen.values())


def alert_text(dl: Deadline, level: str) -> str:
    rule = BY_KEY[dl.rule_key]
    when = (
        timezone.localtime(dl.due_at).strftime("%Y-%m-%d %H:%M")
        if dl.due_at
        else dl.due_on.isoformat()
        if dl.due_on
        else ""
    )
    verb = "已于" if level == AlertLevel.OVERDUE else "将于"
    flag = f"（{dl.unverified_year}年节假日未导入，为估计值）" if dl.unverified_year else ""
    return f"{dl.case.case_no}：{rule.title}{verb}{when}届满{flag}（{rule.rule_id} {rule.source}）"


def scan(now: datetime | None = None) -> ScanResult:
    """End lapsed windows, and alert officers (in-app, and by e-mail when SMTP is set) of what is due."""
    now = now or timezone.now()
    result = ScanResult()
    soon_at, soon_on = soon_limit(now)
    with transaction.atomic():
        for dl in (
            Deadline.objects.filter(status=DeadlineStatus.OPEN)
            .exclude(kind=DeadlineKind.DEADLINE)
            .filter(Q(due_at__lte=now) | Q(due_on__lt=now.astimezone(periods.LOCAL).date()))
        ):
            dl.status, dl.closed_at = DeadlineStatus.ENDED, now
            dl.save(update_fields=["status", "closed_at"])
            result.ended += 1
        candidates = (
            Deadline.objects.select_related("case")
            .filter(status=DeadlineStatus.OPEN, kind=DeadlineKind.DEADLINE)
            .filter(Q(due_at__lte=soon_at) | Q(due_on__lte=soon_on))
        )
        for dl in candidates:
            level = AlertLevel.OVERDUE if now >= ends_at(dl) else AlertLevel.DUE_SOON
            if level == AlertLevel.OVERDUE:
                result.overdue += 1
            else:
                result.due_soon += 1
            for user in recipients(dl, level):
                _, created = Alert.objects.get_or_create(
                    deadline=dl, user=user, level=level, defaults={"message": alert_text(dl, level), "created_at": now}
                )
                result.alerts += int(created)
    result.emailed = retry_unsent_email(now)  # new alerts, and any whose mail failed before
    return result


def email_alerts(alerts: list[Alert], now: datetime) -> int:
    if not settings.EMAIL_ENABLED:
        return 0
    sent = 0
    for alert in alerts:
        if not alert.user.email:
            continue
        try:
            send_mail(
                f"【留痕】{alert.get_level_display()}：{alert.deadline.case.case_no}",
                alert.message,
                None,
                [alert.user.email],
                fail_silently=False,
            )
        except Exception as exc:  # the alert stays in-app; the mail is retried on the next scan
            log.warning("alert %s could not be mailed to %s: %s", alert.pk, alert.user.email, exc)
            continue
        Alert.objects.filter(pk=alert.pk).update(emailed_at=now)
        sent += 1
    return sent


def retry_unsent_email(now: datetime) -> int:
    pending = list(
        Alert.objects.select_related("user", "deadline__case").filter(
            emailed_at__isnull=True, created_at__gte=now - timedelta(days=3)
        )
    )
    return email_alerts(pending, now)


def mark_read(*, user: User, alert_id: int) -> None:
    Alert.objects.filter(pk=alert_id, user=user, read_at__isnull=True).update(read_at=datetime.now(UTC))
