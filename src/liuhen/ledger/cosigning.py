"""The log's side of witnessing (rule R8): asking the configured witnesses to cosign checkpoints, and keeping
their cosignatures.

``LIUHEN_WITNESSES`` lists each witness's verifier key, optionally followed by a space and its URL prefix (the
witness answers ``POST <prefix>/add-checkpoint``). A witness without a URL is reached by hand, across an air gap
if need be: `liuhen ledger witness-request` writes the request, the witness runs `liuhen witness add-checkpoint`
on it, and `liuhen ledger cosign` takes the answer back.

A cosignature is kept as a ``checkpoint.cosigned`` ledger event and shown with its checkpoint (the API, `liuhen
ledger checkpoint`). Such events alone do not call for a new checkpoint: otherwise each cosignature would ask for
a checkpoint to be cosigned, every minute, for ever.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from liuhen.core.errors import InvalidInput
from liuhen.ledger import queries
from liuhen.ledger import services as ledger
from liuhen.ledger.models import Checkpoint, Event
from liuhen.ledger.verify import Finding
from liuhen.ledger.witness import CosignerKey, note_body

log = logging.getLogger("liuhen.ledger")
COSIGNED = "checkpoint.cosigned"
TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class ConfiguredWitness:
    key: CosignerKey
    vkey: str
    url: str  # "" when reached by hand


def configured() -> list[ConfiguredWitness]:
    out = []
    for item in filter(None, (part.strip() for part in settings.WITNESSES.split(","))):
        vkey, _, url = item.partition(" ")
        if url.strip() and not url.strip().startswith(("https://", "http://")):
            raise InvalidInput(f"LIUHEN_WITNESSES：见证方地址须为 http(s)://…，而不是 {url.strip()!r}")
        out.append(ConfiguredWitness(CosignerKey.parse(vkey), vkey, url.strip().rstrip("/")))
    return out


def request_body(checkpoint: Checkpoint, old_size: int) -> bytes:
    """An add-checkpoint request: the old size, the consistency proof from it, and the checkpoint."""
    if not 0 <= old_size <= checkpoint.tree_size:
        raise InvalidInput(f"old {old_size} 不在 0 与检查点大小 {checkpoint.tree_size} 之间")
    proof = queries.consistency(old_size, checkpoint.tree_size) if 0 < old_size < checkpoint.tree_size else []
    lines = [f"old {old_size}", *(base64.b64encode(p).decode() for p in proof)]
    return ("\n".join(lines) + "\n\n" + checkpoint.note).encode("utf-8")


def _bodies(qs: object) -> Iterator[tuple[Event, dict[str, object]]]:
    for e in qs:  # type: ignore[attr-defined]
        yield e, json.loads(e.body)


def cosignatures(checkpoint: Checkpoint) -> list[dict[str, object]]:
    """The cosignatures kept for this checkpoint: witness, time (POSIX seconds) and the signature line."""
    qs = Event.objects.filter(subject_type="checkpoint", subject_id=str(checkpoint.pk), action=COSIGNED)
    return [
        {"witness": b["witness"], "timestamp": b["timestamp"], "line": b["line"]}
        for _, b in _bodies(qs.order_by("seq"))
    ]


def cosigned_note(checkpoint: Checkpoint) -> str:
    """The checkpoint with its witnesses' signature lines after the log's own (c2sp.org/tlog-cosignature)."""
    return checkpoint.note + "".join(str(c["line"]) for c in cosignatures(checkpoint))


def last_cosigned_size(witness_name: str) -> int:
    """The size this witness last cosigned (it only ever cosigns larger trees: the newest of its events)."""
    for _, b in _bodies(Event.objects.filter(action=COSIGNED).order_by("-seq").iterator(chunk_size=100)):
        if b.get("witness") == witness_name:
            return int(str(b["tree_size"]))
    return 0


def record(*, actor: object, checkpoint: Checkpoint, answer: str) -> list[Event]:
    """Keep the valid cosignatures of ``answer`` (signature lines) by configured witnesses of ``checkpoint``."""
    witnesses = configured()
    body = note_body(checkpoint.note)
    lines = [line for line in answer.splitlines() if line.strip()]
    if not lines:
        raise InvalidInput("没有副署签名行")
    kept = {(str(b["witness"]), str(b["line"])) for b in cosignatures(checkpoint)}
    events = []
    with transaction.atomic():
        for line in lines:
            match = [(w, ts) for w in witnesses if (ts := w.key.verify(body, line)) is not None]
            if not match:
                raise InvalidInput(f"副署无效，或不是已配置见证方（LIUHEN_WITNESSES）的签名：{line[:60]}…")
            witness, timestamp = match[0]
            if (witness.key.name, line + "\n") in kept:
                continue
            events.append(
                ledger.append(
                    actor=actor,
                    action=COSIGNED,
                    subject_type="checkpoint",
                    subject_id=checkpoint.pk,
                    body={
                        "witness": witness.key.name,
                        "tree_size": checkpoint.tree_size,
                        "root": base64.b64encode(bytes(checkpoint.root_hash)).decode(),
                        "timestamp": timestamp,
                        "line": line + "\n",
                    },
                )
            )
    return events


@dataclass(frozen=True)
class PushResult:
    witness: str
    ok: bool
    message: str


def _post(url: str, data: bytes) -> tuple[int, str, str]:
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "text/plain"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as r:
            return r.status, r.read().decode("utf-8", "replace"), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace"), exc.headers.get("Content-Type", "")


def push(checkpoint: Checkpoint | None = None) -> list[PushResult]:
    """Ask every witness with a URL to cosign the checkpoint (default: the latest) unless it already has."""
    reachable = [w for w in configured() if w.url]
    checkpoint = checkpoint or queries.latest_checkpoint()
    if checkpoint is None or not reachable:
        return []
    results = []
    signed_by = {str(c["witness"]) for c in cosignatures(checkpoint)}
    for w in reachable:
        if w.key.name in signed_by:
            continue
        try:
            old = min(last_cosigned_size(w.key.name), checkpoint.tree_size)
            status, text, ctype = _post(f"{w.url}/add-checkpoint", request_body(checkpoint, old))
            if status == 409 and ctype.startswith("text/x.tlog.size") and text.strip().isdigit():
                held = int(text.strip())  # the witness holds another size: prove consistency from that one
                if held > checkpoint.tree_size:
                    results.append(PushResult(w.key.name, False, f"见证方已见过更大的树（{held}），账本可能被截断"))
                    continue
                status, text, ctype = _post(f"{w.url}/add-checkpoint", request_body(checkpoint, held))
            if status != 200:
                results.append(PushResult(w.key.name, False, f"见证方拒绝（HTTP {status}）：{text.strip()}"))
                continue
            record(actor=None, checkpoint=checkpoint, answer=text)
            results.append(PushResult(w.key.name, True, f"已副署树大小 {checkpoint.tree_size}"))
        except (OSError, InvalidInput) as exc:
            results.append(PushResult(w.key.name, False, f"无法取得副署：{exc}"))
    for r in results:
        if not r.ok:
            log.warning("witness %s: %s", r.witness, r.message)
    return results


def only_cosignatures_since(checkpoint: Checkpoint | None) -> bool:
    """True when every event after ``checkpoint`` is a cosignature (nothing that needs a new checkpoint)."""
    if checkpoint is None:
        return False
    after = Event.objects.filter(seq__gte=checkpoint.tree_size)
    return after.exists() and not after.exclude(action=COSIGNED).exists()


def check_cosignatures() -> Iterator[Finding]:
    """For `liuhen verify`: each kept cosignature still verifies, by a configured witness, over its checkpoint."""
    witnesses = {w.key.name: w for w in configured()}
    checkpoints = {str(cp.pk): cp for cp in Checkpoint.objects.all()}
    for e, b in _bodies(Event.objects.filter(action=COSIGNED).order_by("seq").iterator(chunk_size=1000)):
        name = f"见证方 {b.get('witness')} 的副署（账本事件 #{e.seq}，树大小 {b.get('tree_size')}）"
        cp = checkpoints.get(e.subject_id)
        if cp is None:
            yield Finding(name, f"所副署的检查点 #{e.subject_id} 在数据库中缺失（检查点被删除）")
            continue
        w = witnesses.get(str(b.get("witness")))
        if w is None:
            continue  # a witness no longer configured: its key is not known here to check
        if w.key.verify(note_body(cp.note), str(b.get("line", ""))) is None:
            yield Finding(name, f"与检查点 #{cp.pk} 不符（检查点或副署被改动）")
