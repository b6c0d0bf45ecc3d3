"""Copy requests and confidentiality marks on the case page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from liuhen.access import services
from liuhen.access.models import CopyRequest
from liuhen.cases.access import allowed, require
from liuhen.cases.queries import get_case
from liuhen.cases.views import _run
from liuhen.core.errors import NotFound
from liuhen.core.permissions import Action
from liuhen.media import delivery
from liuhen.media.storage import default_store
from liuhen.web import reads
from liuhen.web.permissions import acting_user, page_needs


@login_required
@require_POST
@page_needs(Action.ACCESS_REQUEST)
def access_request(request: HttpRequest, case_id: int) -> HttpResponse:
    ok = _run(
        request,
        lambda: services.request_access(
            actor=acting_user(request), case_id=case_id, purpose=request.POST.get("purpose", "")
        ),
        "调阅申请已提交，待审批",
    )
    return redirect("access_requests" if ok else f"/cases/{case_id}/")


@login_required
@page_needs(Action.ACCESS_REQUEST)
def access_requests(request: HttpRequest) -> HttpResponse:
    """My 调阅 requests and those I may decide; a POST asks for a case by its number."""
    user = acting_user(request)
    if request.method == "POST":
        _run(
            request,
            lambda: services.request_access(
                actor=user,
                case_id=services.case_id_by_number(user, request.POST.get("case_no", "")),
                purpose=request.POST.get("purpose", ""),
            ),
            "调阅申请已提交，待审批",
        )
        return redirect("access_requests")
    rows = list(services.access_requests_for(user)[:200])
    return render(
        request,
        "access/access_requests.html",
        {
            "mine": [r for r in rows if r.requested_by_id == user.pk],
            "to_decide": [r for r in rows if r.requested_by_id != user.pk],
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
@page_needs(Action.APPROVE)
def access_decide(request: HttpRequest, access_request_id: int) -> HttpResponse:
    user = acting_user(request)
    req = services.get_access_request(user, access_request_id)
    _run(
        request,
        lambda: services.decide_access(
            actor=user, request=req, approve=request.POST.get("approve") == "1", opinion=request.POST.get("opinion", "")
        ),
        "审批意见已签署",
    )
    return redirect("access_requests")


@login_required
@require_POST
@page_needs(Action.COPY_REQUEST)
def copy_request(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_case(acting_user(request), case_id)
    _run(
        request,
        lambda: services.request_copy(
            actor=acting_user(request),
            case=case,
            requester_kind=request.POST.get("requester_kind", ""),
            requester_name=request.POST.get("requester_name", ""),
            reason=request.POST.get("reason", ""),
        ),
        "已登记复制申请",
    )
    return redirect(f"/cases/{case.pk}/copies/")


def _copy(request: HttpRequest, request_id: int) -> CopyRequest:
    return services.get_copy_request(acting_user(request), request_id)


@login_required
@require_POST
@page_needs(Action.COPY_DECIDE)
def copy_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    req = _copy(request, request_id)
    _run(
        request,
        lambda: services.decide_copy(
            actor=acting_user(request),
            request=req,
            approve=request.POST.get("approve") == "1",
            reason=request.POST.get("reason", ""),
        ),
        "审批意见已签署",
    )
    return redirect(f"/cases/{req.case_id}/copies/")


def package_response(request: HttpRequest, req: CopyRequest) -> HttpResponse | StreamingHttpResponse:
    """The copy package, streamed from the blob store (or sent by the object store or the front web server, see
    liuhen.media.delivery); the download is a registered read (R9) first."""
    store = default_store()
    require(acting_user(request), Action.COPY_REQUEST, req.case)  # those who hand copies over, not every reader
    if not req.package_sha256:
        raise NotFound("该申请没有复制件")
    reads.read(request, req.case, subject_type="copy_request", subject_id=req.pk, what="复制件", channel="download")
    if delivery.offloaded():
        return delivery.offload(
            store, req.package_sha256, content_type="application/zip", filename=f"copy-{req.pk}.zip", attachment=True
        )
    response = StreamingHttpResponse(store.open_range(req.package_sha256), content_type="application/zip")
    response["Content-Length"] = str(store.size(req.package_sha256))
    response["Content-Disposition"] = f'attachment; filename="copy-{req.pk}.zip"'
    return response


@login_required
@page_needs(Action.CASE_VIEW)
def copy_status(request: HttpRequest, request_id: int) -> HttpResponse:
    """The status of one copy request, polled while its package is built (a progress bar, then the link)."""
    req = _copy(request, request_id)
    can = {"copy_decide": allowed(acting_user(request), Action.COPY_DECIDE, req.case)}
    return render(request, "access/_copy_status.html", {"r": req, "can": can})


@login_required
@require_POST
@page_needs(Action.COPY_DECIDE)
def copy_retry(request: HttpRequest, request_id: int) -> HttpResponse:
    req = _copy(request, request_id)
    _run(request, lambda: services.retry_package(actor=acting_user(request), request=req), "已重新开始生成复制件")
    return redirect(f"/cases/{req.case_id}/copies/")


@login_required
@page_needs(Action.COPY_REQUEST)
def copy_package(request: HttpRequest, request_id: int) -> HttpResponse | StreamingHttpResponse:
    return package_response(request, _copy(request, request_id))


@login_required
@require_POST
@page_needs(Action.CONFIDENTIAL)
def mark(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_case(acting_user(request), case_id)
    subject_type, _, subject_id = request.POST.get("subject", "").partition(":")
    _run(
        request,
        lambda: services.set_mark(
            actor=acting_user(request),
            case=case,
            subject_type=subject_type,
            subject_id=int(subject_id) if subject_id.isdigit() else 0,
            mark=request.POST.get("mark", ""),
            reason=request.POST.get("reason", ""),
        ),
        "保密标识已记录",
    )
    return redirect(f"/cases/{case.pk}/copies/")
