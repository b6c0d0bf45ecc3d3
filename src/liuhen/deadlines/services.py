"""Deadlines follow the ledger: a trigger event opens one, a fulfilling event closes it; a scan alerts."""

from __future__ import annotations

import json
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
from liuhen.cases.models import Case
from liuhen.core import periods
from liuhen.core.errors import CalendarYearUnknown
from liuhen.core.rules.deadlines import BY_KEY, DeadlineKind, triggered_by
from liuhen.deadlines import engine
from liuhen.deadlines.calendar_store import ensure_calendar
from liuhen.deadlines.engine import ends_at
from liuhen.deadlines.models import Alert, AlertLevel, Deadline, DeadlineStatus
from liuhen.ledger import services as ledger
from liuhen.ledger.envelope import format_at
from liuhen.ledger.models import Event

__all__ = ["ENDED", "MEDIA_NAMES", "ends_at", "on_ledger_event", "recompute_unverified", "scan"]

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
    if action == "media.start_entered":  # a start entered after the upload (the file had none): R1 runs, and is met
        return ["media:recorded", "media:uploaded"]
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
    if action.startswith("archive."):  # rule R6: the disposal of a whole 案卷 names what it ends
        return [str(name) for name in body.get("deadline_events", ())]
    if action.startswith("view_request."):  # rule R15
        return [f"view_request:{action.removeprefix('view_request.')}"]
    if action == YEAR_ENDED:  # rule P7: the year is over for an agency, its statistics are due
        return ["calendar:year_end"]
    return []


def agency_of(event: Event, body: dict[str, Any]) -> int | None:
    """The agency whose own duty (no case's) an event opens or meets: named by the event's ``agency``."""
    if event.case_ref is not None:
        return None
    agency = body.get("agency")
    return agency if isinstance(agency, int) and not isinstance(agency, bool) else None


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
    names = event_names(event, body)
    if not names:
        return
    if event.case_ref is None:
        agency = agency_of(event, body)
        if agency is None:
            return
        ensure_calendar()
        apply_event(engine.Context(None, "", agency), event, body, names)
        return
    ensure_calendar()
    case = Case.objects.only("id", "procedure", "agency_id").get(pk=event.case_ref)
    ctx = engine.Context(case.pk, case.procedure, case.agency_id)
    apply_event(ctx, event, body, names)


def apply_event(ctx: engine.Context, event: Event, body: dict[str, Any], names: list[str]) -> None:
    # what a period runs per: the event's own subject, or what the event names (P7: the year the statistics are of)
    subject = str(body.get("deadline_subject") or f"{event.subject_type}:{event.subject_id}")
    for name in names:
        when = happened_at(event, body, name)
        engine.close_periods(ctx, name, when, event.seq, subject)
        for rule in triggered_by(name, ctx.procedure):
            engine.open_period(ctx, rule, name, when, event.seq, subject)


def context_of(dl: Deadline) -> engine.Context:
    if dl.case_id is None:
        assert dl.agency_id is not None
        return engine.Context(None, "", dl.agency_id)
    case = Case.objects.only("id", "procedure", "agency_id").get(pk=dl.case_id)
    return engine.Context(case.pk, case.procedure, case.agency_id)


def recompute_unverified(years: list[int]) -> int:
    """After a year's schedule is imported, estimates in that year become real deadlines (rule T5)."""
    return engine.recompute(engine.TABLE, years, context_of)


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


# Who meets an agency's own duty (no case's): those who may approve its publication (rules P4, P7, P11)
AGENCY_DUTY_ROLES = (Role.LEADER, Role.UNIT_HEAD)


def recipients(dl: Deadline, level: str) -> list[User]:
    case = dl.case
    if case is None:
        return list(User.objects.filter(agency_id=dl.agency_id or 0, role__in=AGENCY_DUTY_ROLES, is_active=True))
    people = [co.user for co in case.officers.select_related("user")]
    if level == AlertLevel.OVERDUE:  # the handling unit's head hears of what is overdue
        people += list(User.objects.filter(unit_id=case.unit_id, role=Role.UNIT_HEAD, is_active=True))
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
    return f"{owner_name(dl)}：{rule.title}{verb}{when}届满{flag}（{rule.rule_id} {rule.source}）"


def owner_name(dl: Deadline) -> str:
    """Whose period, in words: the case number, or for an agency's own duty its name and what it is of."""
    if dl.case is not None:
        return dl.case.case_no
    of = f"（{dl.subject.removeprefix('year:')}年度）" if dl.subject.startswith("year:") else ""
    return f"{dl.agency.name if dl.agency else ''}{of}"


YEAR_ENDED = "calendar.year_ended"  # an agency's year is over (rule P7: its statistics are due by 31 January)


def year_end_events(now: datetime) -> int:
    """At the first scan of a year, each agency's previous year is recorded as over (one event per agency and
    year), which opens its P7 row. Only years the instance was running in: an agency set up later owes nothing
    for a year before its first recorded event."""
    from liuhen.accounts.models import Agency

    year = now.astimezone(periods.LOCAL).year - 1
    end = datetime.combine(date(year + 1, 1, 1), time(0), periods.LOCAL)
    start = datetime.combine(date(year, 1, 1), time(0), periods.LOCAL)
    done = set()  # (agency, year) already recorded: one event per agency and year, read from what they name
    for subject_id, body in Event.objects.filter(action=YEAR_ENDED, subject_type="agency").values_list(
        "subject_id", "body"
    ):
        done.add((str(subject_id), json.loads(body).get("year")))
    n = 0
    for agency in Agency.objects.order_by("id"):
        if (str(agency.pk), year) in done:
            continue
        running = Event.objects.filter(
            action="agency.created", subject_type="agency", subject_id=str(agency.pk), at__lt=end
        ).exists()
        if not running:
            continue
        ledger.append(
            actor=ledger.SYSTEM,
            action=YEAR_ENDED,
            subject_type="agency",
            subject_id=agency.pk,
            body={
                "agency": agency.pk,
                "year": year,
                "deadline_subject": f"year:{year}",
                "occurred_at": format_at(end - timedelta(microseconds=1)),
                "since": format_at(start),
            },
        )
        n += 1
    return n


ENDED = "deadline.ended"  # the scan's record that windows lapsed: verify's replay ends them where the scan did


def end_lapsed(now: datetime) -> int:
    """A party's window, a waiting period or a retention minimum that ran out is over (期满): one recorded event
    per case names the periods it ends, so that the status and time can be rebuilt from the ledger."""
    lapsed = (
        Deadline.objects.filter(status=DeadlineStatus.OPEN)
        .exclude(kind=DeadlineKind.DEADLINE)
        .filter(Q(due_at__lte=now) | Q(due_on__lt=now.astimezone(periods.LOCAL).date()))
        .order_by("case_id", "agency_id", "id")
    )
    by_owner: dict[engine.Owner, list[Deadline]] = {}
    for dl in lapsed:
        by_owner.setdefault(engine.owner_of(dl), []).append(dl)
    for (case_id, agency_id), rows in by_owner.items():
        body = {"ended_at": format_at(now), "deadlines": [engine.natural_key(dl) for dl in rows]}
        event = ledger.append(
            actor=ledger.SYSTEM,
            action=ENDED,
            subject_type="case" if case_id is not None else "agency",
            subject_id=case_id if case_id is not None else agency_id,  # type: ignore[arg-type]
            case_ref=case_id,
            body=body if case_id is not None else {**body, "agency": agency_id},
        )
        for dl in rows:
            dl.status, dl.closed_at, dl.closed_by_seq = DeadlineStatus.ENDED, now, event.seq
            dl.save(update_fields=["status", "closed_at", "closed_by_seq"])
    return sum(len(rows) for rows in by_owner.values())


def scan(now: datetime | None = None) -> ScanResult:
    """End lapsed windows, and alert officers (in-app, and by e-mail when SMTP is set) of what is due."""
    now = now or timezone.now()
    result = ScanResult()
    soon_at, soon_on = soon_limit(now)
    with transaction.atomic():
        year_end_events(now)
        result.ended = end_lapsed(now)
        candidates = (
            Deadline.objects.select_related("case", "agency")
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
                f"【留痕】{alert.get_level_display()}：{owner_name(alert.deadline)}",
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
        Alert.objects.select_related("user", "deadline__case", "deadline__agency").filter(
            emailed_at__isnull=True, created_at__gte=now - timedelta(days=3)
        )
    )
    return email_alerts(pending, now)


def mark_read(*, user: User, alert_id: int) -> None:
    Alert.objects.filter(pk=alert_id, user=user, read_at__isnull=True).update(read_at=datetime.now(UTC))
