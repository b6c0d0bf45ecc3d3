"""`liuhen verify`: recompute everything the ledger vouches for and report each finding.

Verify first integrates what is committed (``liuhen.ledger.integrator``). Checked: every event's leaf hash
against its columns (and that its body is canonical); that sequence numbers run without gaps (on PostgreSQL,
past the integrated tree, a number may still be held by a transaction in progress: not a finding); every tree
row (what proofs are built from): its leaf hash against its event's and its subtree hashes against the tree
recomputed from the events, and that no tree row lacks its event; every checkpoint's
signature, and its root against the tree recomputed from the events; consistency proofs between
successive checkpoints; that no checkpoint is larger than the log (truncation); that the append-only
triggers are in place; every row of every projected table, rebuilt from the events and compared column by
column (``liuhen.ledger.rebuild``); the derived tables that register a replay (deadlines), rebuilt in the same
pass and compared; and the checks other apps register (a finalised document's content hash,
a stored blob's bytes, a copy package).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import connection

from liuhen.core import canonical, merkle
from liuhen.ledger import projection, queries, rebuild, signing, triggers
from liuhen.ledger.envelope import event_leaf_data, stored_leaf_data
from liuhen.ledger.models import Checkpoint, Event, TreeLeaf


@dataclass(frozen=True)
class Finding:
    record: str
    problem: str

    def __str__(self) -> str:
        return f"{self.record}: {self.problem}"


Check = Callable[[], Iterable[Finding]]
_CHECKS: list[Check] = []


def register_check(check: Check) -> None:
    if check not in _CHECKS:
        _CHECKS.append(check)


class Replayer(Protocol):
    """A derived table's rebuild: fed every event in log order during verify's one pass, then compared."""

    def feed(self, event: Event, body: Any) -> None: ...

    def findings(self) -> Iterable[tuple[str, str]]: ...


_REPLAYS: list[Callable[[], Replayer]] = []


def register_replay(factory: Callable[[], Replayer]) -> None:
    if factory not in _REPLAYS:
        _REPLAYS.append(factory)


def _event_name(e: Event, body: object) -> str:
    case_no = body.get("case_no") if isinstance(body, dict) else None
    where = f"案件 {case_no}，" if case_no else ""
    return f"账本事件 #{e.seq}（{where}{e.action}，{e.subject_type} {e.subject_id}）"


def recompute_leaf(e: Event) -> tuple[bytes | None, object, str | None]:
    """(leaf hash from the columns, parsed body, problem) for one stored event."""
    try:
        body = json.loads(e.body)
    except ValueError:
        return None, None, "内容不是有效的 JSON（被改动）"
    leaf = merkle.leaf_hash(stored_leaf_data(e, e.body))
    if leaf == bytes(e.leaf_hash):
        return leaf, body, None  # the very bytes that were appended (and append writes canonical bodies only)
    try:  # it differs: re-serialise to say how
        data = event_leaf_data(e, body)
    except canonical.CanonicalJSONError as exc:
        return None, body, f"内容无法规范化（{exc}）"
    problem = None
    if canonical.dumps(body).decode() != e.body:
        problem = "内容不是规范 JSON（被改动）"
    return merkle.leaf_hash(data), body, problem


def iter_events(batch: int = 5000) -> Iterator[Event]:
    last = -1
    while True:
        chunk = list(Event.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


def iter_tree(batch: int = 5000) -> Iterator[tuple[int, bytes, bytes]]:
    last = -1
    while True:
        chunk = list(
            TreeLeaf.objects.filter(seq__gt=last)
            .order_by("seq")
            .values_list("seq", "leaf_hash", "subtree_hashes")[:batch]
        )
        if not chunk:
            return
        for seq, leaf, subtrees in chunk:
            yield seq, bytes(leaf), bytes(subtrees)
        last = chunk[-1][0]


def verify(progress: Callable[[int, int], None] | None = None) -> list[Finding]:
    from liuhen.ledger.integrator import integrate

    findings: list[Finding] = []
    integrated = integrate()
    gaps_pending = connection.vendor == "postgresql"  # past the tree, a missing number may be in progress
    try:
        vkey = signing.verifier_key()
    except signing.SigningKeyMissing as exc:
        findings.append(Finding("检查点签名密钥", str(exc)))
        vkey = ""

    # Checkpoints: signature, and that the stored columns say what the signed note says.
    valid: list[tuple[Checkpoint, signing.ParsedCheckpoint]] = []
    for cp in Checkpoint.objects.order_by("tree_size", "id"):
        name = f"检查点 #{cp.pk}（树大小 {cp.tree_size}）"
        parsed = signing.open_checkpoint(cp.note, vkey) if vkey else None
        if parsed is None:
            findings.append(Finding(name, "签名无效或格式错误（检查点被伪造或改动）"))
            continue
        if parsed.size != cp.tree_size or parsed.root != bytes(cp.root_hash):
            findings.append(Finding(name, f"记录的大小或根哈希与签名内容（大小 {parsed.size}）不符"))
        valid.append((cp, parsed))
    by_size: dict[int, list[tuple[Checkpoint, signing.ParsedCheckpoint]]] = {}
    for cp, parsed in valid:
        by_size.setdefault(parsed.size, []).append((cp, parsed))

    total = Event.objects.count()
    rebuilt = rebuild.Rebuild()
    replays = [factory() for factory in _REPLAYS]
    tree = merkle.CompactRange()
    expected = 0
    stored = iter_tree()
    row = next(stored, None)
    for e in iter_events():
        leaf, body, problem = recompute_leaf(e)
        name = _event_name(e, body)
        while row is not None and row[0] < e.seq:
            findings.append(Finding(f"默克尔树第 {row[0]} 号叶", "账本中没有这个事件（事件被删除）"))
            row = next(stored, None)
        if e.seq != expected:
            if e.seq > expected and not (gaps_pending and expected >= integrated):
                missing = f"#{expected}" if e.seq == expected + 1 else f"#{expected}–#{e.seq - 1}"
                findings.append(Finding(f"账本事件 {missing}", "缺失（事件被删除）"))
            expected = e.seq
        expected += 1
        if problem:
            findings.append(Finding(name, problem))
        rebuilt.feed(e, body)
        for replay in replays:
            replay.feed(e, body)
        if leaf is None:
            leaf = bytes(e.leaf_hash)
        elif leaf != bytes(e.leaf_hash):
            findings.append(Finding(name, "内容与叶哈希不符（事件内容被改动）"))
        completed = tree.append(leaf)
        if row is not None and row[0] == e.seq:
            if row[1] != leaf:
                findings.append(Finding(name, "默克尔树中的叶哈希与事件不符（由此生成的证明将无效）"))
            if b"".join(h for _, h in completed[1:]) != row[2]:
                findings.append(Finding(name, "存储的子树哈希有误（由此生成的证明将无效）"))
            row = next(stored, None)
        elif e.seq < integrated:
            findings.append(Finding(name, "默克尔树中缺少这个事件（树被改动）"))
        for cp, parsed in by_size.get(tree.size, []):
            if tree.root() != parsed.root:
                findings.append(
                    Finding(
                        f"检查点 #{cp.pk}（树大小 {parsed.size}）",
                        f"根哈希与账本前 {parsed.size} 个事件重新计算的结果不符（其中有事件被改动、删除或调换）",
                    )
                )
        if progress is not None:
            progress(tree.size, total)

    while row is not None:
        findings.append(Finding(f"默克尔树第 {row[0]} 号叶", "账本中没有这个事件（事件被删除）"))
        row = next(stored, None)
    size = tree.size
    if size == 0:
        for cp, parsed in by_size.get(0, []):
            if parsed.root != merkle.EMPTY_ROOT:
                findings.append(Finding(f"检查点 #{cp.pk}（树大小 0）", "空树的根哈希不正确"))
    for cp, parsed in valid:
        if parsed.size > size:
            findings.append(
                Finding(
                    f"检查点 #{cp.pk}（树大小 {parsed.size}）",
                    f"账本被截断：检查点记录 {parsed.size} 个事件，账本现只有 {size} 个",
                )
            )

    # Consistency proofs between successive checkpoints, built from the stored subtrees.
    sizes = sorted({p.size: p for _, p in valid if 0 < p.size <= size}.items())
    for (s1, p1), (s2, p2) in itertools.pairwise(sizes):
        try:
            proof = queries.consistency(s1, s2)
        except KeyError:
            proof = []
        if not merkle.verify_consistency(s1, s2, p1.root, p2.root, proof):
            findings.append(Finding(f"检查点（树大小 {s1} → {s2}）", "一致性证明不成立"))

    for name in triggers.missing(connection, triggers.append_only_tables()):
        findings.append(Finding(f"数据库触发器 {name}", "防删改触发器缺失（表可被修改或删除）"))

    # Every row of every projected table, rebuilt from the events and compared column by column.
    for table in projection.undeclared():
        findings.append(Finding(f"数据表 {table}", "未声明如何由账本重建，也未声明为派生表（校验无法为其作证）"))
    for spec in projection.projected_tables():
        for problem in spec.problems:
            findings.append(Finding(f"数据表 {spec.name} 的声明", problem))
    findings.extend(Finding(record, problem) for record, problem in rebuild.findings(rebuilt))
    findings.extend(Finding(record, problem) for replay in replays for record, problem in replay.findings())

    for check in _CHECKS:
        findings.extend(check())
    return findings


def uncovered_events() -> int:
    """How many events no checkpoint covers yet."""
    latest = queries.latest_checkpoint()
    return Event.objects.count() - (latest.tree_size if latest else 0)
