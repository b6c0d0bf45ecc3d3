"""How a signed step reads: the opinion, then the verdict in brackets unless the opinion already ends with it
(never "同意（同意）")."""

from __future__ import annotations

from typing import Any

from django import template

from liuhen.cases.presentation import said

register = template.Library()


@register.filter
def signed_opinion(step: Any) -> str:
    return step.opinion if step.role == "handler" else said(step.opinion, bool(step.agree))
