"""The tamper suite: with the triggers dropped by raw SQL, every kind of tampering is found by verify
(rules R8, SU2: altered, deleted and lost records are found and named)."""

from __future__ import annotations

import base64
import json

import pytest
from django.db import connection

from liuhen.cases import scenarios
from liuhen.core import merkle, stages
from liuhen.ledger import services, signing, triggers
from liuhen.ledger.envelope import event_leaf_data
from liuhen.ledger.models import Checkpoint, Event
from liuhen.ledger.verify import verify

pytestmark = [pytest.mark.django_db, pytest.mark.tampers]  # the point of these tests


@pytest.fixture
def history(cast, make_case):  # type: ignore[no-untyped-def]
    """A few cases moved along, with checkpoints issued on the way, like a working day."""
    first = scenarios.advance(make_case(), stages.Stage.INVESTIGATION, cast)
    services.issue_checkpoint()
    second = scenarios.advance(make_case("inspection"), stages.Stage.INSPECTING, cast)
    services.issue_checkpoint()
    assert verify() == []
    return first, second


def raw(sql: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params or [])


def drop_triggers() -> None:
    for table in triggers.append_only_tables():
        for sql in triggers.drop_statements(connection.vendor, table):
            raw(sql)


def report(findings) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(map(str, findings))


def test_dropped_triggers_are_reported(history) -> None:  # type: ignore[no-untyped-def]
    drop_triggers()
    assert "防删改触发器缺失" in report(verify())


def test_changed_byte_in_an_event_body(history) -> None:  # type: ignore[no-untyped-def]
    case = history[0]
    event = Event.objects.filter(case_ref=case.pk, action="case.created").get()
    drop_triggers()
    raw("UPDATE ledger_event SET body = %s WHERE seq = %s", [event.body.replace("教育", "救育"), event.seq])
    text = report(verify())
    # the event names the case by the number it went by then (its 案源登记号, before 立案 was approved)
    assert f"账本事件 #{event.seq}（案件 {case.number_at(event.at)}，case.created" in text
    assert "内容与叶哈希不符" in text


def test_rewritten_event_with_recomputed_hash_breaks_the_checkpoint(history) -> None:  # type: ignore[no-untyped-def]
    event = Event.objects.filter(action="case.transition").first()
    assert event is not None
    body = json.loads(event.body)
    body["target"] = "closed"
    leaf = merkle.leaf_hash(event_leaf_data(event, body))
    drop_triggers()
    raw(
        "UPDATE ledger_event SET body = %s, leaf_hash = %s WHERE seq = %s",
        [json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")), leaf, event.seq],
    )
    text = report(verify())
    assert "根哈希与账本前" in text and "内容与叶哈希不符" not in text


def test_deleted_event(history) -> None:  # type: ignore[no-untyped-def]
    drop_triggers()
    raw("DELETE FROM ledger_event WHERE seq = 7")
    text = report(verify())
    assert "账本事件 #7: 缺失（事件被删除）" in text
    assert "根哈希与账本前" in text


def test_swapped_events(history) -> None:  # type: ignore[no-untyped-def]
    drop_triggers()
    raw("UPDATE ledger_event SET seq = -1 WHERE seq = 10")
    raw("UPDATE ledger_event SET seq = 10 WHERE seq = 11")
    raw("UPDATE ledger_event SET seq = 11 WHERE seq = -1")
    text = report(verify())
    assert "账本事件 #10" in text and "账本事件 #11" in text and "内容与叶哈希不符" in text


def test_forged_checkpoint(history) -> None:  # type: ignore[no-untyped-def]
    size = Event.objects.count()
    fake_root = merkle.leaf_hash(b"forged")
    body = signing.checkpoint_body("liuhen.local/ledger", size, fake_root)
    other_key = signing.Ed25519PrivateKey.generate()
    sig = other_key.sign(body.encode())
    kid = signing.key_id("liuhen.local/ledger", signing.raw_public(other_key.public_key()))
    note = f"{body}\n\u2014 liuhen.local/ledger {base64.b64encode(kid + sig).decode()}\n"
    Checkpoint.objects.create(tree_size=size, root_hash=fake_root, note=note, issued_at=history[0].created_at)
    cp = Checkpoint.objects.order_by("id").first()
    assert cp is not None
    drop_triggers()
    raw(
        "UPDATE ledger_checkpoint SET note = %s WHERE id = %s",
        [cp.note.replace(base64.b64encode(bytes(cp.root_hash)).decode(), base64.b64encode(fake_root).decode()), cp.pk],
    )
    text = report(verify())
    assert text.count("签名无效或格式错误") == 2


def test_truncated_log(history) -> None:  # type: ignore[no-untyped-def]
    size = Event.objects.count()
    drop_triggers()
    raw("DELETE FROM ledger_event WHERE seq >= %s", [size - 3])
    raw("DELETE FROM ledger_tree WHERE seq >= %s", [size - 3])  # the tree cut with it
    assert f"账本被截断：检查点记录 {size} 个事件，账本现只有 {size - 3} 个" in report(verify())


def test_changed_subtree_hashes(history) -> None:  # type: ignore[no-untyped-def]
    drop_triggers()
    raw("UPDATE ledger_tree SET subtree_hashes = %s WHERE seq = 15", [b"\x00" * 128])
    assert "账本事件 #15" in report(verify()) and "子树哈希有误" in report(verify())


def test_case_changed_outside_the_ledger(history) -> None:  # type: ignore[no-untyped-def]
    case = history[0]
    raw("UPDATE cases_case SET stage = 'closed' WHERE id = %s", [case.pk])
    assert (
        f'案件 {case.case_no}（cases_case #{case.pk}）: 阶段（stage）：账本记录为 "investigation"，现为 "closed"'
        in report(verify())
    )


def test_party_changed_outside_the_ledger(history) -> None:  # type: ignore[no-untyped-def]
    party = history[0].parties.get()
    drop_triggers()
    raw("UPDATE cases_party SET id_number = '91320100MA0000000X' WHERE id = %s", [party.pk])
    assert (
        f"当事人（案件 {history[0].case_no}）（cases_party #{party.pk}）: "
        "身份证号/统一社会信用代码（id_number）：与账本中的承诺值不符（被改动）"
    ) in report(verify())
