"""The job queue's consumers: the one `liuhen serve` runs in its own (supervising) process on the embedded instance,
and those of `liuhen worker` processes (several of them at scale, beside a queue on Redis).

However many consumers run, each periodic job (checkpoint, deadline scan, monthly backup …) is put on the queue once
per minute it is due: the consumer that first claims the minute in the queue's own store enqueues that minute's
periodic jobs, the others see the claim and skip it. The claim is Huey's atomic put-if-empty, so it holds on Redis
and on the embedded SQLite queue alike.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from huey.consumer import Consumer, Scheduler

log = logging.getLogger("liuhen.jobs")

CLAIM_PREFIX = "liuhen:periodic:"
CLAIMS_KEPT_MINUTES = 30  # older claims are removed by the consumer that claims a newer minute


def claim_key(minute: dt.datetime) -> str:
    return CLAIM_PREFIX + minute.strftime("%Y%m%dT%H%M")


def claim_minute(huey: Any, now: dt.datetime) -> bool:
    """True for the one consumer that first claims this minute's periodic jobs."""
    minute = now.replace(second=0, microsecond=0)
    if not huey.storage.put_if_empty(claim_key(minute), b"1"):
        return False
    for back in range(2, CLAIMS_KEPT_MINUTES + 2):  # keep the store from growing by one key a minute
        huey.storage.delete_data(claim_key(minute - dt.timedelta(minutes=back)))
    return True


class SharedScheduler(Scheduler):
    """Huey's scheduler, but a minute's periodic jobs are enqueued by one consumer only (see the module's note)."""

    def enqueue_periodic_tasks(self, now: dt.datetime | None) -> None:
        when = now if now is not None else self.huey._get_timestamp()
        try:
            claimed = claim_minute(self.huey, when)
        except Exception:
            log.exception("无法登记本分钟的定时任务（队列不可用）")
            return
        if claimed:
            super().enqueue_periodic_tasks(when)


class LiuhenConsumer(Consumer):
    scheduler_class = SharedScheduler


def init_queue() -> None:
    """The embedded SQLite queue's tables (Redis needs none)."""
    from huey.contrib.djhuey import HUEY

    initialize = getattr(HUEY.storage, "initialize_schema", None)
    if initialize is not None:
        initialize()


def consumer(threads: int) -> LiuhenConsumer:
    """A consumer that knows every job: each app's ``tasks`` module is imported first (a worker process serves no
    page that would have imported them, and a job of an unknown name would be dropped)."""
    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    autodiscover_modules("tasks")

    return LiuhenConsumer(HUEY, workers=threads, worker_type="thread", periodic=True)


def describe_queue() -> str:
    from django.conf import settings

    url = settings.QUEUE_URL
    if not url:
        return "内置任务队列（SQLite）"
    from urllib.parse import urlparse

    parsed = urlparse(url)
    return f"Redis 任务队列 {parsed.hostname}:{parsed.port or 6379}{parsed.path or '/0'}（{settings.QUEUE_NAME}）"
