"""Documents as Chinese official forms: PDF/A-3b (WeasyPrint, Noto CJK fonts) and DOCX (docxtpl).

The layout runs in a child process (``render_worker``) with a time limit (``LIUHEN_RENDER_TIMEOUT``, 60 s),
a memory limit (``LIUHEN_RENDER_MEMORY_MB``) and a bounded number at once (``LIUHEN_RENDER_WORKERS``): a
document that would take longer is refused with the reason, and the server goes on answering meanwhile.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from liuhen.agency_settings.services import value_at
from liuhen.core.documents import SLOT_LABELS, DocumentType, FieldKind, SlotRole, date_official, display, remedies_text
from liuhen.core.errors import InvalidInput, Unavailable
from liuhen.core.penalties import PartyKind
from liuhen.core.rules.agency_settings import COURT, REVIEW_BODY
from liuhen.documents.models import Document
from liuhen.documents.render_worker import EXIT_MEMORY

log = logging.getLogger("liuhen.documents")
FONTS = Path(__file__).with_name("fonts.conf")
SLOT_WAIT = 15.0  # seconds a page or API call waits for a free render worker before it is told to retry
WBR_RUN = 24  # characters between forced break opportunities in a run that has none
_UNBROKEN = re.compile(rf"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]{{{WBR_RUN + 1},}}")

STEP_TITLES = {"handler": "承办人意见", "reviewer": "审核人意见", "approver": "批准人意见"}
# The person a transcript is made with, named as the published forms name them
PERSON_ROLES = {
    "inquiry_transcript": "被询问人",
    "inspection_transcript": "被检查人",
    "hearing_transcript": "听证参加人",
    "statement_transcript": "陈述申辩人",
}
_SPEAKER = re.compile(r"(?:^|(?<=[。？！?!；;\s]))(?=[问答][：:])")
CONFIRMATION = "以上笔录我已看过（或已向我宣读），与我所说的一致。"


def layout(t: DocumentType) -> str:
    """Which published form a type follows: ``outward`` (served on a party or the public: the agency's prose
    document with its seal), ``transcript`` (笔录: 问/答 lines, signed on every page, no seal) or ``internal``
    (审批表 and other internal forms: a grid with the opinion blocks)."""
    if t.is_decision or t.code == "delivery_receipt" or (t.number_code and not t.investigation_record):
        return "outward"
    if t.investigation_record or t.name.endswith("笔录"):
        return "transcript"
    return "internal"


def _date_cn(d: Any) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _party_block(case: Any) -> list[dict[str, str]]:
    lines: list[dict[str, str]] = []
    for p in case.parties.all():
        lines.append({"label": "当事人", "value": p.name})
        if p.id_number:
            label = "统一社会信用代码" if p.kind == PartyKind.ORGANISATION else "身份证件号码"
            lines.append({"label": label, "value": p.id_number})
        if p.legal_representative:
            lines.append({"label": "法定代表人", "value": p.legal_representative})
        if p.address:
            lines.append({"label": "住所" if p.kind == PartyKind.ORGANISATION else "住址", "value": p.address})
    return lines


def _transcript_lines(text: str) -> list[dict[str, Any]]:
    """A transcript's text as 问/答 lines: each 问： or 答： starts a line with its speaker, whether the officer typed
    it on a new line or not; other text is prose."""
    out = []
    for line in text.splitlines():
        for part in _SPEAKER.split(line):
            part = part.strip()
            if not part:
                continue
            speaker = part[0] if _SPEAKER.match(part) else ""
            out.append({"speaker": speaker, "text": part[2:].strip() if speaker else part})
    return out


def context(doc: Document) -> dict[str, Any]:
    t, case = doc.type, doc.case
    values = doc.values
    form = layout(t)
    rows = [
        {"label": f.label, "value": display(f, values.get(f.name)), "long": f.kind == "textarea"}
        for f in t.fields
        if (values.get(f.name) not in (None, "") or f.required) and f.kind != FieldKind.BOOL
    ]
    statements = [f.label for f in t.fields if f.kind == FieldKind.BOOL and f.must_be_true and values.get(f.name)]
    blocks: dict[str, dict[str, Any]] = {}
    for s in doc.signatures.all():
        if form != "internal" and s.slot in STEP_TITLES:
            continue  # the approval's opinions stay inside the agency (its 审批表 carries them)
        title = STEP_TITLES.get(s.slot) or SLOT_LABELS.get(SlotRole(s.slot), s.slot)
        if form == "transcript" and s.slot == SlotRole.PARTY:
            title = PERSON_ROLES.get(t.code, title)
        blocks.setdefault(s.slot, {"slot": s.slot, "title": title, "people": []})["people"].append(
            {**s.record(), "date": _date_cn(timezone.localtime(s.signed_at))}
        )
    issued = timezone.localtime(doc.finalised_at) if doc.finalised_at else None
    at = doc.finalised_at or timezone.now()
    remedies = ""
    if t.is_decision:
        remedies = remedies_text(value_at(case.agency_id, REVIEW_BODY, at), value_at(case.agency_id, COURT, at))
    long_fields = [f for f in t.fields if f.kind == FieldKind.TEXTAREA and values.get(f.name)]
    dialogue = long_fields[0].name if form == "transcript" and long_fields else ""
    verify_code = verify_url = ""
    if form == "outward" and doc.is_final:  # the recipient checks it on the public page
        from liuhen.documents.verification import code_for, url_for

        verify_code = code_for(doc.pk)
        verify_url = url_for(verify_code)
    return {
        "layout": form,
        "verify_code": verify_code,
        "verify_url": verify_url,
        "agency": case.agency.name,
        "title": t.name,
        "document_no": doc.document_no,
        # the number the case went by when the document was finalised (a 案源登记号 before 立案 was approved)
        "case_no": case.number_at(doc.finalised_at) if doc.is_final else case.case_no,
        "parties": "、".join(case.parties.values_list("name", flat=True)),
        "party_block": _party_block(case),
        "cause": case.cause,
        "rows": [r for r in rows if not dialogue or r["label"] != t.field(dialogue).label],
        "statements": statements,
        "dialogue_title": t.field(dialogue).label if dialogue else "",
        "dialogue": _transcript_lines(str(values.get(dialogue, ""))) if dialogue else [],
        "person_role": PERSON_ROLES.get(t.code, "当事人"),
        "confirmation": CONFIRMATION if form == "transcript" else "",
        "signatures": list(blocks.values()),
        "remedies": remedies,
        "issued": date_official(issued.date()) if issued else "",
        "draft": not doc.is_final,
        "version": doc.version,
        "correction_reason": doc.correction_reason,
    }


def _breakable(text: str) -> str:
    """Escaped text with a break opportunity every WBR_RUN characters of a run that has none of its own.

    A line breaker meets such a run (a long number, a pasted hash, a word without spaces) as one unbreakable
    piece and measures it again for every line; <wbr> keeps the layout linear. Chinese, spaces and the
    characters themselves are untouched.
    """
    out: list[str] = []
    last = 0
    for m in _UNBROKEN.finditer(text):
        out.append(escape(text[last : m.start()]))
        run = m.group()
        out.append("<wbr>".join(escape(run[i : i + WBR_RUN]) for i in range(0, len(run), WBR_RUN)))
        last = m.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # every piece is escaped above


def _pdf_context(doc: Document) -> dict[str, Any]:
    ctx = context(doc)
    ctx["rows"] = [{**row, "value": _breakable(row["value"])} for row in ctx["rows"]]
    if ctx["verify_url"]:
        from liuhen.documents.verification import qr_svg

        ctx["qr"] = mark_safe(qr_svg(ctx["verify_url"]))  # made here by the qrcode library: no user text in it
    ctx["dialogue"] = [{**line, "text": _breakable(line["text"])} for line in ctx["dialogue"]]
    for key in ("parties", "cause"):
        ctx[key] = _breakable(ctx[key])
    for block in ctx["signatures"]:
        for person in block["people"]:
            for key in ("opinion", "refusal_reason"):
                if person.get(key):
                    person[key] = _breakable(str(person[key]))
    return ctx


def pdf_request(doc: Document) -> dict[str, Any]:
    """What the render worker needs to lay the document out as PDF: the page, made here from the database."""
    ctx = _pdf_context(doc)
    return {"format": "pdf", "html": render_to_string(f"documents/print_{ctx['layout']}.html", ctx)}


def pdf(doc: Document, *, interactive: bool = True) -> bytes:
    """PDF/A-3b of the document, laid out by the render worker within the time and memory limits."""
    return render(pdf_request(doc), interactive=interactive)


def docx(doc: Document, *, interactive: bool = True) -> bytes:
    """DOCX of the document (docxtpl), made by the render worker within the same limits."""
    return render({"format": "docx", "context": context(doc)}, interactive=interactive)


def render(request: dict[str, Any], *, interactive: bool = True) -> bytes:
    """Run one render worker. A page or API call (``interactive``) waits SLOT_WAIT seconds for a free worker
    and is then told to retry; a job or the command line waits its turn."""
    if not _slots().acquire(timeout=SLOT_WAIT if interactive else None):
        raise Unavailable("正在生成的文书较多，请稍后再试", retry_after=int(SLOT_WAIT))
    try:
        return _run_worker(request)
    finally:
        _slots().release()


def _run_worker(request: dict[str, Any]) -> bytes:
    limit = settings.RENDER_TIMEOUT
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}  # no secrets in the child
    env["FONTCONFIG_FILE"] = str(FONTS)  # the system's fonts and Debian's Fandol faces
    proc = subprocess.Popen(
        [sys.executable, "-m", "liuhen.documents.render_worker", str(settings.RENDER_MEMORY_MB), str(limit + 5)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        data, errors = proc.communicate(json.dumps(request, default=str).encode(), timeout=limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        log.warning("render stopped at its time limit (%s s)", limit)
        raise InvalidInput(f"文书生成超过 {limit} 秒，已中止：内容过长或过于复杂，请精简或拆分后再试") from None
    if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL):  # its own CPU limit ended it
        raise InvalidInput(f"文书生成超过 {limit} 秒，已中止：内容过长或过于复杂，请精简或拆分后再试")
    if proc.returncode == EXIT_MEMORY or (proc.returncode != 0 and b"MemoryError" in errors):
        raise InvalidInput(f"文书生成超过内存上限（{settings.RENDER_MEMORY_MB} MB），已中止：请精简或拆分后再试")
    if proc.returncode != 0 or not data:
        log.error("render worker exited %s: %s", proc.returncode, errors.decode(errors="replace")[-2000:])
        raise Unavailable("文书生成失败，请稍后再试；如仍失败请联系系统管理员")
    return data


@functools.cache
def _slots() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(settings.RENDER_WORKERS)
