"""Scheduled ledger work: a signed checkpoint whenever the log has grown (every minute by default), then the
configured witnesses asked to cosign it."""

from __future__ import annotations

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from liuhen.ledger import cosigning
from liuhen.ledger.queries import latest_checkpoint
from liuhen.ledger.services import issue_checkpoint


@db_periodic_task(crontab(minute=f"*/{max(1, settings.CHECKPOINT_MINUTES)}"))
def scheduled_checkpoint() -> None:
    if not cosigning.only_cosignatures_since(latest_checkpoint()):
        issue_checkpoint()
    cosigning.push()  # also retries a witness that was out of reach last time
