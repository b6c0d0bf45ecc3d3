"""The administrator's page of agency settings: what is in force, its source, every change, and a change form."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from liuhen.agency_settings import queries, services
from liuhen.cases.views import _run
from liuhen.core.errors import InvalidInput, NotFound
from liuhen.core.periods import LOCAL
from liuhen.core.permissions import Action
from liuhen.core.rules.agency_settings import SETTINGS
from liuhen.web.permissions import acting_user, page_needs


def _effective_from(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"施行时间“{text}”无效，应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM") from None
    return at if at.tzinfo else at.replace(tzinfo=LOCAL)


@login_required
@page_needs(Action.SETTINGS)
def settings_page(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    wanted = request.GET.get("agency") or request.POST.get("agency") or ""
    agencies = services.administered_agencies(user)
    try:
        agency = queries.agency_for(
            user, int(wanted) if wanted.isdigit() else (agencies[0].pk if agencies and user.agency_id is None else None)
        )
    except (NotFound, InvalidInput) as exc:
        raise Http404(str(exc)) from exc
    if request.method == "POST":
        _run(
            request,
            lambda: services.set_setting(
                actor=user,
                agency=agency,
                key=request.POST.get("key", ""),
                value=request.POST.get("value", ""),
                reason=request.POST.get("reason", ""),
                effective_from=_effective_from(request.POST.get("effective_from", "")),
            ),
            "设置已修改，并已记入防篡改账本",
        )
        return redirect(f"{request.path}?agency={agency.pk}")
    return render(
        request,
        "agency_settings/settings.html",
        {
            "agency": agency,
            "agencies": agencies,
            "rows": queries.settings_rows(agency),
            "history": queries.history_rows(agency),
            "specs": SETTINGS,
        },
    )
