"""A real embedded instance (SQLite + files), made and driven through the `liuhen` command."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ADMIN_PASSWORD = "Admin-pass-2026!"


def liuhen(home: Path, *args: str, check: bool = True, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env["LIUHEN_HOME"] = str(home)
    proc = subprocess.run(
        [sys.executable, "-m", "liuhen.cli", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"liuhen {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An initialised instance with the demo loaded; tests that change it work on a copy."""
    home = tmp_path_factory.mktemp("instance") / "liuhen-data"
    liuhen(home, "init", "--admin-password", ADMIN_PASSWORD)
    liuhen(home, "demo")
    return home


@pytest.fixture
def home_copy(demo_home: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "liuhen-data"
    shutil.copytree(demo_home, copy)
    return copy


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(home_copy: Path) -> Iterator[str]:
    """`liuhen serve` on a free port of the loopback interface."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env["LIUHEN_HOME"] = str(home_copy)
    log = (home_copy / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "liuhen.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            break
        except OSError:
            if proc.poll() is not None:
                raise AssertionError((home_copy / "serve.log").read_text()) from None
            time.sleep(0.2)
    else:
        proc.kill()
        raise AssertionError("liuhen serve did not start within 30 s")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
