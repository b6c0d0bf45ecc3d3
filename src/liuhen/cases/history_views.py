"""A case's 调阅记录 on its own tab: who read what, when, why and how, by person and date, and as CSV for an
auditor (rule R9). Looking at the history is not itself a read of the case's records, so it registers none."""

from __future__ import annotations

import csv
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from liuhen.cases import queries
from liuhen.cases.access import access_history, purpose_for, readers
from liuhen.core.errors import NotFound
from liuhen.core.permissions import Action
from liuhen.web.permissions import acting_user, page_needs
from liuhen.web.reads import stated_purpose

CSV_HEADER = ["账本序号", "时间", "调阅人", "角色", "对象", "内容", "方式", "目的", "所述目的"]


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


@login_required
@page_needs(Action.CASE_VIEW)
def case_access_history(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        case = queries.get_case(acting_user(request), case_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    # who may see the case reads its history on the same basis as the case (a duty, a grant, or a purpose stated,
    # R9), without registering a read of it: looking at who read is not reading the case's records
    purpose_for(acting_user(request), case, stated_purpose(request, case))
    f = {k: request.GET.get(k, "") for k in ("person", "since", "until")}
    since, until = _date(f["since"]), _date(f["until"])
    bad = [
        label
        for key, label, parsed in (("since", "起始日期", since), ("until", "截止日期", until))
        if f[key] and parsed is None
    ]
    if bad:
        return render(
            request,
            "cases/access_history.html",
            {
                "case": case,
                "f": f,
                "readers": readers(case),
                "rows": [],
                "error": f"{'、'.join(bad)}格式应为 YYYY-MM-DD",
            },
            status=400,
        )
    rows = access_history(case, person=f["person"], since=since, until=until)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f"attachment; filename=\"access-{case.pk}.csv\"; filename*=UTF-8''{case.pk}-access.csv"
        )
        response.write("\ufeff")  # a spreadsheet opens UTF-8 Chinese correctly with the byte-order mark
        out = csv.writer(response)
        out.writerow(CSV_HEADER)
        for r in rows:
            out.writerow(
                [
                    r["seq"],
                    timezone.localtime(r["at"]).strftime("%Y-%m-%d %H:%M:%S"),
                    r["name"],
                    r["role"],
                    r["subject_label"],
                    r["what"],
                    r["channel_label"],
                    r["purpose"],
                    r["stated_purpose"],
                ]
            )
        return response
    return render(request, "cases/access_history.html", {"case": case, "f": f, "readers": readers(case), "rows": rows})
