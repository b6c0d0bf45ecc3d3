"""The public portal /gongshi/ (rules P1–P3, P5, P8): no login, no cookie, printable, in Chinese.

Nothing here touches the session or the CSRF token, so no response sets a cookie (the correction form is a plain
POST that carries no session either). Only published entries (and the reasons of those taken down) are shown; the
text shown is the redacted one.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from liuhen.accounts.models import Agency
from liuhen.core.errors import InvalidInput
from liuhen.disclosure import content, log, prior, queries, services
from liuhen.disclosure.models import Entry, EntryStatus, LogLeaf

PAGE = 50
LIST_COLUMNS = ("id", "decided_on", "party_name", "decision_no", "kind", "violation_type", "agency__name")
FEED_FIELDS = ("id", *content.LABELS, "url")


def public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A portal response: cacheable for a minute, and never a cookie."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except NotPublished:
            response = _not_found(request)
        response.setdefault("Cache-Control", "public, max-age=60")
        response.cookies.clear()
        return response

    return wrapped


class NotPublished(Exception):
    """No published entry has this number (a draft, a withheld entry and a wrong number all read the same)."""


def _entry(entry_id: int) -> Entry:
    entry = Entry.objects.select_related("agency").filter(pk=entry_id, status__in=queries.SHOWN).first()
    if entry is None:
        raise NotPublished
    return entry


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "disclosure/error.html", {"message": "没有该公示条目（编号有误，或尚未公示）"}, status=404)


KIND_LABELS = dict(content.EntryKind.choices)


def _listed(rows: Any) -> list[dict[str, Any]]:
    """List rows as plain values (no model instances): the kind in words, the date as text."""
    return [
        {**r, "kind": KIND_LABELS[r["kind"]], "decided_on": r["decided_on"].isoformat(), "agency": r["agency__name"]}
        for r in rows
    ]


@require_GET
@public
def index(request: HttpRequest) -> HttpResponse:
    agencies = Agency.objects.order_by("name")
    latest = _listed(queries.published().values(*LIST_COLUMNS).order_by("-published_at", "-id")[:10])
    return render(request, "disclosure/index.html", {"agencies": agencies, "latest": latest})


_RENDERED: dict[str, str] = {}


def _rules_lists(version: Any) -> str:
    """Procedures, remedies and the AV list of a published version: rendered once per version and process."""
    done = _RENDERED.get(version.content_sha256)
    if done is not None:
        return done
    if len(_RENDERED) > 256:
        _RENDERED.clear()
    published = json.loads(version.content)
    _RENDERED[version.content_sha256] = render_to_string(
        "disclosure/_rules_lists.html",
        {
            "procedures": published["procedures"],
            "remedies": published["remedies"],
            "av_rules": published["av_rules"],
        },
    )
    return _RENDERED[version.content_sha256]


@require_GET
@public
def agency_page(request: HttpRequest, agency_id: int) -> HttpResponse:
    """事前公开 (P1): the agency's latest reviewed and published version (P4, P11): its units and officers, its
    随机抽查事项清单, procedures, remedies and the AV-recorded activities."""
    agency = get_object_or_404(Agency, pk=agency_id)
    version = prior.latest(agency)
    body: dict[str, Any] = {}
    lists = []
    if version is not None:
        body = json.loads(version.content)
        today = timezone.localdate()
        for o in body["officers"]:
            o["state"] = prior.officer_state(o, today)
        for key, kept in prior.LISTS.items():  # the agency's kept lists, as the version published them
            columns = ["category", *kept.fields, "unit"] if kept.category else [*kept.fields, "unit"]
            labels = [kept.category[0]] if kept.category else []
            labels += [label for label, _ in kept.fields.values()] + [kept.unit_label]
            rows = [[r.get(c) or "—" for c in columns] for r in body.get(key, [])]
            lists.append({"key": key, "title": kept.title, "labels": labels, "rows": rows})
    return render(
        request,
        "disclosure/agency.html",
        {
            "agency": agency,
            "version": version,
            "published": body,
            "lists": lists,
            "rules_lists": _rules_lists(version) if version else "",
            "count": queries.published(agency).count(),
            "years": sorted(set(agency.annual_statistics.values_list("year", flat=True)), reverse=True),
        },
    )


@require_GET
@public
def av_list(request: HttpRequest) -> HttpResponse:
    return render(request, "disclosure/av_list.html", {"av_rules": queries.av_list()})


@require_GET
@public
def entry_list(request: HttpRequest) -> HttpResponse:
    search, errors = queries.Search.parse(request.GET)
    qs = search.apply(queries.published()).values(*LIST_COLUMNS)
    try:
        page = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page = 1
    rows = _listed(qs[(page - 1) * PAGE : page * PAGE + 1])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "disclosure/entries.html",
        {
            "search": search,
            "errors": errors,
            "entries": rows[:PAGE],
            "page": page,
            "more": len(rows) > PAGE,
            "query": query.urlencode(),
            "kinds": content.EntryKind.choices,
            "agencies": Agency.objects.order_by("name"),
        },
        status=400 if errors else 200,
    )


def _records(qs: Any) -> Iterator[dict[str, str]]:
    for values in qs.values(*content.RECORD_COLUMNS).iterator(chunk_size=500):
        yield {**content.record_from(values), "url": f"/gongshi/entries/{values['id']}/"}


def _proof(entry: Entry) -> dict[str, Any] | None:
    leaf = LogLeaf.objects.filter(entry=entry).order_by("-index").first()
    return log.proof_bundle(leaf) if leaf is not None else None


@require_GET
@public
def entry_page(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry(entry_id)
    record = content.public_record(entry)
    rows = [(label, record[k]) for k, label in content.labels(entry.kind).items()]
    return render(
        request,
        "disclosure/entry.html",
        {
            "entry": entry,
            "rows": rows,
            "shown": entry.status == EntryStatus.PUBLISHED,
            "proof": _proof(entry),
            "sent": request.GET.get("sent") == "1",
        },
    )


@require_GET
@public
def entry_json(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry(entry_id)
    body: dict[str, Any] = {"status": EntryStatus(entry.status).label, "proof": _proof(entry)}
    if entry.status == EntryStatus.PUBLISHED:
        body["entry"] = content.public_record(entry)
    else:
        body["takedown_reason"] = entry.takedown_reason
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False, "indent": 1})


@csrf_exempt  # a public form: no session, no cookie, nothing to forge a session for
@require_http_methods(["POST"])
@public
def correction(request: HttpRequest, entry_id: int) -> HttpResponse:
    """A written correction request (rule P5): registered, answered within 5 working days."""
    entry = _entry(entry_id)
    try:
        services.request_correction(
            entry=entry,
            requester=request.POST.get("requester", ""),
            contact=request.POST.get("contact", ""),
            text=request.POST.get("content", ""),
        )
    except InvalidInput as exc:
        return render(request, "disclosure/error.html", {"message": str(exc), "entry": entry}, status=400)
    response = HttpResponse(status=303)
    response["Location"] = f"/gongshi/entries/{entry.pk}/?sent=1"
    return response


@require_GET
@public
def feed_json(request: HttpRequest) -> HttpResponse:
    search, errors = queries.Search.parse(request.GET)
    if errors:
        return JsonResponse({"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False})
    rows = list(_records(search.apply(queries.published())))
    return JsonResponse({"entries": rows}, json_dumps_params={"ensure_ascii": False})


@require_GET
@public
def feed_csv(request: HttpRequest) -> HttpResponse:
    search, errors = queries.Search.parse(request.GET)
    if errors:
        return HttpResponse("；".join(errors), status=400, content_type="text/plain; charset=utf-8")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["编号", *content.LABELS.values(), "网址"])
    for rec in _records(search.apply(queries.published())):
        writer.writerow([rec[k] for k in FEED_FIELDS])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="gongshi.csv"'
    return response


# --- the public log ------------------------------------------------------------------------------------


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


@require_GET
@public
def log_checkpoint(request: HttpRequest) -> HttpResponse:
    cp = log.latest()
    return _text(cp.note) if cp is not None else _text("公示日志尚无记录", 404)


@require_GET
@public
def log_key(request: HttpRequest) -> HttpResponse:
    return _text(log.verifier_key() + "\n")


@require_GET
@public
def log_leaf(request: HttpRequest, index: int) -> HttpResponse:
    leaf = LogLeaf.objects.filter(index=index).first()
    if leaf is None:
        return _text("没有该日志叶子", 404)
    return JsonResponse(log.proof_bundle(leaf), json_dumps_params={"ensure_ascii": False})


@require_GET
@public
def log_consistency(request: HttpRequest) -> HttpResponse:
    cp = log.latest()
    size = cp.tree_size if cp else 0
    try:
        old = int(request.GET.get("old", ""))
        new = int(request.GET.get("new", size))
    except ValueError:
        return _text("old、new 须为日志长度（整数）", 400)
    if not 0 <= old <= new <= size:
        return _text(f"须满足 0 ≤ old ≤ new ≤ {size}", 400)
    if new and not log.LogCheckpoint.objects.filter(tree_size=new).exists():
        return _text(f"长度 {new} 没有签名检查点", 400)
    body = {"old_size": old, "new_size": new, "consistency": log.consistency(old, new)}
    if new:
        body["checkpoint"] = log.LogCheckpoint.objects.get(tree_size=new).note
    return JsonResponse(body)


# --- annual statistics (rules P7, P12) -------------------------------------------------------------------


def _published_statistics(agency_id: int, year: int) -> tuple[Agency, Any]:
    from liuhen.disclosure.models import AnnualStatistics

    agency = get_object_or_404(Agency, pk=agency_id)
    row = AnnualStatistics.objects.filter(agency=agency, year=year).order_by("-published_at", "-id").first()
    return agency, row


@require_GET
@public
def statistics_page(request: HttpRequest, agency_id: int, year: int) -> HttpResponse:
    agency, row = _published_statistics(agency_id, year)
    today = timezone.localdate()
    return render(
        request,
        "disclosure/statistics.html",
        {
            "agency": agency,
            "year": year,
            "row": row,
            "tables": json.loads(row.tables) if row else {},
            "status": services.statistics_status(agency, year, today),
        },
        status=200 if row else 404,
    )


@require_GET
@public
def statistics_xlsx(request: HttpRequest, agency_id: int, year: int) -> HttpResponse:
    from liuhen.disclosure import statistics

    agency, row = _published_statistics(agency_id, year)
    if row is None:
        return _text(f"{year}年度统计数据尚未公布", 404)
    response = HttpResponse(
        statistics.as_xlsx(agency, year, json.loads(row.tables)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="statistics-{year}.xlsx"'
    return response
