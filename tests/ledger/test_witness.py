"""Witnesses (rule R8): another agency or the supervising office, with its own key and state, cosigns a checkpoint
only when the log proves it consistent with the last one it saw (c2sp.org/tlog-witness, cosignature/v1)."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connection, transaction
from django.test import Client
from typer.testing import CliRunner

from liuhen.accounts.services import create_token
from liuhen.cli import app
from liuhen.ledger import cosigning, services, signing, triggers
from liuhen.ledger.models import Checkpoint, Event
from liuhen.ledger.tasks import scheduled_checkpoint
from liuhen.ledger.verify import verify
from liuhen.ledger.witness import SIZE_CONTENT_TYPE, Witness, http_server

pytestmark = pytest.mark.django_db
NAME = "jiandu.example.gov.cn/witness"


def append_many(n: int) -> None:
    with transaction.atomic():
        for i in range(n):
            services.append(actor=None, action="test.event", subject_type="test", subject_id=i, body={"i": i})


@pytest.fixture
def witness(tmp_path: Path) -> Witness:
    w = Witness.create(tmp_path / "witness", NAME)
    w.trust(signing.verifier_key())
    return w


@pytest.fixture
def configured(witness: Witness, settings) -> str:  # type: ignore[no-untyped-def]
    settings.WITNESSES = witness.vkey()
    return witness.vkey()


def checkpoint_after(n: int) -> Checkpoint:
    append_many(n)
    cp = services.issue_checkpoint()
    assert cp is not None
    return cp


def test_a_cosignature_is_c2sp_cosignature_v1(witness: Witness) -> None:
    """rule R8: the signed message and key id follow c2sp.org/tlog-cosignature, checked here with the spec's own
    construction and nothing of ours."""
    cp = checkpoint_after(5)
    answer = witness.add_checkpoint(cosigning.request_body(cp, 0), now=1_790_000_000)
    assert answer.status == 200
    dash, name, b64 = answer.body.rstrip("\n").split(" ")
    assert dash == "\u2014" and name == NAME and answer.body.endswith("\n")
    blob = base64.b64decode(b64)
    vkey_name, hex_id, key_b64 = witness.vkey().split("+", 2)
    raw = base64.b64decode(key_b64)
    assert vkey_name == NAME and raw[0] == 0x04
    assert blob[:4] == hashlib.sha256(NAME.encode() + b"\n\x04" + raw[1:]).digest()[:4] == bytes.fromhex(hex_id)
    assert int.from_bytes(blob[4:12], "big") == 1_790_000_000
    body = cp.note.split("\n\n")[0] + "\n"
    Ed25519PublicKey.from_public_bytes(raw[1:]).verify(blob[12:], f"cosignature/v1\ntime 1790000000\n{body}".encode())
    assert witness.seen("liuhen.local/ledger") == (5, bytes(cp.root_hash))
    assert (witness.folder / "witness.pem").stat().st_mode & 0o077 == 0


def test_the_witness_follows_the_log_and_refuses_what_is_not_consistent(witness: Witness, tmp_path: Path) -> None:
    """rule R8: each refusal carries the protocol's status; the state survives a restart (a new Witness object)."""
    first = checkpoint_after(5)
    from_zero_with_proof = cosigning.request_body(first, 0).replace(b"old 0\n", b"old 0\n" + b"A" * 43 + b"=\n")
    assert witness.add_checkpoint(from_zero_with_proof).status == 422  # from size 0 the proof is empty
    assert witness.add_checkpoint(cosigning.request_body(first, 0)).status == 200
    second = checkpoint_after(6)
    stale = witness.add_checkpoint(cosigning.request_body(second, 0))
    assert (stale.status, stale.body, stale.content_type) == (409, "5\n", SIZE_CONTENT_TYPE)
    forged_proof = cosigning.request_body(second, 5).replace(
        b"old 5\n", b"old 5\n" + base64.b64encode(bytes(32)) + b"\n"
    )
    assert witness.add_checkpoint(forged_proof).status == 422
    assert Witness(witness.folder).add_checkpoint(cosigning.request_body(second, 5)).status == 200
    assert Witness(witness.folder).seen("liuhen.local/ledger") == (11, bytes(second.root_hash))
    assert witness.add_checkpoint(cosigning.request_body(second, 11)).status == 200  # the same head again
    assert witness.add_checkpoint(b"old 12\n\n" + second.note.encode()).status == 400
    assert witness.add_checkpoint(b"nonsense").status == 400
    other_key = signing.Ed25519PrivateKey.generate()
    foreign = signing.sign_checkpoint(11, bytes(second.root_hash), key=other_key)
    assert witness.add_checkpoint(b"old 11\n\n" + foreign.encode()).status == 403
    unknown = foreign.replace("liuhen.local/ledger", "elsewhere.example/log")
    assert witness.add_checkpoint(b"old 0\n\n" + unknown.encode()).status == 404
    fork = signing.sign_checkpoint(11, bytes(32))
    assert witness.add_checkpoint(b"old 11\n\n" + fork.encode()).status == 409


def test_a_truncated_and_regrown_log_is_refused(witness: Witness) -> None:
    """rules R8, SU2: someone who can write the database deletes the newest checkpoint and the events after the one
    before, and appends others up to a larger size: no consistency proof from what the witness saw exists."""
    first = checkpoint_after(4)
    assert witness.add_checkpoint(cosigning.request_body(first, 0)).status == 200
    newest = checkpoint_after(4)
    assert witness.add_checkpoint(cosigning.request_body(newest, 4)).status == 200
    with connection.cursor() as cur:
        for table in ("ledger_event", "ledger_tree", "ledger_checkpoint"):
            for sql in triggers.drop_statements(connection.vendor, table):
                cur.execute(sql)
        cur.execute("DELETE FROM ledger_checkpoint WHERE id = %s", [newest.pk])
        cur.execute("DELETE FROM ledger_event WHERE seq >= 4")
        cur.execute("DELETE FROM ledger_tree WHERE seq >= 4")  # the tree cut with it
        if connection.vendor == "postgresql":  # and the numbering set back, or the integrator fills #4–#7 as void
            cur.execute("SELECT setval('ledger_event_seq', 4, false)")
    regrown = checkpoint_after(6)
    assert regrown.tree_size == 10
    refused = witness.add_checkpoint(cosigning.request_body(regrown, 8))
    assert refused.status == 422 and witness.seen("liuhen.local/ledger") == (8, bytes(newest.root_hash))
    assert witness.add_checkpoint(cosigning.request_body(regrown, 4)).status == 409  # it holds 8, not 4


def test_cosignatures_are_kept_shown_and_verified(witness: Witness, configured: str, cast) -> None:  # type: ignore[no-untyped-def]
    """rule R8: a cosignature is a ledger event, shown with its checkpoint (API, CLI), and checked again by verify."""
    cp = checkpoint_after(3)
    answer = witness.add_checkpoint(cosigning.request_body(cp, 0), now=1_790_000_123).body
    (event,) = cosigning.record(actor=None, checkpoint=cp, answer=answer)
    assert event.action == "checkpoint.cosigned" and json.loads(event.body)["witness"] == NAME
    assert cosigning.record(actor=None, checkpoint=cp, answer=answer) == []  # kept once
    shown = Client().get("/api/v1/ledger/checkpoint").json()  # the cosigned head is public
    assert shown["tree_size"] == cp.tree_size and shown["cosignatures"] == [
        {"witness": NAME, "timestamp": 1_790_000_123, "line": answer}
    ]
    assert shown["cosigned_note"] == cp.note + answer
    assert CliRunner().invoke(app, ["ledger", "witnesses"]).stdout == cp.note + answer
    assert verify() == []
    from liuhen.core.errors import InvalidInput

    other = Witness.create(witness.folder.parent / "other", "other.example/w")
    other.trust(signing.verifier_key())
    with pytest.raises(InvalidInput, match="不是已配置见证方"):
        cosigning.record(actor=None, checkpoint=cp, answer=other.add_checkpoint(cosigning.request_body(cp, 0)).body)
    with connection.cursor() as cur:
        for sql in triggers.drop_statements(connection.vendor, "ledger_checkpoint"):
            cur.execute(sql)
        cur.execute("DELETE FROM ledger_checkpoint WHERE id = %s", [cp.pk])
    text = "\n".join(map(str, verify()))
    assert (
        f"见证方 {NAME} 的副署（账本事件 #{event.seq}，树大小 {cp.tree_size}）: 所副署的检查点 #{cp.pk} 在数据库中缺失"
        in text
    )


def test_the_log_asks_witnesses_over_http_every_minute(witness: Witness, configured: str, settings) -> None:  # type: ignore[no-untyped-def]
    """rule R8: the scheduled checkpoint is pushed to the witness's add-checkpoint URL, from the size it last
    cosigned; a cosignature event alone asks for no new checkpoint."""
    server = http_server(witness)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.WITNESSES = f"{configured} http://127.0.0.1:{server.server_address[1]}"
        append_many(4)
        scheduled_checkpoint.call_local()
        first = Checkpoint.objects.get()
        assert [c["witness"] for c in cosigning.cosignatures(first)] == [NAME]
        scheduled_checkpoint.call_local()  # only the cosignature since: no checkpoint, nothing pushed
        assert Checkpoint.objects.count() == 1 and Event.objects.filter(action="checkpoint.cosigned").count() == 1
        append_many(3)
        scheduled_checkpoint.call_local()
        second = Checkpoint.objects.order_by("-tree_size").first()
        assert second is not None and second.tree_size == 8  # 4 + the cosignature + 3
        assert [c["witness"] for c in cosigning.cosignatures(second)] == [NAME]
        assert witness.seen("liuhen.local/ledger") == (8, bytes(second.root_hash))
        assert verify() == []
    finally:
        server.shutdown()
        server.server_close()


def test_offline_witness_through_the_command_line(witness: Witness, configured: str, tmp_path: Path, cast) -> None:  # type: ignore[no-untyped-def]
    """rule R8: across an air gap: the instance writes the request, the witness answers, the instance keeps it."""
    runner = CliRunner()
    cp = checkpoint_after(6)
    request = runner.invoke(app, ["ledger", "witness-request", "--witness", NAME])
    assert request.exit_code == 0 and request.stdout.startswith("old 0\n\n")
    (tmp_path / "req").write_text(request.stdout)
    answered = runner.invoke(app, ["witness", "add-checkpoint", "--dir", str(witness.folder), str(tmp_path / "req")])
    assert answered.exit_code == 0 and answered.stdout.startswith("\u2014 " + NAME)
    again = runner.invoke(app, ["witness", "add-checkpoint", "--dir", str(witness.folder), str(tmp_path / "req")])
    assert again.exit_code == 2 and f"--old {cp.tree_size}" in again.output  # it holds that size now
    (tmp_path / "answer").write_text(answered.stdout)
    kept = runner.invoke(app, ["ledger", "cosign", str(tmp_path / "answer")])
    assert kept.exit_code == 0 and "已保存 1 个副署" in kept.stdout
    token = create_token(actor=None, user=cast.handler)
    shown = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/ledger/checkpoint").json()
    assert shown["cosigned_note"].endswith(answered.stdout)
    bad = runner.invoke(app, ["witness", "init", "--dir", str(witness.folder), "--name", NAME])
    assert bad.exit_code == 2 and "不会覆盖" in bad.output
