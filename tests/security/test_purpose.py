"""Finding 12: ``?purpose=`` and ``X-Liuhen-Purpose`` replaced the registered purpose even for the case's officer
("法院依法调取（伪造）" recorded for his own read). A stated purpose adds to the duty, never replaces it (rule R9)."""

from __future__ import annotations

import json

import pytest

from liuhen.access import services as access
from liuhen.accounts.models import Role
from liuhen.ledger.models import Event
from tests.conftest import make_user
from tests.security.conftest import api_client, web_client

pytestmark = pytest.mark.django_db

FORGED = "法院依法调取（伪造）"


def last_read() -> dict:  # type: ignore[type-arg]
    return json.loads(Event.objects.filter(action="record.read").latest("seq").body)


def test_the_case_officers_read_keeps_his_duty(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    """rule R9: the registered basis stays 承办本案; the stated purpose is kept beside it, on the API and the page."""
    case = make_case()
    assert api_client(cast.handler).get(f"/api/v1/cases/{case.pk}", HTTP_X_LIUHEN_PURPOSE=FORGED).status_code == 200
    read = last_read()
    assert read["purpose"] == "承办本案" and read["stated_purpose"] == FORGED
    page = web_client(cast.handler).get(f"/cases/{case.pk}/", {"purpose": FORGED})
    assert page.status_code == 200
    assert last_read()["purpose"] == "承办本案" and last_read()["stated_purpose"] == FORGED
    history = api_client(cast.handler).get(f"/api/v1/cases/{case.pk}/access-history").json()
    assert history[0]["purpose"] == "承办本案" and history[0]["stated_purpose"] == FORGED


def test_a_unit_heads_duty_is_kept(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    """rule R9: 本单位案件管理 stays the basis of the unit head's read."""
    case = make_case()
    api_client(cast.unit_head).get(f"/api/v1/cases/{case.pk}", {"purpose": "私人好奇"})
    assert last_read()["purpose"] == "本单位案件管理" and last_read()["stated_purpose"] == "私人好奇"


def test_a_grant_holders_read_keeps_the_approved_purpose(cast, agency, units, make_case) -> None:  # type: ignore[no-untyped-def]
    """rule R9: a read under an approved 调阅 is registered as 经批准调阅：<the approved purpose>, whatever is said."""
    case = make_case()
    reader = make_user(agency, units[1], "grant_holder", Role.OFFICER, "CERT-G")
    req = access.request_access(actor=reader, case_id=case.pk, purpose="比对类似案件")
    access.decide_access(actor=cast.unit_head, request=req, approve=True, opinion="同意")
    assert api_client(reader).get(f"/api/v1/cases/{case.pk}", HTTP_X_LIUHEN_PURPOSE=FORGED).status_code == 200
    assert last_read()["purpose"] == "经批准调阅：比对类似案件" and last_read()["stated_purpose"] == FORGED


def test_outside_any_duty_the_stated_purpose_is_the_basis(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    """rule R9: with no duty or grant the stated purpose is all there is; without one the read is refused (428)."""
    case = make_case()
    client = api_client(cast.legal_reviewer)
    assert client.get(f"/api/v1/cases/{case.pk}").status_code == 428
    assert client.get(f"/api/v1/cases/{case.pk}", HTTP_X_LIUHEN_PURPOSE="法制审核").status_code == 200
    read = last_read()
    assert read["purpose"] == "法制审核" and "stated_purpose" not in read
