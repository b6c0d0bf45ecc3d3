"""Agency settings: the configurable periods (rules D7, R2, R6, P3, P6, P10) and the R10 copy approver, each with a
default citing its source, changed by the agency's administrator with a reason, versioned, ledgered, and read as
they stood when each event happened."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.test import Client
from django.utils import timezone

from liuhen.access import services as access
from liuhen.accounts import services as accounts
from liuhen.accounts.models import Role
from liuhen.agency_settings import services as settings_service
from liuhen.agency_settings.integrity import COLUMNS
from liuhen.agency_settings.models import AgencySetting
from liuhen.cases import services as cases
from liuhen.core import periods
from liuhen.core.errors import Forbidden
from liuhen.core.rules.agency_settings import (
    BY_SETTING,
    COPY_APPROVER,
    PERMANENT,
    SETTINGS,
    runs_for_ever,
    spec,
    with_period,
)
from liuhen.core.rules.deadlines import BY_KEY, DEADLINE_RULES
from liuhen.deadlines.models import Deadline
from liuhen.deadlines.queries import describe
from liuhen.deadlines.services import recompute_unverified
from liuhen.ledger import rebuild
from liuhen.ledger.envelope import format_at
from liuhen.ledger.models import Event
from tests.conftest import make_user


def api(user):  # type: ignore[no-untyped-def]
    return Client(HTTP_AUTHORIZATION=f"Bearer {accounts.create_token(actor=None, user=user)}")


def web(user):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin(agency):  # type: ignore[no-untyped-def]
    """The agency's administrator."""
    return make_user(agency, None, "sysadmin", Role.ADMIN)


def approve_filing(cast, case) -> None:  # type: ignore[no-untyped-def]
    approval = cases.start_approval(actor=cast.handler, case=case, kind="filing", opinion="建议立案调查")
    cases.review_approval(actor=cast.unit_head, approval=approval, agree=True, opinion="同意")
    cases.decide_approval(actor=cast.leader, approval=approval, approve=True, opinion="批准立案")


def days(dl: Deadline) -> int:
    return (dl.due_on - dl.started_at.astimezone(periods.LOCAL).date()).days  # type: ignore[operator]


def d7(case) -> Deadline:  # type: ignore[no-untyped-def]
    return Deadline.objects.select_related("case").get(case=case, rule_key="D7")


# -- the table (pure) ----------------------------------------------------------------------------------------


def test_every_configurable_row_is_a_setting_with_its_default_and_source() -> None:
    """rules D7, R2, R6, P3, P6, P10 (periods) and R10 (copy approver): a default citing its source, a range."""
    configurable = {r.key for r in DEADLINE_RULES if r.configurable}
    assert configurable == {s.key for s in SETTINGS if s.is_period}
    for s in SETTINGS:
        assert s.source and s.default == s.parse(s.default)
        if s.is_period:
            assert s.default == str(BY_KEY[s.key].period)
    assert {c.value: c.source.split("：")[0] for c in spec(COPY_APPROVER).choices} == {
        "unit_head": "000 第二十一条",
        "leader": "002 第三十四条",
    }
    assert spec(COPY_APPROVER).default == "unit_head"  # an agency without its own rule follows 000
    for key, bad in [("D7", "0"), ("D7", "366"), ("D7", "九十"), ("R6", "20"), ("P3.licence", "21"), ("P6", "8")]:
        with pytest.raises(ValueError, match="“"):
            spec(key).parse(bad)
    assert spec("P3.licence").parse(" 7 ") == "7"  # 118号
    assert spec("R6").value_text(str(PERMANENT)) == "永久"
    assert runs_for_ever(with_period(BY_KEY["R6"], "0")) and not runs_for_ever(with_period(BY_KEY["R6"], "10"))
    with pytest.raises(ValueError, match="可选"):
        spec(COPY_APPROVER).parse("officer")


# -- periods in force at the trigger (D7) --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_setting_changed_later_does_not_alter_a_deadline_opened_before(cast, admin, make_case) -> None:  # type: ignore[no-untyped-def]
    """rule D7: the 90 days run as they stood when the filing was approved; a later change applies to later cases."""
    before = make_case()
    approve_filing(cast, before)
    opened = d7(before)
    assert days(opened) in range(90, 94)  # 90 days; a rest-day end moves to the next working day (T2)

    r = api(admin).post(
        "/api/v1/settings",
        {"key": "D7", "value": 60, "reason": "本机关规章规定60日内作出决定"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["value_text"] == "60日"

    again = d7(before)
    assert (again.due_on, again.unverified_year) == (opened.due_on, opened.unverified_year)  # nothing running moves
    after = make_case()
    approve_filing(cast, after)
    new = d7(after)
    assert days(new) in range(60, 64)
    now = timezone.now()
    assert describe(again, now)["period"] == "90日" and describe(new, now)["period"] == "60日"

    # an estimate past the holiday table is recomputed with the period that ran, not today's (rule T5)
    year = opened.due_on.year
    Deadline.objects.filter(pk=opened.pk).update(unverified_year=year)
    recompute_unverified([year])
    assert d7(before).due_on == opened.due_on


@pytest.mark.django_db
def test_a_change_from_a_later_date_leaves_todays_events_under_todays_value(cast, admin, make_case) -> None:  # type: ignore[no-untyped-def]
    """rule D7: the value in force at the event's time, not the newest one entered."""
    tomorrow = timezone.now() + timedelta(days=1)
    settings_service.set_setting(
        actor=admin, agency=admin.agency, key="D7", value="120", reason="明日起施行新规定", effective_from=tomorrow
    )
    case = make_case()
    approve_filing(cast, case)
    assert describe(d7(case), timezone.now())["period"] == "90日"
    assert settings_service.value_at(admin.agency_id, "D7", tomorrow) == "120"
    assert settings_service.value_at(admin.agency_id, "D7", tomorrow - timedelta(seconds=1)) == "90"


# -- refused input changes nothing ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ({"key": "D7", "value": 0}, "超出范围"),
        ({"key": "D7", "value": "366"}, "超出范围"),
        ({"key": "D7", "value": "九十"}, "须为整数"),
        ({"key": "R6", "value": "20"}, "超出范围"),
        ({"key": "P3.licence", "value": "21"}, "超出范围"),
        ({"key": "P6", "value": "8"}, "超出范围"),
        ({"key": COPY_APPROVER, "value": "officer"}, "可选"),
        ({"key": "X9", "value": "1"}, "没有名为"),
        ({"key": "D7", "value": "60", "reason": "  "}, "须说明理由"),
        ({"key": "D7", "value": "90"}, "无须修改"),
        ({"key": "D7", "value": "60", "effective_from": "2020-01-01T00:00:00+08:00"}, "不能早于现在"),
    ],
)
def test_a_value_out_of_range_is_refused_with_4xx_and_changes_nothing(admin, payload, needle) -> None:  # type: ignore[no-untyped-def]
    """rules D7, R6, P3, P6, R10: what a setting does not accept is 422 with the reason in Chinese."""
    body = {"reason": "依本机关规定", **payload}
    seq = Event.objects.count()
    r = api(admin).post("/api/v1/settings", body, content_type="application/json")
    assert r.status_code == 422, r.content
    assert needle in r.json()["detail"]
    assert not AgencySetting.objects.exists()
    assert not Event.objects.filter(action="setting.changed").exists() and Event.objects.count() == seq + 1  # token


# -- only the administrator -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_the_administrator_changes_settings(agency, units, cast, admin) -> None:  # type: ignore[no-untyped-def]
    """rule R10 and the periods: an agency's settings are its administrator's; everyone may read them."""
    body = {"key": COPY_APPROVER, "value": "leader", "reason": "依本机关规定"}
    for user in (cast.handler, cast.unit_head, cast.legal_reviewer, cast.leader, cast.archivist):
        r = api(user).post("/api/v1/settings", body, content_type="application/json")
        assert r.status_code == 403 and r.json()["action"] == "settings", user.role
        assert web(user).post("/settings/", body).status_code == 403
        with pytest.raises(Forbidden):
            settings_service.set_setting(actor=user, agency=agency, **body)
        listed = {s["key"]: s["value"] for s in api(user).get("/api/v1/settings").json()}
        assert listed[COPY_APPROVER] == "unit_head"  # reading is for all
    other = accounts.create_agency(actor=None, name="别处应急管理局", short_name="别应急")
    their_admin = make_user(other, None, "their_admin", Role.ADMIN)
    assert (
        api(their_admin)
        .post("/api/v1/settings", {**body, "agency_id": agency.pk}, content_type="application/json")
        .status_code
        == 404
    )
    with pytest.raises(Forbidden):
        settings_service.set_setting(actor=their_admin, agency=agency, **body)
    assert not AgencySetting.objects.exists()

    instance_admin, _ = accounts.create_admin(password="Admin-pass-2026!")  # `liuhen init`: of no agency
    missing = api(instance_admin).post("/api/v1/settings", body, content_type="application/json")
    assert missing.status_code == 422 and "agency_id" in missing.json()["detail"]
    done = api(instance_admin).post(
        "/api/v1/settings", {**body, "agency_id": other.pk}, content_type="application/json"
    )
    assert done.status_code == 201
    assert settings_service.copy_approver_role(other.pk, timezone.now()) == "leader"
    assert settings_service.copy_approver_role(agency.pk, timezone.now()) == "unit_head"
    r = api(admin).post("/api/v1/settings", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["set_by"] == "sysadmin"


@pytest.mark.django_db
def test_the_settings_page_shows_sources_and_changes_with_a_reason(admin, cast) -> None:  # type: ignore[no-untyped-def]
    """rules R10, P3: the administrator's page lists each setting with its source, and keeps every change."""
    client = web(admin)
    page = client.get("/settings/").content.decode()
    assert "承办机构负责人</strong>（默认）" in page and "000 第二十一条" in page and "001 七" in page
    r = client.post("/settings/", {"key": "P3.licence", "value": "7", "reason": "依118号，许可决定7个工作日内公示"})
    assert r.status_code == 302
    page = client.get("/settings/").content.decode()
    assert "依118号，许可决定7个工作日内公示" in page and "7个工作日" in page
    refused = client.post("/settings/", {"key": "P3.licence", "value": "30", "reason": "x"}, follow=True)
    assert "超出范围" in refused.content.decode()
    assert AgencySetting.objects.count() == 1
    assert web(cast.handler).get("/settings/").status_code == 403


@pytest.mark.django_db
def test_the_copy_approver_is_set_on_the_page_by_the_words_the_page_shows(admin) -> None:  # type: ignore[no-untyped-def]
    """rule R10: the administrator types 机关负责人 as the page lists it; the stored value is the same as `leader`."""
    client = web(admin)
    r = client.post("/settings/", {"key": COPY_APPROVER, "value": "机关负责人", "reason": "依本机关规定第三十四条"})
    assert r.status_code == 302
    assert AgencySetting.objects.get().value == "leader"
    assert spec(COPY_APPROVER).parse("承办机构负责人") == "unit_head"
    refused = client.post("/settings/", {"key": COPY_APPROVER, "value": "科员", "reason": "x"}, follow=True)
    assert "可选" in refused.content.decode() and AgencySetting.objects.count() == 1


# -- ledgered and append-only ------------------------------------------------------------------------------------


def check_settings() -> list[tuple[str, str]]:
    """What verify's rebuild of every row finds, as (record, problem)."""
    return list(rebuild.findings(rebuild.rebuilt()))


@pytest.mark.django_db
@pytest.mark.tampers  # a stray row written behind the ledger's back
def test_a_change_is_a_ledger_event_carrying_every_column(admin) -> None:  # type: ignore[no-untyped-def]
    """rules R10, R8: the row travels in its event; verify names a row with no event; the row never changes."""
    row = settings_service.set_setting(
        actor=admin, agency=admin.agency, key=COPY_APPROVER, value="leader", reason="依002第三十四条"
    )
    e = Event.objects.get(action="setting.changed")
    body = json.loads(e.body)
    assert e.actor == "sysadmin" and e.subject_type == "agency_setting" and e.subject_id == str(row.pk)
    assert {k: body[k] for k in COLUMNS} == {
        "id": row.pk,
        "agency_id": row.agency_id,
        "key": COPY_APPROVER,
        "value": "leader",
        "reason": "依002第三十四条",
        "set_by_id": admin.pk,
        "set_at": format_at(row.set_at),
        "effective_from": format_at(row.effective_from),
    }
    assert body["previous"] == "unit_head" and body["rule"] == "R10"
    assert list(check_settings()) == []
    with pytest.raises(DatabaseError), transaction.atomic():
        AgencySetting.objects.filter(pk=row.pk).update(value="unit_head")
    with pytest.raises(DatabaseError), transaction.atomic():
        AgencySetting.objects.filter(pk=row.pk).delete()
    stray = AgencySetting.objects.create(
        agency=admin.agency,
        key="D7",
        value="30",
        reason="绕过命令",
        set_by=admin,
        set_at=row.set_at,
        effective_from=row.set_at,
    )
    assert check_settings() == [
        (f"机关设置（agency_settings_agencysetting #{stray.pk}）", "账本中没有该行的记录（未经留痕写入）")
    ]


# -- R10: who approves a party's copy, per agency ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_copy_approver_is_the_agency_setting_in_force_when_the_copy_was_requested(  # type: ignore[no-untyped-def]
    agency, units, cast, admin, make_case
) -> None:
    """rule R10: 000 第二十一条 (the handling unit's head) by default; an agency following 002 第三十四条 sets the
    agency head. A request keeps the approver in force when it was made; R12 requests keep the legal unit."""
    case = make_case(officers=[cast.handler, cast.second_officer])

    def ask(kind: str = "party"):  # type: ignore[no-untyped-def]
        return access.request_copy(
            actor=cast.handler, case=case, requester_kind=kind, requester_name="某公司", reason="复制"
        )

    early = ask()
    settings_service.set_setting(
        actor=admin, agency=agency, key=COPY_APPROVER, value="leader", reason="依002第三十四条"
    )
    late, court = ask(), ask("court")

    def forms(user) -> int:  # type: ignore[no-untyped-def]
        return web(user).get(f"/cases/{case.pk}/copies/").content.decode().count('placeholder="审批意见"')

    assert (forms(cast.unit_head), forms(cast.leader)) == (2, 1)  # early and court; late
    assert [r.pk for r in access.copies_to_decide(cast.legal_reviewer)] == [court.pk]

    with pytest.raises(Forbidden, match="承办机构负责人"):  # asked under the old setting
        access.decide_copy(actor=cast.leader, request=early, approve=True, reason="同意")
    assert access.decide_copy(actor=cast.unit_head, request=early, approve=True, reason="同意").status == "preparing"

    assert [r.pk for r in access.copies_to_decide(cast.leader)] == [late.pk]
    assert late.pk not in [r.pk for r in access.copies_to_decide(cast.unit_head)]
    with pytest.raises(Forbidden, match="机关负责人"):
        access.decide_copy(actor=cast.unit_head, request=late, approve=True, reason="同意")
    r = api(cast.leader).post(
        f"/api/v1/copy-requests/{late.pk}/decide",
        {"approve": True, "reason": "同意提供"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    late.refresh_from_db()
    assert late.status == "preparing" and late.decisions.get().role == Role.LEADER

    assert access.needed_roles(court) == {Role.UNIT_HEAD, Role.LEGAL_REVIEWER}  # R12 is not the setting's
    with pytest.raises(Forbidden):
        access.decide_copy(actor=cast.leader, request=court, approve=True, reason="同意")

    # another agency keeps the default of 000
    other = accounts.create_agency(actor=None, name="别处应急管理局", short_name="别应急")
    unit = accounts.create_unit(actor=None, agency=other, name="执法大队")
    officer = make_user(other, unit, "o_other", Role.OFFICER, "CERT-O1")
    head = make_user(other, unit, "h_other", Role.UNIT_HEAD, "CERT-O2")
    boss = make_user(other, None, "l_other", Role.LEADER)
    theirs = cases.create_case(actor=officer, unit=unit, procedure="general_procedure", cause="其他机关案件")
    req = access.request_copy(actor=officer, case=theirs, requester_kind="party", requester_name="某人", reason="复制")
    with pytest.raises(Forbidden):
        access.decide_copy(actor=boss, request=req, approve=True, reason="同意")
    assert access.decide_copy(actor=head, request=req, approve=True, reason="同意").status == "preparing"
    assert BY_SETTING[COPY_APPROVER].default == "unit_head"
