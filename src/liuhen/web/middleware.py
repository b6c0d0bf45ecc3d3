"""The domain's refusals as HTTP on every page: Forbidden → 403, NotFound → 404, InvalidInput → 422,
Gone → 410, Unavailable → 503 (the API maps its own)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from liuhen.cases.access import AccessApprovalRequired, PurposeRequired
from liuhen.core.errors import Forbidden, Gone, InvalidInput, NotFound, Unavailable


def refused_page(request: HttpRequest, heading: str, message: str, status: int) -> HttpResponse:
    """A refusal as a page of the site: its header and menu, the reason in Chinese, and the way back."""
    on_case = request.path.startswith(("/cases/", "/documents/", "/media/"))  # a case's record: ask to read it
    return render(
        request,
        "web/refused.html",
        {"heading": heading, "message": message, "offer_access": on_case and status in (403, 404)},
        status=status,
    )


class DomainErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, PurposeRequired):
            return render(request, "web/purpose.html", {"message": str(exception), "path": request.path}, status=403)
        if isinstance(exception, AccessApprovalRequired):
            return render(
                request, "web/access_request.html", {"message": str(exception), "case": exception.case}, status=403
            )
        if isinstance(exception, Forbidden):
            return refused_page(request, "无权办理", str(exception), 403)
        if isinstance(exception, OverflowError):  # a number past the database's integers names nothing
            return HttpResponse("数值超出范围", status=400, content_type="text/plain; charset=utf-8")
        if isinstance(exception, NotFound):
            return refused_page(request, "未找到", str(exception), 404)
        if isinstance(exception, Gone):  # destroyed by an approved disposal (rule R6)
            return refused_page(request, "已销毁", str(exception), 410)
        if isinstance(exception, InvalidInput):  # e.g. a document too long to render within its limits
            return refused_page(request, "不能办理", str(exception), 422)
        if isinstance(exception, Unavailable):
            response = HttpResponse(str(exception), status=503, content_type="text/plain; charset=utf-8")
            response["Retry-After"] = str(exception.retry_after)
            return response
        return None


class ServerTimingMiddleware:
    """Says in a ``Server-Timing`` header how long the server took and how many queries it ran
    (``app;dur=12.5, db;desc="queries=14"``): the browser's developer tools show it, and bench/pages.py reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        import time

        from django.db import connection

        count = [0]

        def counted(execute, sql, params, many, context):
            count[0] += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(counted):
            response = self.get_response(request)
        elapsed = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = f'app;dur={elapsed:.1f}, db;desc="queries={count[0]}"'
        return response
