"""Finding 4: video without a trace. The stream registered a read only for a range starting at byte 0, so
``Range: bytes=1-`` returned the whole file but one byte, unregistered. Now every byte range belongs to a play that
was registered as a read (rule R9), and the seeks within one play are that one read."""

from __future__ import annotations

import json

import pytest

from liuhen.accounts.models import Role
from liuhen.ledger.models import Event
from liuhen.media import services
from liuhen.media.storage import LocalBlobStore
from liuhen.media.views import PLAY_SESSION_KEY
from tests.conftest import make_user
from tests.media.conftest import synthesise
from tests.security.conftest import web_client

pytestmark = pytest.mark.django_db


def stream_reads() -> list[dict]:  # type: ignore[type-arg]
    return [
        {"actor": e.actor, **json.loads(e.body)}
        for e in Event.objects.filter(action="record.read").order_by("seq")
        if json.loads(e.body)["channel"] == "stream"
    ]


@pytest.fixture
def recording(tmp_path, blob_root, cast, make_case):  # type: ignore[no-untyped-def]
    case = make_case()
    return services.ingest_file(
        actor=None, path=synthesise(tmp_path / "play.mp4"), officer=cast.handler, case=case
    ).recording


def test_a_range_not_starting_at_zero_is_registered(recording, blob_root, cast) -> None:  # type: ignore[no-untyped-def]
    """rule R9: the finding's request, first of its session, registers the read before a byte is sent."""
    data = LocalBlobStore(blob_root).path(recording.blob_id).read_bytes()
    web = web_client(cast.handler)
    r = web.get(f"/media/{recording.pk}/stream/", HTTP_RANGE="bytes=1-")
    assert r.status_code == 206 and b"".join(r.streaming_content) == data[1:]  # type: ignore[attr-defined]
    assert [(s["actor"], s["what"], s["purpose"]) for s in stream_reads()] == [("officer1", "play.mp4", "承办本案")]


def test_seeks_within_one_play_are_one_read(recording, cast) -> None:  # type: ignore[no-untyped-def]
    """rule R9: one play, one read, whatever ranges the player asks for, from 0 or not."""
    web = web_client(cast.handler)
    for header in ("bytes=500-", "bytes=0-", "bytes=1000-2000", "bytes=-100", "bytes=1-"):
        assert web.get(f"/media/{recording.pk}/stream/", HTTP_RANGE=header).status_code == 206
    assert web.get(f"/media/{recording.pk}/stream/").status_code == 200
    assert len(stream_reads()) == 1
    web_client(cast.handler).get(f"/media/{recording.pk}/stream/", HTTP_RANGE="bytes=100-")  # another session
    assert len(stream_reads()) == 2


def test_a_play_that_went_idle_is_a_new_read(recording, cast) -> None:  # type: ignore[no-untyped-def]
    """rule R9: pressing play again after the play lapsed (PLAY_IDLE_SECONDS) is registered again."""
    web = web_client(cast.handler)
    web.get(f"/media/{recording.pk}/stream/", HTTP_RANGE="bytes=0-")
    session = web.session
    plays = session[PLAY_SESSION_KEY]
    plays[str(recording.pk)]["last"] -= 31 * 60
    session[PLAY_SESSION_KEY] = plays
    session.save()
    web.get(f"/media/{recording.pk}/stream/", HTTP_RANGE="bytes=4000-")
    assert len(stream_reads()) == 2


def test_outside_ones_duty_no_byte_without_a_purpose(recording, agency, units, cast) -> None:  # type: ignore[no-untyped-def]
    """rule R9: the legal reviewer (any case of the agency, no duty on this one) states a purpose before any range."""
    web = web_client(cast.legal_reviewer)
    r = web.get(f"/media/{recording.pk}/stream/", HTTP_RANGE="bytes=1-")
    assert r.status_code == 403 and "调阅" in r.content.decode() and stream_reads() == []
    r = web.get(f"/media/{recording.pk}/stream/", {"purpose": "法制审核"}, HTTP_RANGE="bytes=1-")
    assert r.status_code == 206
    assert [(s["actor"], s["purpose"]) for s in stream_reads()] == [("legal1", "法制审核")]


def test_another_units_officer_gets_no_range_at_all(recording, agency, units) -> None:  # type: ignore[no-untyped-def]
    """rule R9: outside one's scope there is nothing to play: 403 or 404, nothing registered, no bytes."""
    stranger = make_user(agency, units[1], "range_stranger", Role.OFFICER, "CERT-RS")
    for header in ("bytes=1-", "bytes=0-", "bytes=-10"):
        r = web_client(stranger).get(f"/media/{recording.pk}/stream/", HTTP_RANGE=header)
        assert r.status_code in (403, 404)
    assert stream_reads() == []
