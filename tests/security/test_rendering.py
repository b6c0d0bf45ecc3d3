"""Rendering is bounded: long text lays out in linear time, a render runs in a limited child process, and a
render that would run away is refused with the reason while the server goes on answering (finding 2)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.test import Client

from liuhen.accounts import services as accounts
from liuhen.cases.models import Case
from liuhen.core.documents import MAX_CHARS, FieldKind
from liuhen.core.documents.catalogue import CATALOGUE
from liuhen.core.errors import InvalidInput
from liuhen.documents import rendering, services
from liuhen.documents.models import Document
from tests.documents.conftest import case_for, sample_data  # noqa: F401 - case_for is a fixture
from tests.documents.test_documents import pdf_text
from tests.instance.conftest import demo_home, free_port, home_copy, liuhen  # noqa: F401 - fixtures

INSPECTION = next(t for t in CATALOGUE if t.code == "inspection_transcript")
PROSE = "当事人称其于二零二六年三月在厂区内储存危险化学品，未按规定设置安全警示标志；经现场检查，发现仓库内存放"


def transcript(chars: int) -> str:
    return (PROSE * (chars // len(PROSE) + 1))[:chars]


def draft(cast: Any, case_for: Any, **values: str) -> Document:  # noqa: F811
    data = {**sample_data(INSPECTION), **values}
    return services.create_document(actor=cast.handler, case=case_for(INSPECTION), code=INSPECTION.code, data=data)


def visible(text: str) -> str:
    """The text of the pages without the layout's line breaks, the signers' line and page number at the foot of
    every page, the signature lines and the draft watermark (草稿)."""
    kept = (line for line in text.splitlines() if not re.search(r"（签名）：|第\s*\d+\s*页", line))
    return re.sub(r"[草稿]", "", "".join("".join(kept).split()))


def test_a_33000_character_transcript_renders_with_every_character(cast, case_for) -> None:  # noqa: F811
    """The 现场检查笔录 that ran past 300 s: in a fixed table layout it is linear, and nothing is lost."""
    content = transcript(33_000)
    doc = draft(cast, case_for, content=content)
    text = visible(pdf_text(rendering.pdf(doc)))
    assert content in text


def test_a_run_without_break_opportunities_is_kept_whole(cast, case_for) -> None:  # noqa: F811
    """A pasted hash or number with no space lays out as many lines, every character on the page."""
    run = "0123456789abcdef" * 1250  # 20,000 characters, not one break opportunity
    doc = draft(cast, case_for, content=f"抽样编号：{run}。", place="x" * 400)
    text = visible(pdf_text(rendering.pdf(doc)))
    assert f"抽样编号：{run}。" in text and "x" * 400 in text
    assert "wbr" not in text


def test_the_render_worker_fetches_nothing(tmp_path: Path) -> None:
    """Defence in depth behind escaping: even a page that names a local stylesheet gets nothing from outside."""
    sheet = tmp_path / "x.css"
    sheet.write_text('body::after { content: "LEAKED-FROM-DISK" }', encoding="utf-8")
    html = f'<html><head><link rel="stylesheet" href="{sheet.as_uri()}"></head><body><p>正文</p></body></html>'
    text = pdf_text(rendering.render({"format": "pdf", "html": html}))
    assert "正文" in text and "LEAKED" not in text


def _render_children() -> list[int]:
    """Render workers started by this process (read from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == os.getpid() and b"render_worker" in cmdline:
            out.append(int(entry.name))
    return out


def test_a_render_past_its_time_limit_is_stopped_and_refused(cast, case_for, settings) -> None:  # noqa: F811
    """The worker is frozen (SIGSTOP) so it can never finish: the parent kills it at the limit and says why."""
    settings.RENDER_TIMEOUT = 3
    request = rendering.pdf_request(draft(cast, case_for))  # the page is made from the database here
    outcome: dict[str, Exception | bytes] = {}

    def render() -> None:
        try:
            outcome["result"] = rendering.render(request)
        except Exception as exc:
            outcome["result"] = exc

    thread = threading.Thread(target=render)
    thread.start()
    while not (children := _render_children()) and thread.is_alive():
        time.sleep(0.01)
    assert children, "the render runs in a child process"
    os.kill(children[0], signal.SIGSTOP)
    thread.join()
    assert isinstance(outcome["result"], InvalidInput)
    assert "超过 3 秒" in str(outcome["result"]) and "已中止" in str(outcome["result"])
    assert not Path(f"/proc/{children[0]}").exists() or "Z" in Path(f"/proc/{children[0]}/stat").read_text()


def test_a_render_past_its_memory_limit_is_refused(cast, case_for, settings) -> None:  # noqa: F811
    settings.RENDER_MEMORY_MB = 40  # less than the layout engine needs to start
    doc = draft(cast, case_for)
    with pytest.raises(InvalidInput, match="内存上限（40 MB）"):
        rendering.pdf(doc)
    with pytest.raises(InvalidInput, match="内存上限"):
        rendering.docx(doc)


def test_a_busy_renderer_answers_503_with_retry_after(cast, case_for, monkeypatch) -> None:  # noqa: F811
    doc = draft(cast, case_for)
    monkeypatch.setattr(rendering, "SLOT_WAIT", 0.05)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {accounts.create_token(actor=None, user=cast.handler)}")
    slots = rendering._slots()
    taken = 0
    while slots.acquire(blocking=False):
        taken += 1
    try:
        r = client.get(f"/api/v1/documents/{doc.pk}/pdf")
        assert r.status_code == 503 and r["Retry-After"] and "请稍后再试" in r.json()["detail"]
    finally:
        for _ in range(taken):
            slots.release()
    r = client.get(f"/api/v1/documents/{doc.pk}/pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_field_lengths_have_maxima_per_kind(cast, case_for) -> None:  # noqa: F811
    """A textarea takes a long day's transcript and no more; a one-line field takes 500 characters."""
    client = Client(HTTP_AUTHORIZATION=f"Bearer {accounts.create_token(actor=None, user=cast.handler)}")
    case = case_for(INSPECTION)
    before = Document.objects.count()
    for name, kind in (("content", FieldKind.TEXTAREA), ("place", FieldKind.TEXT)):
        data = {**sample_data(INSPECTION), name: "字" * (MAX_CHARS[kind] + 1)}
        r = client.post(
            f"/api/v1/cases/{case.pk}/documents", {"doc_type": INSPECTION.code, "data": data}, "application/json"
        )
        assert r.status_code == 422, r.content
        assert f"最多 {MAX_CHARS[kind]} 字" in r.json()["detail"] and INSPECTION.field(name).label in r.json()["detail"]
    assert Document.objects.count() == before
    data = {**sample_data(INSPECTION), "content": "字" * MAX_CHARS[FieldKind.TEXTAREA]}
    r = client.post(
        f"/api/v1/cases/{case.pk}/documents", {"doc_type": INSPECTION.code, "data": data}, "application/json"
    )
    assert r.status_code == 201
    kinds = client.get("/api/v1/document-types").json()
    assert {f["kind"]: f["max_chars"] for t in kinds for f in t["fields"]}["textarea"] == 50_000


def test_free_text_of_a_record_is_bounded_on_every_database(cast, make_case) -> None:
    """No text field takes megabytes: a case summary of 2.4 MB and a cause past its length are refused (422)."""
    client = Client(HTTP_AUTHORIZATION=f"Bearer {accounts.create_token(actor=None, user=cast.handler)}")
    payload = {"procedure": "general_procedure", "cause": "未按规定设置安全警示标志", "unit_id": cast.handler.unit_id}
    before = Case.objects.count()
    r = client.post("/api/v1/cases", {**payload, "summary": "案" * 400_000}, "application/json")
    assert r.status_code == 422 and "简要案情" in r.json()["detail"] and "最多 10000 字" in r.json()["detail"]
    r = client.post("/api/v1/cases", {**payload, "cause": "由" * 201}, "application/json")
    assert r.status_code == 422 and "最多 200 字" in r.json()["detail"]
    assert Case.objects.count() == before
    r = client.post("/api/v1/cases", {**payload, "summary": "案" * 10_000}, "application/json")
    assert r.status_code == 201, r.content


# --- against a real `liuhen serve` -------------------------------------------------------------------------------


def _children_of(pid: int, marker: bytes) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if ppid == pid and marker in (entry / "cmdline").read_bytes():
                    out.append(int(entry.name))
            except OSError:
                continue
    return out


@pytest.fixture
def render_server(home_copy: Path) -> Iterator[tuple[str, int]]:  # noqa: F811
    """`liuhen serve` on a free port with a 20-second render limit; yields its address and process id."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env |= {"LIUHEN_HOME": str(home_copy), "LIUHEN_RENDER_TIMEOUT": "20"}
    log = (home_copy / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "liuhen.cli", "serve", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            requests.get(f"{url}/login/", timeout=30)
            break
        except requests.ConnectionError:
            assert proc.poll() is None, (home_copy / "serve.log").read_text()
            time.sleep(0.2)
    yield url, proc.pid
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.mark.instance
def test_a_long_transcript_renders_in_time_and_the_server_answers_meanwhile(render_server, home_copy) -> None:  # noqa: F811
    url, pid = render_server
    token = liuhen(home_copy, "token", "create", "--user", "zhangwei").stdout.strip()
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    cases = api.get(
        f"{url}/api/v1/cases", params={"procedure": "general_procedure", "mine": "true"}, timeout=30
    ).json()["items"]
    case_id = cases[0]["id"]
    data = {**sample_data(INSPECTION), "content": transcript(33_000)}
    r = api.post(
        f"{url}/api/v1/cases/{case_id}/documents", json={"doc_type": INSPECTION.code, "data": data}, timeout=30
    )
    assert r.status_code == 201, r.text
    doc_id = r.json()["id"]
    results: list[requests.Response] = []

    def download() -> None:
        results.append(api.get(f"{url}/api/v1/documents/{doc_id}/pdf", timeout=60))  # done when: within 60 s

    # 1. While the render worker holds the document (frozen, so "meanwhile" is certain), the server answers.
    thread = threading.Thread(target=download)
    thread.start()
    while not (workers := _children_of(pid, b"render_worker")):
        assert thread.is_alive(), results
        time.sleep(0.01)
    os.kill(workers[0], signal.SIGSTOP)
    assert api.get(f"{url}/api/v1/me", timeout=30).json()["username"] == "zhangwei"
    assert api.get(f"{url}/api/v1/cases/{case_id}", timeout=30).status_code == 200
    os.kill(workers[0], signal.SIGCONT)
    thread.join()
    assert results[0].status_code == 200 and results[0].content.startswith(b"%PDF")
    assert transcript(33_000) in visible(pdf_text(results[0].content))

    # 2. A render that does not finish within the limit is killed and refused with the reason.
    thread = threading.Thread(target=download)
    thread.start()
    while not (workers := _children_of(pid, b"render_worker")):
        assert thread.is_alive(), results
        time.sleep(0.01)
    os.kill(workers[0], signal.SIGSTOP)
    assert api.get(f"{url}/api/v1/me", timeout=30).status_code == 200
    thread.join()
    assert results[1].status_code == 422 and "超过 20 秒，已中止" in results[1].json()["detail"]
    while _children_of(pid, b"render_worker"):  # nothing is left running (the zombie is reaped at once)
        time.sleep(0.05)


@pytest.mark.instance
def test_the_command_line_says_why_a_render_was_refused(demo_home: Path, tmp_path: Path) -> None:  # noqa: F811
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env |= {"LIUHEN_HOME": str(demo_home), "LIUHEN_RENDER_MEMORY_MB": "40"}
    out = tmp_path / "form.pdf"
    proc = subprocess.run(
        [sys.executable, "-m", "liuhen.cli", "documents", "render", "1", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "内存上限（40 MB）" in proc.stderr and not out.exists()
    ok = liuhen(demo_home, "documents", "render", "1", "--out", str(out))
    assert "已生成" in ok.stdout and out.read_bytes().startswith(b"%PDF")
