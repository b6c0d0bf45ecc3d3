"""Template tags of the access app, for pages of other apps (which do not import it):
`{% marked case "document" as ids %}`, the ids of a case's records under a confidentiality mark (R11), for badges;
`{% copies_to_decide user as rows %}`, the copy requests waiting for this user's signature (R10, R12);
`{% may_sign user request as mine %}`, whether this user's signature on a copy request is one it needs now."""

from __future__ import annotations

from django import template

from liuhen.access.models import CopyRequest
from liuhen.access.services import copies_to_decide as waiting_copies
from liuhen.access.services import marked_ids
from liuhen.access.services import may_sign as signature_needed
from liuhen.accounts.models import User
from liuhen.cases.models import Case

register = template.Library()


@register.simple_tag
def marked(case: Case, subject_type: str) -> set[int]:
    return marked_ids(case, subject_type)


@register.simple_tag
def copies_to_decide(user: User) -> list[CopyRequest]:
    return waiting_copies(user)


@register.simple_tag
def may_sign(user: User, request: CopyRequest) -> bool:
    return signature_needed(user, request)
