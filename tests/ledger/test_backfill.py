"""An instance from an older release: its events carried no row images and personal data as bare SHA-256.
The backfill records what they lacked, with salted commitments, and refuses to launder a change (rule R8)."""

from __future__ import annotations

import hashlib

import pytest
from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import Role
from liuhen.agency_settings.models import AgencySetting
from liuhen.agency_settings.services import event_body
from liuhen.cases.models import Case, CaseOfficer, Party
from liuhen.core import stages
from liuhen.core.errors import InvalidInput
from liuhen.core.rules.agency_settings import COPY_APPROVER
from liuhen.ledger import services as ledger
from liuhen.ledger.models import Event
from liuhen.ledger.projection import BACKFILL
from liuhen.ledger.rebuild import backfill
from liuhen.ledger.verify import verify
from tests.conftest import make_user
from tests.ledger.conftest import drop_triggers, raw

pytestmark = [pytest.mark.django_db, pytest.mark.tampers]  # the point of these tests

ID_NUMBER, PHONE = "320102198805061234", "13912345678"


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@pytest.fixture
def old_case(cast, units) -> Case:  # type: ignore[no-untyped-def]
    """What an older release wrote: the rows, and a case.created event with bare hashes and no row images."""
    now = timezone.now()
    with transaction.atomic():
        case = Case.objects.create(
            agency=units[0].agency,
            unit=units[0],
            case_no="测应急罚〔2025〕9号",
            procedure="general_procedure",
            stage=stages.INITIAL_STAGE[stages.Procedure.GENERAL].value,
            cause="未按规定进行安全生产教育培训",
            summary="钱某：未佩戴劳动防护用品",
            created_by=cast.handler,
            created_at=now,
            stage_changed_at=now,
        )
        party = Party.objects.create(
            case=case, kind="individual", name="钱某", id_number=ID_NUMBER, phone=PHONE, created_at=now
        )
        CaseOfficer.objects.create(case=case, user=cast.handler, is_lead=True)
        ledger.append(
            actor=cast.handler,
            action="case.created",
            subject_type="case",
            subject_id=case.pk,
            case_ref=case.pk,
            at=now,
            body={
                "case_no": case.case_no,
                "procedure": case.procedure,
                "stage": case.stage,
                "cause": case.cause,
                "source": case.source,
                "summary": case.summary,
                "is_major": False,
                "penalty_kind": "",
                "fine_amount": None,
                "officers": [cast.handler.get_username()],
                "parties": [
                    {
                        "id": party.pk,
                        "kind": "individual",
                        "name": "钱某",
                        "id_number_sha256": _sha(ID_NUMBER),
                        "phone_sha256": _sha(PHONE),
                        "address_sha256": None,
                    }
                ],
            },
        )
    return case


def test_an_older_instance_is_backfilled_and_then_verifies(old_case: Case) -> None:
    """rule R8: verify says what the old events lack; the backfill records it in recorded events, personal
    data as salted commitments (no clear value, no bare hash), and then every column is proven."""
    before = [str(f) for f in verify()]
    assert any(f"案件 {old_case.case_no}（cases_case #{old_case.pk}）: 账本未记录这些列" in f for f in before)
    assert any("（cases_party #" in f and "id_number" in f and "账本未记录这些列" in f for f in before)
    assert any("（cases_caseofficer #" in f and "账本未记录这些列：is_lead" in f for f in before)
    count = backfill()
    assert count >= 3 and verify() == []
    events = list(Event.objects.filter(action=BACKFILL))
    assert events and all(e.actor == "system" for e in events)
    text = "".join(e.body for e in events)
    assert ID_NUMBER not in text and PHONE not in text and _sha(ID_NUMBER) not in text and "钱某" not in text
    assert backfill() == 0  # nothing left to record
    party = old_case.parties.get()
    drop_triggers()
    raw("UPDATE cases_party SET phone = '13800000000' WHERE id = %s", [party.pk])
    assert any("联系电话（phone）：与账本中的承诺值不符" in str(f) for f in verify())


def test_the_backfill_refuses_to_launder_a_change(old_case: Case) -> None:
    """rule R8: what the old events did record (a stage, a hashed ID number) is checked first; a difference
    refuses the backfill, which then records nothing."""
    raw("UPDATE cases_case SET stage = 'closed' WHERE id = %s", [old_case.pk])
    drop_triggers()
    raw("UPDATE cases_party SET id_number = '320102198805060000' WHERE case_id = %s", [old_case.pk])
    findings = [str(f) for f in verify()]
    assert any('阶段（stage）：账本记录为 "intake"，现为 "closed"' in f for f in findings)
    assert any("身份证号/统一社会信用代码：与账本记录不符（被改动）" in f for f in findings)
    size = Event.objects.count()
    with pytest.raises(InvalidInput, match="数据与账本不符，不能补记"):
        backfill()
    assert Event.objects.count() == size


def test_an_officer_no_older_event_named_is_reported_and_never_backfilled(old_case: Case, agency, units) -> None:  # type: ignore[no-untyped-def]
    """rules R8, D9: an older case.created named its officers; being an officer opens the case's records (R9), so
    an officer row that no event names was added behind the ledger's back: verify names it and the backfill,
    which records only what is merely older, refuses and records nothing."""
    intruder = make_user(agency, units[1], "db_intruder", Role.OFFICER, "CERT-I")
    row = CaseOfficer.objects.create(case=old_case, user=intruder)
    findings = [str(f) for f in verify()]
    assert (
        f"承办人员（案件 {old_case.case_no}）（cases_caseofficer #{row.pk}）: 账本中没有该行的记录（未经留痕写入）"
        in findings
    )
    size = Event.objects.count()
    with pytest.raises(InvalidInput, match="数据与账本不符，不能补记"):
        backfill()
    assert Event.objects.count() == size


def test_an_older_setting_event_proves_its_row(agency, cast) -> None:  # type: ignore[no-untyped-def]
    """rules R8, R10: a setting.changed event of an older version named every column and no row image; its row is
    still rebuilt and compared column by column, and a row no event names is never backfilled."""
    admin = make_user(agency, None, "sysadmin", Role.ADMIN)
    now = timezone.now()
    with transaction.atomic():
        row = AgencySetting.objects.create(
            agency=agency,
            key=COPY_APPROVER,
            value="leader",
            reason="依002第三十四条",
            set_by=admin,
            set_at=now,
            effective_from=now,
        )
        body = {k: v for k, v in event_body(row, "unit_head").items()}
        ledger.append(
            actor=admin, action="setting.changed", subject_type="agency_setting", subject_id=row.pk, at=now, body=body
        )
    assert verify() == []
    drop_triggers()
    raw("UPDATE agency_settings_agencysetting SET value = 'unit_head' WHERE id = %s", [row.pk])
    stray = AgencySetting.objects.create(
        agency=agency, key="D7", value="30", reason="绕过命令", set_by=admin, set_at=now, effective_from=now
    )
    findings = [str(f) for f in verify()]
    assert (
        f'机关设置（agency_settings_agencysetting #{row.pk}）: 值（value）：账本记录为 "leader"，现为 "unit_head"'
        in findings
    )
    assert f"机关设置（agency_settings_agencysetting #{stray.pk}）: 账本中没有该行的记录（未经留痕写入）" in findings
    with pytest.raises(InvalidInput, match="数据与账本不符，不能补记"):
        backfill()
