"""The job queue on Redis (LIUHEN_QUEUE_URL): a job enqueued by one process is run by a separate `liuhen worker`
process, and however many consumers run, a minute's periodic jobs are enqueued once.

Redis is the machine's own (127.0.0.1:6379; LIUHEN_TEST_REDIS_URL names another); each test uses a queue name of
its own, so that runs side by side never take each other's jobs."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.instance

REDIS_URL = os.environ.get("LIUHEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


@pytest.fixture
def queue_name() -> Iterator[str]:
    import redis

    name = f"liuhen-test-{uuid.uuid4().hex[:12]}"
    yield name
    conn = redis.Redis.from_url(REDIS_URL)
    keys = list(conn.scan_iter(match=f"huey.*{name.replace('-', '')}*"))
    if keys:
        conn.delete(*keys)


def _env(home: Path, queue: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env.update(LIUHEN_HOME=str(home), LIUHEN_QUEUE_URL=REDIS_URL, LIUHEN_QUEUE_NAME=queue)
    return env


def _python(env: dict[str, str], code: str) -> str:
    prelude = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'liuhen.settings'); django.setup()\n"
    proc = subprocess.run(
        [sys.executable, "-c", prelude + code], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


UNCOVERED = "from liuhen.ledger.verify import uncovered_events; print(uncovered_events())"


def test_a_job_enqueued_on_redis_is_run_by_a_liuhen_worker_process(home_copy: Path, queue_name: str) -> None:
    env = _env(home_copy, queue_name)
    subprocess.run(
        [sys.executable, "-m", "liuhen.cli", "token", "create", "--user", "admin", "--name", "队列测试"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert int(_python(env, UNCOVERED)) > 0  # the token's event is not in a checkpoint yet

    # enqueued before any consumer runs: it waits in Redis (the embedded queue's file is not involved)
    job_id = _python(
        env,
        "from liuhen.ledger.tasks import scheduled_checkpoint\n"
        "from huey.contrib.djhuey import HUEY\n"
        "r = scheduled_checkpoint(); print(r.id); assert HUEY.pending_count() >= 1",
    )
    assert int(_python(env, UNCOVERED)) > 0

    log_path = home_copy / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "liuhen.cli", "worker", "--threads", "1"], env=env, stdout=log, stderr=log
        )
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                text = log_path.read_text()
                if f"{job_id} executed in" in text:
                    break
                assert worker.poll() is None, text
                time.sleep(0.5)
            else:
                raise AssertionError(f"the worker did not run job {job_id} within 90 s:\n{log_path.read_text()}")
        finally:
            worker.send_signal(2)  # SIGINT: Huey's graceful stop
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
    text = log_path.read_text()
    assert "Redis 任务队列" in text and queue_name in text
    assert int(_python(env, UNCOVERED)) == 0  # the worker issued the checkpoint in the instance's database


@pytest.mark.parametrize("queue_kind", ["redis", "sqlite"])
def test_each_minute_s_periodic_jobs_are_claimed_by_one_consumer(
    queue_kind: str, queue_name: str, tmp_path: Path
) -> None:
    from huey import RedisHuey, SqliteHuey

    from liuhen.jobs import claim_minute

    def queue() -> object:
        if queue_kind == "redis":
            return RedisHuey(queue_name, url=REDIS_URL)
        return SqliteHuey(queue_name, filename=str(tmp_path / "jobs.sqlite3"))

    first, second = queue(), queue()  # two consumers' own connections to one queue
    minute = dt.datetime(2026, 12, 1, 9, 15, 3)
    assert claim_minute(first, minute) is True
    assert claim_minute(second, minute.replace(second=41)) is False
    assert claim_minute(second, minute + dt.timedelta(minutes=1)) is True
    assert claim_minute(first, minute + dt.timedelta(minutes=1, seconds=20)) is False
