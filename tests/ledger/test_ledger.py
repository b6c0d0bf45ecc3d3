"""The ledger on the database: stored proofs, append-only triggers, checkpoints (rule R8)."""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool

from liuhen.core import merkle
from liuhen.ledger import queries, services, signing
from liuhen.ledger.integrator import integrate
from liuhen.ledger.models import Checkpoint, Event

pytestmark = pytest.mark.django_db


def append_many(n: int) -> list[bytes]:
    with transaction.atomic():
        for i in range(n):
            services.append(actor=None, action="test.event", subject_type="test", subject_id=i, body={"i": i})
    return [bytes(h) for h in Event.objects.order_by("seq").values_list("leaf_hash", flat=True)]


def test_stored_proofs_equal_the_reference() -> None:
    leaves = append_many(70)
    assert services.tree_size() == 0  # sequenced, not yet integrated
    assert integrate(batch=16) == 70  # batches continue from the stored right edge
    for n in range(1, 71):
        assert queries.root_at(n) == merkle.root_hash(leaves[:n])
        for i in range(0, n, 7):
            assert queries.inclusion(i, n) == merkle.inclusion_proof(leaves[:n], i)
        for m in range(1, n + 1, 5):
            assert queries.consistency(m, n) == merkle.consistency_proof(leaves[:n], m)


def test_event_leaf_is_its_canonical_envelope() -> None:
    append_many(1)
    event = Event.objects.get(seq=0)
    assert json.loads(event.body) == {"i": 0}
    from liuhen.ledger.verify import recompute_leaf

    leaf, _, problem = recompute_leaf(event)
    assert problem is None and leaf == bytes(event.leaf_hash)


def _sqlalchemy_engine():  # type: ignore[no-untyped-def]
    """SQLAlchemy on Django's own connection, so it sees this test's rows."""
    connection.ensure_connection()
    url = "sqlite://" if connection.vendor == "sqlite" else "postgresql+psycopg://"
    engine = create_engine(url, creator=lambda: connection.connection, poolclass=StaticPool, pool_reset_on_return=None)
    # The transaction belongs to the test (Django rolls it back); SQLAlchemy must not end it.
    engine.dialect.do_rollback = lambda dbapi_connection: None  # type: ignore[method-assign]
    return engine


@pytest.mark.parametrize(
    "table,statement",
    [
        ("ledger_event", "UPDATE ledger_event SET body = :forged WHERE seq = 0"),
        ("ledger_event", "DELETE FROM ledger_event WHERE seq = 0"),
        ("ledger_checkpoint", "UPDATE ledger_checkpoint SET tree_size = 99"),
        ("ledger_checkpoint", "DELETE FROM ledger_checkpoint"),
    ],
)
def test_database_refuses_update_and_delete_through_sqlalchemy(table: str, statement: str) -> None:
    append_many(2)
    services.issue_checkpoint()
    engine = _sqlalchemy_engine()
    with engine.connect() as conn, pytest.raises(DBAPIError) as exc, transaction.atomic():
        conn.execute(text(statement), {"forged": '{"i":99}'} if ":forged" in statement else {})
    assert "append-only" in str(exc.value)
    assert json.loads(Event.objects.get(seq=0).body) == {"i": 0}
    assert Checkpoint.objects.get().tree_size == 2


def test_checkpoint_is_a_signed_note() -> None:
    leaves = append_many(5)
    cp = services.issue_checkpoint()
    assert cp is not None and services.issue_checkpoint() is None  # nothing new, nothing issued
    lines = cp.note.split("\n")
    assert lines[0] == "liuhen.local/ledger" and lines[1] == "5" and lines[3] == ""
    assert lines[4].startswith("\u2014 liuhen.local/ledger ")
    parsed = signing.open_checkpoint(cp.note, signing.verifier_key())
    assert parsed is not None and parsed.size == 5 and parsed.root == merkle.root_hash(leaves)
    forged = cp.note.replace("\n5\n", "\n4\n")
    assert signing.open_checkpoint(forged, signing.verifier_key()) is None
    other = signing.verifier_key(key=signing.Ed25519PrivateKey.generate())
    assert signing.open_checkpoint(cp.note, other) is None


def test_scheduled_checkpoint_runs_every_few_minutes() -> None:
    import datetime as dt

    from huey.contrib.djhuey import HUEY

    from liuhen.ledger.tasks import scheduled_checkpoint

    names = [t.name for t in HUEY._registry.periodic_tasks]
    assert any(n.endswith("scheduled_checkpoint") for n in names)
    due = [t.name for t in HUEY.read_periodic(dt.datetime(2026, 11, 23, 9, 10))]
    assert any(n.endswith("scheduled_checkpoint") for n in due)
    append_many(3)
    scheduled_checkpoint.call_local()
    assert Checkpoint.objects.get().tree_size == 3
    scheduled_checkpoint.call_local()  # nothing new: nothing issued
    assert Checkpoint.objects.count() == 1


def test_a_stored_leaf_is_checked_from_the_body_as_stored(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    """Verify hashes the stored body's bytes in place of re-serialising it (rule R8): for every event appended,
    those are exactly the canonical envelope; any other spelling of the same body gives another leaf."""
    from liuhen.ledger.envelope import event_leaf_data, stored_leaf_data

    make_case()
    append_many(3)
    for event in Event.objects.all():
        assert stored_leaf_data(event, event.body) == event_leaf_data(event, json.loads(event.body))
    event = Event.objects.filter(action="case.created").get()
    respelled = json.dumps(json.loads(event.body), ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    assert respelled != event.body and stored_leaf_data(event, respelled) != stored_leaf_data(event, event.body)
