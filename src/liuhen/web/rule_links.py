"""Rule ids as people read them: a link to the rule in the catalogue page, its text on hover (no bare "E5")."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from liuhen.core.rules import RULES

RULE_ID = re.compile(r"\b[A-Z]{1,2}\d{1,2}\b")


def rule_link(rule_id: str) -> SafeString:
    rule = RULES.get(rule_id)
    if rule is None:
        return format_html("{}", rule_id)
    return format_html(
        '<a class="rule-link" href="{}#{}" title="{}（{}）">{}</a>',
        reverse("rules"),
        rule_id,
        rule.title,
        rule.source,
        rule_id,
    )


def rule_links(rule_ids: Iterable[str]) -> SafeString:
    """依据 as links: "依据：E5、AV1" where each id opens its rule."""
    ids = [r for r in rule_ids if r]
    if not ids:
        return format_html("")
    return format_html("依据：{}", format_html_join("、", "{}", ((rule_link(r),) for r in ids)))


def linked(text: str) -> SafeString:
    """A help text whose rule ids become links (the rest of the text escaped as usual)."""
    parts: list[SafeString] = []
    last = 0
    for m in RULE_ID.finditer(text):
        parts.append(format_html("{}", text[last : m.start()]))
        parts.append(rule_link(m.group(0)) if m.group(0) in RULES else format_html("{}", m.group(0)))
        last = m.end()
    parts.append(format_html("{}", text[last:]))
    return SafeString("".join(parts))
