"""Reading the archive: the fact archiving waits for, the list of cases awaiting archiving with the R2 countdown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from liuhen.accounts.models import User
from liuhen.agency_settings.services import deadline_rule
from liuhen.archive import contents
from liuhen.archive.models import CaseFile
from liuhen.cases.access import cases_in_scope
from liuhen.cases.models import Case
from liuhen.core import periods, stages
from liuhen.core.errors import CalendarYearUnknown
from liuhen.core.permissions import Action
from liuhen.core.rules.deadlines import BY_KEY
from liuhen.core.stages import Fact

# The stages a case ends in (结案, 不予立案, 不予受理, 投诉不立案 …): every stage an "archive" step leaves from
END_STAGES: dict[str, set[str]] = {}
for _t in stages.TRANSITIONS:
    if _t.action == "archive":
        END_STAGES.setdefault(_t.procedure.value, set()).add(_t.source.value)


def case_file_facts(case: Case, on: date) -> set[str]:
    """rules R2, R14: the case's 案卷 is bound (立卷人 and 检查人 signed), holds every current document, and its
    package passed the 四性检测."""
    case_file = CaseFile.objects.filter(case=case).only("id", "contents", "compiler", "checker", "pdf_sha256").first()
    if case_file is None or not case_file.signed:
        return set()
    if [d.pk for _, d in contents.ordered(case)] != [i["document_id"] for i in case_file.items]:
        return set()
    last = case_file.checks.order_by("-checked_at", "-id").only("passed", "volume_sha256").first()
    if last is None or not last.passed or last.volume_sha256 != case_file.pdf_sha256:
        return set()  # rule R14: the 四性检测 of the package as bound passed (it runs when the archivist archives)
    return {Fact.CASE_FILE_SIGNED}


def awaiting_q() -> Q:
    q = Q(pk__in=[])
    for procedure, sources in END_STAGES.items():
        q |= Q(procedure=procedure, stage__in=sources)
    return q


def awaiting(user: User) -> QuerySet[Case]:
    """Cases the user may see that have ended and wait to be archived, the oldest end first."""
    return (
        cases_in_scope(user, Action.CASE_VIEW)
        .filter(awaiting_q())
        .select_related("unit", "case_file")
        .order_by("stage_changed_at", "id")
    )


@dataclass(frozen=True)
class Countdown:
    due_on: date | None
    days_left: int | None
    estimated: bool

    @property
    def text(self) -> str:
        if self.due_on is None or self.days_left is None:
            return "—"
        if self.days_left < 0:
            return f"已超期 {-self.days_left} 天"
        return "今日到期" if self.days_left == 0 else f"剩 {self.days_left} 天"


def countdown(case: Case) -> Countdown:
    """rule R2: 30 days (the agency's setting in force when it ended) from the day the case ended."""
    rule = deadline_rule(BY_KEY["R2"], case.agency_id, case.stage_changed_at)
    try:
        due = periods.due(rule, case.stage_changed_at)
    except CalendarYearUnknown as exc:  # rule T5: past the known holiday table, a flagged estimate, never a blank
        due = periods.estimate(rule, case.stage_changed_at, exc.year)
    if due.on is None:
        return Countdown(None, None, False)
    return Countdown(due.on, (due.on - timezone.localdate()).days, due.unverified_year is not None)


def status(case: Case) -> str:
    case_file = getattr(case, "case_file", None)
    if case_file is None:
        return "待组卷"
    if case_file.signed:
        return "已签名，待归档"
    if case_file.compiler_id:
        return "待检查人签名"
    if case_file.checker_id:
        return "待立卷人签名"
    return "已组卷，待签名"
