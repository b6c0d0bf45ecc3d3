"""Finding 3: adding an officer bypassed 调阅. Someone outside the case's unit joins it only through the
承办人 → 审核人 → 批准人 chain (rule D9), and no assignment opens marked records (R11) a role has no right to."""

from __future__ import annotations

import json

import pytest

from liuhen.access import services as access
from liuhen.accounts.models import Role
from liuhen.cases import services
from liuhen.cases.models import Approval, CaseOfficer
from liuhen.core.errors import InvalidInput, RuleViolation
from liuhen.ledger.models import Event
from liuhen.ledger.verify import verify
from tests.access.test_access import final_document
from tests.conftest import make_user
from tests.security.conftest import api_client

pytestmark = pytest.mark.django_db


def _marked_document(cast, case):  # type: ignore[no-untyped-def]
    doc = final_document(cast, case)
    access.set_mark(
        actor=cast.handler,
        case=case,
        subject_type="document",
        subject_id=doc.pk,
        mark="personal_privacy",
        reason="含当事人个人隐私",
    )
    return doc


def _post_officer(user, case, username: str, opinion: str = ""):  # type: ignore[no-untyped-def]
    return api_client(user).post(
        f"/api/v1/cases/{case.pk}/officers",
        {"username": username, "opinion": opinion},
        content_type="application/json",
    )


def test_an_officer_of_another_unit_reads_nothing_until_the_assignment_is_approved(
    cast, agency, units, make_case
) -> None:  # type: ignore[no-untyped-def]
    """rules D9, R9, R11: the API proposes (202), the unit head reviews, a leader approves, then the officer joins."""
    case = make_case(officers=[cast.handler, cast.second_officer])
    doc = _marked_document(cast, case)
    outsider = make_user(agency, units[1], "other_unit_officer", Role.OFFICER, "CERT-OU")
    assert _post_officer(cast.handler, case, outsider.username).status_code == 422  # a proposal states its reasons
    r = _post_officer(cast.handler, case, outsider.username, "案情涉及危险化学品，需危化科人员协助调查")
    assert r.status_code == 202, r.content
    assert r.json()["kind"] == "officer_assignment" and r.json()["officer"] == outsider.username
    assert r.json()["status"] == "reviewing"
    assert not CaseOfficer.objects.filter(case=case, user=outsider).exists()
    reader = api_client(outsider)
    assert reader.get(f"/api/v1/documents/{doc.pk}/pdf").status_code in (403, 404)
    assert reader.get(f"/api/v1/cases/{case.pk}").status_code == 403
    approval_id = r.json()["id"]
    sign = {"agree": True, "opinion": "同意"}
    # the leader cannot skip the unit head's review
    leader = api_client(cast.leader)
    assert (
        leader.post(f"/api/v1/approvals/{approval_id}/decide", sign, content_type="application/json").status_code == 422
    )
    head = api_client(cast.unit_head)
    assert (
        head.post(f"/api/v1/approvals/{approval_id}/review", sign, content_type="application/json").status_code == 200
    )
    assert not CaseOfficer.objects.filter(case=case, user=outsider).exists()  # reviewed is not approved
    assert (
        leader.post(f"/api/v1/approvals/{approval_id}/decide", sign, content_type="application/json").status_code == 200
    )
    assert CaseOfficer.objects.filter(case=case, user=outsider).exists()
    assigned = json.loads(Event.objects.filter(action="case.officer_assigned").latest("seq").body)
    assert assigned["officer"] == outsider.username and assigned["approval"] == approval_id
    assert reader.get(f"/api/v1/documents/{doc.pk}", HTTP_X_LIUHEN_PURPOSE="协助调查").status_code == 200
    assert verify() == []


def test_a_refused_assignment_adds_no_one(cast, agency, units, make_case) -> None:  # type: ignore[no-untyped-def]
    """rule D9: a refusal at review ends the proposal; nothing is opened."""
    case = make_case()
    outsider = make_user(agency, units[1], "refused_officer", Role.OFFICER, "CERT-RO")
    approval = services.propose_officer(actor=cast.handler, case=case, officer=outsider, opinion="协助调查")
    services.review_approval(actor=cast.unit_head, approval=approval, agree=False, opinion="本单位人员足够")
    assert Approval.objects.get(pk=approval.pk).status == "rejected"
    assert not CaseOfficer.objects.filter(case=case, user=outsider).exists()


def test_an_officer_of_the_cases_unit_is_assigned_at_once(cast, agency, units, make_case) -> None:  # type: ignore[no-untyped-def]
    """rule D9 applies to people outside the unit; the unit's own officers join directly, as before."""
    case = make_case()
    outsider = make_user(agency, units[1], "direct_outsider", Role.OFFICER, "CERT-DO")
    r = _post_officer(cast.handler, case, cast.second_officer.username)
    assert r.status_code == 201 and cast.second_officer.username in {o["username"] for o in r.json()["officers"]}
    with pytest.raises(RuleViolation, match="D9"):  # the direct way refuses someone of another unit
        services.assign_officer(actor=cast.handler, case=case, officer=outsider)


@pytest.mark.parametrize("role", [Role.ARCHIVIST, Role.SUPERVISOR, Role.LEGAL_REVIEWER, Role.LEADER, Role.ADMIN])
def test_roles_that_do_not_handle_cases_cannot_be_assigned(cast, agency, units, make_case, role) -> None:  # type: ignore[no-untyped-def]
    """rule R11: making someone an officer of a case must not become a door to its marked records."""
    case = make_case()
    person = make_user(agency, units[0], f"not_an_officer_{role}", role)
    assert _post_officer(cast.handler, case, person.username, "协助").status_code == 422
    with pytest.raises(InvalidInput, match="不能被指派"):
        services.propose_officer(actor=cast.unit_head, case=case, officer=person, opinion="协助")
    assert not CaseOfficer.objects.filter(case=case, user=person).exists()
    with pytest.raises(InvalidInput, match="不能被指派"):  # nor named as an officer when the case is registered
        services.create_case(
            actor=cast.handler, unit=units[0], procedure="general_procedure", cause="登记时指派", officers=[person]
        )


def test_only_those_who_act_on_the_case_may_propose(cast, agency, units, make_case, other) -> None:  # type: ignore[no-untyped-def]
    """An officer of the unit who is not on the case, an officer of another unit, and another agency's officer
    cannot propose anyone (the case's officers, its unit's head and the leaders can)."""
    case = make_case()
    colleague = make_user(agency, units[0], "colleague_not_on_case", Role.OFFICER, "CERT-C")
    outsider = make_user(agency, units[1], "outsider_officer", Role.OFFICER, "CERT-X")
    assert _post_officer(colleague, case, colleague.username).status_code == 403
    assert _post_officer(outsider, case, outsider.username, "我要加入").status_code == 403
    assert _post_officer(other.officer, case, other.officer.username, "跨机关").status_code == 404
    # another agency's people cannot be named either
    assert _post_officer(cast.handler, case, other.officer.username, "跨机关").status_code == 422
    # nor through the generic approvals route, which would carry no officer
    generic = api_client(cast.handler).post(
        f"/api/v1/cases/{case.pk}/approvals",
        {"kind": "officer_assignment", "opinion": "x"},
        content_type="application/json",
    )
    assert generic.status_code == 422
    assert not Approval.objects.filter(case=case).exists()
    assert CaseOfficer.objects.filter(case=case).count() == 1


def test_registering_a_case_with_an_officer_of_another_unit_is_refused(cast, agency, units) -> None:  # type: ignore[no-untyped-def]
    """rule D9: naming someone of another unit at registration would skip the approval."""
    outsider = make_user(agency, units[1], "named_at_registration", Role.OFFICER, "CERT-N")
    with pytest.raises(InvalidInput, match="D9"):
        services.create_case(
            actor=cast.handler, unit=units[0], procedure="general_procedure", cause="登记", officers=[outsider]
        )


@pytest.mark.tampers  # the point of the test
def test_verify_names_an_officer_added_behind_the_ledgers_back(cast, agency, units, make_case) -> None:  # type: ignore[no-untyped-def]
    """Being a case's officer opens its records: a row written straight into the database is found (R8, R9)."""
    case = make_case()
    intruder = make_user(agency, units[1], "db_intruder", Role.OFFICER, "CERT-I")
    row = CaseOfficer.objects.create(case=case, user=intruder)
    findings = [str(f) for f in verify()]
    assert findings == [
        f"承办人员（案件 {case.case_no}）（cases_caseofficer #{row.pk}）: 账本中没有该行的记录（未经留痕写入）"
    ], findings
