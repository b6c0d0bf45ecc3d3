"""The public portal (rules P1, P2, P5, P8, P9): no login and no cookie; redacted entries, search, feeds; the
public log's proof of an entry verifies offline with docs/verify_entry.py, and a changed entry does not."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.test import Client

from liuhen.disclosure import prior, services
from liuhen.disclosure.models import CorrectionRequest, Entry
from tests.disclosure.conftest import PARTY_ID, PARTY_PHONE, WITNESS, WITNESS_ID, at

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[2] / "docs"


def _verify(tmp_path: Path, doc: dict, script: str = "verify_entry.py") -> subprocess.CompletedProcess[str]:  # type: ignore[type-arg]
    path = tmp_path / "entry.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return subprocess.run([sys.executable, str(DOCS / script), str(path)], capture_output=True, text=True, check=False)


def test_rules_P1_P2_P9_portal_without_login_or_cookie(cast, decided, agency, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        case = decided()
        entry = services.publish_entry(actor=cast.unit_head, entry=Entry.objects.get(case=case))
        prior.publish(actor=cast.leader, agency=agency)  # the 事前公开, reviewed and published (P1, P11)
    web = Client()
    pages = {
        "/gongshi/": "最新公示",
        f"/gongshi/agencies/{agency.pk}/": "CERT-1",  # P1: officers with their certificates
        "/gongshi/av-rules/": "必须全程音像记录",
        "/gongshi/entries/?party=王五": "王五",
        f"/gongshi/entries/{entry.pk}/": "〔已隐去：身份证号码〕",
    }
    for url, expected in pages.items():
        r = web.get(url)
        text = r.content.decode()
        assert r.status_code == 200 and expected in text, url
        assert not r.cookies and "Set-Cookie" not in r.headers, url
        for secret in (PARTY_ID, PARTY_PHONE, WITNESS, WITNESS_ID, "13800001111"):
            assert secret not in text, (url, secret)
    assert "王五" not in web.get("/gongshi/entries/?party=赵六").content.decode()
    r = web.get("/gongshi/entries/?since=2026-13-01")
    assert r.status_code == 400 and "起始日期须为日期" in r.content.decode()
    feed = json.loads(web.get("/gongshi/feed.json?kind=penalty").content)["entries"]
    assert [e["id"] for e in feed] == [str(entry.pk)] and PARTY_ID not in json.dumps(feed)
    rows = list(csv.reader(io.StringIO(web.get("/gongshi/feed.csv").content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "处罚机关", "类别"] and rows[1][0] == str(entry.pk)

    doc = json.loads(web.get(f"/gongshi/entries/{entry.pk}.json").content)
    for script in ("verify_entry.py", "verify_proof.py"):  # the ledger's offline checker takes an entry too
        ok = _verify(tmp_path, doc, script)
        assert ok.returncode == 0 and "核验通过" in ok.stdout, ok.stderr
    doc["entry"]["fine_amount"] = "500.00"
    for script in ("verify_entry.py", "verify_proof.py"):
        changed = _verify(tmp_path, doc, script)
        assert changed.returncode == 1 and "内容已被改动" in changed.stderr
    consistency = json.loads(web.get("/gongshi/log/consistency?old=0&new=1").content)
    assert consistency["new_size"] == 1 and web.get("/gongshi/log/consistency?old=5").status_code == 400

    r = web.post(f"/gongshi/entries/{entry.pk}/correction/", {"requester": "", "contact": "", "content": "金额有误"})
    assert r.status_code == 400 and "请填写：申请人、联系方式" in r.content.decode()
    assert not CorrectionRequest.objects.exists()
    r = web.post(
        f"/gongshi/entries/{entry.pk}/correction/",
        {"requester": "王五", "contact": "13900000000", "content": "罚款金额有误"},
    )
    assert r.status_code == 303 and not r.cookies and CorrectionRequest.objects.count() == 1
