from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from liuhen.accounts.models import User
from liuhen.core.permissions import Action
from liuhen.deadlines import queries, services
from liuhen.web.permissions import page_needs


@login_required
@page_needs(Action.CASE_VIEW)
def deadline_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    scope = request.GET.get("scope", "mine")
    state = request.GET.get("state", "open")
    if scope not in queries.SCOPES or state not in queries.STATES:
        raise Http404("无此范围或状态")
    return render(
        request,
        "deadlines/list.html",
        {
            "rows": queries.listing(user, scope, state),
            "scope": scope,
            "state": state,
            "scopes": queries.SCOPES,
            "states": queries.STATES,
            "counts": queries.counts(user, scope),
        },
    )


@login_required
@require_POST
@page_needs(Action.SELF)
def alert_read(request: HttpRequest, alert_id: int) -> HttpResponse:
    services.mark_read(user=request.user, alert_id=alert_id)  # type: ignore[arg-type]
    return redirect("home")
