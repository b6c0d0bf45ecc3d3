from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from liuhen.accounts.models import User
from liuhen.cases import services as cases
from liuhen.core import calendar
from liuhen.core.documents import DocumentType, FieldKind, SlotRole
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.documents import services
from liuhen.documents.services import SignatureRequest


def _later() -> datetime:
    """About 30 days ahead, at 10:00 on a working day of a year the official calendar knows (rule T5: a day past the
    newest schedule cannot be judged, and an enforcement on it is refused; near the year's end the tests' dates stay
    within it)."""
    cal = calendar.current()
    today = timezone.localdate()
    day = today + timedelta(days=30)
    while day > today + timedelta(days=1) and (day.year not in cal.years or not cal.is_workday(day)):
        day -= timedelta(days=1)
    return datetime.combine(day, time(10), timezone.get_current_timezone())


def sample_data(t: DocumentType) -> dict[str, Any]:
    """A value for every field, in Chinese where it is text; dates far enough ahead for any notice period."""
    later = _later()
    data: dict[str, Any] = {}
    for f in t.fields:
        match f.kind:
            case FieldKind.DATE:
                data[f.name] = later.date().isoformat()
            case FieldKind.DATETIME:
                data[f.name] = later.strftime("%Y-%m-%dT%H:%M")
            case FieldKind.MONEY:
                data[f.name] = "1000"
            case FieldKind.INTEGER:
                data[f.name] = 15
            case FieldKind.CHOICE:
                data[f.name] = f.choices[0][0]
            case FieldKind.BOOL:
                data[f.name] = True
            case _:
                data[f.name] = f"{f.label}：测试内容甲乙丙"
    return data


def sample_signatures(t: DocumentType) -> list[SignatureRequest]:
    users = {
        SlotRole.LEGAL_REVIEWER: "legal1",
        SlotRole.LEADER: "leader1",
        SlotRole.CHAIR: "leader1",
        SlotRole.RECORDER: "archivist1",
        SlotRole.SERVER: "officer1",
    }
    out = []
    for slot in t.slots:
        if slot.role == SlotRole.OFFICER:
            out += [SignatureRequest("officer", username=u) for u in ("officer1", "officer2")[: max(2, slot.minimum)]]
        elif slot.role in users:
            out.append(SignatureRequest(slot.role.value, username=users[slot.role]))
        else:
            out.append(SignatureRequest(slot.role.value, name="钱某"))
    return out


def author(t: DocumentType, cast) -> User:  # type: ignore[no-untyped-def]
    return {"legal_review": cast.legal_reviewer, "collective_discussion": cast.leader}.get(t.records_act, cast.handler)


@pytest.fixture
def case_for(cast, make_case):  # type: ignore[no-untyped-def]
    def make(t: DocumentType):  # type: ignore[no-untyped-def]
        procedure = t.procedures[0]
        kw = {"penalty_kind": "warning"} if procedure == "simplified_procedure" else {}
        case = make_case(procedure, officers=[cast.handler, cast.second_officer], **kw)
        if t.approval:
            approval = cases.start_approval(actor=cast.handler, case=case, kind=t.approval, opinion="建议同意")
            cases.review_approval(actor=cast.unit_head, approval=approval, agree=True, opinion="同意")
            cases.decide_approval(actor=cast.leader, approval=approval, approve=True, opinion="同意")
        if t.code == "penalty_decision":  # rule D4: a fine is decided only after the party was told of it
            notice = BY_CODE["penalty_notice"]
            doc = services.create_document(actor=cast.handler, case=case, code=notice.code, data=sample_data(notice))
            services.finalise(actor=cast.handler, document=doc, signatures=sample_signatures(notice))
        if t.code == "recusal_decision":  # rule S7: a decision answers an application on the record
            app = BY_CODE["recusal_application"]
            doc = services.create_document(actor=cast.handler, case=case, code=app.code, data=sample_data(app))
            services.finalise(actor=cast.handler, document=doc, signatures=sample_signatures(app))
        return case

    return make


def _final(cast, case, code: str, **changes: Any):  # type: ignore[no-untyped-def]
    from liuhen.core.documents.catalogue import BY_CODE
    from liuhen.documents import services as docs

    t = BY_CODE[code]
    doc = docs.create_document(actor=author(t, cast), case=case, code=code, data={**sample_data(t), **changes})
    return docs.finalise(actor=author(t, cast), document=doc, signatures=sample_signatures(t))


def _approve(cast, case, kind: str) -> None:  # type: ignore[no-untyped-def]
    if case.approvals.filter(kind=kind, status="approved").exists():
        return
    approval = cases.start_approval(actor=cast.handler, case=case, kind=kind, opinion="建议同意")
    cases.review_approval(actor=cast.unit_head, approval=approval, agree=True, opinion="同意")
    cases.decide_approval(actor=cast.leader, approval=approval, approve=True, opinion="同意")


def _served_demand(cast, case, **changes: Any) -> str:  # type: ignore[no-untyped-def]
    """rule E3: a 催告书 served (signed for on finalising) and the party's reply recorded; its number."""
    notice = _final(cast, case, "demand_notice", **changes)
    _final(cast, case, "demand_statement", demand_no=notice.document_no, made="none")
    return str(notice.document_no)


def prerequisites(t: DocumentType, case, cast) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Make what the law requires on the case before a document of type ``t`` (documents.prerequisites), and
    return the fields that refer to it."""
    import time_machine

    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    match t.code:
        case "preservation_decision":  # rule I3
            return {"list_no": _final(cast, case, "preservation_list").document_no}
        case "onsite_decision_filing":  # rule D8
            return {"decision_no": _final(cast, case, "onsite_penalty_decision").document_no}
        case "demand_statement":  # rule E3
            return {"demand_no": _final(cast, case, "demand_notice").document_no}
        case "enforcement_decision" | "substitute_performance_decision":  # rule E3: served, replied, overdue
            _served_demand(cast, case, perform_by=yesterday)
            return {}
        case "enforcement_result":  # rule E5: after an enforcement decision
            _served_demand(cast, case, perform_by=yesterday)
            _approve(cast, case, "decision")
            _final(cast, case, "enforcement_decision")
            return {"route": "agency"}
        case "extension_decision":  # rule I4: a measure whose term runs
            from liuhen.cases import scenarios
            from liuhen.core.stages import Fact

            scenarios.satisfy(case, Fact.COMPULSION_APPROVED, cast)
            scenarios.step(case, "apply_measure", cast)
            return {}
        case "court_application":  # rule E3: decision served in May, 催告书 served on 2 November 2026
            tz = timezone.get_current_timezone()
            with time_machine.travel(datetime(2026, 5, 15, 10, tzinfo=tz), tick=False):
                _final(cast, case, "delivery_receipt", method="direct", served_at="2026-05-15T10:00")
            with time_machine.travel(datetime(2026, 11, 2, 10, tzinfo=tz), tick=False):
                _served_demand(cast, case)
            return {"demand_served_on": "2026-11-02"}
    return {}
