"""Service by mail, entrusted or forwarded, and public notice (rules SV3, SV5, SV6), with what must be kept as
attachments; enforcement at night or on a rest day (rule E4)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from liuhen.accounts.services import create_token
from liuhen.core import calendar
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.core.errors import InvalidInput, RuleViolation
from liuhen.documents import attachments, services
from liuhen.documents.services import SignatureRequest as Sig
from liuhen.ledger.verify import verify
from liuhen.media.storage import default_store
from tests.documents.conftest import prerequisites, sample_data

pytestmark = pytest.mark.django_db
SIGNED = [Sig("server", username="officer1"), Sig("recipient", name="赵某")]


def _receipt(cast, case, **changes):  # type: ignore[no-untyped-def]
    data = {**sample_data(BY_CODE["delivery_receipt"]), "served_at": "2026-11-24T10:00", **changes}
    return services.create_document(actor=cast.handler, case=case, code="delivery_receipt", data=data)


def _refused(cast, doc, rule_id, signatures=SIGNED):  # type: ignore[no-untyped-def]
    with pytest.raises(RuleViolation) as exc:
        services.finalise(actor=cast.handler, document=doc, signatures=signatures)
    assert exc.value.rule_id == rule_id
    doc.refresh_from_db()
    assert doc.status == "draft" and not doc.signatures.exists()
    return exc.value


def _attach(cast, doc, kind, content=b"%PDF-1.7 scan"):  # type: ignore[no-untyped-def]
    return attachments.attach(
        actor=cast.handler, document=doc, kind=kind, chunks=[content, kind.encode()], name=f"{kind}.pdf"
    )


def test_mail_is_registered_or_ems_with_its_receipts_kept_and_served_on_the_receipt_date(
    blob_root, cast, make_case
) -> None:  # type: ignore[no-untyped-def]
    # rule SV3 (002 第二十四条): 挂号信或特快专递; 登记、付邮凭证和回执 kept; the receipt's date is the date served
    case = make_case()
    doc = _receipt(cast, case, method="mail", mail_kind="", mail_no="EMS1234567890", receipt_signed_on="2026-11-24")
    assert "挂号信或特快专递" in _refused(cast, doc, "SV3").message
    services.save_draft(actor=cast.handler, document=doc, data={**doc.values, "mail_kind": "ems"})
    assert "付邮凭证" in _refused(cast, doc, "SV3").message  # the receipts are not kept yet
    api = Client(HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=cast.handler)}")
    r = api.post(
        f"/api/v1/documents/{doc.pk}/attachments",
        {"kind": "mail_registration", "file": _upload("登记.pdf", b"registration scan")},
    )
    assert r.status_code == 201 and [a["kind"] for a in r.json()["attachments"]] == ["mail_registration"]
    assert (
        api.post(
            f"/api/v1/documents/{doc.pk}/attachments", {"kind": "selfie", "file": _upload("x.jpg", b"x")}
        ).status_code
        == 422
    )
    _attach(cast, doc, "postage_receipt")
    back = _attach(cast, doc, "return_receipt")
    assert default_store().rehash(back.blob_id) == back.blob_id  # kept in the content-addressed store
    services.save_draft(actor=cast.handler, document=doc, data={**doc.values, "receipt_signed_on": "2026-11-26"})
    assert "回执上的签收日期" in _refused(cast, doc, "SV3").message
    services.save_draft(actor=cast.handler, document=doc, data={**doc.values, "served_at": "2026-11-26T15:20"})
    reason = "回执寄回后据回执登记（补录）"  # served days before it is entered: a 补录 with its reason (T4)
    doc = services.finalise(actor=cast.handler, document=doc, signatures=SIGNED, backfill_reason=reason)
    assert doc.is_final and case.acts.get(kind="delivery").occurred_at.date() == date(2026, 11, 26)
    with pytest.raises(InvalidInput, match="已定稿"):  # nothing is added to a finalised document
        _attach(cast, doc, "return_receipt", b"another scan")
    assert verify() == []  # the final hash covers the attachments, and each blob is where its hash says


def _upload(name: str, content: bytes):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_entrusted_and_forwarded_service_records_the_reason_and_the_recipients_signature(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule SV5 (002 第二十六条): 记录委托、转交原因，由送达人、受送达人在送达回执上签名或盖章
    case = make_case()
    doc = _receipt(cast, case, method="entrusted", entrust_reason="", intermediary="")
    assert "原因" in _refused(cast, doc, "SV5").message
    complete = {**doc.values, "entrust_reason": "受送达人在外地服刑", "intermediary": "某某监狱"}
    services.save_draft(actor=cast.handler, document=doc, data=complete)
    refused = Sig("recipient", name="赵某", refused=True, refusal_reason="拒签", witness_name="孙某")
    _refused(cast, doc, "SV5", [SIGNED[0], refused])
    done = services.finalise(actor=cast.handler, document=doc, signatures=SIGNED, backfill_reason="据送达回执补录")
    assert done.is_final


def test_public_notice_records_its_form_carrier_and_a_copy(blob_root, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule SV6 (002 第二十七条): 公告送达的方式和载体，留存书面公告
    case = make_case()
    doc = _receipt(cast, case, method="public_notice", notice_form="", notice_carrier="")
    assert "方式和载体" in _refused(cast, doc, "SV6").message
    complete = {**doc.values, "notice_form": "posting", "notice_carrier": "当事人住所地及本机关公告栏"}
    services.save_draft(actor=cast.handler, document=doc, data=complete)
    assert "书面公告" in _refused(cast, doc, "SV6").message
    _attach(cast, doc, "notice_copy")
    done = services.finalise(actor=cast.handler, document=doc, signatures=SIGNED, backfill_reason="公告发布后补录")
    assert done.is_final


@pytest.mark.parametrize("code", ["enforcement_decision", "substitute_performance_decision"])
def test_no_enforcement_at_night_or_on_a_rest_day_unless_urgent_with_a_reason(cast, case_for, code) -> None:  # type: ignore[no-untyped-def]
    # rule E4 (强制法43: 不得在夜间或者法定节假日实施行政强制执行，情况紧急的除外)
    t = BY_CODE[code]
    field = "executed_at" if code == "enforcement_decision" else "performed_at"
    assert not calendar.is_workday(date(2026, 10, 1)) and calendar.is_workday(date(2026, 11, 24))
    case = case_for(t)
    prerequisites(t, case, cast)  # rule E3: a served 催告书, the party's reply, the time to perform passed
    calm = {"urgent": False, "urgent_reason": ""}
    for when, words in (("2026-10-01T10:00", "法定节假日"), ("2026-11-24T22:30", "夜间"), ("2026-11-24T05:59", "夜间")):
        doc = services.create_document(
            actor=cast.handler, case=case, code=code, data={**sample_data(t), **calm, field: when}
        )
        with pytest.raises(RuleViolation) as exc:
            services.finalise(actor=cast.handler, document=doc, signatures=[])
        assert exc.value.rule_id == "E4" and words in exc.value.message
    urgent_without_reason = {**sample_data(t), "urgent": True, "urgent_reason": "", field: "2026-10-01T10:00"}
    doc = services.create_document(actor=cast.handler, case=case, code=code, data=urgent_without_reason)
    with pytest.raises(RuleViolation):
        services.finalise(actor=cast.handler, document=doc, signatures=[])
    services.save_draft(
        actor=cast.handler, document=doc, data={**urgent_without_reason, "urgent_reason": "危化品泄漏，须立即排除"}
    )
    assert services.finalise(actor=cast.handler, document=doc, signatures=[]).is_final
    daytime = {**sample_data(t), **calm, field: "2026-11-24T10:00"}
    doc = services.create_document(actor=cast.handler, case=case, code=code, data=daytime)
    assert services.finalise(actor=cast.handler, document=doc, signatures=[]).is_final


def test_the_document_page_keeps_a_receipt_as_an_attachment(blob_root, cast, make_case) -> None:  # type: ignore[no-untyped-def]
    # rule SV3: the officer uploads the return receipt on the 送达回证's page
    doc = _receipt(cast, make_case(), method="mail", mail_kind="registered")
    web = Client()
    web.force_login(cast.handler)
    page = web.get(f"/documents/{doc.pk}/").content.decode()
    assert "邮寄回执" in page and 'enctype="multipart/form-data"' in page
    r = web.post(f"/documents/{doc.pk}/", {"do": "attach", "kind": "return_receipt"}, follow=True)
    assert "附件须有文件名" in r.content.decode() and not doc.attachments.exists()
    upload = _upload("回执.jpg", b"\xff\xd8 return receipt scan")
    r = web.post(f"/documents/{doc.pk}/", {"do": "attach", "kind": "return_receipt", "file": upload}, follow=True)
    assert "附件已保存" in r.content.decode() and "邮寄回执：回执.jpg" in r.content.decode()
    assert doc.attachments.get().blob.size == len(b"\xff\xd8 return receipt scan")
