"""The checkpoint log outside the database (rule R8).

Every signed checkpoint is also appended to a log that someone with write access to the database cannot
reach: a file (``file://PATH``, by default ``LIUHEN_HOME/checkpoints.log``) or an S3 bucket
(``s3://bucket/prefix``, each entry an object under Object Lock where the bucket has it). The log is only
ever appended to: the file is opened in append mode and fsynced after each entry, an S3 entry is written
once under a name derived from its content. `liuhen verify` compares the database's checkpoints with it
(`check_checkpoint_log`): a checkpoint deleted from the database, the events it covered truncated, or a
checkpoint rewritten is each reported on one line.

An entry is one line of JSON holding one signed note::

    {"issued_at":"2026-12-01T08:00:00.000000Z","note":"liuhen.local/ledger\\n102\\n…","root":"…","tree_size":102}
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

from liuhen.core.errors import LiuhenError


class CheckpointLogUnavailable(LiuhenError):
    pass


@dataclass(frozen=True)
class Entry:
    """One entry as read back: ``note`` is None when the entry could not be parsed (or was not downloaded)."""

    where: str  # "第 N 行" or the S3 key: how a finding names it
    tree_size: int | None
    note: str | None
    note_digest: str
    known: bool = False  # matched by name to a note the database holds, so not downloaded


def note_digest(note: str) -> str:
    return hashlib.sha256(note.encode("utf-8")).hexdigest()


def entry_bytes(*, tree_size: int, root: bytes, note: str, issued_at: datetime) -> bytes:
    doc = {
        "issued_at": issued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "note": note,
        "root": base64.b64encode(root).decode(),
        "tree_size": tree_size,
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8") + b"\n"


def parse_entry(where: str, raw: bytes, digest: str | None = None) -> Entry:
    try:
        doc = json.loads(raw)
        note, size = doc["note"], doc["tree_size"]
        if not isinstance(note, str) or not isinstance(size, int) or isinstance(size, bool):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        return Entry(where, None, None, digest or "")
    return Entry(where, size, note, note_digest(note))


class CheckpointLog(Protocol):
    url: str

    def exists(self) -> bool: ...
    def append(self, *, tree_size: int, note: str, data: bytes) -> None: ...
    def entries(self, known: set[tuple[int, str]] | None = None) -> Iterator[Entry]: ...


class FileCheckpointLog:
    """One file, opened O_APPEND, one JSON line per checkpoint, fsynced; never truncated or rewritten."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.url = f"file://{self.path}"

    def exists(self) -> bool:
        return self.path.exists()

    def append(self, *, tree_size: int, note: str, data: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        created = not self.path.exists()
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # one writer at a time, whichever process
            end = os.lseek(fd, 0, os.SEEK_END)
            if end and os.pread(fd, 1, end - 1) != b"\n":
                data = b"\n" + data  # an entry cut short by a crash stays as it is, on a line of its own
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def entries(self, known: set[tuple[int, str]] | None = None) -> Iterator[Entry]:
        with self.path.open("rb") as fh:
            for number, line in enumerate(fh, start=1):
                if line.strip():
                    yield parse_entry(f"第 {number} 行", line)


class S3CheckpointLog:
    """One object per checkpoint, ``prefix/<tree size, 20 digits>-<SHA-256 of the note, 16 hex>.json``, written once
    (never replaced), with a COMPLIANCE retention where the bucket has Object Lock."""

    def __init__(self, bucket: str, prefix: str, client: Any = None, retention_days: int = 3650) -> None:
        from liuhen.media.storage import S3BlobStore

        self._store = S3BlobStore(bucket, prefix, client=client, retention_days=retention_days)
        self.client, self.bucket = self._store.client, bucket
        self.prefix = prefix.strip("/")
        self.url = f"s3://{bucket}/{self.prefix}"

    def key(self, tree_size: int, digest: str) -> str:
        return "/".join(p for p in (self.prefix, f"{tree_size:020d}-{digest[:16]}.json") if p)

    def _list_prefix(self) -> str:
        return f"{self.prefix}/" if self.prefix else ""

    def exists(self) -> bool:
        r = self.client.list_objects_v2(Bucket=self.bucket, Prefix=self._list_prefix(), MaxKeys=1)
        return bool(r.get("KeyCount", 0))

    def append(self, *, tree_size: int, note: str, data: bytes) -> None:
        key = self.key(tree_size, note_digest(note))
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
            return  # the same signed note is already kept: never overwrite
        except Exception:
            pass
        extra: dict[str, Any] = {"ChecksumAlgorithm": "SHA256", "ContentType": "application/json"}
        if self._store.object_lock():
            extra["ObjectLockMode"] = "COMPLIANCE"
            extra["ObjectLockRetainUntilDate"] = datetime.now(UTC) + timedelta(days=self._store.retention_days)
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, **extra)

    def entries(self, known: set[tuple[int, str]] | None = None) -> Iterator[Entry]:
        """Every entry; one whose name matches a known (tree size, note digest) is not downloaded."""
        known_keys = {self.key(size, digest): (size, digest) for size, digest in known or ()}
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self._list_prefix())
        for page in pages:
            for obj in page.get("Contents", []):
                key = obj["Key"]
                if key in known_keys:  # the name is the note's digest: the database holds this very note
                    size, digest = known_keys[key]
                    yield Entry(key, size, None, digest, known=True)
                    continue
                body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
                yield parse_entry(key, body)


def log_for(url: str, client: Any = None) -> CheckpointLog:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return FileCheckpointLog(Path(parsed.path))
    if parsed.scheme == "s3":
        return S3CheckpointLog(parsed.netloc, parsed.path, client=client)
    raise LiuhenError(f"LIUHEN_CHECKPOINT_LOG：不支持的地址 {url}（应为 file:// 或 s3://）")


_CLIENTS: dict[str, Any] = {}


def use_client(url: str, client: Any) -> None:
    """Give an S3 log its client (tests and deployments with their own endpoint)."""
    _CLIENTS[url] = client


def default_log() -> CheckpointLog:
    from django.conf import settings

    return log_for(settings.CHECKPOINT_LOG_URL, client=_CLIENTS.get(settings.CHECKPOINT_LOG_URL))


def record(*, tree_size: int, root: bytes, note: str, issued_at: datetime, log: CheckpointLog | None = None) -> None:
    """Append one checkpoint. Runs before the database commits it: the outside log never lacks a checkpoint the
    database holds (a failed commit leaves an entry the database lacks, which verify names)."""
    log = log or default_log()
    data = entry_bytes(tree_size=tree_size, root=root, note=note, issued_at=issued_at)
    try:
        log.append(tree_size=tree_size, note=note, data=data)
    except LiuhenError:
        raise
    except Exception as exc:  # a full disk, a lost bucket: no checkpoint then, rather than one kept only inside
        raise CheckpointLogUnavailable(f"无法写入库外检查点日志 {log.url}：{exc}；检查点未签发") from exc


def start(checkpoints: Iterator[Any], log: CheckpointLog | None = None) -> int:
    """Create the log with the checkpoints issued before it existed (an instance from before the log, or a new
    log location); does nothing when the log exists. Returns how many were written."""
    log = log or default_log()
    if log.exists():
        return 0
    count = 0
    for cp in checkpoints:
        record(tree_size=cp.tree_size, root=bytes(cp.root_hash), note=cp.note, issued_at=cp.issued_at, log=log)
        count += 1
    return count
