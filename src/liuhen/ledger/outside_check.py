"""What `liuhen verify` checks against the checkpoint log outside the database (rules R8, SU2).

Someone who can write the database can delete the newest checkpoint and the events after the one before it:
what is left is a shorter log that is still consistent with itself. The outside log still holds the deleted
checkpoint, so each of these is named on one line:

- a checkpoint of the outside log that the database lacks (deleted), or holds with another note (rewritten);
- events that such a checkpoint covered and the database no longer has (the log truncated), or whose root
  no longer matches;
- a checkpoint of the database that the outside log lacks (the outside log itself tampered with, or not
  written when issued);
- an entry of the outside log that cannot be read or whose signature is not the instance's.
"""

from __future__ import annotations

from collections.abc import Iterator

from liuhen.ledger import checkpoint_log, queries, services, signing
from liuhen.ledger.models import Checkpoint
from liuhen.ledger.verify import Finding


def _events(first: int, last: int) -> str:
    return f"#{first}" if first == last else f"#{first}–#{last}"


def check_checkpoint_log(log: checkpoint_log.CheckpointLog | None = None) -> Iterator[Finding]:
    log = log or checkpoint_log.default_log()
    try:
        yield from _compare(log)
    except Exception as exc:  # an unreadable file, an unreachable bucket: say so, and go on with the rest
        yield Finding(f"外部检查点日志 {log.url}", f"无法读取（{exc}），未能与数据库中的检查点比对")


def _compare(log: checkpoint_log.CheckpointLog) -> Iterator[Finding]:
    where = f"外部检查点日志 {log.url}"
    rows = Checkpoint.objects.order_by("tree_size", "id").values_list("pk", "tree_size", "note")
    db = [(pk, size, checkpoint_log.note_digest(note)) for pk, size, note in rows.iterator(chunk_size=5000)]
    if not log.exists():
        if db:
            yield Finding(where, f"不存在：数据库中的 {len(db)} 个检查点在库外没有留存（日志被删除或从未建立）")
        return
    try:
        vkey = signing.verifier_key()
    except signing.SigningKeyMissing:
        return  # verify reports the missing key itself
    db_keys = {(size, digest): pk for pk, size, digest in db}
    db_sizes: dict[int, list[int]] = {}
    for pk, size, _ in db:
        db_sizes.setdefault(size, []).append(pk)
    size_now = services.tree_size()
    matched: set[int] = set()
    first_logged: int | None = None
    for entry in log.entries(known=set(db_keys)):
        if entry.tree_size is None:
            yield Finding(f"{where} {entry.where}", "无法解析（写入中断或被改动）")
            continue
        found = db_keys.get((entry.tree_size, entry.note_digest))
        if found is not None:  # the database holds this very note (its signature and root verify checks)
            matched.add(found)
            first_logged = entry.tree_size if first_logged is None else min(first_logged, entry.tree_size)
            continue
        parsed = signing.open_checkpoint(entry.note or "", vkey)
        if parsed is None:
            yield Finding(f"{where} {entry.where}", "签名无效（库外检查点被伪造或改动）")
            continue
        first_logged = parsed.size if first_logged is None else min(first_logged, parsed.size)
        name = f"检查点（树大小 {parsed.size}，{where} {entry.where}）"
        same_size = db_sizes.get(parsed.size, [])
        if same_size:
            matched.update(same_size)
            ids = "、".join(f"#{pk}" for pk in same_size)
            yield Finding(name, f"数据库中的检查点 {ids} 与库外记录不符（检查点被改写）")
        else:
            yield Finding(name, "数据库中缺失（库外日志有记录：检查点被删除）")
        if parsed.size > size_now:
            yield Finding(
                f"账本事件 {_events(size_now, parsed.size - 1)}",
                f"缺失：库外检查点记录了 {parsed.size} 个事件，账本现只有 {size_now} 个（账本末尾被截断）",
            )
        else:
            try:
                root = queries.root_at(parsed.size)
            except KeyError:
                root = b""
            if root != parsed.root:
                yield Finding(name, f"根哈希与账本前 {parsed.size} 个事件不符（其中有事件被改动、删除或调换）")
    for pk, size, _ in db:
        if pk not in matched and (first_logged is None or size >= first_logged):
            yield Finding(f"检查点 #{pk}（树大小 {size}）", f"{where} 中没有记录（库外日志被删改，或签发时未写入）")
