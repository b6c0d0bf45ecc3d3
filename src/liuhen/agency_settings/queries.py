"""Which agency a settings page or call is about, and the settings as plain rows."""

from __future__ import annotations

from typing import Any

from liuhen.accounts.models import Agency, User
from liuhen.agency_settings.models import AgencySetting
from liuhen.agency_settings.services import InForce, administered_agencies, history, in_force
from liuhen.core.errors import InvalidInput, NotFound


def agency_for(user: User, agency_id: int | None) -> Agency:
    """One's own agency; the instance's administrator (of no agency) names the agency."""
    if agency_id is None:
        if user.agency_id is None:
            raise InvalidInput("请指明机关（agency_id）")
        return user.agency  # type: ignore[return-value]
    if user.agency_id is not None and agency_id != user.agency_id:
        raise NotFound("机关不存在或不是本机关")
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None or (user.agency_id is None and agency not in administered_agencies(user)):
        raise NotFound("机关不存在或不是本机关")
    return agency


def setting_row(item: InForce) -> dict[str, Any]:
    s = item.spec
    return {
        "key": s.key,
        "rule": s.rule_id,
        "title": s.title,
        "value": item.value,
        "value_text": item.value_text,
        "is_default": item.row is None,
        "default": s.default,
        "default_text": s.value_text(s.default),
        "default_source": s.source,
        "source": item.source,
        "accepts": s.range_text,
        "note": s.note,
        "effective_from": item.row.effective_from if item.row else None,
        "set_by": item.row.set_by.display_name if item.row else None,
        "reason": item.row.reason if item.row else None,
    }


def settings_rows(agency: Agency) -> list[dict[str, Any]]:
    return [setting_row(item) for item in in_force(agency)]


def change_row(row: AgencySetting) -> dict[str, Any]:
    from liuhen.core.rules.agency_settings import spec

    return {
        "id": row.pk,
        "key": row.key,
        "title": spec(row.key).title,
        "value": row.value,
        "value_text": spec(row.key).value_text(row.value),
        "reason": row.reason,
        "set_by": row.set_by.display_name,
        "set_at": row.set_at,
        "effective_from": row.effective_from,
    }


def history_rows(agency: Agency) -> list[dict[str, Any]]:
    return [change_row(r) for r in history(agency)]
