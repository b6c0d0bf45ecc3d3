"""Reading cases: the facts the state machine needs, lists with filters, what a user may see."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from liuhen.accounts.models import Role, User
from liuhen.cases.access import cases_in_scope, get_viewable
from liuhen.cases.models import (
    AccessRequest,
    AccessRequestStatus,
    ActKind,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    Case,
    CaseOfficer,
)
from liuhen.core import periods, stages
from liuhen.core.errors import CalendarYearUnknown, RuleViolation
from liuhen.core.permissions import Action
from liuhen.core.rules.deadlines import BY_KEY
from liuhen.core.stages import Fact

# Facts established by a command of its own (no document type records these); every other fact a gate reads
# comes from a finalised document (the documents app provides those facts), an approval, or a recording.
ACT_FACTS: dict[str, Fact] = {
    # rule D4: written only by a finalised 行政处罚告知书 the party signed for, or by the 送达回证 that names it
    ActKind.RIGHTS_NOTICE: Fact.RIGHTS_NOTICE_SERVED,
    ActKind.EMERGENCY_START: Fact.EMERGENCY_RECORDED,
    ActKind.HEARING_REQUEST: Fact.HEARING_REQUESTED,
    ActKind.PERFORMANCE: Fact.PERFORMANCE,
    ActKind.EMERGENCY_MEASURE_REPORT: Fact.EMERGENCY_MEASURE_REPORTED,
}

# A completed 承办→审核→批准 chain (D9). Filing is not here: rule S2 reads the finalised 立案审批表, which carries it.
APPROVAL_FACTS: dict[str, Fact] = {
    ApprovalKind.NON_FILING: Fact.NON_FILING_APPROVED,
    ApprovalKind.DECISION: Fact.DECISION_APPROVED,
    ApprovalKind.LICENCE_DECISION: Fact.LICENCE_DECISION_APPROVED,
    ApprovalKind.COMPULSION: Fact.COMPULSION_APPROVED,
    ApprovalKind.CLOSING: Fact.CLOSING_APPROVED,
    ApprovalKind.EXTENSION: Fact.EXTENSION_APPROVED,
}


def certified_officers(case: Case, on: date) -> list[User]:
    """rule I1: the case's officers holding a certificate valid on ``on`` (from the officers a page has prefetched
    with ``with_officers``, else read now)."""
    if "officers" in getattr(case, "_prefetched_objects_cache", {}):
        officers = [co.user for co in case.officers.all()]
    else:
        officers = [co.user for co in case.officers.select_related("user").prefetch_related("user__certificates")]
    return [u for u in officers if u.valid_certificate(on) is not None]


def with_officers(case: Case) -> Case:
    """The case with its officers, their accounts and certificates read once (two queries), for a page that shows
    them and computes the case's facts (rule I1) from the same rows."""
    prefetch_related_objects(
        [case],
        Prefetch(
            "officers",
            queryset=CaseOfficer.objects.select_related("user")
            .prefetch_related("user__certificates")
            .order_by("-is_lead", "id"),
        ),
    )
    return case


FactProvider = Callable[[Case, date], set[str]]
_FACT_PROVIDERS: list[FactProvider] = []


def provide_facts(provider: FactProvider) -> None:
    """Other apps add facts the state machine reads (the media app: whether AV rules are met)."""
    if provider not in _FACT_PROVIDERS:
        _FACT_PROVIDERS.append(provider)


def case_facts(case: Case, on: date | None = None) -> frozenset[str]:
    on = on or timezone.localdate()
    acts = list(case.acts.values_list("kind", "occurred_at"))  # one read serves every act-based fact
    # some acts only start deadlines; an act the law dates ahead (SV6 deemed service) is no fact before its day
    facts: set[str] = {ACT_FACTS[k] for k, at in acts if k in ACT_FACTS and timezone.localtime(at).date() <= on}
    approved = case.approvals.filter(status=ApprovalStatus.APPROVED).values_list("kind", flat=True)
    facts |= {APPROVAL_FACTS[k] for k in approved if k in APPROVAL_FACTS}
    if len(certified_officers(case, on)) >= 2:
        facts.add(Fact.TWO_CERTIFIED_OFFICERS)
    if case.is_major:
        facts.add(Fact.MAJOR)
    if case.extensions == 0:
        facts.add(Fact.NOT_YET_EXTENDED)
    if hearing_window_closed(acts, on):
        facts.add(Fact.HEARING_WINDOW_CLOSED)
    for provider in _FACT_PROVIDERS:
        facts |= provider(case, on)
    return frozenset(facts)


def hearing_window_closed(acts: list[tuple[str, datetime]], on: date) -> bool:
    """rule D5: the party may ask for a hearing within 5 working days of the rights notice; a decision waits
    for that window unless the party waived it in writing or already asked (then the hearing gate applies).
    ``acts`` are the case's (kind, occurred_at)."""
    if {ActKind.RIGHTS_WAIVER, ActKind.HEARING_REQUEST} & {kind for kind, _ in acts}:
        return True
    notice = max((at for kind, at in acts if kind == ActKind.RIGHTS_NOTICE), default=None)
    if notice is None:
        return False
    try:
        end = periods.due(BY_KEY["D5.request"], notice).on
    except CalendarYearUnknown:  # rule T5: an unknown year never shortens the party's window
        return False
    return end is not None and on > end


def next_steps(case: Case) -> list[tuple[stages.Transition, RuleViolation | None]]:
    return stages.next_steps(case.procedure_enum, case.stage_enum, case_facts(case))


def visible_cases(user: User) -> QuerySet[Case]:
    """Cases a user may see, by the permission table's CASE_VIEW scope (R9)."""
    return cases_in_scope(user, Action.CASE_VIEW)


def get_case(user: User, case_id: int) -> Case:
    return get_viewable(user, case_id)


def my_cases(user: User) -> QuerySet[Case]:
    return visible_cases(user).filter(officers__user=user).distinct()


def filter_cases(
    qs: QuerySet[Case], *, q: str = "", procedure: str = "", stage: str = "", unit: int | None = None
) -> QuerySet[Case]:
    """Filters on a small set already in hand; the case list and its search page by ``liuhen.cases.listing``."""
    if q:
        qs = qs.filter(Q(case_no__icontains=q) | Q(cause__icontains=q) | Q(parties__name__icontains=q)).distinct()
    if procedure:
        qs = qs.filter(procedure=procedure)
    if stage:
        qs = qs.filter(stage=stage)
    if unit:
        qs = qs.filter(unit_id=unit)
    return qs.order_by("-created_at", "-id")


def access_requests_to_decide(user: User) -> QuerySet[AccessRequest]:
    """Pending 调阅 requests on cases where this user may approve (R9), other than their own."""
    return (
        AccessRequest.objects.filter(status=AccessRequestStatus.PENDING, case__in=cases_in_scope(user, Action.APPROVE))
        .exclude(requested_by=user)
        .select_related("case", "requested_by", "decided_by")
    )


def pending_approvals(user: User) -> QuerySet[Approval]:
    """Approvals waiting for this user: unit heads review their unit's, leaders approve their agency's."""
    if user.agency is None:
        return Approval.objects.none()
    # rule D9: never one's own proposal or one already signed
    qs = Approval.objects.select_related("case").filter(case__agency=user.agency).exclude(steps__user=user)
    if user.role == Role.UNIT_HEAD:
        return qs.filter(status=ApprovalStatus.REVIEWING, case__unit=user.unit)
    if user.role == Role.LEADER:
        return qs.filter(status=ApprovalStatus.APPROVING)
    return qs.none()


def mask(value: str, keep_start: int = 3, keep_end: int = 4) -> str:
    """Personal data as shown: 110101********1234."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]
