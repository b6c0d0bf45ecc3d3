"""The officer's web pages. Views only call domain commands and show their refusals in Chinese."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from liuhen.accounts.models import Role
from liuhen.cases import listing, numbers, presentation, queries, services, work
from liuhen.cases.access import allowed_at, hidden_records, viewable
from liuhen.cases.forms import ActForm, ApprovalForm, CaseForm, SignForm
from liuhen.cases.models import PROCEDURE_CHOICES, STAGE_CHOICES, Approval, ApprovalStatus
from liuhen.core import stages
from liuhen.core.errors import InvalidInput, LiuhenError, NotFound, RuleViolation
from liuhen.core.permissions import Action, Scope
from liuhen.core.rules.av import FOCUS
from liuhen.deadlines import queries as deadline_queries
from liuhen.documents import queries as document_queries
from liuhen.media.models import InterruptionReason
from liuhen.web import reads
from liuhen.web.permissions import acting_user, page_needs


def _run(request: HttpRequest, command: Callable[[], Any], success: str) -> bool:
    """Run a domain command; show its refusal in plain Chinese instead of a trace."""
    try:
        command()
    except RuleViolation as exc:
        messages.error(request, f"不能办理：{exc.message}（依据：{exc.rule_id} {exc.source}）")
        return False
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except LiuhenError as exc:
        messages.error(request, f"不能办理：{exc}")
        return False
    messages.success(request, success)
    return True


@login_required
@page_needs(Action.SELF)
def home(request: HttpRequest) -> HttpResponse:
    """The role's workbench: its queue first (liuhen.web.workbench; the template web/workbench/<role>.html)."""
    from liuhen.web import workbench

    user = acting_user(request)
    return render(
        request,
        "cases/home.html",
        {
            **workbench.parts(user),
            "role_template": f"web/workbench/{user.role}.html",
            "access_to_decide": queries.access_requests_to_decide(user).count() if user.role != Role.ADMIN else 0,
            "sign_form": SignForm(),
        },
    )


@login_required
@page_needs(Action.CASE_VIEW)
def case_list(request: HttpRequest) -> HttpResponse:
    """Keyset pages (R9 scope): 下一页 carries the last row's position; 第一页 starts again."""
    user = acting_user(request)
    f = {k: request.GET.get(k, "")[:200] for k in ("q", "procedure", "stage")}
    cursor = request.GET.get("cursor", "")[:400]
    q = numbers.canonical_brackets(f["q"]) if numbers.parse(f["q"]) else f["q"]  # [2026]、(2026) are 〔2026〕
    filters = listing.Filters(q=q, procedure=f["procedure"], stage=f["stage"])
    try:
        page = listing.list_cases(user, filters, cursor=cursor, size=25)
    except InvalidInput as exc:
        messages.error(request, str(exc))
        page, cursor = listing.list_cases(user, filters, size=25), ""
    kept = {k: v for k, v in f.items() if v}
    context = {
        "page": page,
        "f": f,
        "first_url": f"?{urlencode(kept)}" if cursor else "",
        "next_url": f"?{urlencode({**kept, 'cursor': page.next})}" if page.next else "",
        "procedures": PROCEDURE_CHOICES,
        "stages": STAGE_CHOICES,
    }
    return render(request, "cases/list.html", context)


@login_required
@page_needs(Action.CASE_CREATE)
def case_create(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = CaseForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        parties = []
        if d["party_name"]:
            parties.append(
                services.PartyInput(
                    kind=d["party_kind"],
                    name=d["party_name"],
                    id_number=d["party_id_number"],
                    legal_representative=d["party_legal_representative"],
                    address=d["party_address"],
                    phone=d["party_phone"],
                )
            )
        created: dict[str, Any] = {}

        def command() -> None:
            created["case"] = services.create_case(
                actor=user,
                unit=d["unit"],
                procedure=d["procedure"],
                cause=d["cause"],
                source=d["source"],
                summary=d["summary"],
                is_major=d["is_major"],
                penalty_kind=d["penalty_kind"],
                fine_amount=d["fine_amount"],
                violation_ended_on=d["violation_ended_on"],
                serious_harm=d["serious_harm"],
                violation_at=d["violation_at"],
                violation_place=d["violation_place"],
                parties=parties,
                officers=list(d["officers"]),
            )

        if _run(request, command, "案件已登记"):
            return redirect("case_detail", case_id=created["case"].pk)
    return render(request, "cases/create.html", {"form": form})


# The case page's tabs: each its own address, rendered on the server (a plain link; htmx swaps the page), each
# opening registered as a read of what that tab shows (R9), never of what another tab holds.
TABS: list[tuple[str, str, str]] = [
    ("overview", "概况", "case_detail"),
    ("documents", "文书", "case_documents"),
    ("media", "音像", "case_media"),
    ("deadlines", "期限", "case_deadlines"),
    ("approvals", "审批", "case_approvals"),
    ("timeline", "时间线", "case_timeline"),
    ("copies", "复制与保密", "case_copies"),
]
TAB_LABELS = {key: label for key, label, _ in TABS}


def _open_case(request: HttpRequest, case_id: int, tab: str) -> tuple[Any, dict[str, Any]]:
    """The case for one tab of its page: looked up with the user's relation once, the opening registered as a
    read of this tab (R9), and what the page's header and every tab need."""
    user = acting_user(request)
    try:
        case, rel = viewable(user, case_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    what = "案件详情" if tab == "overview" else f"案件详情·{TAB_LABELS[tab]}"
    reads.read(request, case, subject_type="case", subject_id=case.pk, what=what, channel="page", rel=rel)
    actions = (Action.CONFIDENTIAL, Action.COPY_REQUEST, Action.COPY_DECIDE, Action.CASE_WORK)
    can = {a.value: allowed_at(user, a, case, rel) for a in actions}
    return case, {"case": case, "can": can, "rel": rel, "active": tab, "tabs": TABS}


def _work(case: Any) -> work.Work:
    return work.work(case, list(ActForm().fields["kind"].widget.choices))


@login_required
@page_needs(Action.CASE_VIEW)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """概况: the next required step and document first, the case's facts, and the act form."""
    case, context = _open_case(request, case_id, "overview")
    queries.with_officers(case)  # shown here and read by the facts (rule I1): one read of them
    context.update(
        {
            "parties": presentation.parties(case, full=context["rel"] == Scope.OWN),
            "work": _work(case),
            "officers": case.officers.all(),
            "act_form": ActForm(),
        }
    )
    return render(request, "cases/detail.html", context)


@login_required
@page_needs(Action.CASE_VIEW)
def case_documents(request: HttpRequest, case_id: int) -> HttpResponse:
    """文书: the case's documents (the latest version of each) and the 制作文书 menu of this stage."""
    case, context = _open_case(request, case_id, "documents")
    docs = document_queries.filter_documents(case.documents.all(), latest_only=True)
    context.update({"documents": docs, "work": _work(case) if context["can"]["case_work"] else None})
    return render(request, "cases/tab_documents.html", context)


@login_required
@page_needs(Action.CASE_VIEW)
def case_media(request: HttpRequest, case_id: int) -> HttpResponse:
    """音像: the case's recordings (none of their bytes: a recording is read when it is played)."""
    user = acting_user(request)
    case, context = _open_case(request, case_id, "media")
    context.update(
        {
            "recordings": _recordings(user, case),
            "interruption_reasons": InterruptionReason.choices,
            "focus_points": list(FOCUS.items()),
            "explanations": case.documents.filter(doc_type="av_explanation", status="final"),
        }
    )
    return render(request, "cases/tab_media.html", context)


def _recordings(user: Any, case: Any) -> Any:
    return (
        case.recordings.exclude(pk__in=hidden_records(user, "recording"))
        .select_related("device", "officer", "continues", "supervising_officer", "start_entered_by")
        .prefetch_related("interruptions")
        .order_by("recorded_from")
    )


@login_required
@page_needs(Action.CASE_VIEW)
def case_deadlines(request: HttpRequest, case_id: int) -> HttpResponse:
    case, context = _open_case(request, case_id, "deadlines")
    context["deadlines"] = deadline_queries.for_case(case)
    return render(request, "cases/tab_deadlines.html", context)


@login_required
@page_needs(Action.CASE_VIEW)
def case_timeline(request: HttpRequest, case_id: int) -> HttpResponse:
    case, context = _open_case(request, case_id, "timeline")
    context["timeline"] = presentation.timeline(case)
    return render(request, "cases/tab_timeline.html", context)


@login_required
@page_needs(Action.CASE_VIEW)
def case_copies(request: HttpRequest, case_id: int) -> HttpResponse:
    """复制与保密: copy requests (R10, R12) and confidentiality marks (R11)."""
    user = acting_user(request)
    case, context = _open_case(request, case_id, "copies")
    context.update(
        {
            "copy_requests": case.copy_requests.prefetch_related("decisions__user").order_by("-id"),
            "marks": case.marks.select_related("set_by").order_by("id") if context["can"]["confidential"] else [],
            "documents": document_queries.filter_documents(case.documents.all(), latest_only=True),
            "recordings": case.recordings.exclude(pk__in=hidden_records(user, "recording")).order_by("recorded_from"),
        }
    )
    return render(request, "cases/tab_copies.html", context)


@login_required
@page_needs(Action.CASE_VIEW)
def case_approvals(request: HttpRequest, case_id: int) -> HttpResponse:
    """审批: the 承办人 → 审核人 → 批准人 chains (GET); a new approval proposed (POST, by those working the case)."""
    if request.method == "POST":
        return case_approval(request, case_id)
    user = acting_user(request)
    case, context = _open_case(request, case_id, "approvals")
    # which signature form this user is shown (the services check again when it is sent)
    # (D9: never on an approval one has signed already, one's own proposal included)
    context["approvals"] = [
        {
            "approval": a,
            "can_review": a.status == ApprovalStatus.REVIEWING
            and user.role == Role.UNIT_HEAD
            and user.unit_id == case.unit_id
            and not any(s.user_id == user.pk for s in a.steps.all()),
            "can_decide": a.status == ApprovalStatus.APPROVING
            and user.role == Role.LEADER
            and not any(s.user_id == user.pk for s in a.steps.all()),
        }
        for a in case.approvals.select_related("officer").prefetch_related("steps").order_by("id")
    ]
    context.update({"approval_form": ApprovalForm(), "sign_form": SignForm()})
    return render(request, "cases/tab_approvals.html", context)


def _case_or_404(request: HttpRequest, case_id: int) -> Any:
    try:
        return queries.get_case(acting_user(request), case_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@login_required
@require_POST
@page_needs(Action.CASE_WORK)
def case_transition(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    action = request.POST.get("action", "")
    step = stages.transition_for(case.procedure_enum, case.stage_enum, action)
    done = work.step_words(step.label, step.target)[1] if step else "已办理"  # 已立案，进入调查取证
    _run(request, lambda: services.transition(actor=acting_user(request), case=case, action=action), done)
    return redirect("case_detail", case_id=case.pk)


@login_required
@require_POST
@page_needs(Action.CASE_WORK)
def case_act(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = ActForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择记录事项，发生时间格式为 YYYY-MM-DD HH:MM")
    else:
        d = form.cleaned_data
        done = _run(
            request,
            lambda: services.record_act(
                actor=acting_user(request),
                case=case,
                kind=d["kind"],
                note=d["note"],
                occurred_at=d["occurred_at"],
                backfill_reason=d["backfill_reason"],
            ),
            "已记录",
        )
        if not done:  # refused (a kind that a document records, a backfill without reason): 422, nothing changed
            response = case_detail(request, case.pk)
            response.status_code = 422
            # the address bar shows the case page, which a reload can open (this route only takes a POST)
            response["HX-Replace-Url"] = reverse("case_detail", args=[case.pk])
            return response
    return redirect("case_detail", case_id=case.pk)


@login_required
@require_POST
@page_needs(Action.CASE_WORK)
def case_major(request: HttpRequest, case_id: int) -> HttpResponse:
    """rule D2: the case is found to be a 重大执法决定 during the procedure, with the reason."""
    case = _case_or_404(request, case_id)
    reason = request.POST.get("reason", "")
    _run(
        request,
        lambda: services.mark_major(actor=acting_user(request), case=case, reason=reason),
        "已认定为重大执法决定",
    )
    return redirect("case_detail", case_id=case.pk)


@login_required
@require_POST
@page_needs(Action.CASE_WORK)
def case_approval(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = ApprovalForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        _run(
            request,
            lambda: services.start_approval(
                actor=acting_user(request), case=case, kind=d["kind"], opinion=d["opinion"]
            ),
            "已提交审批",
        )
    else:
        messages.error(request, "请填写承办人意见")
    return redirect("case_approvals", case_id=case.pk)


@login_required
@require_POST
@page_needs(Action.APPROVE)
def approval_sign(request: HttpRequest, approval_id: int, step: str) -> HttpResponse:
    user = acting_user(request)
    if step not in {"review", "decide"}:
        raise Http404("无此审批环节")
    approval = Approval.objects.filter(pk=approval_id, case__in=queries.visible_cases(user)).first()
    if approval is None:
        raise Http404("审批不存在或无权查看")
    form = SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写意见并选择结论")
        return redirect("case_approvals", case_id=approval.case_id)
    d = form.cleaned_data
    back = redirect("home") if request.POST.get("back") == "workbench" else None  # decided in place
    if step == "review":
        _run(
            request,
            lambda: services.review_approval(actor=user, approval=approval, agree=d["agree"], opinion=d["opinion"]),
            "审核意见已签署",
        )
    else:
        _run(
            request,
            lambda: services.decide_approval(actor=user, approval=approval, approve=d["agree"], opinion=d["opinion"]),
            "批准意见已签署",
        )
    return back or redirect("case_approvals", case_id=approval.case_id)
