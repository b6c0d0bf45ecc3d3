"""Scheduled disclosure work: entries past their 公示截止期 come down by themselves (rule P10), hourly."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from liuhen.disclosure.services import expire_entries


@db_periodic_task(crontab(minute="7"))
def scheduled_expiry() -> None:
    expire_entries()
