"""What `liuhen verify` checks of agency settings: every row agrees, column by column, with its ledger event."""

from __future__ import annotations

import json
from collections.abc import Iterator

from liuhen.agency_settings.models import AgencySetting
from liuhen.agency_settings.services import event_body
from liuhen.ledger.models import Event
from liuhen.ledger.verify import Finding

# the row's columns as the event names them (names of the agency and the user may change later; ids do not)
COLUMNS = ("id", "agency_id", "key", "value", "reason", "set_by_id", "set_at", "effective_from")


def check_settings() -> Iterator[Finding]:
    logged: dict[int, dict[str, object]] = {}
    for e in Event.objects.filter(action="setting.changed").only("body", "subject_id").iterator():
        try:
            logged[int(e.subject_id)] = json.loads(e.body)
        except ValueError:
            continue  # reported by the ledger check
    for row in AgencySetting.objects.select_related("agency", "set_by").order_by("id").iterator(chunk_size=500):
        name = f"机关设置 {row.pk}（{row.agency.name}，{row.key}）"
        event = logged.pop(row.pk, None)
        if event is None:
            yield Finding(name, "账本中没有该设置的记录")
            continue
        expected = event_body(row, str(event.get("previous")))
        changed = [k for k in COLUMNS if event.get(k) != expected[k]]
        if changed:
            yield Finding(name, f"与账本记录不符：{'、'.join(changed)}")
    for seq_id in sorted(logged):
        yield Finding(f"机关设置 {seq_id}", "账本中记录的设置在数据库中不存在（被删除）")
