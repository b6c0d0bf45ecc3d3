"""Reading media: which AV-required activities of a case lack a recording (rules AV1–AV6), late uploads (R1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q, QuerySet

from liuhen.accounts.models import User
from liuhen.cases.access import check_record, hidden_records
from liuhen.cases.models import ActKind, Case
from liuhen.cases.queries import visible_cases
from liuhen.core.errors import InvalidInput, NotFound
from liuhen.core.permissions import Action, Scope, covers, scope
from liuhen.core.rules.av import BY_ACTIVITY, AVRule
from liuhen.core.stages import Fact
from liuhen.media.models import Recording
from liuhen.media.services import MATCH_WINDOW


@dataclass(frozen=True)
class AVGap:
    rule: AVRule
    occurred_at: datetime
    act_id: int


def visible_recordings(user: User, *, lists: bool = True) -> QuerySet[Recording]:
    """Recordings of cases the user may see, and the agency's unlinked ones; lists leave out marked ones that
    are not for this role (R11), while opening one says why it is refused."""
    qs = Recording.objects.select_related("blob", "case", "device", "officer").filter(
        Q(case__in=visible_cases(user)) | Q(case__isnull=True, officer__agency=user.agency)
    )
    hidden = hidden_records(user, "recording") if lists else set()
    return qs.exclude(pk__in=hidden) if hidden else qs


def unlinked_to_handle(user: User) -> QuerySet[Recording]:
    """Unlinked recordings this user may file into a case or annotate: his own, his unit's, or the agency's when
    his role's MEDIA_UPLOAD scope reaches it (the permission table)."""
    qs = Recording.objects.select_related("device", "officer").filter(case__isnull=True, officer__agency=user.agency)
    reach = scope(user.role, Action.MEDIA_UPLOAD)
    if covers(reach, Scope.AGENCY):
        return qs
    if covers(reach, Scope.UNIT) and user.unit_id is not None:
        return qs.filter(Q(officer=user) | Q(unit_id=user.unit_id))
    return qs.filter(officer=user) if reach != Scope.NONE else qs.none()


def get_recording(user: User, recording_id: int) -> Recording:
    rec = visible_recordings(user, lists=False).filter(pk=recording_id).first()
    if rec is None:
        raise NotFound("音像记录不存在或无权查看")
    if rec.case is not None:
        check_record(user, rec.case, "recording", rec.pk)
    return rec


def av_gaps(case: Case) -> list[AVGap]:
    """Mandatory-AV activities on the case with no linked recording within 2 h of them, and no AV6 reason."""
    if case.acts.filter(kind=ActKind.AV_OMISSION).exists():
        return []
    spans = [
        (r.recorded_from, r.recorded_to or r.recorded_from)
        for r in case.recordings.exclude(recorded_from__isnull=True).only("recorded_from", "recorded_to")
    ]
    gaps = []
    for act_id, kind, at in case.acts.values_list("id", "kind", "occurred_at"):
        rule = BY_ACTIVITY.get(f"act:{kind}")
        if rule is None or not rule.mandatory:
            continue
        covered = any(start - MATCH_WINDOW <= at <= end + MATCH_WINDOW for start, end in spans)  # type: ignore[operator]
        if not covered:
            gaps.append(AVGap(rule, at, act_id))
    return gaps


def av_facts(case: Case, on: date) -> set[str]:
    return set() if av_gaps(case) else {Fact.AV_COMPLETE}


def late_uploads(user: User, scope: str = "mine") -> QuerySet[Recording]:
    """rule R1: recordings uploaded after their 24-hour deadline, for an officer, a unit or the agency."""
    qs = Recording.objects.select_related("officer", "device", "case").filter(officer__agency=user.agency)
    if scope == "mine":
        qs = qs.filter(officer=user)
    elif scope == "unit":
        qs = qs.filter(unit=user.unit) if user.unit_id else qs.none()
    elif scope != "agency":
        raise InvalidInput(f"未知的范围：{scope}（mine、unit 或 agency）")
    return qs.exclude(upload_due_at__isnull=True).extra(where=["uploaded_at > upload_due_at"]).order_by("-uploaded_at")
