"""The bytes of a ledger leaf: the canonical JSON of an event's every column."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from liuhen.core import canonical


def format_at(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def leaf_data(
    *,
    seq: int,
    at: datetime,
    actor: str,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: str,
    case_ref: int | None,
    body: Any,
) -> bytes:
    return canonical.dumps(
        {
            "seq": seq,
            "at": format_at(at),
            "actor": actor,
            "actor_id": actor_id,
            "action": action,
            "subject": {"type": subject_type, "id": subject_id},
            "case": case_ref,
            "body": body,
        }
    )


class EventColumns(Protocol):
    seq: int
    at: datetime
    actor: str
    actor_id: int | None
    action: str
    subject_type: str
    subject_id: str
    case_ref: int | None


def event_leaf_data(event: EventColumns, body: Any) -> bytes:
    """The leaf bytes of a stored (or about to be stored) event, its body given parsed."""
    return leaf_data(
        seq=event.seq,
        at=event.at,
        actor=event.actor,
        actor_id=event.actor_id,
        action=event.action,
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        case_ref=event.case_ref,
        body=body,
    )
