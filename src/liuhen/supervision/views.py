"""Supervision pages (rules SU1–SU4): the dashboard, review rounds and scoring sheets, playback checks, the
findings register and 执法过错 cases. Pages call the commands only; refusals show in plain Chinese."""

from __future__ import annotations

import json
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from liuhen.accounts.models import Unit, User
from liuhen.cases.models import Case
from liuhen.cases.views import _run
from liuhen.core.errors import Forbidden, InvalidInput
from liuhen.core.permissions import Action, Scope, scope
from liuhen.supervision import oversight, queries, services, snapshots
from liuhen.supervision.autoscore import VERDICT_LABELS
from liuhen.supervision.models import (
    FaultCase,
    Finding,
    FindingKind,
    ItemScore,
    PlaybackCheck,
    PlaybackDraw,
    RectificationNotice,
    ReviewRound,
    ReviewSheet,
)
from liuhen.supervision.tables import SECTION_LABELS, Section, table_from_json
from liuhen.web.permissions import acting_user, page_needs


def _scope(request: HttpRequest, user: User) -> queries.Scope:
    """The agency, or one unit of it: a unit head sees his own unit only."""
    if user.agency is None:
        raise Http404("没有所属机关")
    if scope(user.role, Action.SUPERVISE) == Scope.UNIT:
        return queries.Scope(user.agency, user.unit)
    wanted = request.GET.get("unit", "")
    unit = Unit.objects.filter(agency=user.agency, pk=int(wanted)).first() if wanted.isdigit() else None
    return queries.Scope(user.agency, unit)


def _organiser(user: User) -> None:
    if user.agency is None or not services.organises(user, user.agency):
        raise Forbidden("须为本机关的监督人员、法制审核人员或机关负责人")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"日期“{text}”无效，应为 YYYY-MM-DD") from None


@login_required
@page_needs(Action.SUPERVISE)
def dashboard(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    s = _scope(request, user)
    if request.method == "POST":  # recompute the figures now (otherwise every 15 minutes)
        snapshots.compute(s)
        messages.success(request, "统计数据已重新计算")
        return redirect(request.get_full_path())
    snap = snapshots.latest(s)
    charts = snapshots.charts_of(snap)
    return render(
        request,
        "supervision/dashboard.html",
        {
            "scope": s,
            "charts": charts,
            "snapshot": snap,
            "options": {c.key: c.option() for c in charts},
            "units": Unit.objects.filter(agency=s.agency).order_by("pk")
            if not s.unit or user.role != "unit_head"
            else [],
            "organiser": services.organises(user, s.agency),
        },
    )


@login_required
@page_needs(Action.SUPERVISE)
def chart_csv(request: HttpRequest, key: str) -> HttpResponse:
    user = acting_user(request)
    charts = snapshots.charts_of(snapshots.latest(_scope(request, user)))
    chart = next((c for c in charts if c.key == key), None)
    if chart is None:
        raise Http404("没有该图表")
    response = HttpResponse("\ufeff" + chart.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{key}.csv"'
    return response


@login_required
@page_needs(Action.REVIEW)
def rounds(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if user.agency is None:
        raise Http404("没有所属机关")
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("reviewers") if i.isdigit()]

        def open_round() -> ReviewRound:
            share = request.POST.get("share_percent", "10")
            if not share.isdigit():
                raise InvalidInput(f"抽取比例“{share}”须为整数")
            return services.open_round(
                actor=user,
                agency=user.agency,  # type: ignore[arg-type]
                title=request.POST.get("title", ""),
                reviewers=User.objects.filter(pk__in=ids, agency=user.agency),
                share_percent=int(share),
                all_major=bool(request.POST.get("all_major")),
            )

        _run(request, open_round, "评查活动已开始：已随机抽取案卷、分配交叉评查人员，系统可判定的项目已自动评分")
        return redirect("supervision_rounds")
    organiser = services.organises(user, user.agency)
    mine = ReviewSheet.objects.filter(reviewer=user).select_related("case", "round").order_by("-id")
    return render(
        request,
        "supervision/rounds.html",
        {
            "rounds": ReviewRound.objects.filter(agency=user.agency).order_by("-id") if organiser else [],
            "mine": mine,
            "organiser": organiser,
            "candidates": User.objects.filter(agency=user.agency, is_active=True)
            .exclude(role__in=["admin", "archivist", "officer"])
            .select_related("unit")
            .order_by("unit_id", "pk"),
        },
    )


@login_required
@page_needs(Action.SUPERVISE)
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    user = acting_user(request)
    rnd = get_object_or_404(ReviewRound, pk=round_id, agency=user.agency)
    _organiser(user)
    if request.method == "POST":
        what = request.POST.get("do")
        if what == "publish":
            _run(request, lambda: services.publish_round(actor=user, round=rnd), "评查结果已在本机关内通报")
        elif what == "rectify":
            unit = Unit.objects.filter(agency=rnd.agency, pk=request.POST.get("unit") or 0).first()
            _run(
                request,
                lambda: services.issue_rectification(
                    actor=user,
                    round=rnd,
                    unit=unit or _missing("整改单位"),
                    content=request.POST.get("content", ""),
                    due_on=_date(request.POST.get("due_on", "")),
                ),
                "整改通知已签发",
            )
        elif what == "close":
            notice = get_object_or_404(RectificationNotice, pk=request.POST.get("notice") or 0, round=rnd)
            _run(
                request,
                lambda: services.close_rectification(
                    actor=user, notice=notice, response=request.POST.get("response", "")
                ),
                "整改通知已办结",
            )
        return redirect("supervision_round", round_id=rnd.pk)
    sheets = rnd.sheets.select_related("case", "case__unit", "reviewer", "reviewer__unit").order_by(
        "case__unit_id", "pk"
    )
    return render(
        request,
        "supervision/round.html",
        {
            "round": rnd,
            "sheets": sheets,
            "notices": rnd.notices.select_related("unit").order_by("pk"),
            "units": Unit.objects.filter(agency=rnd.agency).order_by("pk"),
        },
    )


def _missing(what: str) -> Unit:
    raise InvalidInput(f"请选择{what}")


@login_required
@page_needs(Action.REVIEW)
def sheet_detail(request: HttpRequest, sheet_id: int) -> HttpResponse:
    user = acting_user(request)
    sheet = get_object_or_404(ReviewSheet.objects.select_related("case", "round", "table", "reviewer"), pk=sheet_id)
    organiser = services.organises(user, sheet.round.agency)
    if sheet.reviewer_id != user.pk and not organiser:
        raise Http404("没有该记分表")
    if request.method == "POST":
        what = request.POST.get("do")
        if what == "score":
            item = get_object_or_404(ItemScore, sheet=sheet, code=request.POST.get("code", ""))
            _run(
                request,
                lambda: services.score_item(
                    actor=user,
                    item=item,
                    verdict=request.POST.get("verdict", ""),
                    deduction=request.POST.get("deduction", "0"),
                    note=request.POST.get("note", ""),
                    override_reason=request.POST.get("override_reason", ""),
                ),
                f"{item.code} 已评分",
            )
        elif what == "submit":
            _run(request, lambda: services.submit_sheet(actor=user, sheet=sheet), "记分表已提交复核")
        elif what == "check":
            _run(
                request,
                lambda: services.check_sheet(
                    actor=user,
                    sheet=sheet,
                    agree=request.POST.get("agree") == "yes",
                    opinion=request.POST.get("opinion", ""),
                ),
                "复核意见已记录",
            )
        return redirect("supervision_sheet", sheet_id=sheet.pk)
    table = table_from_json(sheet.table.body)
    scores = {i.code: i for i in sheet.items.select_related("scored_by")}
    sections = []
    for sec in Section:
        rows = []
        for it in table.items:
            if it.section != sec:
                continue
            s = scores[it.code]
            rows.append(
                {
                    "item": it,
                    "score": s,
                    "evidence": json.loads(s.evidence) if s.evidence else [],
                    "system": VERDICT_LABELS.get(s.system_verdict, "") if s.system_verdict else "",  # type: ignore[call-overload]
                    "verdict": VERDICT_LABELS.get(s.verdict, "") if s.verdict else "",  # type: ignore[call-overload]
                }
            )
        sections.append((SECTION_LABELS[sec], table.section_total(sec), rows))
    return render(
        request,
        "supervision/sheet.html",
        {
            "sheet": sheet,
            "table": table,
            "sections": sections,
            "organiser": organiser,
            "mine": sheet.reviewer_id == user.pk and sheet.status == "assigned",
            "checker": organiser and sheet.reviewer_id != user.pk and sheet.status == "scored",
        },
    )


@login_required
@page_needs(Action.SUPERVISE)
def playback(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    _organiser(user)
    if request.method == "POST":
        if request.POST.get("do") == "draw":
            share = request.POST.get("share_percent", str(oversight.DEFAULT_PLAYBACK_SHARE))
            _run(
                request,
                lambda: oversight.draw_playback(
                    actor=user,
                    agency=user.agency,  # type: ignore[arg-type]
                    month=request.POST.get("month", ""),
                    share_percent=int(share) if share.isdigit() else -1,
                ),
                "本月抽查已抽取（随机种子取自账本，可复核）",
            )
        else:
            check = get_object_or_404(PlaybackCheck, pk=request.POST.get("check") or 0, draw__agency=user.agency)
            flags = {
                k: request.POST.get(k) == "yes"
                for k in ("opening_statement", "content_focus", "interruptions_explained", "device_officer_right")
            }
            _run(
                request,
                lambda: oversight.record_playback_check(
                    actor=user, check=check, note=request.POST.get("note", ""), **flags
                ),
                "回放检查结果已记录",
            )
        return redirect("supervision_playback")
    draws = PlaybackDraw.objects.filter(agency=user.agency).order_by("-month")[:12]
    checks = (
        PlaybackCheck.objects.filter(draw__in=list(draws))
        .select_related("draw", "recording", "recording__case", "recording__officer", "recording__device", "checked_by")
        .order_by("-draw__month", "pk")
    )
    return render(
        request,
        "supervision/playback.html",
        {"draws": draws, "checks": checks, "month": timezone.localdate().strftime("%Y-%m")},
    )


@login_required
@page_needs(Action.SUPERVISE)
def findings(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    _organiser(user)
    agency = user.agency
    if request.method == "POST":
        what = request.POST.get("do")
        if what == "open":
            case_no = request.POST.get("case_no", "").strip()
            case = Case.objects.filter(agency=agency, case_no=case_no).first() if case_no else None
            person = User.objects.filter(agency=agency, username=request.POST.get("person", "").strip()).first()
            _run(
                request,
                lambda: oversight.open_finding(
                    actor=user,
                    agency=agency,  # type: ignore[arg-type]
                    kind=request.POST.get("kind", ""),
                    case=case,
                    person=person,
                    description=request.POST.get("description", ""),
                    evidence=request.POST.get("evidence", ""),
                    due_on=_date(request.POST.get("due_on", "")),
                ),
                "问题已登记",
            )
        elif what == "verify":
            from liuhen.ledger.verify import verify

            def from_verify() -> None:
                opened = oversight.findings_from_verify(actor=user, agency=agency, report=verify())  # type: ignore[arg-type]
                if not opened:
                    raise InvalidInput("账本校验未发现新的问题")

            _run(request, from_verify, "账本校验发现的问题已登记")
        elif what == "close":
            f = get_object_or_404(Finding, pk=request.POST.get("finding") or 0, agency=agency)
            _run(
                request,
                lambda: oversight.close_finding(actor=user, finding=f, closing=request.POST.get("closing", "")),
                "已确认整改",
            )
        return redirect("supervision_findings")
    rows = Finding.objects.filter(agency=agency).select_related("case", "person", "opened_by").order_by("-id")
    return render(
        request,
        "supervision/findings.html",
        {"rows": rows, "kinds": FindingKind.choices, "today": timezone.localdate()},
    )


@login_required
@page_needs(Action.SUPERVISE)
def faults(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    _organiser(user)
    agency = user.agency
    if request.method == "POST":
        what = request.POST.get("do")
        if what == "open":
            case = Case.objects.filter(agency=agency, case_no=request.POST.get("case_no", "").strip()).first()
            if case is None:
                _run(request, lambda: _no_case(request.POST.get("case_no", "")), "")
            else:
                _run(
                    request,
                    lambda: oversight.open_fault_case(
                        actor=user,
                        case=case,
                        trigger=request.POST.get("trigger", ""),
                        trigger_note=request.POST.get("trigger_note", ""),
                    ),
                    "过错案件已立案，责任划分已依审批链拟定",
                )
        else:
            fault = get_object_or_404(FaultCase, pk=request.POST.get("fault") or 0, agency=agency)
            if what == "extend":
                _run(
                    request,
                    lambda: oversight.extend_fault_case(actor=user, fault=fault, reason=request.POST.get("reason", "")),
                    "已延长30日",
                )
            else:
                _run(
                    request,
                    lambda: oversight.decide_fault_case(
                        actor=user, fault=fault, decision=request.POST.get("decision", "")
                    ),
                    "处理决定已记录",
                )
        return redirect("supervision_faults")
    rows = []
    for f in FaultCase.objects.filter(agency=agency).select_related("case").order_by("-id"):
        parties = json.loads(f.liability)
        for p in parties:
            p["label"] = oversight.LIABILITY_LABELS[p["liability"]]
        rows.append({"fault": f, "liability": parties, "overdue": not f.decided_at and oversight.overdue(f.due_on)})
    return render(request, "supervision/faults.html", {"rows": rows})


def _no_case(case_no: str) -> None:
    raise InvalidInput(f"本机关没有案号为“{case_no}”的案件")
