"""The reviewer's view of any year's tables as they stand now (rules P7, P12), before or after publication."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from liuhen.core.permissions import Action
from liuhen.disclosure import services, statistics
from liuhen.web.permissions import acting_user, page_needs


@login_required
@page_needs(Action.APPROVE)
def current_tables(request: HttpRequest, year: int) -> HttpResponse:
    user = acting_user(request)
    if user.agency is None or not 2000 <= year <= timezone.localdate().year:
        raise Http404("没有该年度的统计")
    tables = statistics.tables(user.agency, year)
    if request.GET.get("format") == "xlsx":
        published = {g: [[f.label, str(f.value), f.query] for f in figures] for g, figures in tables.items()}
        response = HttpResponse(
            statistics.as_xlsx(user.agency, year, published),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="statistics-{year}.xlsx"'
        return response
    return render(
        request,
        "disclosure/statistics_current.html",
        {
            "year": year,
            "tables": tables,
            "status": services.statistics_status(user.agency, year, timezone.localdate()),
        },
    )
