"""The append-only event log (an RFC 6962 Merkle tree) and its signed checkpoints. Rule R8.

Sequencing is apart from integration. An append writes one ``Event`` row: its sequence number and its leaf
hash (which depends on the entry alone). The integrator (``services.integrate``) later folds the committed
events, in order, into the tree: for each it writes one ``TreeLeaf`` row with the hashes of the perfect
subtrees that its leaf completes (``subtree_hashes``: level 1, 2, … concatenated; leaf ``s`` completes one
subtree per trailing 1-bit of ``s``). So the subtree (level, index) lives in tree row
``((index + 1) << level) - 1``, and a proof reads O(log n) rows by primary key. The tree's size is the
number of integrated events; proofs and checkpoints cover integrated events only.
The database refuses UPDATE and DELETE on all three tables (triggers created by the migrations).
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

    class Meta:
        verbose_name = verbose_name_plural = "账本事件"
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="ledger_event_subject")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class TreeLeaf(models.Model):
    """One integrated event: its leaf hash (copied from the event, so that a proof reads this table only) and
    the perfect subtrees its leaf completes. Rows are written in sequence order, a batch per transaction, so the
    integrated tree size is the largest ``seq`` plus one."""

    LEDGER = derived("默克尔树：由账本事件的叶哈希按序重新计算", append_only=True)

    seq = models.BigIntegerField("序号", primary_key=True)
    leaf_hash = models.BinaryField(max_length=32)
    subtree_hashes = models.BinaryField(default=b"")

    class Meta:
        db_table = "ledger_tree"
        verbose_name = verbose_name_plural = "默克尔树叶"

    def __str__(self) -> str:
        return f"tree leaf #{self.seq}"


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
