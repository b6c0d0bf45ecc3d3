"""The JSON API under /api/v1: one NinjaAPI, routers from each app, errors mapped to HTTP."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import APIKeyCookie, HttpBearer

from liuhen.access.api import router as access_router
from liuhen.accounts.api import router as accounts_router
from liuhen.agency_settings.api import router as settings_router
from liuhen.cases.access import AccessApprovalRequired, PurposeRequired
from liuhen.cases.api import approvals_router
from liuhen.cases.api import router as cases_router
from liuhen.core.errors import (
    CalendarYearUnknown,
    Forbidden,
    Gone,
    InvalidInput,
    NotFound,
    RuleViolation,
    StageError,
    Unavailable,
)
from liuhen.deadlines.api import router as deadlines_router
from liuhen.documents.api import router as documents_router
from liuhen.ledger.api import router as ledger_router
from liuhen.media.api import router as media_router
from liuhen.web.permissions import token_user


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_user(request, token)
        if user is not None:
            request.user = user
        return user


class Session(APIKeyCookie):
    """The browser's login session; CSRF is checked on unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


api = NinjaAPI(
    title="留痕 liuhen API",
    version="1",
    description="行政执法全过程记录系统接口。认证：Authorization: Bearer <令牌>（liuhen token create 生成），"
    "或浏览器登录会话（需 CSRF 令牌）。",
    auth=[BearerToken(), Session()],
    urls_namespace="api",
)


def _error(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(RuleViolation)
def rule_violation(request: HttpRequest, exc: RuleViolation) -> HttpResponse:
    return _error(request, 409, exc.as_dict())


@api.exception_handler(StageError)
def stage_error(request: HttpRequest, exc: StageError) -> HttpResponse:
    return _error(request, 409, {"detail": str(exc)})


@api.exception_handler(CalendarYearUnknown)
def calendar_year_unknown(request: HttpRequest, exc: CalendarYearUnknown) -> HttpResponse:
    return _error(request, 422, {"rule": "T5", "year": exc.year, "detail": str(exc)})


@api.exception_handler(PurposeRequired)
def purpose_required(request: HttpRequest, exc: PurposeRequired) -> HttpResponse:
    return _error(request, 428, {"detail": str(exc), "hint": "用 purpose 参数或 X-Liuhen-Purpose 请求头说明调阅目的"})


@api.exception_handler(AccessApprovalRequired)
def read_approval_required(request: HttpRequest, exc: AccessApprovalRequired) -> HttpResponse:
    hint = f"POST /api/v1/cases/{exc.case.pk}/access-requests 提出调阅申请，经批准后可查阅"
    return _error(request, 403, {"detail": str(exc), "hint": hint})


@api.exception_handler(InvalidInput)
def invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    return _error(request, 422, {"detail": str(exc)})


@api.exception_handler(Gone)
def gone(request: HttpRequest, exc: Gone) -> HttpResponse:
    return _error(request, 410, {"detail": str(exc)})


@api.exception_handler(Unavailable)
def unavailable(request: HttpRequest, exc: Unavailable) -> HttpResponse:
    response = _error(request, 503, {"detail": str(exc)})
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(OverflowError)
def number_out_of_range(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    """An id or number larger than the database's integers (64-bit) can name nothing that exists."""
    return _error(request, 422, {"detail": "数值超出范围"})


@api.exception_handler(Forbidden)
def forbidden(request: HttpRequest, exc: Forbidden) -> HttpResponse:
    return _error(request, 403, {"detail": str(exc)})


@api.exception_handler(NotFound)
def not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return _error(request, 404, {"detail": str(exc)})


api.add_router("/", accounts_router)
api.add_router("/cases", cases_router)
api.add_router("/approvals", approvals_router)
api.add_router("/ledger", ledger_router)
api.add_router("/", deadlines_router)
api.add_router("/", documents_router)
api.add_router("/", media_router)
api.add_router("/", access_router)
api.add_router("/", settings_router)
