"""The law's calendar (rules T1–T5) on the official 2025 and 2026 schedules."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liuhen.core import calendar, periods
from liuhen.core.calendar import DayKind, OfficialDay
from liuhen.core.errors import CalendarYearUnknown
from liuhen.core.rules.deadlines import BY_KEY

pytestmark = pytest.mark.core
D = date.fromisoformat


@pytest.fixture(autouse=True)
def _official() -> None:
    calendar.configure(calendar.official_calendar())


@pytest.mark.parametrize(
    "start,n,expected,why",
    [
        # 2025 Spring Festival: 1.28–2.4 off; Sun 1.26 and Sat 2.8 are working days
        ("2025-01-24", 1, "2025-01-26", "调休 Sunday before the festival counts"),
        ("2025-01-27", 1, "2025-02-05", "the whole festival is skipped"),
        ("2025-02-07", 1, "2025-02-08", "调休 Saturday after the festival counts"),
        # 2025 Labour Day: 5.1–5.5 off; Sun 4.27 works
        ("2025-04-25", 1, "2025-04-27", "调休 Sunday"),
        ("2025-04-30", 1, "2025-05-06", "holiday skipped"),
        # 2025 National Day with Mid-Autumn: 10.1–10.8 off; Sun 9.28 and Sat 10.11 work
        ("2025-09-30", 3, "2025-10-11", "ends on the 调休 Saturday"),
        # 2026 Spring Festival: 2.15–2.23 off; Sat 2.14 and Sat 2.28 work
        ("2026-02-13", 1, "2026-02-14", "调休 Saturday before"),
        ("2026-02-12", 5, "2026-02-26", "across the festival"),
        ("2026-02-27", 1, "2026-02-28", "调休 Saturday after"),
        # 2026 Labour Day: 5.1–5.5 off; Sat 5.9 works
        ("2026-04-30", 1, "2026-05-06", "holiday skipped"),
        ("2026-05-08", 1, "2026-05-09", "调休 Saturday"),
        # 2026 National Day: 10.1–10.7 off (Mid-Autumn 9.25–9.27); Sun 9.20 and Sat 10.10 work
        ("2026-09-28", 7, "2026-10-13", "the acceptance example"),
        ("2026-09-18", 1, "2026-09-20", "调休 Sunday"),
        ("2026-09-24", 1, "2026-09-28", "Mid-Autumn weekend skipped"),
    ],
)
def test_add_workdays_across_holidays(start: str, n: int, expected: str, why: str) -> None:
    # rules T1 (the event day is not counted) and T3 (short periods are working days)
    assert calendar.add_workdays(D(start), n) == D(expected), why


@pytest.mark.parametrize(
    "start,n,expected",
    [
        ("2025-01-21", 7, "2025-02-05"),  # ends 1.28 in the Spring Festival: moved to the first working day (T2)
        ("2025-09-24", 7, "2025-10-09"),
        ("2026-04-20", 15, "2026-05-06"),  # ends 5.5, Labour Day
        ("2026-09-05", 30, "2026-10-08"),  # ends 10.5, National Day
        ("2026-02-13", 15, "2026-02-28"),  # ends on a 调休 Saturday, which is a working day: no move
        ("2026-03-02", 5, "2026-03-09"),  # ends Saturday 3.7: moved to Monday
    ],
)
def test_add_days_moves_a_rest_day_end_forward(start: str, n: int, expected: str) -> None:
    assert calendar.add_days(D(start), n) == D(expected)


def test_add_months_to_the_corresponding_day() -> None:
    assert calendar.add_months(D("2026-08-31"), 1) == D("2026-09-30")  # no 31 September: the month's last day
    assert calendar.add_months(D("2026-01-31"), 1) == D("2026-02-28")  # a 调休 Saturday: a working day
    assert calendar.add_months(D("2026-03-05"), 7) == D("2026-10-08")  # 10.5 is National Day (T2)


def test_is_workday() -> None:
    assert calendar.is_workday(D("2026-10-10"))  # 调休 Saturday
    assert not calendar.is_workday(D("2026-10-01"))
    assert not calendar.is_workday(D("2026-09-26"))  # Mid-Autumn Saturday
    assert calendar.is_workday(D("2026-09-21"))


def test_hours_run_from_the_exact_time_through_holidays() -> None:
    # rule T4: 24 h from 18:00 on 30 September ends 18:00 on National Day itself
    t = datetime(2026, 9, 30, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert calendar.add_hours(t, 24) == t + timedelta(hours=24)


def test_unknown_year_is_refused_naming_the_year() -> None:
    # rule T5: never a weekdays-only guess
    with pytest.raises(CalendarYearUnknown, match="2027"):
        calendar.add_workdays(D("2026-12-28"), 7)
    with pytest.raises(CalendarYearUnknown, match="2003"):
        calendar.is_workday(D("2003-05-01"))


def test_imported_year_is_used_and_overrides_the_package() -> None:
    days = [
        OfficialDay(D("2027-01-01"), DayKind.HOLIDAY, "元旦"),
        OfficialDay(D("2027-02-20"), DayKind.WORKDAY, "春节"),
    ]
    cal = calendar.with_overrides(calendar.official_calendar(), days, [2027])
    assert not cal.is_workday(D("2027-01-01")) and cal.is_workday(D("2027-02-20"))
    assert cal.add_workdays(D("2026-12-28"), 7) == D("2027-01-07")  # 12.29–31, (1.1 off), 1.4–1.7
    moved = calendar.with_overrides(cal, [OfficialDay(D("2026-10-12"), DayKind.HOLIDAY, "更正")], [2026])
    assert not moved.is_workday(D("2026-10-12")) and moved.is_workday(D("2026-10-01"))  # a year replaced whole


def test_add_workdays_zero_is_the_day_itself() -> None:
    assert calendar.add_workdays(D("2026-10-03"), 0) == D("2026-10-03")
    with pytest.raises(ValueError):
        calendar.add_workdays(D("2026-10-03"), -1)


known_days = st.dates(min_value=date(2005, 1, 1), max_value=date(2026, 6, 30))


@settings(max_examples=300, deadline=None)
@given(known_days, st.integers(1, 60))
def test_workday_properties(d: date, n: int) -> None:
    end = calendar.add_workdays(d, n)
    assert calendar.is_workday(end)  # the result is a working day
    assert end > d
    assert calendar.current().workdays_between(d, end) == n  # exactly n working days after d (T1)
    assert calendar.add_workdays(d, n + 1) > end  # strictly monotonic in n


@settings(max_examples=300, deadline=None)
@given(known_days, st.integers(0, 120))
def test_day_properties(d: date, n: int) -> None:
    end = calendar.add_days(d, n)
    assert calendar.is_workday(end) and end >= d + timedelta(days=n)
    between = [d + timedelta(days=n + i) for i in range((end - d).days - n)]
    assert not any(calendar.is_workday(x) for x in between)  # moved to the first working day, no further
    assert calendar.add_days(d, n + 1) >= end


def test_period_units_from_the_rule_table() -> None:
    # rule T3: the table decides the unit; D5's 5 days are working days, D7's 90 days calendar days
    assert periods.due(BY_KEY["D5.request"], D("2026-09-28")).on == D("2026-10-10")  # the 调休 Saturday
    assert periods.due(BY_KEY["D7"], D("2026-07-08")).on == D("2026-10-08")  # 10.6 is National Day
    t = datetime(2026, 9, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert periods.due(BY_KEY["S3"], t).at == t + timedelta(hours=24)
    assert periods.due(BY_KEY["P7"], D("2026-12-31")).on == D("2027-01-31")
    est = periods.estimate(BY_KEY["P2"], D("2026-12-28"), 2027)
    assert est.unverified_year == 2027 and est.on == D("2027-01-06")  # flagged, weekends only


def test_late_surcharge() -> None:
    # rule E2: due 15 days after service (T2), then 3 % a day, capped at the fine
    assert periods.payment_due(D("2026-09-20")) == D("2026-10-08")  # 10.5 falls in National Day
    assert periods.late_surcharge(Decimal("1000"), D("2026-09-20"), D("2026-10-08")) == Decimal("0.00")
    assert periods.late_surcharge(Decimal("1000"), D("2026-09-20"), D("2026-10-20")) == Decimal("360.00")
    assert periods.late_surcharge(Decimal("1000"), D("2026-01-05"), D("2026-06-01")) == Decimal("1000.00")
    assert periods.late_surcharge(Decimal("333.33"), D("2026-09-20"), D("2026-10-09")) == Decimal("10.00")


def test_court_enforcement_window() -> None:
    # rule E3: 10 working days after the demand notice, and within 3 months after the appeal periods lapse
    w = periods.court_enforcement_window(D("2026-01-05"), D("2026-03-02"))
    assert w.appeal_periods_lapse == D("2026-07-06")  # 6 months to 7.5, a Sunday (T2)
    assert w.earliest == D("2026-07-07") and w.latest == D("2026-10-08") and w.open
    late_demand = periods.court_enforcement_window(D("2026-01-05"), D("2026-09-28"))
    # 10 working days after 9.28 end on 10.16 (Friday): the first day to apply is Monday 10.19, after the
    # window closed on 10.8, so the calculator says the window is shut
    assert late_demand.earliest == D("2026-10-19") and not late_demand.open


def test_deemed_service_by_public_notice() -> None:
    # rule SV6: 30 days after the notice (民诉95 since 2022; it was 60 before)
    assert periods.deemed_served_on(D("2026-09-04")) == D("2026-10-08")
    assert periods.deemed_served_on(D("2026-06-01")) == D("2026-07-01")
