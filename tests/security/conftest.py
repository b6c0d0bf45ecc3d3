"""The security suite's people: beside the agency of tests/conftest.py (测试区应急管理局), a second agency,
邻区应急管理局, with its own unit, officers, unit head, leader and one case; and clients signed in as anyone."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from liuhen.accounts import services as accounts
from liuhen.accounts.models import Agency, Role, Unit, User
from liuhen.cases import services
from liuhen.cases.models import Case
from tests.conftest import make_user


@dataclass(frozen=True)
class OtherAgency:
    agency: Agency
    unit: Unit
    officer: User
    second_officer: User
    unit_head: User
    leader: User
    case: Case


@pytest.fixture
def other(db: None) -> OtherAgency:  # the neighbouring agency: nothing of ours is theirs, nothing of theirs ours
    agency = accounts.create_agency(actor=None, name="邻区应急管理局", short_name="邻应急")
    unit = accounts.create_unit(actor=None, agency=agency, name="综合执法大队")
    officer = make_user(agency, unit, "lq_officer1", Role.OFFICER, "LQ-CERT-1")
    second = make_user(agency, unit, "lq_officer2", Role.OFFICER, "LQ-CERT-2")
    head = make_user(agency, unit, "lq_head", Role.UNIT_HEAD, "LQ-CERT-3")
    leader = make_user(agency, None, "lq_leader", Role.LEADER)
    case = services.create_case(
        actor=officer,
        unit=unit,
        procedure="general_procedure",
        cause="邻区某企业未按规定配备安全生产管理人员",
        parties=[services.PartyInput(kind="individual", name="邻区当事人", id_number="110101199003071234")],
        officers=[officer, second],
    )
    return OtherAgency(agency, unit, officer, second, head, leader, case)


def web_client(user: User, *, enforce_csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(user)
    return client


def api_client(user: User) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {accounts.create_token(actor=None, user=user)}")
