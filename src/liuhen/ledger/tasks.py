"""Scheduled ledger work: a signed checkpoint whenever the log has grown (every few minutes)."""

from __future__ import annotations

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from liuhen.ledger.services import issue_checkpoint


@db_periodic_task(crontab(minute=f"*/{max(1, settings.CHECKPOINT_MINUTES)}"))
def scheduled_checkpoint() -> None:
    issue_checkpoint()
