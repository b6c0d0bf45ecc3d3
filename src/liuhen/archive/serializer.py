"""Django's JSON serialisation with every microsecond kept (its encoder cuts times to milliseconds, which would
change a ledger event's time and so its leaf hash). Used by backup and restore as the format ``ljson``."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.serializers.json import Deserializer as JsonDeserializer
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as JsonSerializer

FORMAT = "ljson"


class FullEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time):
            return o.isoformat()
        return super().default(o)


class Serializer(JsonSerializer):
    def _init_options(self) -> None:
        self.options["cls"] = FullEncoder
        super()._init_options()  # type: ignore[misc]  # (django-stubs omit it)


Deserializer = JsonDeserializer


def register() -> None:
    from django.core import serializers

    serializers.register_serializer(FORMAT, __name__)
