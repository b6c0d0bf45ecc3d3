"""Rule P10: how long an entry stays up. The general period (5 years by default), and the shorter ones an agency
sets for natural persons (2 years by default) and for a warning only (3 months by default): the entry's
公示截止期 is the end of the first of them to end, counted as its deadline row counts it, under the settings in
force when it was published."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from liuhen.accounts.models import Role
from liuhen.agency_settings import services as settings_service
from liuhen.cases import scenarios
from liuhen.cases import services as cases
from liuhen.core.errors import InvalidInput
from liuhen.deadlines.models import Deadline
from liuhen.disclosure import services
from liuhen.disclosure.models import Entry, EntryStatus
from tests.conftest import make_user
from tests.disclosure.conftest import at

pytestmark = pytest.mark.django_db


def _publish(cast, case) -> Entry:  # type: ignore[no-untyped-def]
    return services.publish_entry(actor=cast.unit_head, entry=Entry.objects.get(case=case))


def _rows(case) -> dict[str, date]:  # type: ignore[no-untyped-def]
    return dict(Deadline.objects.filter(case=case, rule_key__startswith="P10").values_list("rule_key", "due_on"))


def test_rule_P10_natural_person_and_warning_run_their_shorter_periods(cast, decided, simple) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        person_case, warning_case = decided(), simple()
        person, warning = _publish(cast, person_case), _publish(cast, warning_case)
    # a fine on a natural person: 2 years (an estimate past the known holiday table, rule T5)
    assert person.party_kind == "自然人" and person.public_until == date(2028, 11, 2)
    assert _rows(person_case) == {"P10.person": date(2028, 11, 2)}
    # a warning only, on an organisation: 3 months
    assert warning.category == "警告" and warning.public_until == date(2027, 2, 2)
    assert _rows(warning_case) == {"P10.warning": date(2027, 2, 2)}
    # the warning comes down by itself after its last day, its row ends; the fine stays up
    assert services.expire_entries(at("2027-02-02T12:00")) == 0
    with time_machine.travel(at("2027-02-03T00:30"), tick=False):
        assert services.expire_entries() == 1
    warning.refresh_from_db()
    person.refresh_from_db()
    assert (warning.status, person.status) == (EntryStatus.EXPIRED, EntryStatus.PUBLISHED)
    assert Deadline.objects.get(case=warning_case, rule_key="P10.warning").status == "ended"


def test_rule_P10_the_agency_setting_in_force_at_publication_decides(cast, agency, decided, make_case) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(agency, None, "sysadmin", Role.ADMIN)
    with time_machine.travel(at("2026-11-02T09:00"), tick=False):
        fined = decided()
        settings_service.set_setting(
            actor=admin, agency=agency, key="P10.person", value="1", reason="本机关公示办法：自然人公示1年"
        )
        settings_service.set_setting(
            actor=admin, agency=agency, key="P10.warning", value="13", reason="本机关公示办法：警告公示13个月"
        )
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        entry = _publish(cast, fined)
        # a warning on a natural person: the shorter of its two periods (1 year before 13 months)
        warned = make_case(
            "simplified_procedure",
            officers=[cast.handler, cast.second_officer],
            penalty_kind="warning",
            parties=[cases.PartyInput(kind="individual", name="赵六", id_number="320102198503031234")],
        )
        warned = scenarios.step(warned, "decide_on_spot", cast)
        both = _publish(cast, warned)
    assert entry.public_until == date(2027, 11, 2) and _rows(fined) == {"P10.person": date(2027, 11, 2)}
    assert both.public_until == date(2027, 11, 2) and _rows(warned) == {"P10.person": date(2027, 11, 2)}
    # a later change does not move what is already published
    with time_machine.travel(at("2026-11-03T09:00"), tick=False):
        settings_service.set_setting(actor=admin, agency=agency, key="P10.person", value="3", reason="改为3年")
    entry.refresh_from_db()
    assert entry.public_until == date(2027, 11, 2) and _rows(fined) == {"P10.person": date(2027, 11, 2)}
    # the 13-month warning period is the shorter one for an organisation (5 years in general)
    with time_machine.travel(at("2026-11-03T10:00"), tick=False):
        org = scenarios.step(
            make_case("simplified_procedure", officers=[cast.handler, cast.second_officer], penalty_kind="warning"),
            "decide_on_spot",
            cast,
        )
        warned_org = _publish(cast, org)
    assert warned_org.public_until == date(2027, 12, 3) and _rows(org) == {"P10.warning": date(2027, 12, 3)}


def test_rule_P10_settings_out_of_range_are_refused(agency) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(agency, None, "sysadmin", Role.ADMIN)
    for key, value in (("P10.person", "0"), ("P10.person", "11"), ("P10.warning", "61"), ("P10.warning", "三")):
        with pytest.raises(InvalidInput):
            settings_service.set_setting(actor=admin, agency=agency, key=key, value=value, reason="试")
    assert settings_service.value_at(agency.pk, "P10.warning", at("2030-01-01T00:00")) == "3"
