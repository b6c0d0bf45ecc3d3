"""The monthly backup (rule R13, 004 第十一条): on the first day of each month, to LIUHEN_BACKUP_URL."""

from __future__ import annotations

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from liuhen.archive.backup import backup

log = logging.getLogger("liuhen.archive")


@db_periodic_task(crontab(day="1", hour="2", minute="0"))
def monthly_backup() -> None:
    if not settings.BACKUP_URL:
        log.warning("LIUHEN_BACKUP_URL is not set: the monthly backup (R13) did not run")
        return
    done = backup(settings.BACKUP_URL)
    log.info("backup %s: %s files, %s new", done.snapshot, done.blobs, done.new_blobs)
