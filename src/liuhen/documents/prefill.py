"""A new draft starts from what the case already holds: the party (with its 法定代表人 and address), the cause, the
source, the case's own numbers. The officer checks and completes it; nothing is saved until they save."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from liuhen.cases.models import Case
from liuhen.core.documents import DocumentType, FieldKind
from liuhen.core.penalties import PartyKind
from liuhen.documents.models import Document, DocumentStatus


def _party_line(p: Any) -> str:
    bits = [p.name]
    if p.legal_representative:
        bits.append(f"法定代表人{p.legal_representative}")
    if p.id_number and p.kind == PartyKind.ORGANISATION:
        bits.append(f"统一社会信用代码{p.id_number}")
    if p.address:
        bits.append(f"住所{p.address}")
    return "，".join(bits) + "。"


def violation_line(case: Case, names: str) -> str:
    """The 违法事实's opening from what 案源登记 found: when, where, who, what (the officer completes it)."""
    at = timezone.localtime(case.violation_at) if case.violation_at else None
    when = f"{at.year}年{at.month}月{at.day}日{at.hour}时{at.minute:02d}分" if at else ""
    where = f"在{case.violation_place}" if case.violation_place else ""
    who = names or "当事人"
    return f"经查，{when}{'，' if when else ''}{who}{where}存在{case.cause}的行为。"


def values(case: Case, t: DocumentType) -> dict[str, Any]:
    """Initial values of a new ``t`` on ``case``, for the fields the case answers."""
    parties = list(case.parties.all())
    first = parties[0] if parties else None
    names = "、".join(p.name for p in parties)
    out: dict[str, Any] = {}
    fields = {f.name: f for f in t.fields if f.kind not in (FieldKind.BOOL, FieldKind.CHOICE)}
    if "facts" in fields and fields["facts"].label == "违法事实" and (case.violation_at or case.violation_place):
        out["facts"] = violation_line(case, names)
    # a transcript made where the violation was found starts at that place (the officer changes it if not)
    if "place" in fields and "started_at" in fields and case.violation_place:
        out["place"] = case.violation_place
    if "case_source" in fields:
        out["case_source"] = case.get_source_display()
    if "party_summary" in fields and parties:
        out["party_summary"] = "\n".join(_party_line(p) for p in parties)
    if t.code == "filing_approval" and "reason" in fields:
        out["reason"] = case.summary or case.cause
    if "person" in fields and first is not None:  # the person questioned: an organisation speaks by its representative
        organisation = first.kind == PartyKind.ORGANISATION
        out["person"] = (first.legal_representative or first.name) if organisation else first.name
        if not organisation and first.id_number and "person_id" in fields:
            out["person_id"] = first.id_number
    for name in ("applicant", "recipient"):
        if name in fields and names and not fields[name].label.startswith("投诉"):
            out[name] = names
    if t.code == "delivery_receipt":
        if first is not None and first.address:
            out["place"] = first.address
        served = (
            Document.objects.filter(case=case, status=DocumentStatus.FINAL)
            .exclude(document_no="")
            .order_by("-finalised_at", "-id")
            .first()
        )
        if served is not None:
            out["served_document"] = f"{served.type.name} {served.document_no}"
    return out
