"""Totals and grades of a sheet (rule SU4): a failed veto item sets the total to 0 (不合格卷); a point item
deducts at most its points (扣完为止，不计负分); the grade cut-offs are the table's parameters."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from liuhen.supervision.autoscore import Verdict
from liuhen.supervision.tables import Table


class Scored(Protocol):
    code: str
    verdict: str
    deduction: Decimal


def total(table: Table, items: Iterable[Scored]) -> tuple[Decimal, str, list[str]]:
    """(total, grade, failed veto titles) of scored items."""
    by_code = {i.code: i for i in items}
    vetoed = [it.title for it in table.items if it.is_veto and by_code[it.code].verdict == Verdict.NOT_MET]
    if vetoed:
        return Decimal(0), "fail", vetoed
    points = Decimal(0)
    for it in table.items:
        if it.is_veto:
            continue
        points += Decimal(it.points) - min(Decimal(by_code[it.code].deduction), Decimal(it.points))
    return points, grade(table, points), []


def grade(table: Table, points: Decimal) -> str:
    if points >= table.params.get("excellent", 90):
        return "excellent"
    return "pass" if points >= table.params.get("pass", 60) else "fail"
