"""The integrator: folds sequenced, committed events into the Merkle tree, in batches, apart from the appends.

An append (``services.append``) only takes a sequence number and writes its event with its leaf hash, in the
caller's transaction. Integration reads the events that follow the tree's edge in sequence order, computes the
perfect subtrees each leaf completes, and writes one ``ledger_tree`` row per event, one batch per transaction.
A batch that is interrupted (kill -9, power loss) leaves nothing: its transaction never commits, and the next
run starts again from the tree's edge.

Numbers that are missing (PostgreSQL only). A sequence gives numbers outside any transaction, so a number can
be held by a transaction that has not committed yet, or have been released by one that rolled back. The tree
only ever takes the contiguous prefix of committed events. Every appending transaction holds the advisory lock
``services.APPENDING`` in SHARE mode (appenders never wait for one another) from before it takes its number
until it ends. When the integrator sees number g missing below a visible event, g was taken before that
statement; so a transaction that still holds g (and may yet commit it) is, at any later moment, among the
holders of that lock. The integrator notes those holders once (their virtual transaction ids, leaving out its
own transaction: a number of its own that it cannot see was rolled back with a savepoint). Once none of them
holds the lock any more, every holder of g has ended; if a statement begun after that still does not see g, g
was released by a rollback and is filled with a ``ledger.void`` event that says so. Appenders that start later
never delay this (they take later numbers). The log never has a hole and nothing is skipped silently.
On SQLite the IMMEDIATE write transaction makes numbering gapless; a missing number there can only be a deleted
event, which the integrator never fills (verify reports it).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from liuhen.core import canonical, merkle
from liuhen.ledger import queries, services
from liuhen.ledger.envelope import event_leaf_data
from liuhen.ledger.models import Event

log = logging.getLogger(__name__)

BATCH = 2000
VOID = "ledger.void"
_PG_INTEGRATOR_KEY = 0x6C6975686569  # serialises integrators (never appenders)
PAUSE_ENV = "LIUHEN_INTEGRATE_PAUSE"
"""Seconds to wait inside each batch before it commits (tests use it to kill an integration mid-batch)."""

# first missing number -> the appending transactions that could still hold it (noted once, in this process)
_missing_since: dict[int, list[str]] = {}
_missing_lock = threading.Lock()

_HOLDERS = (
    "SELECT COALESCE(array_agg(virtualtransaction), '{}') FROM pg_locks WHERE locktype = 'advisory' "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND classid = %s AND objid = %s AND objsubid = 2 AND granted AND pid <> pg_backend_pid()"
)


def _claim(nowait: bool) -> bool:
    """Become the only integrator until this transaction ends. With ``nowait`` (inside a caller's transaction,
    which may hold an event another integrator waits for), only if no other integrator is at work."""
    if connection.vendor != "postgresql":
        return True  # the IMMEDIATE transaction holds the write lock
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {'pg_try_advisory_xact_lock' if nowait else 'pg_advisory_xact_lock'}(%s)", [_PG_INTEGRATOR_KEY]
        )
        return nowait is False or bool(cur.fetchone()[0])


def _frontier(size: int) -> merkle.CompactRange:
    """The tree of ``size`` resumed from the stored hashes of its right edge."""
    tree = merkle.CompactRange()
    if size:
        edge = merkle.range_nodes(0, size)
        hashes = queries.node_hashes(edge)
        tree.resume(size, [(node[0], hashes[node]) for node in edge])
    return tree


def void_body(seq: int) -> dict[str, object]:
    return {
        "seq": seq,
        "reason": f"序号 {seq} 由一个已回滚（未提交）的事务取得后释放，未记录任何事件；"
        "以此空事件占位，账本序号连续无缺",
    }


def _append_void(seq: int, at: datetime) -> None:
    body = void_body(seq)
    event = Event(
        seq=seq,
        at=at,
        actor=services.SYSTEM.name,
        actor_id=None,
        action=VOID,
        subject_type="ledger",
        subject_id=str(seq),
        case_ref=None,
        body=canonical.dumps(body).decode("utf-8"),
    )
    leaf = merkle.leaf_hash(event_leaf_data(event, body))
    with connection.cursor() as cur:
        cur.execute(
            services._INSERT,
            [
                seq,
                connection.ops.adapt_datetimefield_value(at),
                event.actor,
                None,
                VOID,
                "ledger",
                event.subject_id,
                None,
                event.body,
                leaf,
            ],
        )


def _released(first: int, end: int) -> bool:
    """Whether numbers [first, end), missing below an event visible to the statement just run, were released."""
    key = list(services.APPENDING)
    with connection.cursor() as cur:
        with _missing_lock:
            for stale in [n for n in _missing_since if n < first]:
                del _missing_since[stale]  # filled or committed meanwhile
            holders = _missing_since.get(first)
        if holders is None:  # every transaction that may still hold one of them, from now on
            cur.execute(_HOLDERS, key)
            holders = list(cur.fetchone()[0])
            with _missing_lock:
                _missing_since[first] = holders
        if holders:
            still = _HOLDERS.replace("granted AND", "granted AND virtualtransaction = ANY(%s) AND")
            cur.execute(still, [*key, holders])
            if cur.fetchone()[0]:
                return False  # one of them is still at work
        # all ended; this statement's snapshot is taken after that
        cur.execute("SELECT EXISTS (SELECT 1 FROM ledger_event WHERE seq >= %s AND seq < %s)", [first, end])
        if cur.fetchone()[0]:
            return False  # committed meanwhile: integrated next round
    with _missing_lock:
        _missing_since.pop(first, None)
    return True


def _batch(batch: int) -> tuple[int, bool, bool]:
    """Integrate up to ``batch`` events in the current transaction: (tree size, whether more may follow, whether
    a missing number holds it up that may yet be released)."""
    pg = connection.vendor == "postgresql"
    size = services.tree_size()
    with connection.cursor() as cur:
        cur.execute("SELECT seq, leaf_hash FROM ledger_event WHERE seq >= %s ORDER BY seq LIMIT %s", [size, batch])
        rows = cur.fetchall()
    if not rows:
        return size, False, False
    expect = size
    leaves: list[bytes] = []
    for row in rows:
        if int(row[0]) != expect:
            break
        leaves.append(bytes(row[1]))
        expect += 1
    if not leaves:  # a number is missing at the tree's edge
        nxt = int(rows[0][0])
        if pg and _released(size, nxt):
            at = timezone.now()
            for seq in range(size, nxt):
                _append_void(seq, at)
                log.warning("ledger: number %s was released by a rolled-back transaction; filled with %s", seq, VOID)
            return size, True, False
        if not pg:
            log.error("ledger: event #%s is missing (deleted?); integration stops there (run liuhen verify)", size)
        return size, False, pg
    tree = _frontier(size)
    out = []
    for seq, leaf in enumerate(leaves, start=size):
        completed = tree.append(leaf)
        out.append((seq, leaf, b"".join(h for _, h in completed[1:])))
    with connection.cursor() as cur:
        cur.executemany("INSERT INTO ledger_tree (seq, leaf_hash, subtree_hashes) VALUES (%s, %s, %s)", out)
    pause = float(os.environ.get(PAUSE_ENV) or 0)
    if pause:
        time.sleep(pause)
    return tree.size, len(leaves) < len(rows) or len(rows) == batch, False


def integrate(*, batch: int = BATCH, wait: float = 2.0) -> int:
    """Integrate every committed event that can be; returns the tree size. One transaction per batch.

    Called by the background integrator of `liuhen serve`, the periodic job, `liuhen ledger integrate`, and on
    demand by whatever needs the tree (proofs, checkpoints, verify, exports). Inside a caller's transaction it
    integrates what that transaction sees (its own events too), and only if no other integrator is at work.
    A missing number is waited for up to ``wait`` seconds (its holder commits, or ends and the number is voided);
    past that, the integrated prefix is returned and a later run goes on.
    """
    nowait = connection.in_atomic_block
    size = services.tree_size()
    if size >= services.log_size():
        return size  # nothing new: no write transaction (SQLite's write lock stays free)
    deadline = time.monotonic() + wait
    while True:
        with transaction.atomic():
            if not _claim(nowait):
                return services.tree_size()
            size, more, held = _batch(batch)
        if held and time.monotonic() < deadline:
            time.sleep(0.01)
            continue
        if not more:
            return size


def pending() -> int:
    """How many sequenced events wait for integration."""
    return services.log_size() - services.tree_size()


class Background:
    """The embedded instance's integrator: a daemon thread that integrates every ``interval`` seconds."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="liuhen-integrator", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        from django.db import close_old_connections

        while not self._stop.wait(self.interval):
            try:
                close_old_connections()
                integrate()
            except Exception:  # logged; the next round tries again (an append never depends on this thread)
                log.exception("ledger integration failed; retrying")
        connection.close()
