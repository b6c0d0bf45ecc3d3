"""Checkpoints leave the database (rules R8, SU2): every checkpoint is appended to a log outside it, and verify
names a deleted newest checkpoint, the events truncated after it, or a rewritten one, when that log exists."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from django.db import connection, transaction

from liuhen.ledger import checkpoint_log, services, signing, triggers
from liuhen.ledger.models import Checkpoint, Event
from liuhen.ledger.outside_check import check_checkpoint_log
from liuhen.ledger.verify import verify

pytestmark = pytest.mark.django_db


def append_many(n: int) -> None:
    with transaction.atomic():
        for i in range(n):
            services.append(actor=None, action="test.event", subject_type="test", subject_id=i, body={"i": i})


def raw(sql: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params or [])


def drop_triggers() -> None:
    for table in ("ledger_event", "ledger_tree", "ledger_checkpoint"):
        for sql in triggers.drop_statements(connection.vendor, table):
            raw(sql)


def report() -> str:
    return "\n".join(str(f) for f in verify() if not f.record.startswith("数据库触发器 ledger_"))


@pytest.fixture
def three_checkpoints() -> list[Checkpoint]:
    """Checkpoints at 5, 9 and 12 events, each also in the outside log."""
    out = []
    for n in (5, 4, 3):
        append_many(n)
        cp = services.issue_checkpoint()
        assert cp is not None
        out.append(cp)
    assert verify() == []
    return out


def test_every_checkpoint_is_appended_to_the_outside_file(three_checkpoints, checkpoint_log_path: Path) -> None:  # type: ignore[no-untyped-def]
    """rule R8: one signed note per line, in the order issued; the file is the owner's alone (0600)."""
    lines = checkpoint_log_path.read_bytes().splitlines(keepends=True)
    assert [json.loads(line)["tree_size"] for line in lines] == [5, 9, 12]
    assert [json.loads(line)["note"] for line in lines] == [cp.note for cp in three_checkpoints]
    vkey = signing.verifier_key()
    assert all(signing.open_checkpoint(json.loads(line)["note"], vkey) for line in lines)
    assert stat.S_IMODE(checkpoint_log_path.stat().st_mode) == 0o600
    before = checkpoint_log_path.read_bytes()
    append_many(1)
    services.issue_checkpoint()
    after = checkpoint_log_path.read_bytes()
    assert after.startswith(before) and len(after.splitlines()) == 4  # appended, never rewritten


def test_deleted_newest_checkpoint_is_reported(three_checkpoints) -> None:  # type: ignore[no-untyped-def]
    """rule R8: without the outside log this deletion leaves a shorter history that is consistent with itself."""
    newest = three_checkpoints[-1]
    drop_triggers()
    raw("DELETE FROM ledger_checkpoint WHERE id = %s", [newest.pk])
    text = report()
    assert (
        "检查点（树大小 12，外部检查点日志" in text
        and "第 3 行）: 数据库中缺失（库外日志有记录：检查点被删除）" in text
    )
    assert len(text.splitlines()) == 1


def test_deleted_newest_checkpoint_and_the_events_after_the_one_before(three_checkpoints) -> None:  # type: ignore[no-untyped-def]
    """rules R8, SU2: the events that only the deleted checkpoint covered are named, one line each finding."""
    drop_triggers()
    raw("DELETE FROM ledger_checkpoint WHERE id = %s", [three_checkpoints[-1].pk])
    raw("DELETE FROM ledger_event WHERE seq >= 9")
    raw("DELETE FROM ledger_tree WHERE seq >= 9")  # the tree cut with it
    assert services.tree_size() == 9 and Checkpoint.objects.order_by("-tree_size").first().tree_size == 9  # type: ignore[union-attr]
    lines = report().splitlines()
    assert any("检查点（树大小 12" in line and "数据库中缺失" in line for line in lines)
    assert "账本事件 #9–#11: 缺失：库外检查点记录了 12 个事件，账本现只有 9 个（账本末尾被截断）" in lines
    assert len(lines) == 2


def test_events_deleted_after_the_newest_checkpoint_with_it_kept(three_checkpoints) -> None:  # type: ignore[no-untyped-def]
    """rule R8: the newest checkpoint kept and its events cut is the truncation verify already names; the outside log
    adds nothing false to it."""
    drop_triggers()
    raw("DELETE FROM ledger_event WHERE seq >= 10")
    raw("DELETE FROM ledger_tree WHERE seq >= 10")  # the tree cut with it
    text = report()
    assert "账本被截断：检查点记录 12 个事件，账本现只有 10 个" in text
    assert "库外" not in text


def test_rewritten_checkpoint_is_reported(three_checkpoints) -> None:  # type: ignore[no-untyped-def]
    """rule R8: a checkpoint row replaced by another note of the same size (here re-signed with the instance's own key
    over another root, as someone holding the key could) differs from the outside log."""
    cp = three_checkpoints[1]
    fake_root = bytes(32)
    note = signing.sign_checkpoint(cp.tree_size, fake_root)
    drop_triggers()
    raw("UPDATE ledger_checkpoint SET note = %s, root_hash = %s WHERE id = %s", [note, fake_root, cp.pk])
    text = report()
    assert f"数据库中的检查点 #{cp.pk} 与库外记录不符（检查点被改写）" in text
    assert "根哈希与账本前 9 个事件重新计算的结果不符" in text


def test_outside_log_edited_or_lost(three_checkpoints, checkpoint_log_path: Path) -> None:  # type: ignore[no-untyped-def]
    """rule R8: an entry removed from the outside log, a forged or cut-short line, and the whole file gone."""
    lines = checkpoint_log_path.read_bytes().splitlines(keepends=True)
    forged = json.loads(lines[0])
    forged["note"] = forged["note"].replace("\n5\n", "\n6\n")
    checkpoint_log_path.write_bytes(lines[0] + json.dumps(forged).encode() + b"\n" + lines[2] + b'{"tree_size": 1')
    text = report()
    assert f"检查点 #{three_checkpoints[1].pk}（树大小 9）: 外部检查点日志" in text and "中没有记录" in text
    assert "第 2 行: 签名无效（库外检查点被伪造或改动）" in text
    assert "第 4 行: 无法解析（写入中断或被改动）" in text
    append_many(1)
    services.issue_checkpoint()  # an entry cut short stays as it is; the next one starts on a line of its own
    assert json.loads(checkpoint_log_path.read_bytes().splitlines()[-1])["tree_size"] == 13
    checkpoint_log_path.unlink()
    assert "不存在：数据库中的 4 个检查点在库外没有留存" in report()


def test_the_log_starts_with_the_checkpoints_issued_before_it(checkpoint_log_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    """rule R8: an instance from before the outside log (or moved to a new one) writes its checkpoints there first."""
    append_many(3)
    services.issue_checkpoint()
    moved = checkpoint_log_path.parent / "moved.log"
    settings.CHECKPOINT_LOG_URL = f"file://{moved}"
    assert "不存在" in report()
    assert services.issue_checkpoint() is None  # nothing new to sign, but the log is started
    assert [json.loads(line)["tree_size"] for line in moved.read_bytes().splitlines()] == [3]
    assert verify() == []


def test_checkpoints_are_issued_every_minute_by_default() -> None:
    """The unprotected tail (events after the newest checkpoint) is at most a minute long."""
    import datetime as dt

    from django.conf import settings
    from huey.contrib.djhuey import HUEY

    from liuhen.ledger import tasks

    assert settings.CHECKPOINT_MINUTES == 1 and tasks.scheduled_checkpoint
    for minute in (1, 7, 59):
        due = [t.name for t in HUEY.read_periodic(dt.datetime(2026, 12, 1, 9, minute))]
        assert any(n.endswith("scheduled_checkpoint") for n in due)


@pytest.fixture
def s3(s3_client):  # type: ignore[no-untyped-def]
    s3_client.create_bucket(Bucket="checkpoints", ObjectLockEnabledForBucket=True)
    return s3_client


def test_s3_checkpoint_log_under_object_lock(s3, settings) -> None:  # type: ignore[no-untyped-def]
    """rule R8: at scale the outside log is an S3 bucket; each entry is written once, under COMPLIANCE retention."""
    url = "s3://checkpoints/liuhen/log"
    settings.CHECKPOINT_LOG_URL = url
    checkpoint_log.use_client(url, s3)
    try:
        append_many(4)
        first = services.issue_checkpoint()
        append_many(2)
        newest = services.issue_checkpoint()
        assert first is not None and newest is not None
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="checkpoints", Prefix="liuhen/log/")["Contents"]]
        assert [k.rsplit("/", 1)[1][:20] for k in keys] == [f"{4:020d}", f"{6:020d}"]
        head = s3.head_object(Bucket="checkpoints", Key=keys[1])
        assert head["ObjectLockMode"] == "COMPLIANCE"
        with pytest.raises(Exception, match=r"AccessDenied|locked|retention"):
            s3.delete_object(Bucket="checkpoints", Key=keys[1], VersionId=head["VersionId"])
        assert report() == ""
        drop_triggers()
        raw("DELETE FROM ledger_checkpoint WHERE id = %s", [newest.pk])
        raw("DELETE FROM ledger_event WHERE seq >= 4")
        raw("DELETE FROM ledger_tree WHERE seq >= 4")  # the tree cut with it
        lines = [str(f) for f in check_checkpoint_log()]
        assert lines == [
            f"检查点（树大小 6，外部检查点日志 {url} {keys[1]}）: 数据库中缺失（库外日志有记录：检查点被删除）",
            "账本事件 #4–#5: 缺失：库外检查点记录了 6 个事件，账本现只有 4 个（账本末尾被截断）",
        ]
    finally:
        checkpoint_log.use_client(url, None)


def test_unknown_log_address_is_refused() -> None:
    from liuhen.core.errors import LiuhenError

    with pytest.raises(LiuhenError, match="LIUHEN_CHECKPOINT_LOG"):
        checkpoint_log.log_for("ftp://example/log")
    assert Event.objects.count() == 0


def test_no_checkpoint_when_the_outside_log_cannot_be_written(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    """rule R8: a checkpoint is never kept only inside the database; the error says why, and nothing is issued."""
    from liuhen.ledger.checkpoint_log import CheckpointLogUnavailable

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.CHECKPOINT_LOG_URL = f"file://{blocker}/checkpoints.log"
    append_many(2)
    with pytest.raises(CheckpointLogUnavailable, match="无法写入库外检查点日志"):
        services.issue_checkpoint()
    assert Checkpoint.objects.count() == 0
    settings.CHECKPOINT_LOG_URL = f"file://{tmp_path}"  # a folder where the file should be: unreadable as a log
    (finding,) = [str(f) for f in check_checkpoint_log()]
    assert finding.startswith(f"外部检查点日志 file://{tmp_path}: 无法读取") and "未能与数据库中的检查点比对" in finding
