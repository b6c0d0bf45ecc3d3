"""How `liuhen verify` reads ``setting.changed`` events written before events carried row images.

Those events already named every column of the row (``services.event_body``), so their rows are rebuilt and
compared like any other; newer events carry the row image itself (``liuhen.ledger.projection``)."""

from __future__ import annotations

from typing import Any

from liuhen.ledger.models import Event
from liuhen.ledger.rebuild import Partial

TABLE = "agency_settings_agencysetting"
# the row's columns as the event names them (names of the agency and the user may change later; ids do not)
COLUMNS = ("id", "agency_id", "key", "value", "reason", "set_by_id", "set_at", "effective_from")


def setting_changed(event: Event, body: dict[str, Any]) -> list[Partial]:
    if "rows" in body or "id" not in body:
        return []
    return [(TABLE, str(body["id"]), {k: body[k] for k in COLUMNS[1:] if k in body})]


LEGACY = {"setting.changed": setting_changed}
