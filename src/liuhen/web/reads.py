"""Registering reads from pages and the API: the purpose comes from the request or the session (R9)."""

from __future__ import annotations

from django.http import HttpRequest

from liuhen.accounts.models import User
from liuhen.cases.access import PURPOSE_SESSION_KEY, UNKNOWN_RELATION, purpose_for, register_read
from liuhen.cases.models import Case
from liuhen.core.permissions import Scope


def stated_purpose(request: HttpRequest, case: Case) -> str:
    """A purpose given now (?purpose= or the X-Liuhen-Purpose header), or earlier in this session for this case."""
    given = request.GET.get("purpose") or request.headers.get("X-Liuhen-Purpose", "")
    session = getattr(request, "session", None)
    if session is None:
        return given
    remembered = dict(session.get(PURPOSE_SESSION_KEY, {}))
    if given:
        remembered[str(case.pk)] = given
        session[PURPOSE_SESSION_KEY] = remembered
    return given or remembered.get(str(case.pk), "")


def read(
    request: HttpRequest,
    case: Case,
    *,
    subject_type: str,
    subject_id: str | int,
    what: str,
    channel: str,
    rel: Scope | object | None = UNKNOWN_RELATION,
) -> int:
    """Register one read; a purpose given with the request is kept beside the reader's duty, never instead of it
    (R9). ``rel``: the reader's relation to the case, when the page has looked it up. Returns the event's seq."""
    user: User = request.user  # type: ignore[assignment]
    purpose = purpose_for(user, case, stated_purpose(request, case), rel)
    return register_read(
        user=user,
        case=case,
        subject_type=subject_type,
        subject_id=subject_id,
        what=what,
        channel=channel,
        purpose=purpose.basis,
        stated_purpose=purpose.stated,
    )
