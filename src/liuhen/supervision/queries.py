"""The supervision dashboard's figures (rule SU3): each chart is one or two grouped queries over the agency's or
a unit's records, and the page shows those queries with their table view and a CSV download.

Every query aggregates in the database (GROUP BY), so the page's cost grows with the number of groups, not of
cases (bench/supervision.py measures it on 100,000 cases).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from liuhen.accounts.models import Agency, Unit
from liuhen.cases.models import AccessRequest, Case
from liuhen.core import stages
from liuhen.core.periods import LOCAL
from liuhen.core.rules.av import BY_DOC_TYPE
from liuhen.core.rules.deadlines import BY_KEY, DeadlineKind
from liuhen.supervision.models import Finding, FindingKind, Grade, ReviewSheet

MONTHS = 12


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # bar | line
    categories: list[str]
    series: list[tuple[str, list[int]]]
    queries: list[str] = field(default_factory=list)
    note: str = ""
    stacked: bool = True
    horizontal: bool = False  # long category names: bars run across

    def header(self) -> list[str]:
        return ["", *(name for name, _ in self.series)]

    def rows(self) -> list[list[Any]]:
        return [[c, *(values[i] for _, values in self.series)] for i, c in enumerate(self.categories)]

    def csv(self) -> str:
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow([self.title])
        w.writerow(self.header())
        w.writerows(self.rows())
        return out.getvalue()

    def option(self) -> dict[str, Any]:
        """The ECharts option (drawn by the page's script from this JSON)."""
        return {
            "title": self.title,
            "kind": self.kind,
            "stacked": self.stacked,
            "horizontal": self.horizontal,
            "categories": self.categories,
            "series": [{"name": n, "data": v} for n, v in self.series],
        }


def _sql(qs: QuerySet[Any]) -> str:
    try:
        return str(qs.query)
    except Exception:  # pragma: no cover - an expression Django cannot print
        return "（该查询无法显示为 SQL）"


def _grid(rows: Iterable[tuple[Any, Any, int]], categories: list[Any], names: list[Any]) -> list[tuple[Any, list[int]]]:
    index = {c: i for i, c in enumerate(categories)}
    table = {n: [0] * len(categories) for n in names}
    for cat, name, n in rows:
        if cat in index and name in table:
            table[name][index[cat]] += n
    return [(n, table[n]) for n in names]


@dataclass(frozen=True)
class Scope:
    agency: Agency
    unit: Unit | None = None

    @property
    def label(self) -> str:
        return f"{self.agency.name}{' · ' + self.unit.name if self.unit else '（全机关）'}"

    def cases(self) -> QuerySet[Case]:
        qs = Case.objects.filter(agency=self.agency)
        return qs.filter(unit=self.unit) if self.unit else qs

    def by_case(self, qs: QuerySet[Any], path: str = "case") -> QuerySet[Any]:
        qs = qs.filter(**{f"{path}__agency": self.agency})
        return qs.filter(**{f"{path}__unit": self.unit}) if self.unit else qs


def _months() -> tuple[Any, list[str]]:
    today = timezone.localdate()
    first = today.replace(day=1)
    months = []
    d = first
    for _ in range(MONTHS):
        months.append(d.strftime("%Y-%m"))
        d = (d - timedelta(days=1)).replace(day=1)
    months.reverse()
    start = datetime.fromisoformat(months[0] + "-01").replace(tzinfo=LOCAL)
    return start, months


def _month_bounds(months: list[str]) -> list[datetime]:
    """The start of each month, and of the month after the last (local time)."""
    starts = [datetime.fromisoformat(m + "-01").replace(tzinfo=LOCAL) for m in months]
    last = starts[-1]
    return [*starts, (last + timedelta(days=32)).replace(day=1)]


def cases_by_month(s: Scope) -> Chart:
    """One pass over the scope's cases: a filtered count per month (no date function per row)."""
    start, months = _months()
    bounds = _month_bounds(months)
    counts = {
        f"m{i}": Count("id", filter=Q(created_at__gte=bounds[i], created_at__lt=bounds[i + 1]))
        for i in range(len(months))
    }
    grouped = s.cases().filter(created_at__gte=start).values("procedure").annotate(**counts).order_by()
    qs = grouped.values_list("procedure", *counts)
    by_proc = {row[0]: [int(n) for n in row[1:]] for row in qs}
    named = [(stages.PROCEDURE_LABELS[p], by_proc.get(p.value, [0] * len(months))) for p in stages.Procedure]
    return Chart("cases_month", "各程序每月登记案件数", "line", months, named, [_sql(qs)], stacked=False)


def cases_by_stage(s: Scope) -> Chart:
    qs = s.cases().values_list("procedure", "stage").annotate(n=Count("id")).order_by()
    rows = list(qs)
    procs = [p.value for p in stages.Procedure]
    present = [st for st in stages.Stage if any(r[1] == st.value for r in rows)]
    series = _grid(((p, st, n) for p, st, n in rows), procs, [st.value for st in present])
    return Chart(
        "cases_stage",
        "各程序案件所处阶段",
        "bar",
        [stages.PROCEDURE_LABELS[stages.Procedure(p)] for p in procs],
        [(stages.STAGE_LABELS[stages.Stage(st)], v) for st, v in series],
        [_sql(qs)],
    )


def deadline_compliance(s: Scope) -> Chart:
    from liuhen.deadlines.models import Deadline, DeadlineStatus

    base = s.by_case(Deadline.objects.filter(kind=DeadlineKind.DEADLINE))
    closed = (
        base.exclude(status=DeadlineStatus.OPEN).values_list("rule_key", "status").annotate(n=Count("id")).order_by()
    )
    now, today = timezone.now(), timezone.localdate()
    overdue = (
        base.filter(status=DeadlineStatus.OPEN)
        .filter(Q(due_at__lt=now) | Q(due_at__isnull=True, due_on__lt=today))
        .values_list("rule_key")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows = [(k, st, n) for k, st, n in closed] + [(k, "overdue", n) for k, n in overdue]
    keys = sorted({k for k, _, _ in rows}, key=lambda k: (BY_KEY[k].rule_id if k in BY_KEY else k, k))
    series = _grid(rows, keys, [DeadlineStatus.MET.value, DeadlineStatus.LATE.value, "overdue"])
    labels = {"met": "按期办理", "late": "逾期办理", "overdue": "已逾期未办"}
    cats = [f"{BY_KEY[k].rule_id} {BY_KEY[k].title}" if k in BY_KEY else k for k in keys]
    return Chart(
        "deadlines",
        "各项期限的遵守情况（7个工作日送达、90日作出决定、24小时上传、30日归档等）",
        "bar",
        cats,
        [(labels[n], v) for n, v in series],
        [_sql(closed), _sql(overdue)],
        horizontal=True,
    )


def late_uploads(s: Scope) -> Chart:
    from liuhen.media.models import Recording

    qs = Recording.objects.filter(upload_due_at__isnull=False, uploaded_at__gt=F("upload_due_at"))
    qs = qs.filter(Q(case__agency=s.agency) | Q(case__isnull=True, officer__agency=s.agency))
    if s.unit:
        qs = qs.filter(Q(case__unit=s.unit) | Q(case__isnull=True, unit=s.unit))
    grouped = qs.values_list("officer__full_name", "officer__username").annotate(n=Count("id")).order_by("-n")[:20]
    rows = list(grouped)
    return Chart(
        "late_uploads",
        "各执法人员逾期上传音像记录数（R1：24小时内上传）",
        "bar",
        [full or user or "未知" for full, user, _ in rows],
        [("逾期上传", [n for _, _, n in rows])],
        [_sql(grouped)],
    )


def av_coverage(s: Scope) -> Chart:
    from liuhen.documents.models import Document, DocumentStatus
    from liuhen.media.models import AVOmission, OmissionStatus, Recording

    types = sorted(k for k, rows in BY_DOC_TYPE.items() if any(r.mandatory for r in rows))
    docs = s.by_case(Document.objects.filter(status=DocumentStatus.FINAL, doc_type__in=types))
    qs = (
        docs.annotate(
            recorded=Exists(Recording.objects.filter(case_id=OuterRef("case_id"))),
            omitted=Exists(AVOmission.objects.filter(document_id=OuterRef("pk"), status=OmissionStatus.APPROVED)),
        )
        .values_list("doc_type", "recorded", "omitted")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows = []
    for t, recorded, omitted, n in qs:
        rows.append((t, "recorded" if recorded else ("omitted" if omitted else "missing"), n))
    from liuhen.core.documents.catalogue import BY_CODE

    present = [t for t in types if any(r[0] == t for r in rows)]
    series = _grid(rows, present, ["recorded", "omitted", "missing"])
    labels = {"recorded": "案件有音像记录", "omitted": "经批准不记录（AV6）", "missing": "无音像记录"}
    return Chart(
        "av_coverage",
        "应音像记录的执法活动（按文书）的音像覆盖情况",
        "bar",
        [BY_CODE[t].name for t in present],
        [(labels[n], v) for n, v in series],
        [_sql(qs)],
        note="按文书所在案件是否有音像记录统计；逐项时段比对见案件页的音像检查与评查记分表",
        horizontal=True,
    )


def access_activity(s: Scope) -> Chart:
    start, months = _months()
    qs = (
        s.by_case(AccessRequest.objects.filter(requested_at__gte=start))
        .annotate(m=TruncMonth("requested_at", tzinfo=LOCAL))
        .values_list("m", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows = [(m.strftime("%Y-%m"), st, n) for m, st, n in qs]
    series = _grid(rows, months, ["approved", "refused", "pending"])
    labels = {"approved": "已批准", "refused": "不予批准", "pending": "待审批"}
    return Chart("access", "每月调阅申请（R9）", "bar", months, [(labels[n], v) for n, v in series], [_sql(qs)])


def review_grades(s: Scope) -> Chart:
    qs = (
        s.by_case(ReviewSheet.objects.exclude(grade=""))
        .values_list("round__title", "grade")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows = list(qs)
    rounds = sorted({r for r, _, _ in rows})
    series = _grid(rows, rounds, [g.value for g in Grade])
    return Chart("grades", "案卷评查等次", "bar", rounds, [(Grade(g).label, v) for g, v in series], [_sql(qs)])


def findings(s: Scope) -> Chart:
    qs = Finding.objects.filter(agency=s.agency)
    if s.unit:
        qs = qs.filter(Q(case__unit=s.unit) | Q(person__unit=s.unit))
    grouped = qs.values_list("kind").annotate(open=Count("id", filter=Q(closed_at__isnull=True)), all=Count("id"))
    grouped = grouped.order_by()
    counts = {k: (o, a) for k, o, a in grouped}
    kinds = list(FindingKind)
    return Chart(
        "findings",
        "问题登记（SU2）：未整改与已整改",
        "bar",
        [k.label for k in kinds],
        [
            ("未整改", [counts.get(k.value, (0, 0))[0] for k in kinds]),
            ("已整改", [counts.get(k.value, (0, 0))[1] - counts.get(k.value, (0, 0))[0] for k in kinds]),
        ],
        [_sql(grouped)],
        horizontal=True,
    )


CHARTS = {
    "cases_month": cases_by_month,
    "cases_stage": cases_by_stage,
    "deadlines": deadline_compliance,
    "late_uploads": late_uploads,
    "av_coverage": av_coverage,
    "access": access_activity,
    "grades": review_grades,
    "findings": findings,
}


def dashboard(s: Scope) -> list[Chart]:
    return [build(s) for build in CHARTS.values()]
