"""Rule ids leave field labels for help links: each opens the rule in the catalogue page, with its text on hover
(an officer reads a rule, not a bare "SV4"); the catalogue page lists every rule with its source."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from liuhen.core.documents.catalogue import BY_CODE
from liuhen.core.rules import RULES
from liuhen.documents.forms import document_form


def test_a_field_help_that_is_a_rule_id_is_a_link_to_that_rule() -> None:
    html = document_form(BY_CODE["delivery_receipt"]).as_div()
    rule = RULES["SV4"]
    assert '依据：<a class="rule-link" href="/rules/#SV4"' in html
    assert rule.title in html  # on hover
    assert "依据：SV4<" not in html


def test_a_document_types_rules_read_as_links() -> None:
    out = Template("{% load words %}{{ rules|rule_links }}").render(Context({"rules": ("D6", "D9")}))
    assert out.startswith("依据：") and 'href="/rules/#D6"' in out and 'href="/rules/#D9"' in out


@pytest.mark.django_db
def test_the_catalogue_page_names_every_rule_with_its_source(client, cast) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast.handler)
    page = client.get("/rules/").content.decode()
    for rule_id, rule in RULES.items():
        assert f'id="{rule_id}"' in page and rule.source.split(";")[0] in page
    assert "已实现" in page
