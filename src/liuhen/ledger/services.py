"""Ledger commands: append an event (inside the caller's transaction) and issue checkpoints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from liuhen.core import canonical, merkle
from liuhen.ledger import signing
from liuhen.ledger.envelope import leaf_data
from liuhen.ledger.models import Checkpoint, Event

_PG_LOCK_KEY = 0x6C697568656E  # "liuhen": serialises appenders on PostgreSQL


@dataclass(frozen=True)
class Actor:
    """Who did it: a user (id and username) or the system itself."""

    name: str
    id: int | None = None


SYSTEM = Actor("system")


def actor_of(user: Any) -> Actor:
    if user is None:
        return SYSTEM
    if isinstance(user, Actor):
        return user
    return Actor(user.get_username(), user.pk)


def lock_log() -> None:
    """Serialise appends. SQLite's IMMEDIATE transactions already hold the write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


def tree_size() -> int:
    last = Event.objects.order_by("-seq").values_list("seq", flat=True).first()
    return 0 if last is None else last + 1


def frontier_seqs(size: int) -> list[tuple[merkle.Node, int]]:
    """The perfect subtrees on the right edge of a tree of ``size``, with the event that stores each."""
    return [((lvl, idx), ((idx + 1) << lvl) - 1) for lvl, idx in merkle.range_nodes(0, size)] if size else []


def node_from_event(node: merkle.Node, leaf: bytes | memoryview, subtrees: bytes | memoryview) -> bytes:
    level = node[0]
    if level == 0:
        return bytes(leaf)
    return bytes(subtrees[(level - 1) * 32 : level * 32])


def append(
    *,
    actor: Any,
    action: str,
    subject_type: str,
    subject_id: str | int,
    body: dict[str, Any],
    case_ref: int | None = None,
    at: datetime | None = None,
) -> Event:
    """Append one event. Must run inside the transaction that makes the change it records."""
    if not connection.in_atomic_block:
        raise RuntimeError("ledger.append must run inside transaction.atomic() with the change it records")
    who = actor_of(actor)
    at = at or timezone.now()
    lock_log()
    seq = tree_size()
    body_text = canonical.dumps(body).decode("utf-8")
    leaf = merkle.leaf_hash(
        leaf_data(
            seq=seq, at=at, actor=who.name, actor_id=who.id, action=action,
            subject_type=subject_type, subject_id=str(subject_id), case_ref=case_ref, body=body,
        )
    )
    # The subtrees this leaf completes: one per trailing 1-bit of seq; their left halves are the
    # right edge of the tree before this leaf.
    completes = (~seq & (seq + 1)).bit_length() - 1
    subtrees = b""
    if completes:
        edge = frontier_seqs(seq)[-completes:]
        stored = {
            s: (lh, sh)
            for s, lh, sh in Event.objects.filter(seq__in=[s for _, s in edge]).values_list(
                "seq", "leaf_hash", "subtree_hashes"
            )
        }
        h = leaf
        for node, s in reversed(edge):
            h = merkle.node_hash(node_from_event(node, *stored[s]), h)
            subtrees += h
    return Event.objects.create(
        seq=seq, at=at, actor=who.name, actor_id=who.id, action=action, subject_type=subject_type,
        subject_id=str(subject_id), case_ref=case_ref, body=body_text, leaf_hash=leaf,
        subtree_hashes=subtrees,
    )


def issue_checkpoint(*, force: bool = False) -> Checkpoint | None:
    """Sign the current tree head. Without ``force``, nothing is issued when the log has not grown."""
    from liuhen.ledger.queries import root_at

    with transaction.atomic():
        lock_log()
        size = tree_size()
        latest = Checkpoint.objects.order_by("-tree_size", "-id").first()
        if latest is not None and latest.tree_size == size and not force:
            return None
        if size == 0 and not force:
            return None
        root = root_at(size)
        note = signing.sign_checkpoint(size, root)
        return Checkpoint.objects.create(tree_size=size, root_hash=root, note=note, issued_at=timezone.now())
