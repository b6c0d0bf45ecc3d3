"""Segments of one activity and their interruption notes (AV7), I5/AV8 confirmations, evidence with its
written explanation (R3), device assignment (DV1), party and cause on each recording (R7)."""

from __future__ import annotations

import pytest

from liuhen.core.errors import InvalidInput, RuleViolation
from liuhen.documents import services as documents
from liuhen.media import services
from liuhen.media.models import DeviceLog
from tests.documents.conftest import sample_data, sample_signatures
from tests.media.conftest import synthesise

pytestmark = pytest.mark.django_db


def test_segments_interruptions_statements_and_evidence(tmp_path, blob_root, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case(officers=[cast.handler, cast.second_officer])
    device = services.register_device(
        actor=None, agency_id=cast.handler.agency_id, number="3201001", officer=cast.handler
    )
    first = services.ingest_file(
        actor=None, device=device, case=case, path=synthesise(tmp_path / "1.mp4", created="2026-11-23T02:00:00Z")
    ).recording
    second = services.ingest_file(
        actor=None,
        device=device,
        case=case,  # resumed 5 minutes later
        path=synthesise(tmp_path / "2.mp4", created="2026-11-23T02:05:00Z", tone=500),
    ).recording
    apart = services.ingest_file(
        actor=None,
        device=device,
        case=case,  # an hour later: another activity
        path=synthesise(tmp_path / "3.mp4", created="2026-11-23T03:10:00Z", tone=700),
    ).recording
    assert second.continues == first and apart.continues is None
    assert first.party == "某某化工有限公司" and first.cause == case.cause  # rule R7
    with pytest.raises(InvalidInput, match="其他"):
        services.note_interruption(actor=cast.handler, recording=second, reason="other")
    note = services.note_interruption(
        actor=cast.handler, recording=second, reason="battery", note="电池耗尽，更换后续录", stated_in_next_segment=True
    )
    assert note.get_reason_display() == "电量不足"
    # rules I5, AV8: the party was told, and the opening statement was made (a playback review, kept as a record)
    review = services.review_recording(actor=cast.handler, recording=first, party_told=True, opening_statement=True)
    first.refresh_from_db()
    assert review.party_told and first.party_told and first.opening_statement
    with pytest.raises(RuleViolation) as exc:  # rule R3: evidence needs its written explanation, finalised
        services.mark_evidence(actor=cast.handler, recording=first, explanation_id=0)
    assert exc.value.rule_id == "R3"
    from liuhen.core.documents.catalogue import BY_CODE

    t = BY_CODE["av_explanation"]
    doc = documents.create_document(actor=cast.handler, case=case, code=t.code, data=sample_data(t))
    with pytest.raises(RuleViolation):
        services.mark_evidence(actor=cast.handler, recording=first, explanation_id=doc.pk)  # still a draft
    documents.finalise(actor=cast.handler, document=doc, signatures=sample_signatures(t))
    rec = services.mark_evidence(actor=cast.handler, recording=first, explanation_id=doc.pk)
    assert rec.evidence and rec.explanation == doc


def test_device_assignment_is_logged(cast) -> None:  # type: ignore[no-untyped-def]
    device = services.register_device(actor=None, agency_id=cast.handler.agency_id, number="3201007")
    services.assign_device(actor=cast.unit_head, device=device, officer=cast.second_officer)
    assert device.officer == cast.second_officer
    assert [e.kind for e in DeviceLog.objects.filter(device=device)] == ["registered", "assigned"]
