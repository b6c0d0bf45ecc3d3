"""When a timed rule's period ends, and the calculators built on the same rules (E2, E3, SV6)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from liuhen.core import calendar
from liuhen.core.calendar import WorkCalendar
from liuhen.core.errors import CalendarYearUnknown
from liuhen.core.rules.deadlines import BY_KEY, DeadlineRule, PeriodUnit

LOCAL = ZoneInfo("Asia/Shanghai")  # brief, principle 4: stored in UTC, counted in Asia/Shanghai


@dataclass(frozen=True)
class Due:
    """The end of a period: an exact time (hour periods) or the last day of it (all others)."""

    at: datetime | None = None
    on: date | None = None
    unverified_year: int | None = None  # rule T5: computed past the holiday table, see estimate()


def _on(cal: WorkCalendar, rule: DeadlineRule, start: date) -> date:
    n = rule.period
    match rule.unit:
        case PeriodUnit.WORKDAYS:
            return cal.add_workdays(start, n)
        case PeriodUnit.DAYS:
            return cal.add_days(start, n)
        case PeriodUnit.MONTHS:
            return cal.add_months(start, n)
        case PeriodUnit.YEARS:
            return cal.add_months(start, 12 * n)
        case PeriodUnit.FIXED_DATE:
            return date(start.year + 1, n // 100, n % 100)  # a fixed date of the next year; no T2 shift
    raise ValueError(f"{rule.key}: unit {rule.unit} has no date")


def due(
    rule: DeadlineRule,
    start: datetime | date,
    cal: WorkCalendar | None = None,
    *,
    recorded: int | date | None = None,
) -> Due:
    """The end of ``rule``'s period for an event at ``start`` (rules T1–T4).

    ``recorded`` is what the case's record sets (the row's ``set_by``): a number of days, which can only shorten
    the period the law allows, or the last day named in a document (RECORDED_DATE, moved off a rest day by T2).
    """
    cal = cal or calendar.current()
    if rule.unit == PeriodUnit.RECORDED_DATE:
        if not isinstance(recorded, date):
            raise ValueError(f"{rule.key} ends on the day its document names, and none was given")
        return Due(on=cal.next_workday(recorded))
    if isinstance(recorded, int) and not isinstance(recorded, bool) and 0 < recorded < rule.period:
        rule = replace(rule, period=recorded)
    if rule.unit == PeriodUnit.HOURS:
        if not isinstance(start, datetime):
            raise ValueError(f"{rule.key} counts hours and needs the exact time of the event (T4)")
        return Due(at=calendar.add_hours(start, rule.period))
    local = start.astimezone(LOCAL).date() if isinstance(start, datetime) else start
    return Due(on=_on(cal, rule, local))


def estimate(
    rule: DeadlineRule,
    start: datetime | date,
    unknown_year: int,
    cal: WorkCalendar | None = None,
    *,
    recorded: int | date | None = None,
) -> Due:
    """rule T5's second form: a deadline past the known holiday table, flagged as unverified.

    The unknown years count weekends only, and the result carries the year so that it is shown as an
    estimate until the State Council's schedule for that year is imported (then it is recomputed).
    """
    cal = cal or calendar.current()
    guess = WorkCalendar(days=cal.days, years=cal.years | set(range(unknown_year, unknown_year + 60)))
    d = due(rule, start, guess, recorded=recorded)
    return Due(at=d.at, on=d.on, unverified_year=unknown_year)


# --- calculators -------------------------------------------------------------------------------------

SURCHARGE_RATE = Decimal("0.03")  # rule E2 (处罚法72): 3 % of the fine per day, never more than the fine


def payment_due(served_on: date) -> date:
    """rule E2 (处罚法67): a fine is paid within 15 days of service."""
    d = due(BY_KEY["E2"], served_on).on
    assert d is not None
    return d


def late_surcharge(fine: Decimal, served_on: date, paid_on: date) -> Decimal:
    """rule E2 (处罚法72): the late-payment surcharge (加处罚款) owed when paying on ``paid_on``."""
    if fine < 0:
        raise ValueError("a fine cannot be negative")
    days_late = max(0, (paid_on - payment_due(served_on)).days)
    surcharge = min(fine * SURCHARGE_RATE * days_late, fine)
    return surcharge.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CourtWindow:
    earliest: date  # rule E3: not before 10 working days after the demand notice was served
    latest: date  # rule E3 (强制法53): within 3 months after the appeal periods lapse
    appeal_periods_lapse: date

    @property
    def open(self) -> bool:
        return self.earliest <= self.latest


def appeal_periods_lapse(decision_served_on: date, cal: WorkCalendar | None = None) -> date:
    """rule E3 (强制法53): the last day of the reconsideration and litigation periods (D6) of a served decision."""
    reconsideration = due(BY_KEY["D6.reconsideration"], decision_served_on, cal).on
    litigation = due(BY_KEY["D6.litigation"], decision_served_on, cal).on
    assert reconsideration and litigation
    return max(reconsideration, litigation)


def court_enforcement_window(decision_served_on: date, demand_served_on: date) -> CourtWindow:
    """rule E3: when an agency may apply to the court to enforce its decision."""
    cal = calendar.current()
    wait_end = due(BY_KEY["E3.wait"], demand_served_on).on
    lapse = appeal_periods_lapse(decision_served_on)
    assert wait_end
    latest = due(BY_KEY["E3.court"], lapse).on
    assert latest is not None
    earliest = cal.next_workday(wait_end + timedelta(days=1))
    return CourtWindow(
        earliest=max(earliest, cal.next_workday(lapse + timedelta(days=1))), latest=latest, appeal_periods_lapse=lapse
    )


def deemed_served_on(notice_on: date) -> date:
    """rule SV6 (民诉95): a public notice counts as served 30 days after it is made (T1, T2)."""
    d = due(BY_KEY["SV6"], notice_on).on
    assert d is not None
    return d


def limitation_end(ended_on: date, serious_harm: bool, cal: WorkCalendar | None = None) -> Due:
    """rule S6 (处罚法36): the last day a violation that ended on ``ended_on`` may still be taken up: 2 years, or 5
    where life, health or financial safety was harmed with consequences. Past the holiday table it is the
    flagged estimate of rule T5."""
    rule = BY_KEY["S6.serious" if serious_harm else "S6"]
    try:
        return due(rule, ended_on, cal)
    except CalendarYearUnknown as exc:
        return estimate(rule, ended_on, exc.year, cal)
