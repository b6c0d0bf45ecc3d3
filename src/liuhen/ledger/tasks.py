"""Scheduled ledger work: integration of newly sequenced events into the Merkle tree (every minute, for a setup
whose `liuhen serve` processes do not run the in-process integrator), a signed checkpoint whenever the tree has
grown (every minute by default), then the configured witnesses asked to cosign it."""

from __future__ import annotations

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from liuhen.ledger import cosigning
from liuhen.ledger.integrator import integrate
from liuhen.ledger.queries import latest_checkpoint
from liuhen.ledger.services import issue_checkpoint


@db_periodic_task(crontab(minute="*"))
def scheduled_integration() -> None:
    integrate()


@db_periodic_task(crontab(minute=f"*/{max(1, settings.CHECKPOINT_MINUTES)}"))
def scheduled_checkpoint() -> None:
    if not cosigning.only_cosignatures_since(latest_checkpoint()):
        issue_checkpoint()
    cosigning.push()  # also retries a witness that was out of reach last time
