"""Documents as an agency issues them, read back from the PDF (rule D6: the remedies name the 复议机关 and the
court from the agency's settings; rules I1, I2: a transcript is signed on every page and confirmed)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from liuhen.accounts.models import Role
from liuhen.agency_settings.services import set_setting
from liuhen.core.documents import date_official, datetime_written
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.core.rules import RULES
from liuhen.documents import rendering, services
from tests.conftest import make_user
from tests.documents.conftest import sample_data, sample_signatures
from tests.documents.test_documents import pdf_text

pytestmark = pytest.mark.django_db
RULE_ID = re.compile(
    r"(?<![A-Za-z0-9])(" + "|".join(sorted((re.escape(r.id) for r in RULES.values()), key=len)[::-1]) + r")(?![0-9])"
)


def _final(cast, case, code: str, **data):  # type: ignore[no-untyped-def]
    t = BY_CODE[code]
    doc = services.create_document(actor=cast.handler, case=case, code=code, data={**sample_data(t), **data})
    return services.finalise(actor=cast.handler, document=doc, signatures=sample_signatures(t))


def test_official_dates_and_times() -> None:
    assert date_official(date(2026, 12, 1)) == "二〇二六年十二月一日"
    assert date_official(date(2027, 10, 20)) == "二〇二七年十月二十日"
    assert date_official(date(2026, 1, 31)) == "二〇二六年一月三十一日"
    assert datetime_written("2026-12-01T14:00+08:00") == "2026年12月1日14时00分"


def test_rules_D6_I1_I2_outward_transcript_and_internal_layouts(agency, cast, case_for) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(agency, None, "sysadmin", Role.ADMIN)
    for key, value in (("D6.review_body", "明山区人民政府"), ("D6.court", "明山区人民法院")):
        set_setting(actor=admin, agency=agency, key=key, value=value, reason="本机关所属政府及所在地法院")

    decision = _final(cast, case_for(BY_CODE["penalty_decision"]), "penalty_decision")
    text = "".join(pdf_text(rendering.pdf(decision)).split())
    assert "行政处罚决定书" in text and decision.document_no in text and agency.name in text
    assert "向明山区人民政府申请行政复议" in text and "向明山区人民法院提起行政诉讼" in text and "六十日" in text
    assert re.search(r"二〇[〇一二三四五六七八九]{2}年[一二三四五六七八九十]+月[一二三四五六七八九十]+日", text)
    for internal in ("承办人意见", "审核人意见", "批准人意见", "建议同意", "哈希", "留痕", "本文书由"):
        assert internal not in text, internal
    assert not RULE_ID.search(text), RULE_ID.search(text)

    t = BY_CODE["inquiry_transcript"]
    questions = "\n".join(
        f"问：第{i}个问题，仓库是否设置了安全警示标志？\n答：第{i}个回答，没有设置。" for i in range(30)
    )
    transcript = _final(cast, case_for(t), t.code, content=questions)
    pages = pdf_text(rendering.pdf(transcript)).split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 2
    for n, page in enumerate(pages, 1):  # every page numbered and with the signers' line
        flat = "".join(page.split())
        assert f"第{n}页共{len(pages)}页" in flat and "被询问人（签名）：钱某" in flat, flat[-200:]
    whole = "".join("".join(pages).split())
    assert "以上笔录我已看过（或已向我宣读），与我所说的一致。" in whole
    assert "问：第0个问题" in whole and "答：第0个回答" in whole and "（印章）" not in whole
    assert "执法证号" in whole  # rule I1

    filing = _final(cast, case_for(BY_CODE["filing_approval"]), "filing_approval")
    grid = "".join(pdf_text(rendering.pdf(filing)).split())
    assert "承办人意见" in grid and "审核人意见" in grid and "批准人意见" in grid and "建议同意" in grid
    assert filing.case.case_no in grid


def test_a_drafts_times_round_trip_through_the_api_and_the_browser_form(cast, case_for) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    t = BY_CODE["inquiry_transcript"]
    doc = services.create_document(actor=cast.handler, case=case_for(t), code=t.code, data=sample_data(t))
    web = Client()
    web.force_login(cast.handler)
    data = {**sample_data(t), "started_at": "2026-12-01T14:00+08:00", "ended_at": "2026-12-01T07:30Z"}
    saved = web.put(f"/api/v1/documents/{doc.pk}", {"data": data}, content_type="application/json")
    assert saved.status_code == 200, saved.content
    doc.refresh_from_db()
    assert doc.values["started_at"] == "2026-12-01T14:00" and doc.values["ended_at"] == "2026-12-01T15:30"
    page = web.get(f"/documents/{doc.pk}/").content.decode()
    assert 'value="2026-12-01T14:00"' in page and 'value="2026-12-01T15:30"' in page  # the browser's field takes it
    form = {k: ("on" if v is True else v) for k, v in doc.values.items()}
    web.post(f"/documents/{doc.pk}/", {**form, "do": "save"})  # saved again from the browser, unchanged
    doc.refresh_from_db()
    assert doc.values["started_at"] == "2026-12-01T14:00" and doc.values["ended_at"] == "2026-12-01T15:30"


def test_a_new_draft_starts_from_what_the_case_holds(cast, make_case) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    case = make_case("general_procedure", officers=[cast.handler, cast.second_officer])
    party = case.parties.first()
    web = Client()
    web.force_login(cast.handler)
    page = web.get(f"/cases/{case.pk}/documents/new/?type=filing_approval").content.decode()
    assert party.name in page and case.get_source_display() in page and "案件来源 *：" in page
    page = web.get(f"/cases/{case.pk}/documents/new/?type=inquiry_transcript").content.decode()
    assert f'value="{party.legal_representative or party.name}"' in page
