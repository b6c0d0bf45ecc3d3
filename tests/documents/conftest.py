from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from liuhen.accounts.models import User
from liuhen.cases import services as cases
from liuhen.core.documents import DocumentType, FieldKind, SlotRole
from liuhen.documents.services import SignatureRequest


def sample_data(t: DocumentType) -> dict[str, Any]:
    """A value for every field, in Chinese where it is text; dates far enough ahead for any notice period."""
    later = timezone.localtime() + timedelta(days=30)
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
        if t.code == "recusal_decision":  # rule S7: a decision answers an application on the record
            from liuhen.core.documents.catalogue import BY_CODE
            from liuhen.documents import services as documents

            app = BY_CODE["recusal_application"]
            doc = documents.create_document(actor=cast.handler, case=case, code=app.code, data=sample_data(app))
            documents.finalise(actor=cast.handler, document=doc, signatures=sample_signatures(app))
        return case

    return make
