"""The officer's R4 mark (rule R4): a case or one recording that concerns an objection or complaint, obstruction or
violence, or a mass or sudden incident is kept long-term. The mark is ledgered, shown on the 案卷 page, and the
retention terms read it: a recording that would go after 6 months (R5) or with a 10-year file (R6) stays 30 years."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from liuhen.archive import file_disposal, retention, services
from liuhen.archive.models import LongTermMark
from liuhen.archive.scenario import bind
from liuhen.cases import scenarios
from liuhen.cases import services as cases
from liuhen.core import stages
from liuhen.core.errors import Forbidden, InvalidInput, RuleViolation
from liuhen.ledger.models import Event
from liuhen.media.samples import make_clip
from liuhen.media.services import ingest_file


def test_rule_r4_the_officers_mark_keeps_recordings_long_term_and_stops_disposal(
    cast, make_case, blob_root, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    case = scenarios.advance(make_case("complaint"), stages.Stage.NOT_FILED, cast)
    quiet, scuffle = (
        ingest_file(
            actor=cast.handler, path=make_clip(tmp_path / f"{n}.mp4", seconds=1, tone=310 + n), case=case
        ).recording
        for n in range(2)
    )
    assert retention.term_of(scuffle).rule_id == "R5"  # not evidence, no dispute yet: 6 months

    with pytest.raises(Forbidden):  # the legal reviewer is not an officer of the case
        retention.mark_long_term(actor=cast.legal_reviewer, recording=scuffle, ground="obstruction", note="推搡")
    with pytest.raises(InvalidInput):
        retention.mark_long_term(actor=cast.handler, recording=scuffle, ground="riot", note="推搡")
    with pytest.raises(InvalidInput):
        retention.mark_long_term(actor=cast.handler, recording=scuffle, ground="obstruction", note=" ")
    assert not LongTermMark.objects.exists()  # a refusal changes nothing

    # through the 案卷 page, as the officer does it
    client = Client()
    client.force_login(cast.handler)
    client.post(
        f"/cases/{case.pk}/archive/do/",
        {"do": "r4_mark", "recording": str(scuffle.pk), "ground": "obstruction", "note": "当事人推搡执法人员"},
    )
    mark = LongTermMark.objects.get()
    assert (mark.recording, mark.case, mark.marked_by) == (scuffle, case, cast.handler)
    event = json.loads(Event.objects.get(action="archive.long_term_marked").body)
    assert event["ground"] == "obstruction" and event["rule"] == "R4" and event["recording"] == scuffle.pk
    with pytest.raises(InvalidInput):  # the same mark once
        retention.mark_long_term(actor=cast.handler, recording=scuffle, ground="obstruction", note="再次")

    case_file = services.assemble(actor=cast.archivist, case=case)
    services.change_retention(actor=cast.archivist, case_file=case_file, years=10, reason="一般投诉")
    case_file = bind(case, cast)
    case = cases.transition(actor=cast.archivist, case=case, action="archive")
    term = retention.term_of(scuffle)
    assert term.rule_id == "R4" and "妨碍执法或暴力抗法" in term.text and "30年" in term.text
    assert term.expires_on is not None and term.expires_on.year == case_file.ended_on.year + 30
    assert retention.term_of(quiet).rule_id == "R5"  # the mark was on the other recording only
    page = client.get(f"/cases/{case.pk}/archive/").content.decode()
    assert "当事人推搡执法人员" in page and "长期保存（R4）" in page

    with time_machine.travel(timezone.now() + timedelta(days=200), tick=True):
        retention.propose_disposal(actor=cast.archivist, recording=quiet, appraisal="非证据，已过保存期")
        with pytest.raises(RuleViolation) as kept:
            retention.propose_disposal(actor=cast.archivist, recording=scuffle, appraisal="非证据，已过保存期")
        assert kept.value.rule_id == "R4"
    with time_machine.travel(timezone.now() + timedelta(days=365 * 11), tick=True):
        with pytest.raises(RuleViolation) as whole:  # the 10-year file is past its term, the marked recording not
            file_disposal.propose_file_disposal(actor=cast.archivist, case_file=case_file, appraisal="保管期满")
        assert whole.value.rule_id == "R4" and scuffle.file_name in whole.value.message

    # a mark on the whole case (a mass incident) reaches every recording of it
    other = scenarios.advance(make_case("complaint"), stages.Stage.NOT_FILED, cast)
    rec = ingest_file(actor=cast.handler, path=make_clip(tmp_path / "m.mp4", seconds=1, tone=880), case=other).recording
    retention.mark_long_term(actor=cast.unit_head, case=other, ground="mass_incident", note="现场聚集多人")
    assert retention.r4_triggers(other) == ["执法人员标记群体性或突发事件"]
    assert "群体性或突发事件" in retention.term_of(rec).text
