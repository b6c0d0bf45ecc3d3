"""Every record's text has a maximum, checked on every save on SQLite as on PostgreSQL.

SQLite does not enforce a column's declared length and a text column has none, so without this a note,
an opinion or a name could take megabytes, and the ledger event that carries it with them. A short field
keeps its declared length; free text (a note, a reason, an opinion) takes at most TEXT_MAX_CHARS; a
longer value is refused with the field's name and nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from liuhen.core.errors import InvalidInput

TEXT_MAX_CHARS = 10_000
APPS = {"ledger", "accounts", "cases", "deadlines", "documents", "media", "access", "web"}
# text the system writes itself, each bounded where it is made: canonical JSON of events and documents
# (document fields are bounded per kind, liuhen.core.documents.MAX_CHARS), copy manifests, upload metadata
SYSTEM_TEXT = {
    ("ledger", "body"),
    ("ledger", "note"),
    ("documents", "data"),
    ("access", "manifest"),
    ("access", "failure"),
    ("media", "metadata"),
}


def limit_of(model: type[models.Model], field: models.Field[Any, Any]) -> int | None:
    if field.max_length:
        return int(field.max_length)
    if isinstance(field, models.TextField) and (model._meta.app_label, field.name) not in SYSTEM_TEXT:
        return TEXT_MAX_CHARS
    return None


def check_lengths(sender: type[models.Model], instance: models.Model, raw: bool = False, **_: Any) -> None:
    if raw or sender._meta.app_label not in APPS:
        return
    for field in sender._meta.concrete_fields:
        if not isinstance(field, (models.CharField, models.TextField)):
            continue
        value = getattr(instance, field.attname)
        limit = limit_of(sender, field)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            raise InvalidInput(f"“{field.verbose_name}”过长：{len(value)} 字，最多 {limit} 字")
