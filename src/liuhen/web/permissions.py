"""Every API operation and page names its action from the permission table; the role is checked first.

`needs(action)` marks an operation (so the permission matrix test can find any that has none) and refuses
a role whose scope for the action is none with 403, before the request body is even read. Which cases an
allowed role reaches is then the scope's business (`liuhen.cases.access`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from ninja.decorators import decorate_view

from liuhen.accounts.models import User
from liuhen.accounts.services import user_for_token
from liuhen.cases.access import ACTION_LABELS, allowed
from liuhen.core.permissions import Action

F = TypeVar("F", bound=Callable[..., Any])
ACTION_ATTR = "liuhen_action"


TOKEN_USER_ATTR = "_liuhen_token_user"


def acting_user(request: HttpRequest) -> User:
    """The signed-in user of a page or API call that has passed authentication (login_required, the API's auth)."""
    return request.user  # type: ignore[return-value]


def token_user(request: HttpRequest, token: str) -> Any:
    """The user of a bearer token, looked up once per request (the role check and the API's auth both ask)."""
    if not hasattr(request, TOKEN_USER_ATTR):
        setattr(request, TOKEN_USER_ATTR, user_for_token(token))
    return getattr(request, TOKEN_USER_ATTR)


def request_user(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return token_user(request, header[7:].strip())
    return None


def refusal(user: Any, action: Action) -> str:
    return f"无权办理：{user.get_role_display()}不能{ACTION_LABELS[action]}（权限表，R9）"


def needs(action: Action) -> Callable[[F], F]:
    """For an API operation: put it under ``@router.<method>(...)``."""

    def mark(func: F) -> F:
        setattr(func, ACTION_ATTR, action)

        def guard(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
            @functools.wraps(run)
            def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
                user = request_user(request)
                if user is not None and not allowed(user, action):
                    return JsonResponse({"detail": refusal(user, action), "action": action.value}, status=403)
                return run(request, *args, **kwargs)

            return checked

        return decorate_view(guard)(func)

    return mark


def page_needs(action: Action) -> Callable[[F], F]:
    """For a web page (after login_required): the same role check, as a Chinese 403 page."""

    def mark(view: F) -> F:
        @functools.wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            user = request.user
            if user.is_authenticated and not allowed(user, action):
                return render(
                    request, "web/refused.html", {"heading": "无权办理", "message": refusal(user, action)}, status=403
                )
            return view(request, *args, **kwargs)

        setattr(checked, ACTION_ATTR, action)
        return checked  # type: ignore[return-value]

    return mark
