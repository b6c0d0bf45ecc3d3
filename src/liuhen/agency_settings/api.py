"""Agency settings: read by every role (REFERENCE), changed by the agency's administrator (SETTINGS)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from liuhen.agency_settings import queries, services
from liuhen.core.permissions import Action
from liuhen.web.permissions import acting_user, needs

router = Router(tags=["settings"])


@router.get("/settings", response=list[dict[str, Any]], summary="机关设置：各项现行值、默认值及依据")
@needs(Action.REFERENCE)
def settings_in_force(request: HttpRequest, agency_id: int | None = None) -> list[dict[str, Any]]:
    return queries.settings_rows(queries.agency_for(acting_user(request), agency_id))


@router.get("/settings/history", response=list[dict[str, Any]], summary="机关设置的修改记录")
@needs(Action.REFERENCE)
def settings_history(request: HttpRequest, agency_id: int | None = None) -> list[dict[str, Any]]:
    return queries.history_rows(queries.agency_for(acting_user(request), agency_id))


class SettingIn(Schema):
    key: str
    value: str | int
    reason: str
    effective_from: datetime | None = None
    agency_id: int | None = None


@router.post("/settings", response={201: dict[str, Any]}, summary="修改机关设置（系统管理员，须说明理由）")
@needs(Action.SETTINGS)
def change_setting(request: HttpRequest, payload: SettingIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    row = services.set_setting(
        actor=user,
        agency=queries.agency_for(user, payload.agency_id),
        key=payload.key,
        value=payload.value,
        reason=payload.reason,
        effective_from=payload.effective_from,
    )
    return Status(201, queries.change_row(row))
