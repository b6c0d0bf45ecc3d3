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


def stored_leaf_data(event: EventColumns, body_text: str) -> bytes:
    """The leaf bytes of a stored event, with its body's text exactly as stored in place of a re-serialisation.

    The keys of the envelope sort as action, actor, actor_id, at, body, case, seq, subject, so the envelope is
    its head, the body's text, and its tail. For a body stored canonically (as ``append`` stores every body)
    these are exactly the bytes of ``event_leaf_data``; a body stored in any other spelling gives other bytes,
    and so another leaf hash. Verify uses this to check the log without re-serialising every body.
    """
    head = canonical.dumps(
        {"action": event.action, "actor": event.actor, "actor_id": event.actor_id, "at": format_at(event.at)}
    )
    tail = canonical.dumps(
        {
            "case": event.case_ref,
            "seq": event.seq,
            "subject": {"type": event.subject_type, "id": event.subject_id},
        }
    )
    return head[:-1] + b',"body":' + body_text.encode("utf-8") + b"," + tail[1:]
