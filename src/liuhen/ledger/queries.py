"""Reading the ledger: roots, proofs (O(log n) rows each), timelines."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from liuhen.core import merkle
from liuhen.ledger.models import Checkpoint, Event, TreeLeaf
from liuhen.ledger.services import node_from_event, tree_size


def node_hashes(nodes: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
    """Stored hashes of perfect subtrees, read in one query from the tree rows that completed them."""
    wanted = {node: ((node[1] + 1) << node[0]) - 1 for node in nodes}
    rows = {
        s: (lh, sh)
        for s, lh, sh in TreeLeaf.objects.filter(seq__in=set(wanted.values())).values_list(
            "seq", "leaf_hash", "subtree_hashes"
        )
    }
    out: dict[merkle.Node, bytes] = {}
    for node, s in wanted.items():
        if s in rows:
            h = node_from_event(node, *rows[s])
            if len(h) == merkle.HASH_SIZE:
                out[node] = h
    return out


def _resolve(plan: list[list[merkle.Node]]) -> list[bytes]:
    hashes = node_hashes({n for element in plan for n in element})
    return merkle.resolve(plan, hashes.__getitem__)


def root_at(size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    return _resolve([merkle.root_plan(size)])[0]


def inclusion(seq: int, size: int) -> list[bytes]:
    return _resolve(merkle.inclusion_plan(seq, size))


def consistency(old_size: int, new_size: int) -> list[bytes]:
    return _resolve(merkle.consistency_plan(old_size, new_size))


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-tree_size", "-id").first()


def case_timeline(case_id: int) -> QuerySet[Event]:
    return Event.objects.filter(case_ref=case_id).order_by("seq")


def subject_events(subject_type: str, subject_id: str | int) -> QuerySet[Event]:
    return Event.objects.filter(subject_type=subject_type, subject_id=str(subject_id)).order_by("seq")


__all__ = ["case_timeline", "consistency", "inclusion", "latest_checkpoint", "root_at", "tree_size"]
