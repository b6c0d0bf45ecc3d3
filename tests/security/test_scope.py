"""Findings 7 and 8: what an officer may do outside his unit. He registers cases only in his own unit, and files
or annotates only his unit's unlinked recordings, unless his role's scope in the permission table reaches further
(rule R9; 003 第十八条)."""

from __future__ import annotations

import pytest
from django.test import Client

from liuhen.accounts.models import Role
from liuhen.cases import services as cases
from liuhen.cases.models import Case
from liuhen.core.errors import Forbidden
from liuhen.media import services as media
from liuhen.media.models import InterruptionNote, Recording
from tests.conftest import make_user
from tests.media.conftest import synthesise
from tests.security.conftest import api_client, web_client

pytestmark = pytest.mark.django_db


# -- finding 8: registering a case ---------------------------------------------------------------------------------


def test_an_officer_registers_cases_only_in_his_own_unit(cast, units) -> None:  # type: ignore[no-untyped-def]
    """rule R9 (CASE_CREATE: officer → unit): the API refuses another unit with 403 and creates nothing."""
    officer = api_client(cast.handler)
    before = Case.objects.count()
    r = officer.post(
        "/api/v1/cases",
        {"procedure": "general_procedure", "cause": "他科室的案件", "unit_id": units[1].pk},
        content_type="application/json",
    )
    assert r.status_code == 403 and "本单位" in r.json()["detail"]
    assert Case.objects.count() == before
    own = officer.post(
        "/api/v1/cases",
        {"procedure": "general_procedure", "cause": "本科室的案件", "unit_id": units[0].pk},
        content_type="application/json",
    )
    assert own.status_code == 201


def test_the_page_refuses_another_unit_too(cast, units) -> None:  # type: ignore[no-untyped-def]
    """rule R9: the 登记案件 form goes through the same command."""
    r = web_client(cast.handler).post(
        "/cases/new/",
        {
            "procedure": "general_procedure",
            "cause": "他科室的案件",
            "source": "inspection",
            "unit": units[1].pk,
            "party_kind": "organisation",
        },
    )
    assert r.status_code in (200, 403) and not Case.objects.filter(cause="他科室的案件").exists()


def test_a_leader_registers_cases_for_any_unit_of_his_agency(cast, units, other) -> None:  # type: ignore[no-untyped-def]
    """rule R9 (CASE_CREATE: leader → agency); never in another agency."""
    case = cases.create_case(
        actor=cast.leader,
        unit=units[1],
        procedure="general_procedure",
        cause="机关负责人交办",
        officers=[make_user(cast.leader.agency, units[1], "wh_officer", Role.OFFICER, "CERT-WH")],
    )
    assert case.unit == units[1]
    with pytest.raises(Forbidden):
        cases.create_case(actor=cast.leader, unit=other.unit, procedure="general_procedure", cause="跨机关")
    with pytest.raises(Forbidden):  # a unit head's reach is his unit
        cases.create_case(actor=cast.unit_head, unit=units[1], procedure="general_procedure", cause="他科室")


# -- finding 7: unlinked recordings --------------------------------------------------------------------------------


@pytest.fixture
def unlinked(tmp_path, blob_root, agency, units):  # type: ignore[no-untyped-def]
    """A recording uploaded in 危化科 (units[1]), not yet filed into any case."""
    recorder = make_user(agency, units[1], "hazchem_officer", Role.OFFICER, "CERT-HZ")
    rec = media.ingest_file(actor=recorder, path=synthesise(tmp_path / "hz.mp4"), officer=recorder).recording
    assert rec.case is None and rec.unit == units[1]
    return rec


def test_another_units_unlinked_recording_cannot_be_filed_into_ones_case(cast, make_case, unlinked) -> None:  # type: ignore[no-untyped-def]
    """rule R9: the finding as it was found: an officer of 执法大队 filed 危化科's recording into his own case."""
    case = make_case()
    web = web_client(cast.handler)
    assert "hz.mp4" not in web.get("/media/unlinked/").content.decode()  # not offered
    r = web.post("/media/unlinked/", {"recording": unlinked.pk, "case_no": case.case_no}, follow=True)
    assert "其他单位" in r.content.decode()
    assert Recording.objects.get(pk=unlinked.pk).case is None
    with pytest.raises(Forbidden):
        media.assign_to_case(actor=cast.handler, recording=unlinked, case=case)


def test_another_units_unlinked_recording_cannot_be_annotated(cast, unlinked) -> None:  # type: ignore[no-untyped-def]
    """rules AV7, I5, AV8 are the recording unit's to record; the pages refuse anyone else."""
    web = web_client(cast.handler)
    web.post(f"/media/{unlinked.pk}/interruption/", {"reason": "battery", "note": "伪造的中断说明"})
    web.post(f"/media/{unlinked.pk}/statements/", {"party_told": "on", "opening_statement": "on"})
    rec = Recording.objects.get(pk=unlinked.pk)
    assert not InterruptionNote.objects.filter(recording=rec).exists()
    assert not rec.party_told and not rec.opening_statement
    with pytest.raises(Forbidden):
        media.note_interruption(actor=cast.handler, recording=rec, reason="battery")
    with pytest.raises(Forbidden):
        media.review_recording(actor=cast.handler, recording=rec, party_told=True, opening_statement=True)


def test_the_recording_unit_and_the_leader_may_file_it(agency, units, unlinked, cast) -> None:  # type: ignore[no-untyped-def]
    """rule R9: the unit's own people (MEDIA_UPLOAD: unit) and a leader (agency) file unlinked recordings."""
    colleague = make_user(agency, units[1], "hazchem_colleague", Role.OFFICER, "CERT-HC")
    case = cases.create_case(actor=colleague, unit=units[1], procedure="general_procedure", cause="危化品检查")
    media.note_interruption(actor=colleague, recording=unlinked, reason="battery")
    assert "hz.mp4" in web_client(cast.leader).get("/media/unlinked/").content.decode()
    media.assign_to_case(actor=cast.leader, recording=unlinked, case=case)
    assert Recording.objects.get(pk=unlinked.pk).case == case


def test_pages_need_a_login(unlinked) -> None:  # type: ignore[no-untyped-def]
    assert Client().get("/media/unlinked/").status_code == 302
