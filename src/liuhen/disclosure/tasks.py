"""Scheduled disclosure work, hourly: entries past their 公示截止期 come down by themselves (rule P10); a published
事前公开 whose data changed outside the recorded commands (a new release's tables) opens its update period (P4)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from liuhen.disclosure import prior
from liuhen.disclosure.services import expire_entries


@db_periodic_task(crontab(minute="7"))
def scheduled_expiry() -> None:
    expire_entries()
    prior.notice_all()
