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
from liuhen.cases.access import allowed_all, hidden_records
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
                parties=parties,
                officers=list(d["officers"]),
            )

        if _run(request, command, "案件已登记"):
            return redirect("case_detail", case_id=created["case"].pk)
    return render(request, "cases/create.html", {"form": form})


@login_required
@page_needs(Action.CASE_VIEW)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    user = acting_user(request)
    try:
        case = queries.get_case(user, case_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    reads.read(request, case, subject_type="case", subject_id=case.pk, what="案件详情", channel="page")
    actions = (Action.CONFIDENTIAL, Action.COPY_REQUEST, Action.COPY_DECIDE, Action.CASE_WORK)
    rel, can = allowed_all(user, actions, case)  # the relation to the case looked up once
    act_form = ActForm()
    case_work = work.work(case, list(act_form.fields["kind"].widget.choices))
    # which signature form this user is shown (the services check again when it is sent)
    # (D9: never on an approval one has signed already, one's own proposal included)
    approvals = [
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
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "parties": presentation.parties(case, full=rel == Scope.OWN),
            "work": case_work,
            "timeline": presentation.timeline(case),
            "approvals": approvals,
            "officers": case.officers.select_related("user").prefetch_related("user__certificates"),
            "deadlines": deadline_queries.for_case(case),
            "copy_requests": case.copy_requests.prefetch_related("decisions").order_by("-id"),
            "can": can,
            "recordings": case.recordings.exclude(pk__in=hidden_records(user, "recording"))
            .select_related("device", "officer", "continues")
            .prefetch_related("interruptions")
            .order_by("recorded_from"),
            "interruption_reasons": InterruptionReason.choices,
            "focus_points": list(FOCUS.items()),
            "explanations": case.documents.filter(doc_type="av_explanation", status="final"),
            "documents": document_queries.filter_documents(case.documents.all(), latest_only=True),
            "act_form": act_form,
            "approval_form": ApprovalForm(),
            "sign_form": SignForm(),
        },
    )


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
    return redirect("case_detail", case_id=case.pk)


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
        return redirect("case_detail", case_id=approval.case_id)
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
    return back or redirect("case_detail", case_id=approval.case_id)
