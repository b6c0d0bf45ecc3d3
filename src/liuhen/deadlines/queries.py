"""Reading deadlines: what is due soon or overdue for an officer, a unit, an agency, a case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from liuhen.accounts.models import Role, User
from liuhen.agency_settings.services import deadline_rule
from liuhen.cases.models import Case
from liuhen.cases.queries import visible_cases
from liuhen.core.errors import InvalidInput
from liuhen.core.rules.deadlines import BY_KEY, KIND_LABELS, DeadlineKind
from liuhen.deadlines.models import Alert, Deadline, DeadlineStatus
from liuhen.deadlines.services import AGENCY_DUTY_ROLES, ends_at, owner_name, soon_limit

SCOPES = {"mine": "我承办的", "unit": "本单位", "agency": "本机关"}
STATES = {"overdue": "已逾期", "due_soon": "即将到期", "open": "全部进行中"}  # the list's filters
ROW_STATES = {"overdue": "已逾期", "due_soon": "即将到期", "open": "进行中"}  # one row's state


def state_of(dl: Deadline, now: datetime) -> str:
    if dl.status != DeadlineStatus.OPEN:
        return dl.status
    if dl.kind == DeadlineKind.DEADLINE:
        if now >= ends_at(dl):
            return "overdue"
        soon_at, soon_on = soon_limit(now)
        if (dl.due_at and dl.due_at <= soon_at) or (dl.due_on and dl.due_on <= soon_on):
            return "due_soon"
    return "open"


# Who sees an agency's own duties in their lists: those who meet them, and who oversee the agency
AGENCY_DUTY_READERS = (*AGENCY_DUTY_ROLES, Role.SUPERVISOR)


def describe(dl: Deadline, now: datetime) -> dict[str, Any]:
    rule = BY_KEY[dl.rule_key]
    state = state_of(dl, now)
    agency_id = dl.case.agency_id if dl.case is not None else dl.agency_id
    return {
        "id": dl.pk,
        "case_id": dl.case_id,
        "case_no": owner_name(dl),
        "url": dl.get_absolute_url(),
        "rule_key": dl.rule_key,
        "rule_id": rule.rule_id,
        "title": rule.title,
        "source": rule.source,
        "kind": dl.kind,
        "kind_label": KIND_LABELS[DeadlineKind(dl.kind)],
        "period": deadline_rule(rule, agency_id or 0, dl.started_at).period_text,
        "started_at": dl.started_at,
        "due_at": dl.due_at,
        "due_on": dl.due_on,
        "unverified_year": dl.unverified_year,
        "status": dl.status,
        "status_label": DeadlineStatus(dl.status).label,
        "state": state,
        "state_label": ROW_STATES.get(state, DeadlineStatus(state).label if state in DeadlineStatus.values else state),
    }


def scoped(user: User, scope: str) -> QuerySet[Deadline]:
    cases: QuerySet[Case] = visible_cases(user)
    if scope == "mine":
        cases = cases.filter(officers__user=user)
    elif scope == "unit":
        cases = cases.filter(unit_id=user.unit_id) if user.unit_id else cases.none()
    elif scope != "agency":
        raise InvalidInput(f"未知的范围：{scope}（mine、unit 或 agency）")
    rows = Q(case__in=cases)
    if user.agency_id and user.role in AGENCY_DUTY_READERS:  # the agency's own duties (P4, P7), in every scope
        rows |= Q(case__isnull=True, agency_id=user.agency_id)
    return Deadline.objects.select_related("case", "agency").filter(rows)


def listing(user: User, scope: str = "mine", state: str = "open", now: datetime | None = None) -> list[dict[str, Any]]:
    """Open deadlines of the agency's own (rule ``deadline`` kind), soonest first."""
    if state not in STATES:
        raise InvalidInput(f"未知的状态：{state}（overdue、due_soon 或 open）")
    now = now or timezone.now()
    qs = scoped(user, scope).filter(status=DeadlineStatus.OPEN, kind=DeadlineKind.DEADLINE)
    if state != "open":
        soon_at, soon_on = soon_limit(now)
        qs = qs.filter(Q(due_at__lte=soon_at) | Q(due_on__lte=soon_on))
    rows = [describe(dl, now) for dl in qs.order_by("due_on", "due_at", "id")]
    if user.role not in AGENCY_DUTY_ROLES:  # an agency's own period is met on the heads' page: no link for others
        for r in rows:
            if r["case_id"] is None:
                r["url"] = ""
    if state != "open":
        rows = [r for r in rows if r["state"] == state]
    return rows


def counts(user: User, scope: str = "mine", now: datetime | None = None) -> dict[str, int]:
    rows = listing(user, scope, "open", now)
    return {
        "overdue": sum(r["state"] == "overdue" for r in rows),
        "due_soon": sum(r["state"] == "due_soon" for r in rows),
        "open": len(rows),
    }


def for_case(case: Case, now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or timezone.now()
    return [describe(dl, now) for dl in case.deadlines.select_related("case").order_by("id")]


def for_agency(agency_id: int, now: datetime | None = None) -> list[dict[str, Any]]:
    """An agency's own duties (no case's: P4, P7), open first, then the newest."""
    now = now or timezone.now()
    qs = Deadline.objects.select_related("agency").filter(case__isnull=True, agency_id=agency_id)
    rows = [describe(dl, now) for dl in qs.order_by("-started_at", "-id")]
    return sorted(rows, key=lambda r: r["status"] != DeadlineStatus.OPEN)


def unread_alerts(user: User) -> QuerySet[Alert]:
    return (
        Alert.objects.select_related("deadline__case", "deadline__agency")
        .filter(user=user, read_at__isnull=True)
        .order_by("-created_at")
    )
