"""The PDF/A check of what the archive lays out (rule R14): a PDF/A-3b from the render worker passes; each way a file
breaks a PDF/A requirement is named by its clause, by the function and by `liuhen check-pdfa`."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, NumberObject, TextStringObject

from liuhen.archive import pdfa
from liuhen.documents.rendering import render

HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>测试卷</title>
<meta name="description" content="归档号 20260001"></head>
<body style="font-family: 'Noto Serif CJK SC', serif"><h1>案卷封面</h1>
<p>全宗名称：测试区应急管理局</p></body></html>"""


@pytest.fixture(scope="module")
def good() -> bytes:
    return render({"format": "pdf", "html": HTML}, interactive=False)


def _rewrite(data: bytes, change: Callable[[PdfWriter], None]) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(data))
    change(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _no_intent(w: PdfWriter) -> None:
    del w.root_object["/OutputIntents"]


def _title(w: PdfWriter) -> None:
    w.add_metadata({"/Title": "另一题名"})


def _javascript(w: PdfWriter) -> None:
    from pypdf.actions import JavaScript

    w.add_open_action(JavaScript("app.alert(1);"))


def _encrypted(w: PdfWriter) -> None:
    w.encrypt("secret")


def _loose_font(w: PdfWriter) -> None:
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    resources = w.pages[0]["/Resources"].get_object()
    fonts = resources.setdefault(NameObject("/Font"), DictionaryObject()).get_object()
    fonts[NameObject("/FHelv")] = w._add_object(font)


def _hidden_link(w: PdfWriter) -> None:
    w.add_uri(0, "https://example.org/", (10, 10, 50, 50))
    for a in w.pages[0]["/Annots"]:
        a.get_object()[NameObject("/F")] = NumberObject(2)  # hidden, not printed


def _producer(w: PdfWriter) -> None:
    w.add_metadata({"/Producer": TextStringObject("某签章软件")})


SPOILED: dict[str, Callable[[bytes], bytes]] = {
    "6.2.3": lambda d: _rewrite(d, _no_intent),
    "6.6.2.3": lambda d: _rewrite(d, _title),
    "6.6.1": lambda d: _rewrite(d, _javascript),
    "6.1.3": lambda d: d + b"\n% appended after the end\n",
    "6.2.11.4": lambda d: _rewrite(d, _loose_font),
    "6.3.2": lambda d: _rewrite(d, _hidden_link),
}


def test_rule_r14_a_rendered_pdfa_passes_and_each_broken_requirement_is_named_by_its_clause(good, tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = pdfa.check(good)
    assert report.passed, report.findings
    assert (report.part, report.conformance.upper()) == ("3", "B")
    for clause, spoil in SPOILED.items():
        findings = pdfa.check(spoil(good)).findings
        assert any(f.startswith(clause + " ") for f in findings), (clause, findings)
    encrypted = pdfa.check(_rewrite(good, _encrypted))
    assert any(f.startswith("6.1.3") and "加密" in f for f in encrypted.findings)
    assert not pdfa.check(b"not a pdf at all").passed
    assert any("/Producer" in f for f in pdfa.check(_rewrite(good, _producer)).findings)

    # the command line: exit 0 for a conforming file, 1 with a line per finding, 2 for a missing file
    (tmp_path / "good.pdf").write_bytes(good)
    (tmp_path / "bad.pdf").write_bytes(SPOILED["6.2.3"](good))
    env = {**os.environ, "LIUHEN_HOME": str(tmp_path / "home")}

    def run(*files: Path) -> subprocess.CompletedProcess[str]:
        args = [sys.executable, "-m", "liuhen.cli", "check-pdfa", *map(str, files)]
        return subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)

    assert run(tmp_path / "good.pdf").returncode == 0
    bad = run(tmp_path / "good.pdf", tmp_path / "bad.pdf")
    assert bad.returncode == 1 and "6.2.3" in bad.stdout and "bad.pdf" in bad.stdout
    assert run(tmp_path / "none.pdf").returncode == 2
