"""A row in every supervision table, through the commands (used by the ledger's world of every record)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from liuhen.accounts.models import Role
from liuhen.cases import scenarios
from liuhen.cases import services as cases
from liuhen.cases.access import register_read
from liuhen.core import stages
from liuhen.supervision import oversight, services
from liuhen.supervision.models import FindingKind


def supervise(
    agency: Any, units: list[Any], cast: Any, make_case: Any, recording: Any, make_user: Any
) -> dict[str, Any]:
    supervisor = make_user(agency, units[2], "super9", Role.SUPERVISOR)
    decided = make_case(penalty_kind="fine", fine_amount=Decimal("5000"), officers=[cast.handler, cast.second_officer])
    decided = scenarios.advance(decided, stages.Stage.ENFORCEMENT, cast)
    rnd = services.open_round(
        actor=supervisor, agency=agency, title="全表评查", reviewers=[cast.legal_reviewer], share_percent=100
    )
    due = timezone.localdate() + timedelta(days=30)
    notice = services.issue_rectification(actor=supervisor, round=rnd, unit=units[0], content="限期整改", due_on=due)
    month = timezone.localtime(recording.recorded_from or recording.uploaded_at).strftime("%Y-%m")
    draw = oversight.draw_playback(actor=supervisor, agency=agency, month=month, share_percent=100)
    check = draw.checks.order_by("pk").first()
    register_read(
        user=supervisor,
        case=check.recording.case,
        subject_type="recording",
        subject_id=check.recording_id,
        what=check.recording.file_name,
        channel="stream",
        purpose="回放抽查",
    )
    oversight.record_playback_check(
        actor=supervisor,
        check=check,
        opening_statement=True,
        content_focus=True,
        interruptions_explained=True,
        device_officer_right=True,
    )
    finding = oversight.open_finding(
        actor=supervisor,
        agency=agency,
        kind=FindingKind.NO_RECORD,
        case=decided,
        person=cast.handler,
        description="未记录",
        evidence="回放抽查",
        due_on=due,
    )
    cases.record_act(actor=cast.handler, case=decided, kind="reconsideration", note="申请行政复议")
    fault = oversight.open_fault_case(actor=supervisor, case=decided, trigger="revoked", trigger_note="复决字1号")
    return {"review_round": rnd, "rectification": notice, "playback": draw, "finding": finding, "fault": fault}
