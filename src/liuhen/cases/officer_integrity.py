"""What `liuhen verify` checks of who handles a case: being a case's officer opens its records (R9, R11), so every
officer row and every proposed assignment must be the one the ledger recorded (rule D9)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from liuhen.cases.models import Approval, ApprovalKind, CaseOfficer
from liuhen.ledger.models import Event
from liuhen.ledger.verify import Finding


def check_officers() -> Iterator[Finding]:
    logged: set[tuple[int, str]] = set()
    proposed: dict[int, str | None] = {}
    for e in (
        Event.objects.filter(action__in=["case.created", "case.officer_assigned", "approval.proposed"])
        .order_by("seq")
        .iterator()
    ):
        try:
            body = json.loads(e.body)
        except ValueError:
            continue  # reported by the ledger check
        if e.action == "case.created":
            logged.update((int(e.subject_id), str(name)) for name in body.get("officers", []))
        elif e.action == "case.officer_assigned":
            logged.add((int(e.subject_id), str(body.get("officer"))))
        elif body.get("kind") == ApprovalKind.OFFICER_ASSIGNMENT:
            proposed[int(e.subject_id)] = body.get("officer")
    for row in CaseOfficer.objects.select_related("case", "user").iterator():
        if (row.case_id, row.user.get_username()) not in logged:
            yield Finding(
                f"案件 {row.case.case_no} 承办人员 {row.user.get_username()}",
                "账本中没有该人员的指派记录（未经留痕加入，可借此查阅案件记录）",
            )
    assignments = Approval.objects.filter(kind=ApprovalKind.OFFICER_ASSIGNMENT).select_related("case", "officer")
    for approval in assignments.iterator():
        name = approval.officer.get_username() if approval.officer is not None else None
        if approval.pk not in proposed or proposed[approval.pk] != name:
            yield Finding(
                f"案件 {approval.case.case_no} 审批 #{approval.pk}",
                f"拟指派人员“{name}”与账本记录“{proposed.get(approval.pk)}”不符（未经留痕修改）",
            )
