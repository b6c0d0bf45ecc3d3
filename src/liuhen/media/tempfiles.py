"""Clean after a crash: temporary ingest files (``blobs/tmp/ingest-*``) that no running import holds.

A blob is written to ``tmp/ingest-…`` under an exclusive lock (flock) that its writer holds until the file has
its final, content-addressed name. A process killed mid-import (kill -9, a power cut) leaves the file behind,
and its lock goes with the process. A temporary file is stale when nobody holds its lock and it is older than
a short grace period (which covers the instant between the file's creation and its lock). `liuhen serve` and
`liuhen worker` remove stale files on start, `liuhen verify --repair-temp` removes them on demand, and plain
`liuhen verify` names each one. A stale file is never a record: its content was not stored and not ledgered.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from liuhen.ledger.verify import Finding
from liuhen.media.storage import TEMP_PREFIX, LocalBlobStore, default_store

GRACE_SECONDS = 60


@dataclass(frozen=True)
class TempFile:
    path: Path
    size: int
    modified: float


def _temp_dir() -> Path | None:
    store = default_store()
    return store.root / "tmp" if isinstance(store, LocalBlobStore) else None


def _candidates(folder: Path, now: float) -> Iterator[TempFile]:
    if not folder.is_dir():
        return
    for path in sorted(folder.glob(f"{TEMP_PREFIX}*")):
        try:
            st = path.stat()
        except FileNotFoundError:  # finished meanwhile
            continue
        if now - st.st_mtime > GRACE_SECONDS:
            yield TempFile(path, st.st_size, st.st_mtime)


def _unheld(path: Path, remove: bool) -> bool:
    """True when no process holds the file's lock (and, with ``remove``, removes it while holding it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # an import is writing it
        if remove:
            path.unlink(missing_ok=True)
        return True
    finally:
        os.close(fd)


def stale(folder: Path | None = None, now: float | None = None) -> list[TempFile]:
    folder = folder if folder is not None else _temp_dir()
    if folder is None:
        return []
    return [t for t in _candidates(folder, now or time.time()) if _unheld(t.path, remove=False)]


def remove_stale(folder: Path | None = None, now: float | None = None) -> list[TempFile]:
    """Remove the temporary files no running import holds; returns what was removed."""
    folder = folder if folder is not None else _temp_dir()
    if folder is None:
        return []
    return [t for t in _candidates(folder, now or time.time()) if _unheld(t.path, remove=True)]


def check_temp_files() -> Iterator[Finding]:
    """For `liuhen verify`: each stale temporary file, by name."""
    for t in stale():
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(t.modified))
        yield Finding(
            f"临时文件 {t.path}",
            f"导入中断后遗留（{t.size} 字节，{when}），不是记录；可用 liuhen verify --repair-temp 清除",
        )
