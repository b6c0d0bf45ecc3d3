"""The public disclosure log: every publication, update and take-down is a leaf (RFC 6962 hashing, the ledger's
``liuhen.core.merkle``), and every leaf is followed by a checkpoint signed with the ledger's key under the portal's
own origin, so anyone can prove offline what was published when (``docs/verify_entry.py``)."""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from liuhen.core import canonical, merkle
from liuhen.disclosure.models import Entry, LogCheckpoint, LogLeaf
from liuhen.ledger import signing
from liuhen.ledger.envelope import format_at


def origin() -> str:
    return f"{settings.LEDGER_ORIGIN}/gongshi"


_KEYS: dict[tuple[str, str], str] = {}


def verifier_key() -> str:
    """The portal log's public key line (read once per process and key file)."""
    where = (origin(), str(getattr(settings, "SIGNING_KEY_PATH", "")))
    if where not in _KEYS:
        _KEYS[where] = signing.verifier_key(origin())
    return _KEYS[where]


def sign(size: int, root: bytes) -> str:
    key = signing.load_private_key()
    name = origin()
    body = signing.checkpoint_body(name, size, root)
    kid = signing.key_id(name, signing.raw_public(key.public_key()))
    sig = key.sign(body.encode())
    return f"{body}\n\u2014 {name} {base64.b64encode(kid + sig).decode()}\n"


def leaf_hashes(size: int | None = None) -> list[bytes]:
    rows = LogLeaf.objects.order_by("index").values_list("leaf_hash", flat=True)
    if size is not None:
        rows = rows[:size]
    return [bytes.fromhex(h) for h in rows]


def append(entry: Entry, event: str, content_sha256: str, reason: str = "") -> tuple[LogLeaf, LogCheckpoint]:
    """Add the leaf for ``event`` on ``entry`` and sign the new tree head (inside the caller's transaction, after
    the ledger lock is held by the caller's first append or by this one's)."""
    index = LogLeaf.objects.count()
    data: dict[str, Any] = {
        "log": origin(),
        "index": index,
        "event": event,
        "entry": entry.pk,
        "revision": entry.revision,
        "at": format_at(timezone.now()),
        "content_sha256": content_sha256,
    }
    if reason:
        data["reason"] = reason
    raw = canonical.dumps(data)
    leaf = LogLeaf.objects.create(index=index, entry=entry, data=raw.decode(), leaf_hash=merkle.leaf_hash(raw).hex())
    hashes = leaf_hashes()
    root = merkle.root_hash(hashes)
    cp = LogCheckpoint.objects.create(
        tree_size=len(hashes), root_hash=root.hex(), note=sign(len(hashes), root), issued_at=timezone.now()
    )
    return leaf, cp


def latest() -> LogCheckpoint | None:
    return LogCheckpoint.objects.order_by("-tree_size").first()


def inclusion(index: int, size: int) -> list[str]:
    return [h.hex() for h in merkle.inclusion_proof(leaf_hashes(size), index)]


def consistency(old: int, new: int) -> list[str]:
    return [h.hex() for h in merkle.consistency_proof(leaf_hashes(new), old)]


def proof_bundle(leaf: LogLeaf) -> dict[str, Any]:
    """Everything an offline check needs: the leaf, its inclusion proof in the tree signed right after it was
    appended, the key. The log only grows, so the bundle never changes and is cached; a later checkpoint is linked
    to this one by a consistency proof (/gongshi/log/consistency)."""
    cp = LogCheckpoint.objects.get(tree_size=leaf.index + 1)
    key = f"gongshi-proof-{leaf.index}-{leaf.leaf_hash}-{cp.root_hash}"  # the same tree gives the same proof
    bundle = cache.get(key)
    if bundle is None:
        bundle = _bundle(leaf, cp)
        cache.set(key, bundle, None)
    return bundle


def _bundle(leaf: LogLeaf, cp: LogCheckpoint) -> dict[str, Any]:
    return {
        "leaf_index": leaf.index,
        "leaf_data": leaf.data,
        "leaf_hash": leaf.leaf_hash,
        "tree_size": cp.tree_size,
        "root_hash": cp.root_hash,
        "inclusion": inclusion(leaf.index, cp.tree_size),
        "checkpoint": cp.note,
        "verifier_key": verifier_key(),
    }
