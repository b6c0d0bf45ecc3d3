"""Server errors: every request carries an id; an error is logged with its traceback under that id (to
LIUHEN_HOME/logs/server.log and to stderr), and the 500 page shows the id so a report can find the log line."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from liuhen.private import FILE_MODE, make_dirs

HEADER = "X-Request-Id"


def request_id(request: HttpRequest) -> str:
    return str(getattr(request, "request_id", "")) or "-"


class RequestIdMiddleware:
    """The first middleware: an id for the request, sent back in X-Request-Id and named in every log line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = uuid.uuid4().hex[:16]  # type: ignore[attr-defined]
        response = self.get_response(request)
        response[HEADER] = request.request_id  # type: ignore[attr-defined]
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (Django's request loggers pass the request along)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = request_id(request) if request is not None else "-"
        return True


class PrivateLogHandler(RotatingFileHandler):
    """A rotating log file made 0600 in a 0700 folder, opened on the first record (the folder may not exist
    before `liuhen init`)."""

    def __init__(self, filename: str, **kwargs: Any) -> None:
        super().__init__(filename, delay=True, encoding="utf-8", **kwargs)

    def _open(self) -> Any:
        make_dirs(Path(self.baseFilename).parent)
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        return os.fdopen(fd, "a", encoding="utf-8")


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a page in Chinese (JSON under /api/) naming the request id that the log holds."""
    rid = request_id(request)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": "服务器内部错误，已记录", "request_id": rid}, status=500)
    else:
        response = HttpResponse(render_to_string("web/500.html", {"request_id": rid}), status=500)
    response[HEADER] = rid
    return response


def _reason(exception: Exception | None, default: str) -> str:
    text = str(exception.args[0]) if exception is not None and exception.args else ""
    return text if text and not text.startswith(("<", "{")) and "Resolver404" not in text else default


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: a page of the site in Chinese (JSON under /api/) with what was not found and the way on."""
    reason = _reason(exception, f"没有这个页面：{request.path}")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": reason}, status=404)
    from liuhen.web.middleware import refused_page

    return refused_page(request, "未找到", reason, 404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: the action refused, named, in the layout of the site, with the way on."""
    reason = _reason(exception, "无权办理此事项（权限表，R9）")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": reason}, status=403)
    from liuhen.web.middleware import refused_page

    return refused_page(request, "无权办理", reason, 403)
