"""Clean after a crash (rule R8: nothing half-written passes for a record): temporary ingest files of an import
that died are named by verify and removed on start and by `liuhen verify --repair-temp`; the file of an import
still running is never touched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liuhen.cli import app
from liuhen.media import tempfiles
from liuhen.media.storage import LocalBlobStore
from liuhen.media.tempfiles import check_temp_files, remove_stale, stale

CRASHING_IMPORT = """
import sys, time
from pathlib import Path
from liuhen.media.storage import LocalBlobStore

def chunks():
    yield b"x" * 100_000
    print("writing", flush=True)
    time.sleep(3600)  # killed here, mid-import
    yield b"never"

LocalBlobStore(Path(sys.argv[1])).put(chunks())
"""


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def crashed_import(root: Path) -> Path:
    """A real import process killed with SIGKILL while writing: its temporary file stays behind."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASHING_IMPORT, str(root)], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    (left,) = (root / "tmp").glob("ingest-*")
    assert left.stat().st_size == 100_000
    return left


def test_a_crashed_imports_file_is_named_then_removed(tmp_path: Path) -> None:
    """rule R8: the file of an import killed mid-write is reported and removed; a fresh one waits out the grace."""
    root = tmp_path / "blobs"
    left = crashed_import(root)
    assert stale(root / "tmp") == []  # too fresh to tell from an import that is just starting
    age(left, tempfiles.GRACE_SECONDS + 5)
    assert [t.path for t in stale(root / "tmp")] == [left] and left.exists()  # naming removes nothing
    assert [t.path for t in remove_stale(root / "tmp")] == [left]
    assert not left.exists() and remove_stale(root / "tmp") == []


def test_an_import_in_progress_is_never_removed(tmp_path: Path) -> None:
    """rule R8: however old its file looks, an import holding its lock keeps it, and then finishes as usual."""
    store = LocalBlobStore(tmp_path)
    started, release = threading.Event(), threading.Event()
    result = []

    def chunks():  # type: ignore[no-untyped-def]
        yield b"a" * 50_000
        started.set()
        release.wait()
        yield b"b" * 50_000

    worker = threading.Thread(target=lambda: result.append(store.put(chunks())))
    worker.start()
    assert started.wait(60)
    (writing,) = (tmp_path / "tmp").glob("ingest-*")
    age(writing, 3600)
    assert stale(tmp_path / "tmp") == [] and remove_stale(tmp_path / "tmp") == []
    assert writing.exists()
    release.set()
    worker.join(60)
    assert result and result[0].created and store.rehash(result[0].sha256) == result[0].sha256
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.django_db
def test_verify_reports_and_repair_temp_removes(blob_root: Path) -> None:
    """`liuhen verify` names the left-over file (exit 1); `--repair-temp` removes it and the rest verifies (exit 0)."""
    left = crashed_import(blob_root)
    age(left, 3600)
    assert [str(f) for f in check_temp_files()] == [
        f"临时文件 {left}: 导入中断后遗留（100000 字节，"
        f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(left.stat().st_mtime))}），不是记录；"
        "可用 liuhen verify --repair-temp 清除"
    ]
    runner = CliRunner()
    plain = runner.invoke(app, ["verify"])
    assert plain.exit_code == 1 and f"临时文件 {left}" in plain.stdout and left.exists()
    repaired = runner.invoke(app, ["verify", "--repair-temp"])
    assert repaired.exit_code == 0, repaired.output
    assert not left.exists() and "已清除中断导入遗留的临时文件" in repaired.output
