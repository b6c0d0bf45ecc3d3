"""The shape of a deadline row: its period's unit, its kind, and the row itself (the rows are in
``liuhen.core.rules.deadlines``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PeriodUnit(StrEnum):
    HOURS = "hours"  # rule T4: from the exact time
    WORKDAYS = "workdays"  # rules T1, T3: working days after the event
    DAYS = "days"  # rules T1, T2: calendar days, a rest-day end moves to the next working day
    MONTHS = "months"  # 民诉85: to the corresponding day, then T2
    YEARS = "years"
    FIXED_DATE = "fixed_date"  # a day of the following year, e.g. 31 January (period = month * 100 + day)
    RECORDED_DATE = "recorded_date"  # the day a document names (the rectification deadline), then T2


UNIT_LABELS = {
    PeriodUnit.HOURS: "小时",
    PeriodUnit.WORKDAYS: "个工作日",
    PeriodUnit.DAYS: "日",
    PeriodUnit.MONTHS: "个月",
    PeriodUnit.YEARS: "年",
    PeriodUnit.FIXED_DATE: "",
    PeriodUnit.RECORDED_DATE: "",
}


class DeadlineKind(StrEnum):
    DEADLINE = "deadline"
    PARTY_WINDOW = "party_window"
    WAITING = "waiting"
    EFFECT = "effect"
    RETENTION = "retention"


KIND_LABELS = {
    DeadlineKind.DEADLINE: "办理期限",
    DeadlineKind.PARTY_WINDOW: "当事人权利期限",
    DeadlineKind.WAITING: "等待期",
    DeadlineKind.EFFECT: "法律效果",
    DeadlineKind.RETENTION: "最短保存期",
}


@dataclass(frozen=True)
class DeadlineRule:
    key: str
    rule_id: str
    title: str
    triggers: tuple[str, ...]
    period: int
    unit: PeriodUnit
    fulfilled_by: tuple[str, ...]
    kind: DeadlineKind
    source: str
    configurable: bool = False
    procedures: tuple[str, ...] = ()  # empty: every procedure
    note: str = ""
    set_by: str = ""  # "<doc type>.<field>": a term in days no longer than ``period``, or a RECORDED_DATE's day
    runs_from: str = ""  # a row key: starts where that row's period ended (强制法25: an extension runs on)
    per_subject: bool = False  # each subject of the trigger (one request of many on a case) runs its own period

    @property
    def period_text(self) -> str:
        if self.unit == PeriodUnit.RECORDED_DATE:
            return "文书载明的期限"
        if self.unit == PeriodUnit.FIXED_DATE:
            return f"次年{self.period // 100}月{self.period % 100}日前"
        return f"{self.period}{UNIT_LABELS[self.unit]}"
