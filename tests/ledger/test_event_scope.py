"""Ledger event bodies are records (rules R9, R11): read only within one's case scope and confidentiality rights,
404 for another agency, 403 inside one's agency without the right, and every read registered; checkpoints,
proofs and leaf hashes stay open to every signed-in user."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from liuhen.access import services as access
from liuhen.accounts import services as accounts
from liuhen.accounts.models import Role
from liuhen.cases import scenarios
from liuhen.core import stages
from liuhen.ledger import services as ledger
from liuhen.ledger.models import Event
from liuhen.media.services import register_device

pytestmark = pytest.mark.django_db


def api(user) -> Client:  # type: ignore[no-untyped-def]
    return Client(HTTP_AUTHORIZATION=f"Bearer {accounts.create_token(actor=None, user=user)}")


def body_reads() -> list[Event]:
    return list(Event.objects.filter(action="record.read", subject_type="ledger_event").order_by("seq"))


@pytest.fixture
def first_agency(cast, make_case, units):  # type: ignore[no-untyped-def]
    """The first agency's history: a case moved on with its approvals, a marked case, a device. Returns the seqs
    of every event so far, all of them the first agency's."""
    case = scenarios.advance(make_case(), stages.Stage.INVESTIGATION, cast)
    marked = make_case(cause="涉及商业秘密的检查")
    access.set_mark(
        actor=cast.unit_head, case=marked, subject_type="case", subject_id=marked.pk, mark="trade_secret", reason="配方"
    )
    register_device(actor=None, agency_id=units[0].agency_id, number="3201009", officer=cast.handler)
    return case, marked, list(Event.objects.order_by("seq").values_list("seq", flat=True))


@pytest.fixture
def stranger(first_agency):  # type: ignore[no-untyped-def]
    """An officer (and his unit head) of a second agency, 邻区应急管理局."""
    other = accounts.create_agency(actor=None, name="邻区应急管理局", short_name="邻应急")
    unit = accounts.create_unit(actor=None, agency=other, name="执法大队")
    return accounts.create_user(
        actor=None,
        username="linqu1",
        password="test-password-2026",
        full_name="邻区执法员",
        role=Role.OFFICER,
        agency=other,
        unit=unit,
    )


def test_another_agency_gets_no_event_body_while_the_proofs_answer(first_agency, stranger) -> None:  # type: ignore[no-untyped-def]
    """rules R9, R11: every event of the first agency is 404 or 403 to the second agency's officer; nothing is read
    so nothing is registered; the checkpoint, inclusion and consistency proofs still answer."""
    _, _, seqs = first_agency
    first = ledger.issue_checkpoint()
    client = api(stranger)
    for seq in seqs:
        r = client.get(f"/api/v1/ledger/events/{seq}", HTTP_X_LIUHEN_PURPOSE="随便看看")
        assert r.status_code in (403, 404), (seq, r.status_code)
        assert "body" not in r.json() and "leaf_hash" not in r.json()
    assert body_reads() == []
    assert client.get("/api/v1/ledger/events/999999").status_code == 404
    second = ledger.issue_checkpoint(force=True)
    assert first is not None and second is not None
    assert client.get("/api/v1/ledger/checkpoint").json()["tree_size"] == second.tree_size
    for seq in seqs:
        proof = client.get(f"/api/v1/ledger/events/{seq}/inclusion")
        assert proof.status_code == 200 and proof.json()["leaf_hash"]
    consistency = client.get("/api/v1/ledger/consistency", {"first": first.tree_size, "second": second.tree_size})
    assert consistency.status_code == 200
    assert client.get("/api/v1/ledger/public-key").status_code == 200
    anonymous = Client()  # the signed tree head and its key are public; bodies and proofs need an account
    assert anonymous.get("/api/v1/ledger/checkpoint").json()["note"] == second.note
    assert anonymous.get("/api/v1/ledger/public-key").status_code == 200
    assert anonymous.get(f"/api/v1/ledger/events/{seqs[0]}").status_code == 401


def test_own_case_event_is_read_and_registered(first_agency, cast) -> None:  # type: ignore[no-untyped-def]
    """rule R9: the case's officer reads the body under his duty, and the read is a ledger event of the case."""
    case, _, _ = first_agency
    created = Event.objects.get(action="case.created", case_ref=case.pk)
    r = api(cast.handler).get(f"/api/v1/ledger/events/{created.seq}")
    assert r.status_code == 200 and r.json()["body"] == created.body
    (read,) = body_reads()
    assert read.case_ref == case.pk and read.subject_id == str(created.seq) and read.actor == cast.handler.username
    assert json.loads(read.body) == {
        "case_no": case.case_no,
        "what": f"账本事件 #{created.seq}（case.created）",
        "channel": "api",
        "purpose": "承办本案",
    }


def test_inside_the_agency_the_table_and_the_marks_decide(first_agency, cast, units) -> None:  # type: ignore[no-untyped-def]
    """rules R9, R11: another unit's officer is refused with the 调阅 hint (403); a unit colleague states a purpose
    first (428); the archivist may read the agency's records but not a commercially marked case."""
    case, marked, _ = first_agency
    seq = Event.objects.filter(case_ref=case.pk).order_by("seq").first().seq  # type: ignore[union-attr]
    other_unit = accounts.create_user(
        actor=None,
        username="weihua1",
        password="test-password-2026",
        full_name="危化科员",
        role=Role.OFFICER,
        agency=units[1].agency,
        unit=units[1],
    )
    refused = api(other_unit).get(f"/api/v1/ledger/events/{seq}")
    assert refused.status_code == 403 and "access-requests" in refused.json()["hint"]
    colleague = api(cast.second_officer)
    assert colleague.get(f"/api/v1/ledger/events/{seq}").status_code == 428
    assert colleague.get(f"/api/v1/ledger/events/{seq}", HTTP_X_LIUHEN_PURPOSE="案件质量检查").status_code == 200
    archivist = api(cast.archivist)
    assert archivist.get(f"/api/v1/ledger/events/{seq}").status_code == 200
    mark_event = Event.objects.get(action="record.marked", case_ref=marked.pk)
    r = archivist.get(f"/api/v1/ledger/events/{mark_event.seq}")
    assert r.status_code == 403 and "配方" not in r.content.decode()
    assert [json.loads(e.body)["purpose"] for e in body_reads()] == ["案件质量检查", "档案管理"]


def test_events_of_no_case_belong_to_what_they_are_about(first_agency, cast, units, stranger) -> None:  # type: ignore[no-untyped-def]
    """rule R9: an account's events are its owner's and the agency's record readers'; a device's, its unit's; what no
    agency owns is the system administrator's alone; each body read is registered."""
    device = Event.objects.get(action="device.registered")
    handler_created = Event.objects.get(action="user.created", subject_id=str(cast.handler.pk))
    own = Event.objects.get(action="user.created", subject_id=str(stranger.pk))
    assert api(stranger).get(f"/api/v1/ledger/events/{own.seq}").status_code == 200  # his own account
    assert api(stranger).get(f"/api/v1/ledger/events/{handler_created.seq}").status_code == 404
    assert api(cast.second_officer).get(f"/api/v1/ledger/events/{handler_created.seq}").status_code == 200  # his unit
    other_unit = accounts.create_user(
        actor=None,
        username="weihua2",
        password="test-password-2026",
        full_name="危化科员",
        role=Role.OFFICER,
        agency=units[1].agency,
        unit=units[1],
    )
    assert api(other_unit).get(f"/api/v1/ledger/events/{handler_created.seq}").status_code == 403
    assert api(cast.leader).get(f"/api/v1/ledger/events/{handler_created.seq}").status_code == 200
    assert api(cast.second_officer).get(f"/api/v1/ledger/events/{device.seq}").status_code == 200  # his unit's camera
    assert api(cast.legal_reviewer).get(f"/api/v1/ledger/events/{device.seq}").status_code == 403  # no device rights
    from django.db import transaction

    with transaction.atomic():
        loose = ledger.append(actor=None, action="test.event", subject_type="test", subject_id=1, body={"x": 1})
    assert api(cast.leader).get(f"/api/v1/ledger/events/{loose.seq}").status_code == 403
    reads = body_reads()
    assert len(reads) == 4 and all(e.case_ref is None for e in reads)
    assert {json.loads(e.body)["purpose"] for e in reads} == {"账本核查"}
