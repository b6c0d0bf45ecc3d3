"""The law's calendar: official PRC working days, holidays and make-up working days (调休).

Rules (rules.md, T):
- T1 民诉85: the day an event happens is not counted; counting starts the next day.
- T2 民诉85: a period whose last day is a rest day ends on the first working day after it.
- T3 处罚法85, 强制法69: which periods count working days and which count calendar days; the rule table
  (``liuhen.core.rules.deadlines``) names the unit of every period, so no caller decides it.
- T4: hour periods run from the exact time of the event, rest days included.
- T5: the holiday table comes from the State Council's annual notice. A year the table does not know is
  refused with ``CalendarYearUnknown`` naming the year; weekdays are never guessed.

The official days come from the ``chinesecalendar`` package (2004 to the last year it ships). An agency adds
a year the package does not know yet (or corrects one) with ``liuhen calendar import``; the Django side
installs those days here with ``configure``. The functions below use the installed calendar.

Semantics (the brief's stable interface):
- ``add_workdays(d, n)`` is the n-th working day after ``d`` (T1: ``d`` itself is never counted). For
  ``n == 0`` it returns ``d`` unchanged: no period, so no shift. It is a working day for every n >= 1.
- ``add_days(d, n)`` is ``d + n`` calendar days (T1), moved forward to the next working day if that is a rest
  day (T2). ``add_days(d, 0)`` is ``d`` moved forward the same way.
- ``add_months(d, n)``: the same day of the month n months later, or the month's last day if it has no such
  day (民诉85 counts month periods to the corresponding day), then T2.
- ``add_hours(t, n)``: ``t + n`` hours exactly (T4).
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import MAXYEAR, MINYEAR, date, datetime, timedelta
from enum import StrEnum

from liuhen.core.errors import CalendarYearUnknown


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # 法定节假日 (and the rest days the schedule moves next to it)
    WORKDAY = "workday"  # 调休上班: a weekend day that is a working day


@dataclass(frozen=True)
class OfficialDay:
    on: date
    kind: DayKind
    name: str = ""


@dataclass
class WorkCalendar:
    """Working days for the years it knows: weekends, minus make-up working days, plus holidays."""

    days: dict[date, OfficialDay] = field(default_factory=dict)
    years: set[int] = field(default_factory=set)

    def knows(self, year: int) -> bool:
        return year in self.years

    def _check(self, d: date) -> None:
        if d.year not in self.years:
            raise CalendarYearUnknown(d.year)

    def is_workday(self, d: date) -> bool:
        self._check(d)
        special = self.days.get(d)
        if special is not None:
            return special.kind == DayKind.WORKDAY
        return d.weekday() < 5

    def next_workday(self, d: date) -> date:
        """``d`` if it is a working day, else the first working day after it (T2)."""
        while not self.is_workday(d):
            d += timedelta(days=1)
        return d

    def add_workdays(self, d: date, n: int) -> date:
        if n < 0:
            raise ValueError("a period cannot be negative")
        counted = 0
        while counted < n:
            d += timedelta(days=1)  # T1: counting starts the day after the event
            if self.is_workday(d):
                counted += 1
        return d

    def add_days(self, d: date, n: int) -> date:
        if n < 0:
            raise ValueError("a period cannot be negative")
        return self.next_workday(d + timedelta(days=n))

    def add_months(self, d: date, n: int) -> date:
        if n < 0:
            raise ValueError("a period cannot be negative")
        month_index = d.year * 12 + (d.month - 1) + n
        year, month = divmod(month_index, 12)
        last = _stdlib_calendar.monthrange(year, month + 1)[1]
        return self.next_workday(date(year, month + 1, min(d.day, last)))

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        count, d = 0, start
        while d < end:
            d += timedelta(days=1)
            if self.is_workday(d):
                count += 1
        return count

    def special_days(self, year: int) -> list[OfficialDay]:
        if not MINYEAR <= year <= MAXYEAR:
            raise CalendarYearUnknown(year)
        self._check(date(year, 1, 1))
        return sorted((v for k, v in self.days.items() if k.year == year), key=lambda o: o.on)


def official_calendar() -> WorkCalendar:
    """The State Council schedules shipped in ``chinesecalendar``."""
    import chinese_calendar

    days: dict[date, OfficialDay] = {}
    for d, name in chinese_calendar.holidays.items():
        days[d] = OfficialDay(d, DayKind.HOLIDAY, str(name or ""))
    for d, name in chinese_calendar.workdays.items():
        if d.weekday() >= 5:
            days[d] = OfficialDay(d, DayKind.WORKDAY, str(name or ""))
    years = {d.year for d in chinese_calendar.holidays}
    return WorkCalendar(days=days, years=years)


def with_overrides(base: WorkCalendar, overrides: Iterable[OfficialDay], years: Iterable[int]) -> WorkCalendar:
    """``base`` with an agency's imported days. Every imported year replaces the base's days of that year."""
    override_years = set(years)
    days = {d: o for d, o in base.days.items() if d.year not in override_years}
    for o in overrides:
        days[o.on] = o
    return WorkCalendar(days=days, years=base.years | override_years)


_installed: WorkCalendar | None = None


def current() -> WorkCalendar:
    global _installed
    if _installed is None:
        _installed = official_calendar()
    return _installed


def configure(cal: WorkCalendar) -> None:
    """Install the calendar the module functions use (the Django side adds imported years)."""
    global _installed
    _installed = cal


def is_workday(d: date) -> bool:
    return current().is_workday(d)


def add_workdays(d: date, n: int) -> date:
    return current().add_workdays(d, n)


def add_days(d: date, n: int) -> date:
    return current().add_days(d, n)


def add_months(d: date, n: int) -> date:
    return current().add_months(d, n)


def add_hours(t: datetime, n: int) -> datetime:
    """rule T4: hour periods run from the exact time, rest days included."""
    if n < 0:
        raise ValueError("a period cannot be negative")
    return t + timedelta(hours=n)
