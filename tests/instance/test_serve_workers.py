"""`liuhen serve --workers N`: N serving processes under one supervising process, which alone runs the embedded
queue's consumer; with the queue on Redis it runs none (the `liuhen worker` processes do)."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.instance.conftest import free_port

pytestmark = pytest.mark.instance

CONSUMER_STARTED = "Huey consumer started"


def _serve(home: Path, *args: str, **extra_env: str) -> tuple[subprocess.Popen[bytes], int, Path]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env.update(LIUHEN_HOME=str(home), **extra_env)
    port = free_port()
    log = home / f"serve-{port}.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "liuhen.cli", "serve", "--port", str(port), *args],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    return proc, port, log


def _wait_for_processes(proc: subprocess.Popen[bytes], log: Path, count: int) -> str:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        text = log.read_text()
        if text.count("Started server process") >= count:
            return text
        assert proc.poll() is None, text
        time.sleep(0.3)
    raise AssertionError(f"{count} serving processes did not start within 90 s:\n{log.read_text()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(2)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_several_serving_processes_and_one_embedded_consumer(home_copy: Path) -> None:
    proc, port, log = _serve(home_copy, "--workers", "2")
    try:
        text = _wait_for_processes(proc, log, 2)
        serving = {int(p) for p in re.findall(r"Started server process \[(\d+)\]", text)}
        children = {c.pid for c in psutil.Process(proc.pid).children(recursive=True)}
        assert len(serving) == 2 and serving <= children  # two serving processes under the supervising one
        for _ in range(6):  # the pages answer, whichever process takes the connection
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=30) as r:
                assert r.status == 200
        kept = http.client.HTTPConnection("127.0.0.1", port, timeout=30)  # a client (nginx) keeping a connection
        kept.request("GET", "/login/")
        first = kept.getresponse()
        assert first.status == 200 and first.read()
        time.sleep(7)  # longer than uvicorn's own keep-alive of 5 s: the server must not have closed it meanwhile
        kept.request("GET", "/login/")
        assert kept.getresponse().status == 200
        kept.close()
        text = log.read_text()
        assert text.count(CONSUMER_STARTED) == 1  # the embedded queue's consumer once, in the supervising process
        assert f"PID {proc.pid}" in text.split(CONSUMER_STARTED, 1)[1].splitlines()[0]
        assert "2 个服务进程" in text and "SQLite 数据库的写入在各服务进程间依次进行" in text
    finally:
        _stop(proc)


def test_with_the_queue_on_redis_serve_runs_no_consumer(home_copy: Path) -> None:
    queue = os.environ.get("LIUHEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
    proc, port, log = _serve(home_copy, "--workers", "1", LIUHEN_QUEUE_URL=queue, LIUHEN_QUEUE_NAME="liuhen-serve-test")
    try:
        text = _wait_for_processes(proc, log, 1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=30) as r:
            assert r.status == 200
        assert CONSUMER_STARTED not in log.read_text() and "由 liuhen worker 运行" in text
    finally:
        _stop(proc)


def test_serve_refuses_no_workers(home_copy: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env["LIUHEN_HOME"] = str(home_copy)
    proc = subprocess.run(
        [sys.executable, "-m", "liuhen.cli", "serve", "--workers", "0"], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 2 and "--workers 至少为 1" in proc.stderr
