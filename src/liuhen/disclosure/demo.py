"""The demo's disclosure: the leader reviews and publishes each drafted entry whose decision is finalised."""

from __future__ import annotations

from collections.abc import Callable

from liuhen.accounts.models import User
from liuhen.core.errors import RuleViolation
from liuhen.disclosure import services
from liuhen.disclosure.models import Entry, EntryStatus


def publish_drafts(reviewer: User, progress: Callable[[str], object]) -> int:
    published = 0
    for entry in Entry.objects.filter(status=EntryStatus.DRAFT).order_by("id"):
        try:
            services.publish_entry(actor=reviewer, entry=entry)
        except RuleViolation:
            continue  # its decision document is not finalised yet: it stays a draft for the reviewer's page
        published += 1
    waiting = Entry.objects.filter(status=EntryStatus.DRAFT).count()
    progress(
        f"  行政执法公示：{reviewer.full_name}审核发布 {published} 条，{waiting} 条待决定书定稿后审核（/gongshi/）"
    )
    return published
