"""Investigation records the law names: refusals to cooperate with a witness, party signatures, the 鉴定意见书 and
other results (rules I2, I7); recusal: the right told and how, the application and its decision (rule S7)."""

from __future__ import annotations

import pytest
from django.test import Client

from liuhen.accounts.services import create_token
from liuhen.cases import scenarios
from liuhen.cases import services as cases
from liuhen.cases.queries import case_facts
from liuhen.core import stages
from liuhen.core.documents import SlotRole
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.core.errors import Forbidden, InvalidInput, RuleViolation
from liuhen.documents import services
from liuhen.documents.services import SignatureRequest as Sig
from tests.documents.conftest import sample_data, sample_signatures

pytestmark = pytest.mark.django_db
OFFICERS = [Sig("officer", username="officer1"), Sig("officer", username="officer2")]


def _draft(cast, case, code, **changes):  # type: ignore[no-untyped-def]
    return services.create_document(
        actor=cast.handler, case=case, code=code, data={**sample_data(BY_CODE[code]), **changes}
    )


def _investigating(cast, make_case):  # type: ignore[no-untyped-def]
    return scenarios.advance(make_case(officers=[cast.handler, cast.second_officer]), stages.Stage.INVESTIGATION, cast)


def test_a_refusal_to_cooperate_is_recorded_by_two_officers_with_a_witness(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule I2 (000 第九条(六); 002 第十二条): the refusal to provide evidence is itself recorded, with a witness
    case = _investigating(cast, make_case)
    doc = _draft(cast, case, "refusal_record", refused="evidence", circumstances="当事人拒绝提供出入库台账")
    with pytest.raises(InvalidInput, match="见证人"):
        services.finalise(actor=cast.handler, document=doc, signatures=OFFICERS)
    with pytest.raises(RuleViolation) as exc:  # rule I1: two certified officers
        services.finalise(actor=cast.handler, document=doc, signatures=[OFFICERS[0], Sig("witness", name="孙某")])
    assert exc.value.rule_id == "I1"
    doc = services.finalise(actor=cast.handler, document=doc, signatures=[*OFFICERS, Sig("witness", name="孙某")])
    assert doc.is_final and dict(BY_CODE["refusal_record"].field("refused").choices)["evidence"] == "拒绝提供证据材料"


@pytest.mark.parametrize("code", ["evidence_request", "appraisal_commission", "appraisal_opinion"])
def test_the_party_signs_evidence_requests_and_appraisals_or_refuses_with_a_witness(cast, make_case, code) -> None:  # type: ignore[no-untyped-def]
    # rule I2 (002 第十二条: 上述文书均应由行政执法人员、行政相对人及有关人员签字或盖章)
    t = BY_CODE[code]
    party = next(s for s in t.slots if s.role == SlotRole.PARTY)
    assert party.required and party.refusable
    case = _investigating(cast, make_case)
    doc = _draft(cast, case, code)
    others = [s for s in sample_signatures(t) if s.slot != "party"]
    with pytest.raises(InvalidInput, match=f"缺少签名：{party.title}"):
        services.finalise(actor=cast.handler, document=doc, signatures=others)
    refusal = Sig("party", name="赵某", refused=True, refusal_reason="拒绝签收")
    with pytest.raises(RuleViolation) as exc:
        services.finalise(actor=cast.handler, document=doc, signatures=[*others, refusal])
    assert exc.value.rule_id == "I2"
    witnessed = Sig("party", name="赵某", refused=True, refusal_reason="拒绝签收", witness_name="社区干部孙某")
    assert services.finalise(actor=cast.handler, document=doc, signatures=[*others, witnessed]).is_final


@pytest.mark.parametrize("code", ["appraisal_opinion", "examination_record", "inspection_transcript"])
def test_results_are_recorded_with_their_object_content_and_result(cast, make_case, code) -> None:  # type: ignore[no-untyped-def]
    # rule I7 (000 第九条(五); 003 第八条(六)(十一)): not only the commission — the result itself
    t = BY_CODE[code]
    names = {f.name for f in t.fields if f.required}
    if code == "inspection_transcript":
        assert {"content", "place", "started_at"} <= names  # the inspection's object and content, with its times
        return
    assert {"object", "content", "result"} <= names
    case = _investigating(cast, make_case)
    doc = _draft(cast, case, code, result="")
    with pytest.raises(InvalidInput, match=t.field("result").label):
        services.finalise(actor=cast.handler, document=doc, signatures=sample_signatures(t))
    services.save_draft(actor=cast.handler, document=doc, data=sample_data(t))
    assert services.finalise(actor=cast.handler, document=doc, signatures=sample_signatures(t)).is_final


def test_the_rights_notice_states_the_right_to_recusal_and_how_it_was_told(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule S7 (002 第十一条: 告知…申请回避…等权利的方式应进行记录)
    case = scenarios.advance(make_case(officers=[cast.handler, cast.second_officer]), stages.Stage.NOTICE, cast)
    doc = _draft(cast, case, "penalty_notice", recusal_right=False)
    with pytest.raises(RuleViolation) as exc:
        services.finalise(actor=cast.handler, document=doc, signatures=[Sig("recipient", name="赵某")])
    assert exc.value.rule_id == "S7" and "回避" in exc.value.message
    data = {**sample_data(doc.type), "told_how": ""}
    services.save_draft(actor=cast.handler, document=doc, data=data)
    with pytest.raises(InvalidInput, match="权利告知方式"):
        services.finalise(actor=cast.handler, document=doc, signatures=[Sig("recipient", name="赵某")])
    services.save_draft(actor=cast.handler, document=doc, data={**data, "told_how": "both"})
    assert services.finalise(actor=cast.handler, document=doc, signatures=[Sig("recipient", name="赵某")]).is_final


def test_a_recusal_application_holds_the_case_until_the_head_of_the_agency_decides(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule S7 (处罚法43): the application and its decision are recorded; the investigation waits for the decision
    case = _investigating(cast, make_case)
    decision = _draft(cast, case, "recusal_decision")
    with pytest.raises(InvalidInput, match="没有待决定的回避申请"):
        services.finalise(actor=cast.handler, document=decision, signatures=sample_signatures(decision.type))
    application = _draft(cast, case, "recusal_application", officers="officer2", reason="执法人员与当事人有亲属关系")
    services.finalise(
        actor=cast.handler,
        document=application,
        signatures=[Sig("party", name="赵某"), Sig("officer", username="officer1")],
    )
    assert stages.Fact.NO_PENDING_RECUSAL not in case_facts(case)
    with pytest.raises(RuleViolation) as exc:
        cases.transition(actor=cast.handler, case=case, action="conclude_investigation")
    assert exc.value.rule_id == "S7"
    api = Client(HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=cast.handler)}")
    r = api.post(
        f"/api/v1/cases/{case.pk}/transitions", {"action": "conclude_investigation"}, content_type="application/json"
    )
    assert r.status_code == 409 and r.json()["rule"] == "S7"
    with pytest.raises(Forbidden, match="机关负责人"):  # the unit head is not the head of the agency
        services.finalise(
            actor=cast.handler,
            document=decision,
            signatures=[Sig("leader", username="head1"), Sig("party", name="赵某")],
        )
    services.finalise(
        actor=cast.leader, document=decision, signatures=[Sig("leader", username="leader1"), Sig("party", name="赵某")]
    )
    assert stages.Fact.NO_PENDING_RECUSAL in case_facts(case)
    assert cases.transition(actor=cast.handler, case=case, action="conclude_investigation").stage == "review"
