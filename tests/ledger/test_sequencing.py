"""Sequencing apart from integration (rule R8): appends take numbers without a lock held to commit; the integrator
folds the committed prefix into the tree, fills a number released by a rollback with a void event, and survives a
kill -9 mid-batch. The in-process tests run on the test database; the others on real instances (separate
processes, real commits): an embedded one on SQLite and one on a PostgreSQL database of their own."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection, transaction

from liuhen.core import merkle
from liuhen.ledger import queries, services
from liuhen.ledger.integrator import BATCH, PAUSE_ENV, VOID, integrate, pending
from liuhen.ledger.models import Event, TreeLeaf
from liuhen.ledger.verify import verify

ROOT = Path(__file__).resolve().parents[2]
PG = "postgresql://postgres@127.0.0.1:5432"


def _append(i: int) -> Event:
    return services.append(actor=None, action="test.event", subject_type="test", subject_id=i, body={"i": i})


class Undo(Exception):
    pass


def _rolled_back_append() -> None:
    try:
        with transaction.atomic():
            _append(-1)
            raise Undo
    except Undo:
        pass


@pytest.mark.django_db
def test_append_writes_the_leaf_and_the_integrator_the_tree() -> None:
    with transaction.atomic():
        events = [_append(i) for i in range(5)]
    assert [e.seq for e in events] == [0, 1, 2, 3, 4]
    assert services.log_size() == 5 and services.tree_size() == 0 and pending() == 5
    assert TreeLeaf.objects.count() == 0
    assert integrate() == 5 and pending() == 0
    leaves = [bytes(e.leaf_hash) for e in events]
    assert queries.root_at(5) == merkle.root_hash(leaves)
    assert integrate() == 5  # nothing more to do
    assert [str(f) for f in verify()] == []


@pytest.mark.django_db
def test_a_number_released_by_a_rollback() -> None:
    """PostgreSQL: the sequence does not give a rolled-back number back; the integrator fills it with a void
    event that says so, and the events after it are integrated. SQLite: the number is taken again (no gap)."""
    with transaction.atomic():
        _append(0)
    _rolled_back_append()
    with transaction.atomic():
        after = _append(2)
    assert integrate(wait=10) == services.log_size()
    if connection.vendor == "postgresql":
        assert after.seq == 2
        void = Event.objects.get(seq=1)
        body = json.loads(void.body)
        assert void.action == VOID and void.actor == "system" and body["seq"] == 1 and "已回滚" in body["reason"]
        assert services.tree_size() == 3
    else:
        assert after.seq == 1 and services.tree_size() == 2
        assert not Event.objects.filter(action=VOID).exists()
    assert [str(f) for f in verify()] == []
    leaves = [bytes(h) for h in Event.objects.order_by("seq").values_list("leaf_hash", flat=True)]
    size = len(leaves)
    for i in range(size):
        assert merkle.verify_inclusion(leaves[i], i, size, queries.inclusion(i, size), merkle.root_hash(leaves))


@pytest.mark.django_db
def test_verify_reports_a_tree_row_that_does_not_match_its_event() -> None:
    with transaction.atomic():
        for i in range(4):
            _append(i)
    integrate()
    from tests.ledger.test_tamper import drop_triggers, raw

    drop_triggers()
    raw("UPDATE ledger_tree SET leaf_hash = %s WHERE seq = 2", [b"\x01" * 32])
    text = "\n".join(str(f) for f in verify())
    assert "账本事件 #2" in text and "默克尔树中的叶哈希与事件不符" in text


# --- real instances, real commits -------------------------------------------------------------------------


def _env(home: Path, url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env["LIUHEN_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "src")])
    if url:
        env["LIUHEN_DATABASE_URL"] = url
    return env


def _liuhen(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "liuhen.cli", *args], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"liuhen {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def _appenders(env: dict[str, str], *args: str) -> dict[str, int]:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.ledger.appenders", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


class Instance:
    def __init__(self, home: Path, url: str | None) -> None:
        self.home, self.url = home, url
        self.env = _env(home, url)

    def query(self, sql: str) -> list[tuple[object, ...]]:
        if self.url is None:
            with sqlite3.connect(self.home / "liuhen.sqlite3") as db:
                return list(db.execute(sql).fetchall())
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            return list(conn.execute(sql).fetchall())

    def sizes(self) -> tuple[int, int]:
        """(events, tree rows)."""
        (events,) = self.query("SELECT COUNT(*) FROM ledger_event")[0]
        (tree,) = self.query("SELECT COUNT(*) FROM ledger_tree")[0]
        return int(events), int(tree)  # type: ignore[call-overload]


def _pg_reachable() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 5432), 2).close()
        return True
    except OSError:
        return False


@pytest.fixture(params=["sqlite", "postgresql"])
def instance(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Instance]:
    url = None
    name = f"liuhen_seqtest_{os.getpid()}"
    if request.param == "postgresql":
        if not _pg_reachable():
            pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{PG}/{name}"
    inst = Instance(tmp_path / "home", url)
    _liuhen(inst.env, "init", "--admin-password", "Admin-pass-2026!")
    yield inst
    if url:
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_concurrent_writers_get_every_number_once_and_the_tree_verifies(instance: Instance) -> None:
    """Rule R8: 8 writers on their own connections, every 7th transaction rolled back, the background integrator
    running: no number twice, none missing (each released one filled by a void event), and the tree verifies."""
    before, _ = instance.sizes()
    counts = _appenders(instance.env, "--threads", "8", "--per", "60", "--rollback-every", "7", "--integrate")
    assert counts == {"committed": 480 - 69, "rolled_back": 69}
    _liuhen(instance.env, "ledger", "integrate")
    rows = instance.query("SELECT seq, action FROM ledger_event ORDER BY seq")
    seqs = [int(r[0]) for r in rows]  # type: ignore[call-overload]
    assert seqs == list(range(len(seqs))), "a number twice or missing"
    written = sum(1 for r in rows if r[1] == "test.concurrent")
    voids = sum(1 for r in rows if r[1] == VOID)
    assert written == counts["committed"]
    if instance.url is None:
        assert voids == 0 and len(seqs) == before + counts["committed"]  # SQLite numbers without gaps
    else:
        assert 0 < voids <= counts["rolled_back"]  # a rolled-back number at the end is taken by no one yet
    assert instance.sizes() == (len(seqs), len(seqs))
    checked = _liuhen(instance.env, "verify", check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_verify_passes_after_kill_9_mid_integration(instance: Instance) -> None:
    """Rule R8: an integration killed with SIGKILL inside a batch leaves the batches before it and nothing of the
    one it was in; verify passes, and integrating again completes the tree."""
    _appenders(instance.env, "--threads", "1", "--per", str(2 * BATCH + 500))
    events, tree = instance.sizes()
    assert tree < events
    env = {**instance.env, PAUSE_ENV: "3"}  # each batch waits 3 s inside its transaction before it commits
    proc = subprocess.Popen(
        [sys.executable, "-m", "liuhen.cli", "ledger", "integrate"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while instance.sizes()[1] < tree + BATCH:  # the first batch committed; the second is being written
            assert proc.poll() is None and time.monotonic() < deadline, "the first batch did not commit"
            time.sleep(0.1)
        time.sleep(1)
        assert proc.poll() is None, "the integration ended before it was killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert instance.sizes() == (events, tree + BATCH)  # the batch it was killed in left nothing
    checked = _liuhen(instance.env, "verify", check=False)  # integrates first, then checks
    assert checked.returncode == 0, checked.stdout + checked.stderr
    again = _liuhen(instance.env, "ledger", "integrate")
    assert f"默克尔树现有 {events} 个事件" in again.stdout
    assert instance.sizes() == (events, events)
