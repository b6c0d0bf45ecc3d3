"""The JSON API: authentication, refusals as 409 with the rule id (nothing changed), bad input as 422."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from liuhen.accounts import services as accounts
from liuhen.cases import scenarios
from liuhen.core import merkle, stages
from liuhen.ledger import services as ledger
from liuhen.ledger.models import Event
from liuhen.ledger.services import log_size

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(cast):  # type: ignore[no-untyped-def]
    def client_for(user):  # type: ignore[no-untyped-def]
        token = accounts.create_token(actor=None, user=user)
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    return client_for


def test_requires_authentication(cast) -> None:  # type: ignore[no-untyped-def]
    assert Client().get("/api/v1/cases").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer lh_wrong").get("/api/v1/cases").status_code == 401


def test_revoked_token_stops_working(api, cast) -> None:  # type: ignore[no-untyped-def]
    token = accounts.create_token(actor=None, user=cast.handler)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/me").json()["username"] == "officer1"
    token_id = cast.handler.api_tokens.get(prefix=token[:10]).pk
    assert client.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_openapi_lists_the_routes(api, cast) -> None:  # type: ignore[no-untyped-def]
    spec = api(cast.handler).get("/api/v1/openapi.json").json()
    assert "/api/v1/cases/{case_id}/transitions" in spec["paths"]
    assert "/api/v1/ledger/events/{seq}/inclusion" in spec["paths"]


def test_create_case_and_read_it(api, cast, units) -> None:  # type: ignore[no-untyped-def]
    client = api(cast.handler)
    r = client.post(
        "/api/v1/cases",
        {
            "procedure": "general_procedure",
            "cause": "未按规定设置安全警示标志",
            "unit_id": units[0].pk,
            "parties": [{"kind": "individual", "name": "钱某", "id_number": "320102198805061234"}],
            "officers": ["officer1", "officer2"],
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["case_no"].startswith("测应急案源〔") and body["intake_no"] == body["case_no"]  # 立案 not approved yet
    assert body["stage"] == "intake"
    assert body["parties"][0]["id_number"] == "320***********1234"  # personal data masked (rule P9)
    assert [s["action"] for s in body["next_steps"]] == ["file", "emergency_start", "not_file"]
    assert body["next_steps"][0]["refusal"]["rule"] == "S2"
    listed = client.get("/api/v1/cases", {"q": "警示"}).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]


def test_illegal_step_is_409_with_the_rule_and_changes_nothing(api, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case()
    client = api(cast.handler)
    before = log_size()
    r = client.post(f"/api/v1/cases/{case.pk}/transitions", {"action": "file"}, content_type="application/json")
    assert r.status_code == 409
    assert r.json()["rule"] == "S2" and "002 第八条" in r.json()["detail"]
    case.refresh_from_db()
    assert case.stage == "intake" and log_size() == before
    r = api(cast.handler).post(
        f"/api/v1/cases/{case.pk}/transitions", {"action": "archive"}, content_type="application/json"
    )
    assert r.status_code == 403  # rule-free step, but only an archivist archives


def test_step_that_does_not_exist_is_409(api, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    case = make_case()
    r = api(cast.handler).post(
        f"/api/v1/cases/{case.pk}/transitions", {"action": "decide"}, content_type="application/json"
    )
    assert r.status_code == 409 and "当前阶段" in r.json()["detail"]


@pytest.mark.parametrize(
    "payload,needle",
    [
        ({"procedure": "nonsense", "cause": "x"}, "未知的程序类型"),
        ({"procedure": "general_procedure", "cause": "  "}, "案由不能为空"),
        ({"procedure": "general_procedure", "cause": "x", "officers": ["ghost"]}, "ghost"),
        ({"procedure": "general_procedure", "cause": "x", "parties": [{"kind": "alien", "name": "x"}]}, "当事人类型"),
    ],
)
def test_bad_input_is_422_and_creates_nothing(api, cast, units, payload, needle) -> None:  # type: ignore[no-untyped-def]
    client = api(cast.handler)
    before = log_size()
    r = client.post("/api/v1/cases", {**payload, "unit_id": units[0].pk}, content_type="application/json")
    assert r.status_code == 422 and needle in r.json()["detail"]
    assert log_size() == before


def test_schema_violation_is_422(api, cast) -> None:  # type: ignore[no-untyped-def]
    assert api(cast.handler).post("/api/v1/cases", {"cause": 1}, content_type="application/json").status_code == 422


def test_approval_chain_over_the_api(api, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule D9: 承办人 → 审核人 → 批准人, each by the right person
    case = make_case()
    r = api(cast.handler).post(
        f"/api/v1/cases/{case.pk}/approvals", {"kind": "filing", "opinion": "建议立案"}, content_type="application/json"
    )
    assert r.status_code == 201
    approval_id = r.json()["id"]
    sign = {"agree": True, "opinion": "同意"}
    assert (
        api(cast.leader)
        .post(f"/api/v1/approvals/{approval_id}/review", sign, content_type="application/json")
        .status_code
        == 403
    )
    assert [a["id"] for a in api(cast.unit_head).get("/api/v1/approvals/pending").json()] == [approval_id]
    assert (
        api(cast.unit_head)
        .post(f"/api/v1/approvals/{approval_id}/review", sign, content_type="application/json")
        .json()["status"]
        == "approving"
    )
    r = api(cast.leader).post(f"/api/v1/approvals/{approval_id}/decide", sign, content_type="application/json")
    assert r.json()["status"] == "approved" and [s["role"] for s in r.json()["steps"]] == [
        "handler",
        "reviewer",
        "approver",
    ]
    r = api(cast.handler).post(
        f"/api/v1/cases/{case.pk}/transitions", {"action": "file"}, content_type="application/json"
    )
    assert r.status_code == 409 and r.json()["rule"] == "S2" and "立案审批表" in r.json()["message"]
    scenarios.make_document(case, "filing_approval", cast)  # rule S2: the form, which carries the chain
    r = api(cast.handler).post(
        f"/api/v1/cases/{case.pk}/transitions", {"action": "file"}, content_type="application/json"
    )
    assert r.status_code == 409 and r.json()["rule"] == "S6"  # rule S6: when the violation ended is recorded first
    ended = (timezone.localdate() - timedelta(days=3)).isoformat()
    r = api(cast.handler).post(
        f"/api/v1/cases/{case.pk}/violation-period", {"violation_ended_on": ended}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["violation_ended_on"] == ended and r.json()["serious_harm"] is False
    r = api(cast.handler).post(
        f"/api/v1/cases/{case.pk}/transitions", {"action": "file"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["stage"] == "investigation"


def test_other_agency_cannot_see_the_case(api, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    other = accounts.create_agency(actor=None, name="另一区应急管理局", short_name="另应急")
    stranger = accounts.create_user(
        actor=None,
        username="stranger",
        password="test-password-2026",
        full_name="外人",
        role="leader",
        agency=other,
        unit=None,
    )
    case = make_case()
    assert api(stranger).get(f"/api/v1/cases/{case.pk}").status_code == 404
    assert api(stranger).get("/api/v1/cases").json()["count"] == 0


def test_inclusion_and_consistency_proofs_over_the_api(api, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    scenarios.advance(make_case(), stages.Stage.INVESTIGATION, cast)
    first = ledger.issue_checkpoint()
    make_case()
    second = ledger.issue_checkpoint()
    assert first is not None and second is not None
    client = api(cast.archivist)
    cp = client.get("/api/v1/ledger/checkpoint").json()
    assert cp["tree_size"] == second.tree_size
    seq = 3
    r = client.get(f"/api/v1/ledger/events/{seq}/inclusion").json()
    leaf = bytes(Event.objects.get(seq=seq).leaf_hash)
    proof = [base64.b64decode(p) for p in r["proof"]]
    assert merkle.verify_inclusion(leaf, seq, r["tree_size"], proof, base64.b64decode(cp["root_hash"]))
    r = client.get("/api/v1/ledger/consistency", {"first": first.tree_size, "second": second.tree_size}).json()
    assert merkle.verify_consistency(
        first.tree_size,
        second.tree_size,
        bytes(first.root_hash),
        bytes(second.root_hash),
        [base64.b64decode(p) for p in r["proof"]],
    )
    assert client.get("/api/v1/ledger/consistency", {"first": 0, "second": 5}).status_code == 422
    assert client.get("/api/v1/ledger/events/99999/inclusion").status_code in (404, 422)
    assert client.get("/api/v1/ledger/public-key").json()["verifier_key"].startswith("liuhen.local/ledger+")


def test_checkpoint_on_demand_is_for_archivists(api, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    officer, archivist = api(cast.handler), api(cast.archivist)
    make_case()
    assert officer.post("/api/v1/ledger/checkpoints").status_code == 403
    assert archivist.post("/api/v1/ledger/checkpoints").status_code == 201
    assert archivist.post("/api/v1/ledger/checkpoints").status_code == 200


def test_a_token_is_looked_up_once_per_call_and_its_use_stamped_once_a_minute(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from liuhen.accounts.models import ApiToken

    case = make_case()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {accounts.create_token(actor=None, user=cast.handler)}")
    with CaptureQueriesContext(connection) as first:
        assert client.get(f"/api/v1/cases/{case.pk}").status_code == 200
    stamped = ApiToken.objects.get(user=cast.handler).last_used_at
    with CaptureQueriesContext(connection) as second:
        assert client.get(f"/api/v1/cases/{case.pk}").status_code == 200
    token_sql = [[q["sql"] for q in run.captured_queries if "accounts_apitoken" in q["sql"]] for run in (first, second)]
    assert [len(t) for t in token_sql] == [2, 1]  # the lookup, and the stamp only the first time
    assert token_sql[0][1].startswith("UPDATE") and stamped is not None
    assert ApiToken.objects.get(user=cast.handler).last_used_at == stamped


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases?cursor=WyJ0IiwgIjIwMjYtMDEtMDFUMDA6MDA6MDArMDA6MDAiLCA5MTcwMDM0MjU3NjExOTkwODY2MzI5Nl0",
        "/api/v1/cases?cursor=not-a-cursor",
        "/api/v1/documents?page=2614302138876870217653288960&page_size=199019",
        "/api/v1/documents?page_size=0",
        "/api/v1/cases/{case}/access-history?limit=-6699&offset=12556711963583770624",
        "/api/v1/cases/{case}/access-history?before=12556711963583770624",
        "/api/v1/calendar/10430957",
        "/api/v1/cases?unit=-9440871275470003065656413519872",
        "/api/v1/documents?case=-1330616399538391330290925568",
        "/api/v1/calendar/0",
        "/api/v1/calculators/late-surcharge?paid_on=2026-01-26&served_on=2026-01-01&fine=1.7976931348623157e%2B308",
        "/api/v1/calculators/late-surcharge?paid_on=2026-01-26&served_on=2026-01-01&fine=NaN",
    ],
)
def test_out_of_range_numbers_are_422_not_a_server_error(api, cast, make_case, path) -> None:  # type: ignore[no-untyped-def]
    """Found by fuzzing the OpenAPI document: numbers past what the database or the calendar can hold."""
    case = make_case()
    r = api(cast.leader).get(path.format(case=case.pk), HTTP_X_LIUHEN_PURPOSE="check")
    assert r.status_code == 422, r.content[:300]


def test_an_id_past_the_database_integers_is_simply_not_there(api, cast) -> None:  # type: ignore[no-untyped-def]
    for path in ("/api/v1/cases/99999999999999999999999999", "/api/v1/documents/99999999999999999999999999/pdf"):
        assert api(cast.leader).get(path).status_code == 404


def test_a_page_past_the_end_is_empty(api, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    make_case()
    # a cursor positioned before the oldest case (its created_at in 2000)
    body = api(cast.leader).get("/api/v1/cases?cursor=WyJ0IiwgIjIwMDAtMDEtMDFUMDA6MDA6MDArMDA6MDAiLCAxXQ").json()
    assert body["items"] == [] and body["count"] >= 1 and body["next"] is None
