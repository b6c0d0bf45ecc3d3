"""Finding 6: a unit head approved his own copy request. No one approves their own request, of any kind: one rule
(``liuhen.core.permissions.refuse_own_request``, rule D9) refuses it for every request type."""

from __future__ import annotations

import pytest

from liuhen.access import services as access
from liuhen.access.models import CopyDecision
from liuhen.accounts.models import Role, User
from liuhen.cases import services
from liuhen.cases.models import AccessRequest, ApprovalStep
from liuhen.core.errors import Forbidden, RuleViolation
from liuhen.core.permissions import refuse_own_request
from tests.conftest import make_user
from tests.security.conftest import api_client, web_client

pytestmark = pytest.mark.django_db

OWN = "承办、审核、批准须为不同的人"  # the one rule's message, whatever the request


def test_the_rule_itself() -> None:
    """rule D9: the decider may be none of the requesters; anyone else passes."""
    refuse_own_request(decider_id=1, requester_ids=[2, None], what="申请")
    with pytest.raises(RuleViolation, match=OWN) as refused:
        refuse_own_request(decider_id=2, requester_ids=[2], what="申请")
    assert refused.value.rule_id == "D9"


def test_a_unit_head_cannot_approve_his_own_copy_request(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    """rules D9, R10: the finding as it was found, through the API; the request stays pending for another."""
    case = make_case()
    head = api_client(cast.unit_head)
    r = head.post(
        f"/api/v1/cases/{case.pk}/copy-requests",
        {"requester_kind": "party", "requester_name": "某某化工有限公司", "reason": "当事人申请复制"},
        content_type="application/json",
    )
    assert r.status_code == 201
    request_id = r.json()["id"]
    decided = head.post(
        f"/api/v1/copy-requests/{request_id}/decide",
        {"approve": True, "reason": "同意"},
        content_type="application/json",
    )
    assert decided.status_code == 409 and decided.json()["rule"] == "D9"
    assert not CopyDecision.objects.exists()
    assert access.copies_to_decide(cast.unit_head) == []  # not offered to him either
    assert head.get(f"/api/v1/copy-requests/{request_id}/package").status_code == 404


def test_a_court_copy_is_not_signed_by_the_legal_reviewer_who_asked_for_it(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    """rules D9, R12: the legal unit signs a court's copy, but not one it requested itself."""
    case = make_case()
    req = access.request_copy(
        actor=cast.legal_reviewer, case=case, requester_kind="court", requester_name="某区人民法院", reason="举证"
    )
    access.decide_copy(actor=cast.unit_head, request=req, approve=True, reason="同意")
    with pytest.raises(RuleViolation, match=OWN):
        access.decide_copy(actor=cast.legal_reviewer, request=req, approve=True, reason="同意")
    req.refresh_from_db()
    assert req.status == "pending"


@pytest.mark.tampers  # the asker's role is changed by hand
def test_no_one_approves_his_own_access_request(cast, agency, units, make_case) -> None:  # type: ignore[no-untyped-def]
    """rules D9, R9: an officer asks to read another unit's case, is then made a leader, and tries to approve it."""
    case = make_case()
    asker = make_user(agency, units[1], "asker", Role.OFFICER, "CERT-A")
    req = access.request_access(actor=asker, case_id=case.pk, purpose="比对类似案件")
    User.objects.filter(pk=asker.pk).update(role=Role.LEADER, unit=None)
    asker.refresh_from_db()
    r = api_client(asker).post(
        f"/api/v1/access-requests/{req.pk}/decide",
        {"approve": True, "opinion": "同意"},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["rule"] == "D9"
    assert AccessRequest.objects.get(pk=req.pk).status == "pending"


@pytest.mark.tampers  # the superuser flag is set by hand
@pytest.mark.parametrize("superuser", [False, True])
def test_no_one_reviews_or_approves_his_own_d9_proposal(cast, make_case, superuser) -> None:  # type: ignore[no-untyped-def]
    """rule D9: the unit head who proposes a filing does not review it; an administrator is no exception."""
    case = make_case()
    proposer = cast.unit_head
    if superuser:
        User.objects.filter(pk=proposer.pk).update(is_superuser=True)
        proposer.refresh_from_db()
    approval = services.start_approval(actor=proposer, case=case, kind="filing", opinion="建议立案")
    with pytest.raises(RuleViolation, match=OWN):
        services.review_approval(actor=proposer, approval=approval, agree=True, opinion="同意")
    assert ApprovalStep.objects.filter(approval=approval).count() == 1


@pytest.mark.tampers  # the superuser flag is set by hand
def test_no_one_approves_the_assignment_he_proposed(cast, agency, units, make_case) -> None:  # type: ignore[no-untyped-def]
    """rule D9 on officer assignment: the unit head proposing someone of another unit cannot review it himself,
    and the head who reviewed it cannot approve it too (no role, not even a superuser flag, signs two steps)."""
    case = make_case()
    outsider = make_user(agency, units[1], "proposed_officer", Role.OFFICER, "CERT-P")
    approval = services.propose_officer(actor=cast.unit_head, case=case, officer=outsider, opinion="协助调查")
    with pytest.raises(RuleViolation, match=OWN):
        services.review_approval(actor=cast.unit_head, approval=approval, agree=True, opinion="同意")
    head2 = make_user(agency, units[0], "head_two", Role.UNIT_HEAD, "CERT-H2")
    User.objects.filter(pk=head2.pk).update(is_superuser=True)  # separation of duties: the flag opens nothing
    head2.refresh_from_db()
    services.review_approval(actor=head2, approval=approval, agree=True, opinion="同意")
    with pytest.raises(Forbidden):
        services.decide_approval(actor=head2, approval=approval, approve=True, opinion="同意")
    services.decide_approval(actor=cast.leader, approval=approval, approve=True, opinion="同意")
    assert case.officers.filter(user=outsider).exists()


def test_the_case_page_offers_no_signature_form_on_ones_own_proposal(cast, agency, units, make_case) -> None:  # type: ignore[no-untyped-def]
    """rule D9 in the page: the proposer is not shown the review form; another head of the unit is, and the
    proposed officer of an assignment is named."""
    case = make_case()
    approval = services.start_approval(actor=cast.unit_head, case=case, kind="filing", opinion="建议立案")
    outsider = make_user(agency, units[1], "named_on_page", Role.OFFICER, "CERT-NP")
    services.propose_officer(actor=cast.handler, case=case, officer=outsider, opinion="协助调查")
    form = f"/approvals/{approval.pk}/review/"
    own = web_client(cast.unit_head).get(f"/cases/{case.pk}/approvals/").content.decode()
    assert form not in own
    head2 = make_user(agency, units[0], "second_head", Role.UNIT_HEAD, "CERT-SH")
    theirs = web_client(head2).get(f"/cases/{case.pk}/approvals/").content.decode()
    assert form in theirs and "拟指派 named_on_page" in theirs
