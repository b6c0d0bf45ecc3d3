"""The rule catalogue as a page: what each rule id on a form or a refusal means, with its source and status."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from liuhen.core.permissions import Action
from liuhen.core.rules import RULES, STATUS_LABELS, status
from liuhen.web.permissions import page_needs


@login_required
@page_needs(Action.SELF)
def rules(request: HttpRequest) -> HttpResponse:
    rows = [
        {"id": r.id, "title": r.title, "source": r.source, "status": STATUS_LABELS[status(r.id)]}
        for r in RULES.values()
    ]
    return render(request, "web/rules.html", {"rows": rows})
