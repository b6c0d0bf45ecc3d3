"""How a signed step reads: the opinion, then the verdict in brackets unless the opinion already ends with it
(never "同意（同意）")."""

from __future__ import annotations

from typing import Any

from django import template

from liuhen.cases.presentation import said
from liuhen.web.rule_links import rule_links

register = template.Library()


@register.filter(name="rule_links")
def rule_links_filter(rule_ids: Any) -> str:
    """A document type's rules as help links: "依据：D6、D9", each opening the rule."""
    return rule_links(list(rule_ids or ()))


@register.filter
def signed_opinion(step: Any) -> str:
    return step.opinion if step.role == "handler" else said(step.opinion, bool(step.agree))
