"""The mandatory-AV list (AV1–AV6) gates the case; late uploads (R1) are visible per officer, unit, agency."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from liuhen.accounts.services import create_token
from liuhen.cases import scenarios
from liuhen.cases import services as cases
from liuhen.core import stages
from liuhen.core.errors import RuleViolation
from liuhen.media import services
from tests.media.conftest import synthesise

pytestmark = pytest.mark.django_db
T = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _ready_to_conclude(cast, make_case):  # type: ignore[no-untyped-def]
    with time_machine.travel(T, tick=False):
        case = scenarios.advance(
            make_case(officers=[cast.handler, cast.second_officer]), stages.Stage.INVESTIGATION, cast
        )
        scenarios.make_document(case, "inspection_transcript", cast)  # AV2
    return case


def test_required_activity_without_a_recording_blocks_the_step(tmp_path, blob_root, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = _ready_to_conclude(cast, make_case)
    with time_machine.travel(T, tick=False), pytest.raises(RuleViolation) as exc:
        cases.transition(actor=cast.handler, case=case, action="conclude_investigation")
    assert exc.value.rule_id == "AV1" and "AV6" in exc.value.message
    api = Client(HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=cast.handler)}")
    gaps = api.get(f"/api/v1/cases/{case.pk}/av-gaps").json()
    assert [(g["rule"], g["activity"]) for g in gaps] == [("AV2", "现场检查（勘验）")]
    far = synthesise(tmp_path / "far.mp4", created="2026-11-23T09:00:00Z")  # 7 hours later: does not cover it
    services.ingest_file(actor=None, path=far, officer=cast.handler, case=case)
    with time_machine.travel(T, tick=False), pytest.raises(RuleViolation):
        cases.transition(actor=cast.handler, case=case, action="conclude_investigation")
    near = synthesise(tmp_path / "near.mp4", created="2026-11-23T01:50:00Z", tone=600)
    services.ingest_file(actor=None, path=near, officer=cast.handler, case=case)
    with time_machine.travel(T, tick=False):
        assert cases.transition(actor=cast.handler, case=case, action="conclude_investigation").stage == "review"
    assert api.get(f"/api/v1/cases/{case.pk}/av-gaps").json() == []
    assert len(api.get(f"/api/v1/cases/{case.pk}/recordings").json()) == 2


def test_a_recorded_reason_for_omission_satisfies_av6(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = _ready_to_conclude(cast, make_case)
    with time_machine.travel(T, tick=False):
        cases.record_act(actor=cast.handler, case=case, kind="av_omission", note="加油站内易燃易爆，不使用录像设备")
        assert cases.transition(actor=cast.handler, case=case, action="conclude_investigation").stage == "review"


def test_the_published_av_list_and_late_uploads(tmp_path, blob_root, cast) -> None:  # type: ignore[no-untyped-def]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=cast.unit_head)}")
    rules = api.get("/api/v1/av-rules").json()
    assert {r["rule"] for r in rules} >= {"AV1", "AV2", "AV3", "AV4", "AV5"}
    old = synthesise(tmp_path / "old.mp4", created="2026-11-01T01:00:00Z")
    services.ingest_file(actor=None, path=old, officer=cast.handler)
    assert api.get("/api/v1/media/late", {"scope": "mine"}).json() == []  # the unit head recorded nothing late
    unit = api.get("/api/v1/media/late", {"scope": "unit"}).json()
    assert [r["file_name"] for r in unit] == ["old.mp4"] and unit[0]["late"]
    assert api.get("/api/v1/media/late", {"scope": "everywhere"}).status_code == 422
