"""Proof bundles anyone can check offline (see docs/ledger.md for the hashlib-only checker)."""

from __future__ import annotations

import base64
import json

from liuhen.core.errors import InvalidInput, NotFound
from liuhen.ledger import queries, signing
from liuhen.ledger.envelope import event_leaf_data
from liuhen.ledger.integrator import integrate
from liuhen.ledger.models import Checkpoint, Event


def inclusion_bundle(seq: int, tree_size: int | None = None) -> str:
    integrate()
    event = Event.objects.filter(seq=seq).first()
    if event is None:
        raise NotFound(f"账本中没有第 {seq} 号事件")
    qs = Checkpoint.objects.filter(tree_size__gt=seq).order_by("-tree_size", "-id")
    cp = qs.filter(tree_size=tree_size).first() if tree_size else qs.first()
    if cp is None:
        raise InvalidInput(
            f"没有覆盖第 {seq} 号事件的检查点{f'（树大小 {tree_size}）' if tree_size else ''}；"
            "请先签发检查点（liuhen ledger checkpoint）"
        )
    data = event_leaf_data(event, json.loads(event.body))
    bundle = {
        "format": "liuhen-inclusion-proof/1",
        "leaf_index": seq,
        "tree_size": cp.tree_size,
        "leaf_data": data.decode("utf-8"),
        "proof": [base64.b64encode(h).decode() for h in queries.inclusion(seq, cp.tree_size)],
        "checkpoint": cp.note,
        "verifier_key": signing.verifier_key(),
    }
    return json.dumps(bundle, ensure_ascii=False, indent=2)
