"""The append-only event log (an RFC 6962 Merkle tree) and its signed checkpoints. Rule R8.

Each event is a leaf. Besides its leaf hash, an event keeps the hashes of the perfect subtrees that its
leaf completes (``subtree_hashes``: level 1, 2, … concatenated): leaf ``s`` completes one subtree per
trailing 1-bit of ``s``. So the subtree (level, index) lives in event ``((index + 1) << level) - 1``,
an append writes exactly one row, and a proof reads O(log n) rows by primary key.
The database refuses UPDATE and DELETE on both tables (triggers created by the migration).
"""

from __future__ import annotations

from django.db import models

from liuhen.ledger.projection import derived


class Event(models.Model):
    LEDGER = derived("账本本身：每个事件由叶哈希、默克尔树和签名检查点证明", append_only=True)

    seq = models.BigIntegerField("序号", primary_key=True)
    at = models.DateTimeField("时间")
    actor = models.CharField("操作人", max_length=150)
    actor_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField("动作", max_length=64, db_index=True)
    subject_type = models.CharField("对象类型", max_length=32)
    subject_id = models.CharField("对象", max_length=64)
    case_ref = models.BigIntegerField("案件", null=True, blank=True, db_index=True)
    body = models.TextField("内容（规范 JSON）")
    leaf_hash = models.BinaryField(max_length=32)
    subtree_hashes = models.BinaryField(default=b"")

    class Meta:
        verbose_name = verbose_name_plural = "账本事件"
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="ledger_event_subject")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class Checkpoint(models.Model):
    """A signed checkpoint in the C2SP signed-note format."""

    LEDGER = derived("签名检查点：由签名和默克尔树的一致性证明", append_only=True)

    tree_size = models.BigIntegerField("树大小")
    root_hash = models.BinaryField(max_length=32)
    note = models.TextField("签名检查点")
    issued_at = models.DateTimeField("签发时间")

    class Meta:
        verbose_name = verbose_name_plural = "检查点"
        indexes = [models.Index(fields=["tree_size"], name="ledger_checkpoint_size")]

    def __str__(self) -> str:
        return f"checkpoint {self.tree_size}"
