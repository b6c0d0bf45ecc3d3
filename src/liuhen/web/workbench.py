"""Each role's workbench: the queue of its daily work, read from the records (never from free text).

`parts(user)` gives the context of the role's template ``web/workbench/<role>.html``; a feature that adds to a
role's work adds a key here and an include in that template."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from liuhen.accounts.models import Role, User
from liuhen.cases import queries
from liuhen.cases.models import Case
from liuhen.core.stages import Stage
from liuhen.deadlines import queries as deadline_queries
from liuhen.deadlines.models import Deadline, DeadlineStatus
from liuhen.documents.models import Document, DocumentStatus
from liuhen.ledger.models import Event
from liuhen.media import queries as media_queries
from liuhen.media.models import Recording

# a case whose work is over (archived, not filed, refused) leaves the workbench; the case list still finds it
DONE_STAGES = {Stage.ARCHIVED, Stage.NOT_FILED, Stage.REFUSED}
CLOSED_STAGES = {Stage.CLOSED, Stage.ARCHIVED, Stage.NOT_FILED, Stage.REFUSED, Stage.LIFTED}


# a legal review is of the decision proposed: from the investigation until the decision is made (D2)
REVIEWABLE_STAGES = {Stage.INVESTIGATION, Stage.REVIEW, Stage.NOTICE}


def _waited(since: Any, now: Any) -> str:
    """How long an approval has waited, in words: 3天2小时, 5小时, 12分钟."""
    seconds = max(int((now - since).total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    return f"{hours}小时" if hours else f"{max(rest // 60, 1)}分钟"


def approvals_waiting(user: User) -> list[dict[str, Any]]:
    """Approvals for this user to sign, with 案由, 承办人, 提交时间 and 已等待 (the D9 chain; never one's own)."""
    now = timezone.now()
    rows = []
    qs = queries.pending_approvals(user).select_related("case", "officer").prefetch_related("steps__user")
    for a in qs.order_by("created_at", "id"):
        handler = next((s for s in a.steps.all() if s.role == "handler"), None)
        rows.append(
            {
                "approval": a,
                "handler": handler.signed_name if handler else "",
                "handler_opinion": handler.opinion if handler else "",
                "waited": _waited(a.created_at, now),
                "step": "review" if user.role == Role.UNIT_HEAD else "decide",
            }
        )
    return rows


def _deadline_part(user: User, scope: str) -> dict[str, Any]:
    duties = []  # the agency's own periods (no case's: 事前公开 update P4, annual statistics P7) its heads meet
    if user.agency_id and user.role in deadline_queries.AGENCY_DUTY_ROLES:
        duties = [r for r in deadline_queries.for_agency(user.agency_id) if r["status"] == DeadlineStatus.OPEN]
    return {
        "alerts": deadline_queries.unread_alerts(user)[:20],
        "counts": deadline_queries.counts(user, scope),
        "deadline_scope": scope,
        "agency_duties": duties,
    }


def officer(user: User) -> dict[str, Any]:
    mine = queries.my_cases(user)
    return {
        "cases": mine.exclude(stage__in=DONE_STAGES).order_by("-stage_changed_at")[:20],
        "drafts": Document.objects.filter(case__in=mine, status=DocumentStatus.DRAFT, created_by=user)
        .select_related("case")
        .order_by("-created_at")[:20],
        "unlinked": Recording.objects.filter(case__isnull=True, officer=user).order_by("-uploaded_at")[:20],
        "late": media_queries.late_uploads(user, "mine")[:20],
        **_deadline_part(user, "mine"),
    }


def unit_head(user: User) -> dict[str, Any]:
    unit_cases = queries.visible_cases(user).filter(unit_id=user.unit_id) if user.unit_id else Case.objects.none()
    return {
        "cases": unit_cases.exclude(stage__in=DONE_STAGES).order_by("-stage_changed_at")[:20],
        "waiting": approvals_waiting(user),
        "late": media_queries.late_uploads(user, "unit")[:20],
        **_deadline_part(user, "unit"),  # the counts cover the unit's cases, as its alerts do
    }


def legal_reviewer(user: User) -> dict[str, Any]:
    """待法制审核: the agency's open 重大执法决定 cases without a finalised 法制审核意见书 (rule D2)."""
    reviewed = Document.objects.filter(
        case=OuterRef("pk"), doc_type="legal_review_opinion", status=DocumentStatus.FINAL
    )
    drafted = Document.objects.filter(case=OuterRef("pk"), doc_type="legal_review_opinion")
    due = (
        queries.visible_cases(user)
        .filter(is_major=True, stage__in=REVIEWABLE_STAGES)
        .annotate(reviewed=Exists(reviewed), drafted=Exists(drafted))
        .filter(reviewed=False)
        .select_related("unit")
        .order_by("stage_changed_at")
    )
    return {"to_review": due[:50], **_deadline_part(user, "agency")}


def leader(user: User) -> dict[str, Any]:
    return {"waiting": approvals_waiting(user), **_deadline_part(user, "agency")}


def archive_due(user: User) -> list[dict[str, Any]]:
    """结案待归档: the open R2 deadline rows (30 days from 结案, 002 第三十二条), soonest first, with days left."""
    today = timezone.localdate()
    rows = []
    qs: QuerySet[Deadline] = (
        Deadline.objects.filter(rule_key="R2", status=DeadlineStatus.OPEN, case__in=queries.visible_cases(user))
        .select_related("case", "case__unit")
        .order_by("due_on", "due_at", "id")
    )
    for dl in qs[:50]:
        due_on = dl.due_on or (timezone.localtime(dl.due_at).date() if dl.due_at else None)
        left = (due_on - today).days if due_on else None
        rows.append(
            {"deadline": dl, "case": dl.case, "due_on": due_on, "left": left, "overdue": left is not None and left < 0}
        )
    return rows


def archivist(user: User) -> dict[str, Any]:
    return {"archive_due": archive_due(user)}


def supervisor(user: User) -> dict[str, Any]:
    """An oversight view of the agency: overdue deadlines, late uploads (R1), AV gaps on open cases (AV1) and who
    has been reading what (调阅, R9) in the last 7 days."""
    overdue = deadline_queries.listing(user, "agency", "overdue")
    open_cases = list(queries.visible_cases(user).exclude(stage__in=CLOSED_STAGES).order_by("-stage_changed_at")[:30])
    gaps = []
    for case in open_cases:
        found = media_queries.av_gaps(case)
        if found:
            gaps.append({"case": case, "gaps": found})
    since = timezone.now() - timedelta(days=7)
    reads = Event.objects.filter(
        action="record.read", at__gte=since, case_ref__in=queries.visible_cases(user).values("pk")
    )
    by_person = Counter(reads.values_list("actor", flat=True))
    names = dict(User.objects.filter(username__in=by_person).values_list("username", "full_name"))
    roles = {u.username: u.get_role_display() for u in User.objects.filter(username__in=by_person)}
    outside = 0
    for body in reads.values_list("body", flat=True):
        if json.loads(body).get("purpose", "").startswith("经批准调阅"):
            outside += 1
    return {
        "overdue": overdue[:20],
        "overdue_count": len(overdue),
        "late": media_queries.late_uploads(user, "agency")[:20],
        "late_count": media_queries.late_uploads(user, "agency").count(),
        "gaps": gaps,
        "reads_total": sum(by_person.values()),
        "reads_granted": outside,
        "readers": [
            {"name": names.get(u) or u, "role": roles.get(u, ""), "count": n} for u, n in by_person.most_common(10)
        ],
        "reports": media_queries.reports(user)[:10],
    }


def administrator(user: User) -> dict[str, Any]:
    return {}


PARTS = {
    Role.OFFICER: officer,
    Role.UNIT_HEAD: unit_head,
    Role.LEGAL_REVIEWER: legal_reviewer,
    Role.LEADER: leader,
    Role.ARCHIVIST: archivist,
    Role.SUPERVISOR: supervisor,
    Role.ADMIN: administrator,
}


def parts(user: User) -> dict[str, Any]:
    return PARTS.get(Role(user.role), administrator)(user) if user.role in Role.values else {}
