"""The 公示 reviewer's page (rules P4–P6, P11): drafts to review, changed decisions to update, revoked decisions
to take down, and the public's correction requests, each within the reviewer's scope of cases."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from liuhen.cases.access import cases_in_scope
from liuhen.cases.views import _run
from liuhen.core.permissions import Action
from liuhen.deadlines import queries as deadline_queries
from liuhen.disclosure import content, prior, services
from liuhen.disclosure.models import (
    CorrectionRequest,
    CorrectionStatus,
    Entry,
    EntryStatus,
)
from liuhen.web.permissions import acting_user, page_needs


def _preview(entry: Entry) -> dict[str, Any]:
    record = content.public_record(entry)
    return {
        "entry": entry,
        "rows": [(content.LABELS[k], record[k]) for k in ("decision_no", "party_name", "facts", "content")],
        "redactions": json.loads(entry.redactions),
    }


@login_required
@page_needs(Action.APPROVE)
def review(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    mine = Entry.objects.filter(case__in=cases_in_scope(user, Action.APPROVE)).select_related("case", "drafted_by")
    if request.method == "POST" and request.POST.get("do") == "statistics":
        year = request.POST.get("year", "")
        _run(
            request,
            lambda: services.publish_statistics(
                actor=user, agency=user.agency, year=int(year) if year.isdigit() else 0
            ),
            f"{year}年度行政执法统计已公布",
        )
        return redirect("disclosure_review")
    if request.method == "POST":
        entry = mine.filter(pk=request.POST.get("entry") or 0).first()
        if entry is None:
            raise Http404("没有该公示条目")
        what = request.POST.get("do", "")
        commands = {
            "publish": (lambda: services.publish_entry(actor=user, entry=entry), "已发布公示，并记入公示日志"),
            "withhold": (
                lambda: services.withhold_entry(actor=user, entry=entry, reason=request.POST.get("reason", "")),
                "已决定不予公示，理由已记录",
            ),
            "update": (lambda: services.publish_update(actor=user, entry=entry), "已发布更新后的公示"),
            "take_down": (
                lambda: services.take_down(actor=user, entry=entry, reason=request.POST.get("reason", "")),
                "已撤下公示，撤下理由在原网址显示",
            ),
            "revoke": (
                lambda: services.record_revocation(
                    actor=user,
                    entry=entry,
                    ground=request.POST.get("ground", ""),
                    reason=request.POST.get("reason", ""),
                ),
                "已记录决定被撤销等情形，撤下期限开始计算",
            ),
            "correction": (
                lambda: services.handle_correction(
                    actor=user,
                    request=CorrectionRequest.objects.get(pk=request.POST.get("request") or 0, entry=entry),
                    corrected=request.POST.get("corrected") == "yes",
                    reply=request.POST.get("reason", ""),
                ),
                "已答复更正申请",
            ),
        }
        if what not in commands:
            raise Http404("没有该操作")
        command, success = commands[what]
        _run(request, command, success)
        return redirect("disclosure_review")
    return render(
        request,
        "disclosure/review.html",
        {
            "drafts": [_preview(e) for e in mine.filter(status=EntryStatus.DRAFT).order_by("decided_on", "id")],
            "changed": mine.filter(status=EntryStatus.PUBLISHED, changed_at__isnull=False),
            "revoked": mine.filter(status=EntryStatus.PUBLISHED).exclude(revoked_ground=""),
            "published": mine.filter(status=EntryStatus.PUBLISHED, revoked_ground="").order_by("-published_at")[:50],
            "corrections": CorrectionRequest.objects.filter(
                entry__in=mine, status=CorrectionStatus.RECEIVED
            ).select_related("entry"),
            "grounds": services.REVOCATION_GROUNDS.items(),
            "last_year": timezone.localdate().year - 1,
            "this_year": timezone.localdate().year,
            "statistics_status": (
                services.statistics_status(user.agency, timezone.localdate().year - 1, timezone.localdate())
                if user.agency
                else ""
            ),
        },
    )


@login_required
@page_needs(Action.APPROVE)
def prior_page(request: HttpRequest) -> HttpResponse:
    """事前公开 (rules P1, P4, P11): the agency's 随机抽查事项清单 kept as data, what changed since the published
    version, the P4 period a change opened, and 发布审核 of the next version."""
    user = acting_user(request)
    agency = user.agency
    if agency is None:
        raise Http404("不属于任何机关")
    if request.method == "POST":
        what = request.POST.get("do", "")
        kept = prior.LISTS.get(request.POST.get("list") or "inspection_items")
        if kept is None:
            raise Http404("没有该清单")
        item = None
        if request.POST.get("item"):
            raw = request.POST["item"]
            item = kept.model.objects.filter(pk=int(raw) if raw.isdigit() else 0, agency=agency).first()
            if item is None:
                raise Http404(f"没有该{kept.noun}")
        fields = {k: request.POST.get(k, "") for k in (*kept.fields, "category", "unit")}
        commands = {
            "save": (
                lambda: prior.save_item(actor=user, agency=agency, values=fields, item=item, kept=kept.key),
                f"{kept.noun}已保存",
            ),
            "withdraw": (
                lambda: prior.withdraw_item(actor=user, item=item, reason=request.POST.get("reason", "")),
                f"{kept.noun}已撤销",
            ),
            "publish": (lambda: prior.publish(actor=user, agency=agency), "事前公开已审核发布"),
        }
        if what not in commands or (what == "withdraw" and item is None):
            raise Http404("没有该操作")
        command, success = commands[what]
        _run(request, command, success)
        return redirect("disclosure_prior")
    version = prior.latest(agency)
    row = prior.update_row(agency)
    return render(
        request,
        "disclosure/prior.html",
        {
            "agency": agency,
            "version": version,
            "changes": prior.changed_sections(agency, version),
            "kept_by_me": prior.kept_since_published(user, agency, version),
            "p4": deadline_queries.describe(row, timezone.now()) if row else None,
            "lists": [
                {
                    "spec": kept,
                    "fields": [(name, label, size) for name, (label, size) in kept.fields.items()],
                    "blank": [(name, label, size, "") for name, (label, size) in kept.fields.items()],
                    "category": (kept.category[0], kept.category[1].choices) if kept.category else None,
                    "items": [
                        {
                            "row": i,
                            "values": [getattr(i, f) or "—" for f in kept.fields],
                            "form": [(n, label, size, getattr(i, n)) for n, (label, size) in kept.fields.items()],
                        }
                        for i in kept.model.objects.filter(agency=agency)
                        .select_related("unit", "saved_by")
                        .order_by("-in_force", "id")
                    ],
                }
                for kept in prior.LISTS.values()
            ],
            "units": agency.units.order_by("name"),
        },
    )
