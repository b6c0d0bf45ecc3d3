"""Ledger commands: append an event (inside the caller's transaction) and issue checkpoints.

An append is sequenced, not integrated: it takes the next number and writes its event with its leaf hash, and
holds no lock to commit, so concurrent commits share a flush. ``liuhen.ledger.integrator`` folds the committed
events into the Merkle tree afterwards."""

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
    """Serialise a section with every other holder of this lock until its transaction ends: checkpoint issuing,
    the public disclosure log, a backfill. Appends do not take it (they are sequenced without a lock held to
    commit); SQLite's IMMEDIATE transactions already hold the write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


SEQUENCE = "ledger_event_seq"
APPENDING = (0x6C68, 1)
"""PostgreSQL: the advisory lock every appending transaction holds SHARED (appenders never wait for each other)
from before it takes its number until it ends; the integrator reads who holds it to know whether a number it
misses may still be committed (``liuhen.ledger.integrator``)."""
# The materialised CTE is evaluated before the outer select list: the lock is held before the number is taken.
_NEXT_SEQ_PG = (
    f"WITH x AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared({APPENDING[0]}, {APPENDING[1]})) "
    f"SELECT nextval('{SEQUENCE}') FROM x"
)


def continue_numbering() -> None:
    """After events were loaded as rows (a restore), let appends number on from the last one (PostgreSQL's
    sequence does not follow rows inserted with their numbers)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"SELECT setval('{SEQUENCE}', COALESCE((SELECT MAX(seq) + 1 FROM ledger_event), 0), false)")


def exclusive() -> None:
    """For a command whose effect reaches beyond the rows it writes (a holiday calendar that moves other cases'
    deadlines, a backfill): wait until every transaction that is appending has ended, and keep new appends
    waiting until this transaction ends, so that number order is commit order around it, as the replay of the
    log assumes. Call it before the command's first append. SQLite's write lock already does this."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(APPENDING))


# SQLite: the IMMEDIATE transaction holds the write lock, so the next number is the last one plus one.
_NEXT_SEQ_SQLITE = "SELECT COALESCE(MAX(seq) + 1, 0) FROM ledger_event"
_LAST_SEQ = "SELECT seq FROM ledger_event ORDER BY seq DESC LIMIT 1"
_LAST_TREE = "SELECT seq FROM ledger_tree ORDER BY seq DESC LIMIT 1"
_INSERT = (
    "INSERT INTO ledger_event (seq, at, actor, actor_id, action, subject_type, subject_id, case_ref, body, "
    "leaf_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def tree_size() -> int:
    """The size of the Merkle tree: how many events are integrated (proofs and checkpoints cover these)."""
    with connection.cursor() as cur:
        cur.execute(_LAST_TREE)
        row = cur.fetchone()
    return 0 if row is None else int(row[0]) + 1


def log_size() -> int:
    """How many events are sequenced and visible here (the integrated ones and those waiting)."""
    with connection.cursor() as cur:
        cur.execute(_LAST_SEQ)
        row = cur.fetchone()
    return 0 if row is None else int(row[0]) + 1


def node_from_event(node: merkle.Node, leaf: bytes | memoryview, subtrees: bytes | memoryview) -> bytes:
    """A perfect subtree's hash from the tree row that stores it (its leaf hash and subtree hashes)."""
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
    # The hot path of every command: plain SQL on Django's connection (the ORM costs 10x here). No lock is held:
    # the number comes from a sequence (PostgreSQL) or under the write lock SQLite's transaction already holds.
    with conn.cursor() as cur:
        cur.execute(_NEXT_SEQ_PG if conn.vendor == "postgresql" else _NEXT_SEQ_SQLITE)
        seq = int(cur.fetchone()[0])
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
        event.leaf_hash = merkle.leaf_hash(event_leaf_data(event, body))
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
                event.leaf_hash,
            ],
        )
    event._state.adding = False
    event._state.db = conn.alias
    for subscriber in _SUBSCRIBERS:
        subscriber(event, body)
    return event


def issue_checkpoint(*, force: bool = False) -> Checkpoint | None:
    """Sign the current tree head, after integrating what is committed. Without ``force``, nothing is issued when
    the tree has not grown."""
    from liuhen.ledger.integrator import integrate
    from liuhen.ledger.queries import root_at

    integrate()
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
