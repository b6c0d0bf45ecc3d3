"""Ledger commands: append an event (inside the caller's transaction) and issue checkpoints."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from liuhen.core import canonical, merkle
from liuhen.ledger import checkpoint_log, projection, signing
from liuhen.ledger.envelope import event_leaf_data
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


Subscriber = Callable[[Event, dict[str, Any]], None]
_SUBSCRIBERS: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> None:
    """Call ``subscriber(event, body)`` after every append, inside the same transaction.

    Other apps derive their projections (deadlines, …) from ledger events this way, so nothing they keep
    can disagree with the log. A subscriber that raises aborts the command that appended the event.
    """
    if subscriber not in _SUBSCRIBERS:
        _SUBSCRIBERS.append(subscriber)


def lock_log() -> None:
    """Serialise appends. SQLite's IMMEDIATE transactions already hold the write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


_LAST_SEQ = "SELECT seq FROM ledger_event ORDER BY seq DESC LIMIT 1"
_INSERT = (
    "INSERT INTO ledger_event (seq, at, actor, actor_id, action, subject_type, subject_id, case_ref, body, "
    "leaf_hash, subtree_hashes) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def tree_size() -> int:
    with connection.cursor() as cur:
        cur.execute(_LAST_SEQ)
        row = cur.fetchone()
    return 0 if row is None else int(row[0]) + 1


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
    rows: Iterable[Any] = (),
) -> Event:
    """Append one event. Must run inside the transaction that makes the change it records.

    ``rows`` are the model instances the command created or changed: the event carries their images, read
    back from the database, so that `liuhen verify` can rebuild every column (``liuhen.ledger.projection``).
    """
    conn = connections[DEFAULT_DB_ALIAS]  # resolved once: this runs for every command
    if not conn.in_atomic_block:
        raise RuntimeError("ledger.append must run inside transaction.atomic() with the change it records")
    who = actor_of(actor)
    at = at or timezone.now()
    rows = list(rows)
    if rows:
        body = {**body, "rows": projection.images(action, rows)}
    body_bytes = canonical.dumps(body)
    # The hot path of every command: plain SQL on Django's connection (the ORM costs 10x here).
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        cur.execute(_LAST_SEQ)
        row = cur.fetchone()
        seq = 0 if row is None else int(row[0]) + 1
        event = Event(
            seq=seq,
            at=at,
            actor=who.name,
            actor_id=who.id,
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            case_ref=case_ref,
            body=body_bytes.decode("utf-8"),
        )
        leaf = merkle.leaf_hash(event_leaf_data(event, body))
        # The subtrees this leaf completes: one per trailing 1-bit of seq; their left halves are the
        # right edge of the tree before this leaf.
        completes = (~seq & (seq + 1)).bit_length() - 1
        subtrees = b""
        if completes:
            edge = frontier_seqs(seq)[-completes:]
            placeholders = ", ".join(["%s"] * len(edge))
            cur.execute(
                f"SELECT seq, leaf_hash, subtree_hashes FROM ledger_event WHERE seq IN ({placeholders})",
                [s for _, s in edge],
            )
            stored = {int(r[0]): (r[1], r[2]) for r in cur.fetchall()}
            h = leaf
            for node, s in reversed(edge):
                h = merkle.node_hash(node_from_event(node, *stored[s]), h)
                subtrees += h
        event.leaf_hash, event.subtree_hashes = leaf, subtrees
        cur.execute(
            _INSERT,
            [
                seq,
                conn.ops.adapt_datetimefield_value(at),
                event.actor,
                event.actor_id,
                action,
                subject_type,
                event.subject_id,
                case_ref,
                event.body,
                leaf,
                subtrees,
            ],
        )
    event._state.adding = False
    event._state.db = conn.alias
    for subscriber in _SUBSCRIBERS:
        subscriber(event, body)
    return event


def issue_checkpoint(*, force: bool = False) -> Checkpoint | None:
    """Sign the current tree head. Without ``force``, nothing is issued when the log has not grown."""
    from liuhen.ledger.queries import root_at

    with transaction.atomic():
        lock_log()
        checkpoint_log.start(Checkpoint.objects.order_by("tree_size", "id").iterator())
        size = tree_size()
        latest = Checkpoint.objects.order_by("-tree_size", "-id").first()
        if latest is not None and latest.tree_size == size and not force:
            return None
        if size == 0 and not force:
            return None
        root = root_at(size)
        note = signing.sign_checkpoint(size, root)
        cp = Checkpoint.objects.create(tree_size=size, root_hash=root, note=note, issued_at=timezone.now())
        # rule R8: the checkpoint also leaves the database, before the database commits it
        checkpoint_log.record(tree_size=size, root=root, note=note, issued_at=cp.issued_at)
        return cp
