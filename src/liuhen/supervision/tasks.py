"""Scheduled supervision work: the dashboard's figures recomputed every quarter of an hour."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from liuhen.supervision.snapshots import refresh_all


@db_periodic_task(crontab(minute="*/15"))
def scheduled_refresh() -> None:
    refresh_all()
