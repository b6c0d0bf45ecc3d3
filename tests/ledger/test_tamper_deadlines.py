"""Deadline rows are derived from the ledger, and `liuhen verify` replays the whole log to rebuild them, each
event with the holiday table and documents in force when it was recorded (rules R8, T5): a due day moved, a late
period marked as met, an ended window reopened, a period deleted or one added behind the ledger's back is found
and named by rule, case and column."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from liuhen.cases import scenarios
from liuhen.core.stages import Stage
from liuhen.deadlines.models import Alert, Deadline, DeadlineStatus
from liuhen.deadlines.services import ENDED, scan
from liuhen.ledger.models import Event
from liuhen.ledger.verify import verify
from tests.ledger.conftest import World, raw

pytestmark = [pytest.mark.django_db, pytest.mark.tampers]


def _deadline_findings() -> list[str]:
    return [str(f) for f in verify() if str(f).startswith("期限") or "deadline.ended" in str(f)]


@pytest.fixture
def scanned(world: World, cast) -> World:  # type: ignore[no-untyped-def]
    """The world's second case taken to its decision (the party's windows open), then a year on: the scan has ended
    the lapsed windows, in recorded events."""
    scenarios.advance(world.other_case, Stage.DECISION, cast)
    scan(timezone.now() + timedelta(days=400))
    return world


def test_replay_rebuilds_every_deadline_of_the_world_after_scan_and_import(scanned: World) -> None:
    """rules R8, T5: opened, closed, recomputed after a holiday import and ended by the scan, every period rebuilds."""
    assert Deadline.objects.count() >= 5
    ended = Deadline.objects.filter(status=DeadlineStatus.ENDED)
    assert ended.exists(), "the world has a window that lapses within a year"
    # a period ends by a recorded event: the scan's lapse, or (R6) the approved disposal of its whole 案卷
    closers = dict(Event.objects.filter(seq__in=[dl.closed_by_seq for dl in ended]).values_list("seq", "action"))
    by_other = [(dl.rule_key, closers.get(dl.closed_by_seq)) for dl in ended]
    assert {a for _, a in by_other} <= {ENDED, "archive.file_disposal_decided"}, by_other
    assert all(a == ENDED for key, a in by_other if key != "R6"), by_other
    assert _deadline_findings() == []


def _rows(n: int) -> list[Deadline]:
    """``n`` periods the scan did not end, the first with a due day."""
    live = Deadline.objects.exclude(status=DeadlineStatus.ENDED).order_by("id")
    first = live.filter(due_on__isnull=False).first()
    assert first is not None
    rows = [first, *live.exclude(pk=first.pk)[: n - 1]]
    assert len(rows) == n, "the world has enough periods to change"
    return rows


def test_each_change_to_a_deadline_is_named(scanned: World) -> None:
    """rule R8: a due day moved, a period marked as met, a trigger rewritten, an ended window reopened, a period
    deleted and one forged: each is named by rule, case, row and column."""
    moved, met, rewritten, gone = _rows(4)
    raw("UPDATE deadlines_deadline SET due_on = '2099-12-31' WHERE id = %s", [moved.pk])
    raw("UPDATE deadlines_deadline SET status = 'early' WHERE id = %s", [met.pk])
    raw("UPDATE deadlines_deadline SET trigger = 'act:note' WHERE id = %s", [rewritten.pk])
    ended = Deadline.objects.filter(status=DeadlineStatus.ENDED).order_by("id").first()
    assert ended is not None
    raw(
        "UPDATE deadlines_deadline SET status = 'open', closed_at = NULL, closed_by_seq = NULL WHERE id = %s",
        [ended.pk],
    )
    Alert.objects.filter(deadline=gone).delete()
    raw("DELETE FROM deadlines_deadline WHERE id = %s", [gone.pk])
    forged = Deadline.objects.create(
        case=scanned.other_case,
        rule_key=gone.rule_key,
        rule_id=gone.rule_id,
        kind=gone.kind,
        trigger="act:note",
        started_at=timezone.now(),
        due_on=gone.due_on,
    )
    found = _deadline_findings()

    def named(row: Deadline, text: str) -> bool:
        return any(f"#{row.pk}）" in f and text in f for f in found)

    assert named(moved, "（due_on）：按账本重算为"), found
    assert named(met, "（status）"), found
    assert named(ended, "（status）") and named(ended, "（closed_at）"), found
    assert named(forged, "未经留痕写入"), found
    assert any(gone.rule_key in f and "被删除" in f for f in found), found
    assert named(rewritten, "（trigger）"), found
    numbers = [type(c).objects.get(pk=c.pk).case_no for c in (scanned.case, scanned.other_case)]  # as now numbered
    assert all(any(n in f for f in found) for n in numbers), (numbers, found)
