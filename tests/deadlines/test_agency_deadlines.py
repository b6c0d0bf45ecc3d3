"""An agency's own deadlines, which belong to no case (rule P7: last year's statistics by 31 January): opened by
the year's end the scan records, met by the year's tables published, overdue without them, replayed by verify and
shown to those who must meet them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from liuhen.accounts.models import Role
from liuhen.deadlines import queries
from liuhen.deadlines.models import Alert, Deadline, DeadlineStatus
from liuhen.deadlines.services import YEAR_ENDED, scan
from liuhen.disclosure import services as disclosure
from liuhen.ledger.models import Event
from liuhen.ledger.verify import verify
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00").astimezone(UTC)


def _findings() -> list[str]:
    return [str(f) for f in verify() if str(f).startswith("期限")]


def _p7(agency) -> Deadline:  # type: ignore[no-untyped-def]
    return Deadline.objects.get(case__isnull=True, agency=agency, rule_key="P7")


def test_rule_P7_year_end_opens_the_agency_row_and_publication_meets_it(cast, agency) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(at("2026-12-31T23:00"), tick=False):
        scan(timezone.now())  # the year is not over: nothing is due yet
    assert not Deadline.objects.filter(rule_key="P7").exists()
    with time_machine.travel(at("2027-01-02T08:00"), tick=False):
        scan(timezone.now())
        scan(timezone.now())  # a second scan of the year records the year's end once
    assert Event.objects.filter(action=YEAR_ENDED).count() == 1
    row = _p7(agency)
    assert (row.case_id, row.subject, row.due_on, row.status) == (None, "year:2026", date(2027, 1, 31), "open")
    assert row.started_at.astimezone(UTC) < at("2027-01-01T00:00")  # counted from the year's end, not the scan
    # the unit head and the leader see it in their lists, with its page; an officer does not
    for user, scope in ((cast.leader, "agency"), (cast.unit_head, "unit")):
        listed = [r for r in queries.listing(user, scope, "open", at("2027-01-10T09:00")) if r["rule_key"] == "P7"]
        assert listed and listed[0]["case_no"] == f"{agency.name}（2026年度）"
        assert listed[0]["url"] == "/disclosure/review/"
    assert not [r for r in queries.listing(cast.handler, "mine") if r["rule_key"] == "P7"]
    with time_machine.travel(at("2027-01-20T10:00"), tick=False):
        disclosure.publish_statistics(actor=cast.leader, agency=agency, year=2026)
    row.refresh_from_db()
    assert row.status == DeadlineStatus.MET
    # a second publication of the same year changes nothing; the replay rebuilds the row as it stands
    with time_machine.travel(at("2027-02-20T10:00"), tick=False):
        disclosure.publish_statistics(actor=cast.leader, agency=agency, year=2026)
    row.refresh_from_db()
    assert row.status == DeadlineStatus.MET
    assert _findings() == []


def test_rule_P7_missed_without_publication_is_overdue_and_alerts_the_heads(cast, agency, client: Client) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(at("2027-01-02T08:00"), tick=False):
        scan(timezone.now())
    with time_machine.travel(at("2027-02-01T09:00"), tick=False):
        result = scan(timezone.now())
        assert result.overdue >= 1
        overdue = queries.listing(cast.leader, "agency", "overdue")
        assert [r["rule_key"] for r in overdue] == ["P7"]
        told = set(Alert.objects.filter(deadline=_p7(agency)).values_list("user__username", flat=True))
        assert told == {cast.leader.username, cast.unit_head.username}
        message = Alert.objects.filter(deadline=_p7(agency)).first().message
        assert message.startswith(f"{agency.name}（2026年度）：公布上一年度行政执法统计数据已于2027-01-31届满")
        client.force_login(cast.unit_head)
        page = client.get("/").content.decode()
        assert "公布上一年度行政执法统计数据" in page and 'href="/disclosure/review/"' in page
        listing = client.get("/deadlines/?scope=unit&state=overdue").content.decode()
        assert f"{agency.name}（2026年度）" in listing
        # the supervisor oversees it (no link: the page that meets it is the heads')
        supervisor = make_user(agency, None, "supervisor1", Role.SUPERVISOR)
        client.force_login(supervisor)
        oversight = client.get("/").content.decode()
        assert f"<td>{agency.name}（2026年度）</td>" in oversight and "公布上一年度行政执法统计数据" in oversight
        assert [r["url"] for r in queries.listing(supervisor, "agency", "overdue")] == [""]
        assert f"<td>{agency.name}（2026年度）</td>" in client.get("/deadlines/?scope=agency").content.decode()
        # published late: the row says so
        disclosure.publish_statistics(actor=cast.leader, agency=agency, year=2026)
    assert _p7(agency).status == DeadlineStatus.LATE
    assert _findings() == []


def test_rule_P7_the_year_is_recorded_once_whatever_the_time_a_scan_is_told(cast, agency) -> None:  # type: ignore[no-untyped-def]
    scan(at("2027-01-02T08:00"))  # the clock still in 2026: the year's end is recorded now, naming 2026
    scan(at("2027-01-05T08:00"))
    assert Event.objects.filter(action=YEAR_ENDED).count() == 1 and len(Deadline.objects.filter(rule_key="P7")) == 1


def test_rule_P7_an_agency_set_up_after_the_year_owes_nothing_for_it(cast, agency) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(at("2026-12-05T09:00"), tick=False):
        scan(timezone.now())  # 2025 ended before this agency was set up
    assert not Deadline.objects.filter(rule_key="P7").exists()


def test_verify_names_a_forged_or_moved_agency_row(cast, agency) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(at("2027-01-02T08:00"), tick=False):
        scan(timezone.now())
    Deadline.objects.filter(rule_key="P7").update(due_on=date(2027, 3, 31))
    findings = _findings()
    assert len(findings) == 1 and "机关 测试区应急管理局，2026年度" in findings[0] and "2027-01-31" in findings[0]
    Deadline.objects.filter(rule_key="P7").update(due_on=date(2027, 1, 31), status=DeadlineStatus.MET)
    assert "状态（status）：按账本重算为 open，现为 met" in _findings()[0]
    forged = Deadline.objects.get(rule_key="P7")
    forged.pk, forged.subject, forged.status = None, "year:2025", DeadlineStatus.OPEN
    forged.save()
    assert "账本事件不产生该期限" in " ".join(_findings())
    forged.delete()
    Deadline.objects.filter(rule_key="P7").update(status=DeadlineStatus.OPEN)
