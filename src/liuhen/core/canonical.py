"""Canonical JSON for ledger events: the bytes that are hashed.

Keys sorted, no insignificant white space, UTF-8 without escaping non-ASCII, and only
types with one spelling (str, int, bool, None, lists, dicts with str keys). Floats are
refused: their text form is not unique across implementations (RFC 8785 needs a special
number printer); amounts are kept as integers of the smallest unit (fen) or as strings.
"""

from __future__ import annotations

import json
from typing import Any


class CanonicalJSONError(ValueError):
    pass


def _check(value: Any, path: str) -> None:
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float):
        raise CanonicalJSONError(f"{path}: floats are not allowed in canonical JSON")
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalJSONError(f"{path}: object keys must be strings")
            _check(item, f"{path}.{key}")
        return
    raise CanonicalJSONError(f"{path}: {type(value).__name__} is not a JSON value")


def dumps(value: Any) -> bytes:
    """The canonical bytes of a JSON value."""
    _check(value, "$")
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def loads(data: bytes | str) -> Any:
    return json.loads(data)
