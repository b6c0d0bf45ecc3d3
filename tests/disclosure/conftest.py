from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from liuhen.cases import scenarios, services
from liuhen.core import calendar, stages

WITNESS = "李四"
PARTY_ID = "320102198001011234"
PARTY_PHONE = "13912345678"
WITNESS_ID = "320102199002023456"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00").astimezone(UTC)


@pytest.fixture(autouse=True)
def _official_calendar():  # type: ignore[no-untyped-def]
    calendar.configure(calendar.official_calendar())
    import liuhen.deadlines.calendar_store as store

    store._installed_version = None
    yield
    store._installed_version = None


@pytest.fixture
def decided(cast, make_case):  # type: ignore[no-untyped-def]
    """A general penalty case of a natural person, decided, its decision naming a witness with ID and phone."""

    def make(**kw):  # type: ignore[no-untyped-def]
        case = make_case(
            officers=[cast.handler, cast.second_officer],
            penalty_kind="fine",
            fine_amount=Decimal("5000"),
            parties=[
                services.PartyInput(
                    kind="individual",
                    name="王五",
                    id_number=PARTY_ID,
                    phone=PARTY_PHONE,
                    address="明山区幸福路1号",
                )
            ],
            **kw,
        )
        case = scenarios.advance(case, stages.Stage.DECISION, cast)
        scenarios.make_document(case, "inquiry_transcript", cast, person=WITNESS, person_id=WITNESS_ID)
        facts = (
            f"经查，王五（身份证号{PARTY_ID}，电话{PARTY_PHONE}，住明山区幸福路1号）在仓库违规动火作业；"
            f"证人{WITNESS}（身份证号{WITNESS_ID}，电话13800001111）证实上述事实，其患有高血压不宜久站。"
        )
        scenarios.make_document(case, "penalty_decision", cast, facts=facts)
        return case

    return make


@pytest.fixture
def simple(cast, make_case):  # type: ignore[no-untyped-def]
    """A simplified-procedure warning decided on the spot (the quickest published penalty)."""

    def make(**kw):  # type: ignore[no-untyped-def]
        case = make_case("simplified_procedure", officers=[cast.handler, cast.second_officer], penalty_kind="warning")
        return scenarios.step(case, "decide_on_spot", cast)

    return make
