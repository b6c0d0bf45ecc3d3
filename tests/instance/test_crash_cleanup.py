"""Clean after a crash, on a real instance: `liuhen serve` removes on start the temporary ingest files an import
left when it died, and the outside checkpoint log of the demo agrees with its database."""

from __future__ import annotations

import os
import time
import urllib.request
from pathlib import Path

import pytest

from tests.instance.conftest import liuhen

pytestmark = pytest.mark.instance


@pytest.fixture
def left_over(home_copy: Path) -> Path:
    """A temporary file as a killed import leaves it: nobody holds its lock, and it is an hour old."""
    tmp = home_copy / "blobs" / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "ingest-crashed"
    path.write_bytes(b"\0" * 4096)
    then = time.time() - 3600
    os.utime(path, (then, then))
    return path


def test_serve_removes_a_crashed_imports_temp_file_on_start(left_over: Path, server: str) -> None:
    """rule R8: what a dead import left is not a record, and it goes when the instance starts."""
    with urllib.request.urlopen(f"{server}/api/v1/ledger/checkpoint", timeout=30) as r:  # public: no sign-in
        assert r.status == 200
    assert not left_over.exists()


def test_verify_names_the_file_and_repair_temp_removes_it(left_over: Path, home_copy: Path) -> None:
    """rule R8: the demo verifies against its outside checkpoint log; the left-over file alone is the finding."""
    assert (home_copy / "checkpoints.log").exists()
    plain = liuhen(home_copy, "verify", check=False)
    assert plain.returncode == 1 and plain.stdout.strip().splitlines() == [
        f"临时文件 {left_over}: " + plain.stdout.split(": ", 1)[1].strip()
    ]
    assert left_over.exists()
    assert liuhen(home_copy, "verify", "--repair-temp").returncode == 0 and not left_over.exists()
