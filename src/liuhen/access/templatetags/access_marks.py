"""`{% marked case "document" as ids %}`: the ids of a case's records under a confidentiality mark (R11), for
badges on pages that list them."""

from __future__ import annotations

from django import template

from liuhen.access.services import marked_ids
from liuhen.cases.models import Case

register = template.Library()


@register.simple_tag
def marked(case: Case, subject_type: str) -> set[int]:
    return marked_ids(case, subject_type)
