"""The permission matrix: every API operation (from the OpenAPI routes) × every role, against the one table."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import get_resolver

from liuhen.access import services as access
from liuhen.accounts import services as accounts
from liuhen.accounts.models import Role
from liuhen.cases import services as cases
from liuhen.core.permissions import Scope, scope
from liuhen.documents import services as documents
from liuhen.web.api import api
from liuhen.web.permissions import ACTION_ATTR
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def operations() -> list[tuple[str, str, object]]:
    out = []
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            full = "/api/v1/" + "/".join(p.strip("/") for p in (prefix, path) if p.strip("/"))
            for op in view.operations:
                out += [(method, full, op.view_func) for method in op.methods]
    return out


def test_the_operations_are_the_openapi_routes_and_each_names_its_action() -> None:
    spec = api.get_openapi_schema()
    documented = {(m.upper(), p) for p, item in spec["paths"].items() for m in item}
    routed = {(m, p) for m, p, _ in operations()}
    assert routed == documented
    missing = [f"{m} {p}" for m, p, f in operations() if getattr(f, ACTION_ATTR, None) is None]
    assert not missing, f"operations without a permission rule: {missing}"


def test_every_page_names_its_action() -> None:
    free = {"login", "logout", "favicon"}
    free |= {"document_verify_start", "document_verify", "document_verify_proof"}  # public: a recipient checks a PDF
    missing = []
    for pattern in get_resolver().url_patterns:
        name = getattr(pattern, "name", None)
        if name in free or str(pattern.pattern).startswith(("admin/", "api/v1/")):
            continue
        view = getattr(pattern, "callback", None)
        if view is not None and getattr(view, ACTION_ATTR, None) is None:
            missing.append(str(pattern.pattern))
    assert not missing, f"pages without a permission rule: {missing}"


@pytest.mark.parametrize("role", Role.values)
def test_every_operation_for_every_role(role: str, agency, units, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    user = make_user(agency, units[0], f"probe_{role}", role, "CERT-P" if role in ("officer", "unit_head") else None)
    case = make_case(officers=[cast.handler, cast.second_officer, *([user] if role == "officer" else [])])
    doc = documents.create_document(actor=cast.handler, case=case, code="inspection_transcript", data={})
    approval = cases.start_approval(actor=cast.handler, case=case, kind="filing", opinion="建议立案")
    copy = access.request_copy(
        actor=cast.handler, case=case, requester_kind="party", requester_name="某某公司", reason="申请复制处罚决定书"
    )
    token = accounts.create_token(actor=None, user=user)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    values = {
        "case_id": case.pk,
        "document_id": doc.pk,
        "approval_id": approval.pk,
        "seq": 0,
        "year": 2026,
        "token_id": user.api_tokens.get().pk,
        "alert_id": 999999,
        "request_id": copy.pk,
        "access_request_id": 999999,
        "recording_id": 999999,
        "view_request_id": 999999,
        "omission_id": 999999,
        "device_id": 999999,
    }
    wrong = []
    for method, path, view in operations():
        if method == "DELETE" and "tokens" in path:
            continue  # revoking one's token would end the probe; covered in test_api
        action = getattr(view, ACTION_ATTR)
        url = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)
        response = client.generic(method, url, "{}", content_type="application/json")
        denied = scope(role, action) == Scope.NONE
        # the table's refusal names its action; a service may still refuse more narrowly (e.g. which
        # documents a role writes) once the table has let the role in
        refused_by_table = response.status_code == 403 and b'"action"' in response.content
        if denied != refused_by_table:
            wrong.append(f"{role} {method} {path} [{action}] -> {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_an_officer_of_another_unit_gets_403_and_another_agency_404(agency, units, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case()
    outsider = make_user(agency, units[1], "other_unit_officer", Role.OFFICER, "CERT-9")
    api_client = Client(HTTP_AUTHORIZATION=f"Bearer {accounts.create_token(actor=None, user=outsider)}")
    assert api_client.get(f"/api/v1/cases/{case.pk}").status_code == 403
    web = Client()
    web.force_login(outsider)
    assert web.get(f"/cases/{case.pk}/").status_code == 403
    other = accounts.create_agency(actor=None, name="别处应急管理局", short_name="别应急")
    stranger = make_user(other, None, "stranger_leader", Role.LEADER)
    api_stranger = Client(HTTP_AUTHORIZATION=f"Bearer {accounts.create_token(actor=None, user=stranger)}")
    assert api_stranger.get(f"/api/v1/cases/{case.pk}").status_code == 404
    assert api_stranger.get(f"/api/v1/cases/{case.pk + 1000}").status_code == 404  # ids lead nowhere
