"""Retention, legal hold and disposal of recordings (rules R4, R5, R6): a recording within its term or under a hold is
refused for disposal whoever asks; a disposed one is reported by verify as disposed, a lost one as lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from liuhen.archive import file_disposal, retention
from liuhen.archive.models import DisposalStatus
from liuhen.cases import scenarios
from liuhen.core import stages
from liuhen.core.errors import Forbidden, RuleViolation
from liuhen.ledger.verify import verify
from liuhen.media.samples import make_clip
from liuhen.media.services import ingest_file
from liuhen.media.storage import default_store


def test_rules_r4_r5_r6_hold_and_term_stop_disposal_and_verify_tells_disposed_from_lost(
    cast, make_case, blob_root, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    case = scenarios.advance(make_case("complaint"), stages.Stage.NOT_FILED, cast)  # R2: an end path
    recs = [
        ingest_file(
            actor=cast.handler, path=make_clip(tmp_path / f"{n}.mp4", seconds=1, tone=300 + n), case=case
        ).recording
        for n in range(3)
    ]
    with pytest.raises(RuleViolation) as within:  # R5: 6 months from the case's end, not from the upload
        retention.propose_disposal(actor=cast.archivist, recording=recs[0], appraisal="无保存价值")
    assert within.value.rule_id == "R5" and "保管期限未满" in within.value.message

    with time_machine.travel(timezone.now() + timedelta(days=200), tick=True):
        assert [r.pk for r, _ in retention.past_term(cast.archivist)] == [r.pk for r in recs]
        with pytest.raises(Forbidden):  # only the archivist appraises
            retention.propose_disposal(actor=cast.leader, recording=recs[0], appraisal="无保存价值")
        first = retention.propose_disposal(actor=cast.archivist, recording=recs[0], appraisal="非证据，已过保存期")
        second = retention.propose_disposal(actor=cast.archivist, recording=recs[1], appraisal="非证据，已过保存期")
        with pytest.raises(Forbidden):  # a second person, the agency head, approves
            retention.decide_disposal(actor=cast.archivist, disposal=first, approve=True)
        first = retention.decide_disposal(actor=cast.leader, disposal=first, approve=True, opinion="同意销毁")
        assert first.status == DisposalStatus.APPROVED and not default_store().exists(first.sha256)

        hold = retention.place_hold(
            actor=cast.legal_reviewer, case=case, kind="reconsideration", reason="当事人申请复议"
        )
        with pytest.raises(RuleViolation) as held:  # a hold suspends every term, whoever asks
            retention.decide_disposal(actor=cast.leader, disposal=second, approve=True)
        assert held.value.rule_id == "R6" and "行政复议" in held.value.message
        assert default_store().exists(second.sha256)
        retention.lift_hold(actor=cast.legal_reviewer, hold=hold, reason="复议决定维持")
        with pytest.raises(RuleViolation) as kept:  # R4: a case that drew an objection keeps its recordings long
            retention.decide_disposal(actor=cast.leader, disposal=second, approve=True)
        assert "R4" in kept.value.message and default_store().exists(second.sha256)
        assert retention.r4_triggers(case) == ["当事人申请复议、提起诉讼或投诉"]  # read from the case's records

    lost = recs[2].blob.sha256
    default_store().path(lost).unlink()  # type: ignore[attr-defined]  # gone without a decision
    findings = [str(f) for f in verify()]
    assert len(findings) == 1 and lost[:16] in findings[0] and "找不到" in findings[0], findings
    assert not any(first.sha256[:16] in f for f in findings)  # disposed: a tombstone and its approval event
    assert file_disposal.tombstones()[first.sha256].startswith("已依鉴定销毁")
