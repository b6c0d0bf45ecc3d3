"""The tamper suite for rows: every domain row is a projection of the ledger, so a change made to any column of
any table behind the application's back (triggers dropped) is found and named by table, row and column
(rules R8, SU2: altered, deleted and unrecorded records are found)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from liuhen.accounts.models import ApiToken, Certificate
from liuhen.cases.models import ApprovalStep, CaseOfficer
from liuhen.deadlines.models import CalendarDay
from liuhen.documents.models import Attachment, Rendition, Signature
from liuhen.ledger import projection
from liuhen.ledger.models import Event
from liuhen.ledger.verify import verify
from liuhen.media.models import DeviceLog
from tests.ledger.conftest import World, drop_triggers, raw

pytestmark = pytest.mark.django_db

# (what is done, the SQL and its parameters, where verify must name it: table, row id, and column or problem)
Tampering = tuple[str, Callable[[World], tuple[str, list[Any], str, Any, str]]]


def _step(w: World, role: str) -> ApprovalStep:
    return ApprovalStep.objects.get(approval=w.objects["approval"], role=role)


TAMPERINGS: list[Tampering] = [
    (
        "approval opinion 同意→不同意",
        lambda w: (
            "UPDATE cases_approvalstep SET opinion = '不同意' WHERE id = %s",
            [_step(w, "approver").pk],
            "cases_approvalstep",
            _step(w, "approver").pk,
            '（opinion）：账本记录为 "同意"，现为 "不同意"',
        ),
    ),
    (
        "approval signer swapped",
        lambda w: (
            "UPDATE cases_approvalstep SET user_id = %s, signed_name = 'officer9' WHERE id = %s",
            [w.objects["outsider"].pk, _step(w, "reviewer").pk],
            "cases_approvalstep",
            _step(w, "reviewer").pk,
            "（signed_name）",
        ),
    ),
    (
        "approval step agree flipped",
        lambda w: (
            "UPDATE cases_approvalstep SET agree = %s WHERE id = %s",
            [False, _step(w, "handler").pk],
            "cases_approvalstep",
            _step(w, "handler").pk,
            "（agree）",
        ),
    ),
    (
        "party phone",
        lambda w: (
            "UPDATE cases_party SET phone = '13800000000' WHERE id = %s",
            [w.objects["party"].pk],
            "cases_party",
            w.objects["party"].pk,
            "联系电话（phone）：与账本中的承诺值不符",
        ),
    ),
    (
        "party address",
        lambda w: (
            "UPDATE cases_party SET address = '别处' WHERE id = %s",
            [w.objects["party"].pk],
            "cases_party",
            w.objects["party"].pk,
            "（address）：与账本中的承诺值不符",
        ),
    ),
    (
        "party kind",
        lambda w: (
            "UPDATE cases_party SET kind = 'organisation' WHERE id = %s",
            [w.objects["party"].pk],
            "cases_party",
            w.objects["party"].pk,
            "（kind）",
        ),
    ),
    (
        "case cause",
        lambda w: (
            "UPDATE cases_case SET cause = '其他' WHERE id = %s",
            [w.case.pk],
            "cases_case",
            w.case.pk,
            "案由（cause）",
        ),
    ),
    (
        "case proposed fine",
        lambda w: (
            "UPDATE cases_case SET fine_amount = 500 WHERE id = %s",
            [w.case.pk],
            "cases_case",
            w.case.pk,
            '（fine_amount）：账本记录为 "5000.00"，现为 "500.00"',
        ),
    ),
    (
        "act note",
        lambda w: (
            "UPDATE cases_caseact SET note = '无' WHERE id = %s",
            [w.objects["act"].pk],
            "cases_caseact",
            w.objects["act"].pk,
            "（note）",
        ),
    ),
    (
        "recording moved to another case",
        lambda w: (
            "UPDATE media_recording SET case_id = %s WHERE id = %s",
            [w.other_case.pk, w.objects["recording"].pk],
            "media_recording",
            w.objects["recording"].pk,
            "（case_id）",
        ),
    ),
    (
        "recording deleted",
        lambda w: (
            "DELETE FROM media_recording WHERE id = %s",
            [w.objects["unreferenced_recording"].pk],
            "media_recording",
            w.objects["unreferenced_recording"].pk,
            "已不存在（被删除）",
        ),
    ),
    (
        "recording's party",
        lambda w: (
            "UPDATE media_recording SET party = '别人' WHERE id = %s",
            [w.objects["second_recording"].pk],
            "media_recording",
            w.objects["second_recording"].pk,
            "（party）：与账本中的承诺值不符",
        ),
    ),
    (
        "user role officer→leader",
        lambda w: (
            "UPDATE accounts_user SET role = 'leader' WHERE id = %s",
            [w.objects["user"].pk],
            "accounts_user",
            w.objects["user"].pk,
            '（role）：账本记录为 "officer"，现为 "leader"',
        ),
    ),
    (
        "user password hash replaced",
        lambda w: (
            "UPDATE accounts_user SET password = 'md5$x$y' WHERE id = %s",
            [w.objects["outsider"].pk],
            "accounts_user",
            w.objects["outsider"].pk,
            "（password）：与账本中的承诺值不符",
        ),
    ),
    (
        "user made superuser",
        lambda w: (
            "UPDATE accounts_user SET is_superuser = %s WHERE id = %s",
            [True, w.objects["outsider"].pk],
            "accounts_user",
            w.objects["outsider"].pk,
            "（is_superuser）",
        ),
    ),
    (
        "draft document content",
        lambda w: (
            "UPDATE documents_document SET data = '{}' WHERE id = %s",
            [w.objects["draft"].pk],
            "documents_document",
            w.objects["draft"].pk,
            "（data）",
        ),
    ),
    (
        "finalised document number",
        lambda w: (
            "UPDATE documents_document SET document_no = 'X' WHERE id = %s",
            [w.objects["document"].pk],
            "documents_document",
            w.objects["document"].pk,
            "（document_no）",
        ),
    ),
    (
        "signature name",
        lambda w: (
            "UPDATE documents_signature SET name = '别人' WHERE id = %s",
            [Signature.objects.filter(document=w.objects["document"], slot="party").first().pk],  # type: ignore[union-attr]
            "documents_signature",
            Signature.objects.filter(document=w.objects["document"], slot="party").first().pk,  # type: ignore[union-attr]
            "（name）：与账本中的承诺值不符",
        ),
    ),
    (
        "device handed to another officer",
        lambda w: (
            "UPDATE media_device SET officer_id = %s WHERE id = %s",
            [w.objects["outsider"].pk, w.objects["device"].pk],
            "media_device",
            w.objects["device"].pk,
            "（officer_id）",
        ),
    ),
    (
        "device log note",
        lambda w: (
            "UPDATE media_devicelog SET note = '无' WHERE id = %s",
            [DeviceLog.objects.get(kind="check", note="使用前检查正常").pk],
            "media_devicelog",
            DeviceLog.objects.get(kind="check", note="使用前检查正常").pk,
            "（note）",
        ),
    ),
    (
        "interruption reason",
        lambda w: (
            "UPDATE media_interruptionnote SET reason = 'weather' WHERE id = %s",
            [w.objects["interruption"].pk],
            "media_interruptionnote",
            w.objects["interruption"].pk,
            "（reason）",
        ),
    ),
    (
        "blob size",
        lambda w: (
            "UPDATE media_blob SET size = 1 WHERE sha256 = %s",
            [w.objects["recording"].blob_id],
            "media_blob",
            w.objects["recording"].blob_id,
            "（size）",
        ),
    ),
    (
        "confidentiality mark reason",
        lambda w: (
            "UPDATE access_confidentialitymark SET reason = '无' WHERE id = %s",
            [w.objects["mark"].pk],
            "access_confidentialitymark",
            w.objects["mark"].pk,
            "（reason）",
        ),
    ),
    (
        "调阅 grant extended",
        lambda w: (
            "UPDATE cases_accessrequest SET expires_at = %s WHERE id = %s",
            [w.objects["access_request"].expires_at.replace(year=2099), w.objects["access_request"].pk],
            "cases_accessrequest",
            w.objects["access_request"].pk,
            "（expires_at）",
        ),
    ),
    (
        "copy requester",
        lambda w: (
            "UPDATE access_copyrequest SET requester_name = '别人' WHERE id = %s",
            [w.objects["copy_request"].pk],
            "access_copyrequest",
            w.objects["copy_request"].pk,
            "（requester_name）：与账本中的承诺值不符",
        ),
    ),
    (
        "copy request status",
        lambda w: (
            "UPDATE access_copyrequest SET status = 'approved' WHERE id = %s",
            [w.objects["copy_request"].pk],
            "access_copyrequest",
            w.objects["copy_request"].pk,
            "（status）",
        ),
    ),
    (
        "certificate prolonged",
        lambda w: (
            "UPDATE accounts_certificate SET valid_to = '2199-01-01' WHERE id = %s",
            [Certificate.objects.filter(user=w.objects["user"]).get().pk],
            "accounts_certificate",
            Certificate.objects.filter(user=w.objects["user"]).get().pk,
            "（valid_to）",
        ),
    ),
    (
        "agency short name",
        lambda w: (
            "UPDATE accounts_agency SET short_name = '假' WHERE id = %s",
            [w.case.agency_id],
            "accounts_agency",
            w.case.agency_id,
            "（short_name）",
        ),
    ),
    (
        "unit renamed",
        lambda w: (
            "UPDATE accounts_unit SET name = '别处' WHERE id = %s",
            [w.case.unit_id],
            "accounts_unit",
            w.case.unit_id,
            "（name）",
        ),
    ),
    (
        "holiday made a workday",
        lambda w: (
            "UPDATE deadlines_calendarday SET kind = 'workday' WHERE id = %s",
            [CalendarDay.objects.get().pk],
            "deadlines_calendarday",
            CalendarDay.objects.get().pk,
            "（kind）",
        ),
    ),
    (
        "revoked token revived",
        lambda w: (
            "UPDATE accounts_apitoken SET revoked_at = NULL WHERE id = %s",
            [ApiToken.objects.get().pk],
            "accounts_apitoken",
            ApiToken.objects.get().pk,
            "（revoked_at）",
        ),
    ),
    (
        "assignment's proposed officer swapped",
        lambda w: (
            "UPDATE cases_approval SET officer_id = %s WHERE id = %s",
            [w.objects["outsider"].pk, w.objects["assignment"].pk],
            "cases_approval",
            w.objects["assignment"].pk,
            "（officer_id）",
        ),
    ),
    (
        "officer assigned through an approval swapped for another",
        lambda w: (
            "UPDATE cases_caseofficer SET user_id = (SELECT id FROM accounts_user WHERE username = 'officer2') "
            "WHERE case_id = %s AND user_id = %s",
            [w.other_case.pk, w.objects["assignment"].officer_id],
            "cases_caseofficer",
            CaseOfficer.objects.get(case=w.other_case, user_id=w.objects["assignment"].officer_id).pk,
            "（user_id）",
        ),
    ),
    (
        "agency setting value",
        lambda w: (
            "UPDATE agency_settings_agencysetting SET value = 'unit_head' WHERE id = %s",
            [w.objects["setting"].pk],
            "agency_settings_agencysetting",
            w.objects["setting"].pk,
            '（value）：账本记录为 "leader"，现为 "unit_head"',
        ),
    ),
    (
        "case made major by hand (D2)",
        lambda w: (
            "UPDATE cases_case SET is_major = %s WHERE id = %s",
            [True, w.case.pk],
            "cases_case",
            w.case.pk,
            "（is_major）",
        ),
    ),
    (
        "case violation date moved (S6)",
        lambda w: (
            "UPDATE cases_case SET violation_ended_on = '2020-01-01', serious_harm = %s WHERE id = %s",
            [True, w.case.pk],
            "cases_case",
            w.case.pk,
            "（violation_ended_on）",
        ),
    ),
    (
        "act given a backfill reason",
        lambda w: (
            "UPDATE cases_caseact SET backfill_reason = '补录' WHERE id = %s",
            [w.objects["act"].pk],
            "cases_caseact",
            w.objects["act"].pk,
            "（backfill_reason）",
        ),
    ),
    (
        "view request applicant renamed",
        lambda w: (
            "UPDATE access_viewrequest SET applicant_name = '别人' WHERE id = %s",
            [w.objects["view_request"].pk],
            "access_viewrequest",
            w.objects["view_request"].pk,
            "（applicant_name）：与账本中的承诺值不符",
        ),
    ),
    (
        "view request reply changed",
        lambda w: (
            "UPDATE access_viewrequest SET reply = 'granted' WHERE id = %s",
            [w.objects["view_request"].pk],
            "access_viewrequest",
            w.objects["view_request"].pk,
            '（reply）：账本记录为 "partly"，现为 "granted"',
        ),
    ),
    (
        "av omission approved by hand",
        lambda w: (
            "UPDATE media_avomission SET reason = 'classified' WHERE id = %s",
            [w.objects["omission"].pk],
            "media_avomission",
            w.objects["omission"].pk,
            "（reason）",
        ),
    ),
    (
        "playback review flag flipped",
        lambda w: (
            "UPDATE media_recordingreview SET party_told = %s WHERE id = %s",
            [False, w.objects["review"].pk],
            "media_recordingreview",
            w.objects["review"].pk,
            "（party_told）",
        ),
    ),
    (
        "attachment renamed",
        lambda w: (
            "UPDATE documents_attachment SET name = 'x.pdf' WHERE document_id = %s",
            [w.objects["draft"].pk],
            "documents_attachment",
            Attachment.objects.get(document=w.objects["draft"]).pk,
            "（name）",
        ),
    ),
    (
        "issued PDF swapped for another file",
        lambda w: (
            "UPDATE documents_rendition SET content_sha256 = %s WHERE id = %s",
            ["0" * 64, Rendition.objects.order_by("id").first().pk],
            "documents_rendition",
            Rendition.objects.order_by("id").first().pk,
            "（content_sha256）",
        ),
    ),
    (
        "device check result changed",
        lambda w: (
            "UPDATE media_devicelog SET battery_ok = %s WHERE id = %s",
            [False, w.objects["device_check"].pk],
            "media_devicelog",
            w.objects["device_check"].pk,
            "（battery_ok）",
        ),
    ),
    (
        "published entry's penalty category changed by hand",
        lambda w: (
            "UPDATE disclosure_entry SET category = '罚款' WHERE id = %s",
            [w.objects["entry"].pk],
            "disclosure_entry",
            w.objects["entry"].pk,
            "（category）",
        ),
    ),
    (
        "officer added without an event",
        lambda w: (
            "INSERT INTO cases_caseofficer (case_id, user_id, is_lead, case_unit_id, case_created_at) "
            "SELECT id, %s, %s, unit_id, created_at FROM cases_case WHERE id = %s",
            [w.objects["outsider"].pk, False, w.other_case.pk],
            "cases_caseofficer",
            CaseOfficer.objects.order_by("-id").values_list("id", flat=True).first() + 1,  # type: ignore[operator]
            "账本中没有该行的记录",
        ),
    ),
    (
        "案卷 retention shortened",
        lambda w: (
            "UPDATE archive_casefile SET retention_years = 10 WHERE id = %s",
            [w.objects["case_file"].pk],
            "archive_casefile",
            w.objects["case_file"].pk,
            "（retention_years）",
        ),
    ),
    (
        "legal hold lifted behind the ledger",
        lambda w: (
            "DELETE FROM archive_legalhold WHERE id = %s",
            [w.objects["legal_hold"].pk],
            "archive_legalhold",
            w.objects["legal_hold"].pk,
            "已不存在（被删除）",
        ),
    ),
    (
        "disposal appraisal rewritten",
        lambda w: (
            "UPDATE archive_disposal SET appraisal = '另有理由' WHERE id = %s",
            [w.objects["disposal"].pk],
            "archive_disposal",
            w.objects["disposal"].pk,
            "（appraisal）",
        ),
    ),
    (
        "a failed 四性检测 recorded as passed",
        lambda w: (
            "UPDATE archive_packagecheck SET failed = 'GD-1-1' WHERE id = %s",
            [w.objects["package_check"].pk],
            "archive_packagecheck",
            w.objects["package_check"].pk,
            "（failed）",
        ),
    ),
    (
        "R4 mark changed to another ground",
        lambda w: (
            "UPDATE archive_longtermmark SET ground = 'objection' WHERE id = %s",
            [w.objects["long_term_mark"].pk],
            "archive_longtermmark",
            w.objects["long_term_mark"].pk,
            "（ground）",
        ),
    ),
    (
        "销毁清册 emptied",
        lambda w: (
            "UPDATE archive_filedisposal SET listing = '[]' WHERE id = %s",
            [w.objects["file_disposal"].pk],
            "archive_filedisposal",
            w.objects["file_disposal"].pk,
            "（listing）",
        ),
    ),
    (
        "officer removed",
        lambda w: (
            "DELETE FROM cases_caseofficer WHERE case_id = %s AND is_lead = %s",
            [w.case.pk, False],
            "cases_caseofficer",
            CaseOfficer.objects.get(case=w.case, is_lead=False).pk,
            "已不存在（被删除）",
        ),
    ),
]


def test_the_world_verifies_and_fills_every_table(world: World) -> None:
    """Made through the commands, every row of every projected table is rebuilt from the events, column by
    column; only Django's unused group tables stay empty (rule R8)."""
    assert verify() == []
    empty = {t.name for t in projection.projected_tables() if not t.model._default_manager.exists()}
    assert empty == {"auth_group", "auth_group_permissions", "accounts_user_groups", "accounts_user_user_permissions"}
    bodies = "".join(Event.objects.values_list("body", flat=True))
    assert "孙某" not in bodies and "相邻企业" not in bodies  # a 查阅 applicant only as a salted commitment (R8, P9)


@pytest.mark.tampers  # the point of the test
def test_every_tampering_is_found_and_named(world: World) -> None:
    """rules R8, SU2: one change per table and kind of column; verify names the table, the row and the column
    (a personal column by its commitment, never its value)."""
    planned = [(what, *make(world)) for what, make in TAMPERINGS]
    drop_triggers()
    for _, sql, params, *_ in planned:
        raw(sql, params)
    lines = [str(f) for f in verify()]
    missed = [
        what
        for what, _, _, table, row, phrase in planned
        if not any(f"（{table} #{row}）" in line and phrase in line for line in lines)
    ]
    assert missed == [], "\n".join(lines)
    gone = world.objects["unreferenced_recording"].pk  # a deleted row is named by the case it was recorded under
    deleted = f"音像记录（案件 {world.case.case_no}）（media_recording #{gone}）"
    assert f"{deleted}: 账本记录了该行，但表中已不存在（被删除）" in lines
    assert not any("钱某" in line or "13800000000" in line or "别人" in line for line in lines)  # never printed


@pytest.mark.tampers  # the point of the test
def test_a_group_given_to_a_user_is_found(world: World) -> None:
    """Django's groups and permissions are unused (roles decide); any row in them is reported (rule R8)."""
    raw("INSERT INTO auth_group (name) VALUES ('管理员')")
    assert any("auth_group #" in str(f) and "账本中没有该行的记录" in str(f) for f in verify())
