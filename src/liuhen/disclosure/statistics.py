"""Annual enforcement statistics (rules P7, P12): last year's tables from the cases, by the common counting rules,
each figure with the query that produced it.

Counting rules:
- one decision is one 宗 (a decision's first finalised version; a correction is the same decision);
- a combined penalty counts once, under its heaviest kind (吊销 > 责令停产停业 > 限制 > 暂扣/降级 > 没收 > 罚款 >
  警告/通报批评), read from the finalised decision's 处罚决定 and the case's penalty kind;
- every row the agency has a duty for is shown, zero where there were no cases;
- 罚没金额 is the sum of the fines the decisions state, in yuan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from liuhen.accounts.models import Agency
from liuhen.cases.models import Approval, ApprovalKind, ApprovalStatus
from liuhen.core import periods
from liuhen.core.rules.deadlines import BY_KEY
from liuhen.documents.models import Document, DocumentStatus
from liuhen.ledger.models import Event

PENALTY_DECISIONS = ("penalty_decision", "onsite_penalty_decision")
# Heaviest first: the words of the decision that name each kind (处罚法9)
PENALTY_KINDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("revocation", "吊销许可证件", ("吊销",)),
    ("suspension", "责令停产停业、责令关闭", ("责令停产停业", "责令停业", "责令关闭", "停产停业")),
    ("restriction", "限制开展生产经营活动、限制从业", ("限制开展生产经营活动", "限制从业")),
    ("detention", "暂扣许可证件、降低资质等级", ("暂扣", "降低资质等级", "降级")),
    ("confiscation", "没收违法所得、没收非法财物", ("没收",)),
    ("fine", "罚款", ("罚款",)),
    ("warning", "警告、通报批评", ("警告", "通报批评")),
    ("other", "其他", ()),
)
KIND_LABEL = {k: label for k, label, _ in PENALTY_KINDS}


@dataclass(frozen=True)
class Figure:
    label: str
    value: int | str
    query: str  # the SQL that produced it, as the database ran it


def _year_range(year: int) -> tuple[datetime, datetime]:
    return (
        datetime.combine(date(year, 1, 1), time(0), periods.LOCAL),
        datetime.combine(date(year + 1, 1, 1), time(0), periods.LOCAL),
    )


def heaviest(penalty_text: str, case_kind: str) -> str:
    """The kind a decision counts under: the heaviest it names (a combined penalty counts once)."""
    for key, _label, words in PENALTY_KINDS:
        if any(w in penalty_text for w in words):
            return key
    return {"fine": "fine", "warning": "warning"}.get(case_kind, "other")


def _decisions(agency: Agency, year: int) -> QuerySet[Document]:
    start, end = _year_range(year)
    return Document.objects.filter(
        case__agency=agency,
        doc_type__in=PENALTY_DECISIONS,
        status=DocumentStatus.FINAL,
        version=1,
        finalised_at__gte=start,
        finalised_at__lt=end,
    )


def _sql(qs: QuerySet[Any]) -> str:
    return str(qs.query)


def penalty_table(agency: Agency, year: int) -> list[Figure]:
    qs = _decisions(agency, year).select_related("case")
    base = qs.values_list("id", "case__penalty_kind", "data")
    counts = dict.fromkeys(KIND_LABEL, 0)
    amount = Decimal(0)
    for doc in qs:
        values = doc.values
        counts[heaviest(str(values.get("penalty", "")), doc.case.penalty_kind)] += 1
        fine = values.get("fine")
        if fine not in (None, ""):
            amount += Decimal(str(fine))
    note = "按决定书“处罚决定”所列最重种类计一宗："
    rows = [Figure(label, counts[key], note + _sql(base)) for key, label, _ in PENALTY_KINDS]
    rows.append(Figure("合计", sum(counts.values()), _sql(qs.values("id"))))
    rows.append(Figure("罚没金额（元）", f"{amount:.2f}", "决定书“罚款金额”之和：" + _sql(base)))
    return rows


def licence_table(agency: Agency, year: int) -> list[Figure]:
    start, end = _year_range(year)
    qs = Approval.objects.filter(
        case__agency=agency,
        kind=ApprovalKind.LICENCE_DECISION,
        status=ApprovalStatus.APPROVED,
        decided_at__gte=start,
        decided_at__lt=end,
    ).values("id")
    return [Figure("许可决定", qs.count(), _sql(qs))]


def compulsion_table(agency: Agency, year: int) -> list[Figure]:
    start, end = _year_range(year)
    qs = Document.objects.filter(
        case__agency=agency,
        doc_type="compulsion_decision",
        status=DocumentStatus.FINAL,
        version=1,
        finalised_at__gte=start,
        finalised_at__lt=end,
    ).values("id")
    return [Figure("行政强制措施决定", qs.count(), _sql(qs))]


def inspection_table(agency: Agency, year: int) -> list[Figure]:
    start, end = _year_range(year)
    qs = Event.objects.filter(
        action="case.transition",
        at__gte=start,
        at__lt=end,
        case_ref__in=agency.cases.filter(procedure="inspection").values("id"),
        body__contains='"action":"close"',
    ).values("seq")
    return [Figure("完成的行政检查", qs.count(), _sql(qs))]


def tables(agency: Agency, year: int) -> dict[str, list[Figure]]:
    return {
        "行政许可": licence_table(agency, year),
        "行政处罚": penalty_table(agency, year),
        "行政强制": compulsion_table(agency, year),
        "行政检查": inspection_table(agency, year),
    }


def due_on(year: int) -> date:
    """P7: the previous year's figures are published by 31 January."""
    return periods.due(BY_KEY["P7"], date(year, 12, 31)).on or date(year + 1, 1, 31)


def as_xlsx(agency: Agency, year: int, published: dict[str, list[list[str]]]) -> bytes:
    """The published tables for upward reporting (rule P12), each figure with its query."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = f"{year}年度"
    sheet.append([f"{agency.name} {year}年度行政执法数据"])
    sheet.append(["类别", "项目", "数值", "统计口径（查询）"])
    for group, figures in published.items():
        for label, value, query in figures:
            sheet.append([group, label, int(value) if value.isdigit() else value, query])
    sheet.column_dimensions["B"].width = 30
    sheet.column_dimensions["D"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def snapshot(agency: Agency, year: int) -> str:
    from liuhen.core import canonical

    data = {g: [[f.label, str(f.value), f.query] for f in figures] for g, figures in tables(agency, year).items()}
    return canonical.dumps(data).decode()
