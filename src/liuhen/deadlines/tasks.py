"""Scheduled deadline work: scan every quarter of an hour (in-process on the embedded instance)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from liuhen.deadlines.services import scan


@db_periodic_task(crontab(minute="*/15"))
def scheduled_scan() -> None:
    scan()
