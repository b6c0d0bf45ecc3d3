"""What `liuhen verify` checks of cases: their mutable columns against the ledger's record of them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

from liuhen.cases.models import Approval, Case, Party
from liuhen.ledger.models import Event
from liuhen.ledger.verify import Finding


def check_cases() -> Iterator[Finding]:
    state: dict[int, dict[str, object]] = {}
    approvals: dict[int, str] = {}
    for e in (
        Event.objects.filter(
            action__in=[
                "case.created",
                "case.transition",
                "case.marked_major",
                "case.violation_recorded",
                "approval.reviewer_signed",
                "approval.approver_signed",
            ]
        )
        .order_by("seq")
        .iterator()
    ):
        try:
            body = json.loads(e.body)
        except ValueError:
            continue  # reported by the ledger check
        if e.action == "case.created":
            state[int(e.subject_id)] = {
                "case_no": body.get("case_no"),
                "stage": body.get("stage"),
                "is_major": bool(body.get("is_major")),
                "parties": {p["id"]: p for p in body.get("parties", [])},
                "violation": (body.get("violation_ended_on"), bool(body.get("serious_harm"))),
            }
        elif e.action == "case.violation_recorded" and int(e.subject_id) in state:  # rule S6
            state[int(e.subject_id)]["violation"] = (body.get("violation_ended_on"), bool(body.get("serious_harm")))
        elif e.action == "case.transition" and int(e.subject_id) in state:
            state[int(e.subject_id)]["stage"] = body.get("target")
        elif e.action == "case.marked_major" and int(e.subject_id) in state:  # rule D2: found major, with reason
            state[int(e.subject_id)]["is_major"] = True
        elif e.action.startswith("approval."):
            approvals[int(e.subject_id)] = str(body.get("status"))
    seen: set[int] = set()
    for case in Case.objects.only(
        "id", "case_no", "stage", "is_major", "violation_ended_on", "serious_harm"
    ).iterator():
        seen.add(case.pk)
        rec = state.get(case.pk)
        name = f"案件 {case.case_no}（id {case.pk}）"
        if rec is None:
            yield Finding(name, "账本中没有该案件的登记事件（未经留痕写入）")
            continue
        if rec["case_no"] != case.case_no:
            yield Finding(name, f"案号与账本记录（{rec['case_no']}）不符")
        if rec["stage"] != case.stage:
            yield Finding(name, f"阶段“{case.stage}”与账本记录的阶段“{rec['stage']}”不符（未经留痕修改）")
        if rec["is_major"] != case.is_major:
            yield Finding(name, "“重大执法决定”标记与账本记录不符（未经留痕修改）")
        ended = case.violation_ended_on.isoformat() if case.violation_ended_on else None
        if rec["violation"] != (ended, case.serious_harm):
            yield Finding(name, "违法行为发生（终了）日期或时效类别与账本记录不符（未经留痕修改）")
    for pk in sorted(set(state) - seen):
        yield Finding(f"案件 {state[pk]['case_no']}（id {pk}）", "账本记录了该案件，但案件已不存在（被删除）")
    for party in Party.objects.select_related("case").iterator():
        rec = state.get(party.case_id)
        if rec is None:
            continue
        logged = rec["parties"].get(party.pk)  # type: ignore[attr-defined]
        name = f"案件 {party.case.case_no} 当事人 {party.name}（id {party.pk}）"
        sha = hashlib.sha256(party.id_number.encode()).hexdigest() if party.id_number else None
        if logged is None:
            yield Finding(name, "账本中没有该当事人的登记记录")
        elif logged.get("name") != party.name or logged.get("id_number_sha256") != sha:
            yield Finding(name, "姓名/名称或证件号码与账本记录不符（被改动）")
    for approval in Approval.objects.select_related("case").exclude(status="reviewing").iterator():
        if approvals.get(approval.pk) != approval.status:
            yield Finding(
                f"案件 {approval.case.case_no} 审批 #{approval.pk}",
                f"状态“{approval.status}”与账本记录不符（未经留痕修改）",
            )
