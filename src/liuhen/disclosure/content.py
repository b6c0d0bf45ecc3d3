"""What an entry says: the 双公示 data items drawn from the case and its finalised decision, redacted (rule P9)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from liuhen.cases.models import Case, Party
from liuhen.core import canonical, stages
from liuhen.disclosure import redaction
from liuhen.disclosure.models import Entry, EntryKind
from liuhen.documents.models import Document, DocumentStatus, Signature

P = stages.Procedure
KIND_OF = {
    P.GENERAL: EntryKind.PENALTY,
    P.SIMPLIFIED: EntryKind.PENALTY,
    P.COMPULSION: EntryKind.COMPULSION,
    P.LICENCE: EntryKind.LICENCE,
    P.INSPECTION: EntryKind.INSPECTION,
}
# The step that makes the decision an entry is drafted for (rules P2, P3, P8)
DECIDING = {
    P.GENERAL: {"decide"},
    P.SIMPLIFIED: {"decide_on_spot"},
    P.COMPULSION: {"apply_measure", "emergency_measure"},
    P.LICENCE: {"decide"},
    P.INSPECTION: {"close"},
}
# The document the entry is published from, where the procedure has one (it must be finalised first)
DECISION_TYPES = {
    P.GENERAL: "penalty_decision",
    P.SIMPLIFIED: "onsite_penalty_decision",
    P.COMPULSION: "compulsion_decision",
}
PENALTY_CATEGORY = {"warning": "警告", "fine": "罚款", "other": "其他"}
MEASURES = {"seal": "查封", "seize": "扣押", "power_cut": "停止供电"}
PARTY_KINDS = {"individual": "自然人", "organisation": "法人及非法人组织"}


def decision_document(case: Case) -> Document | None:
    """The current finalised version of the case's decision (a correction replaces the version it corrects)."""
    code = DECISION_TYPES.get(case.procedure_enum)
    if code is None:
        return None
    return (
        Document.objects.filter(case=case, doc_type=code, status=DocumentStatus.FINAL)
        .order_by("-version", "-finalised_at", "-id")
        .first()
    )


def _people(case: Case, party: Party | None) -> redaction.People:
    """The natural persons the case's records name besides the party (witnesses, persons questioned, people who
    signed for the party), and the party's own personal values."""
    keep = {party.name, party.legal_representative} - {""} if party else set()
    others: set[str] = set()
    for p in Party.objects.filter(case=case, kind="individual"):
        others.add(p.name)
    for sig in Signature.objects.filter(document__case=case, user__isnull=True):
        others |= {sig.witness_name, sig.name.split("（")[0]}
    for doc in Document.objects.filter(case=case, status=DocumentStatus.FINAL):
        for f in doc.type.fields:
            if f.name in {"person", "witness", "interpreter"} and isinstance(doc.values.get(f.name), str):
                others.add(doc.values[f.name])
    others = {n for n in others if n and n not in keep}
    values: list[str] = []
    if party is not None:
        values.append(party.phone)
        if party.kind == "individual":
            values.append(party.id_number)
    for p in Party.objects.filter(case=case).exclude(pk=party.pk if party else 0):
        values += [p.id_number, p.phone]
    return redaction.People(
        party_name=party.name if party else "",
        party_is_person=bool(party and party.kind == "individual"),
        party_address=party.address if party else "",
        others=tuple(sorted(others)),
        values=tuple(v for v in values if v),
    )


@dataclass(frozen=True)
class Drafted:
    values: dict[str, Any]
    redactions: list[dict[str, object]]
    withheld: str  # why it must not be published, or ""


def _minor(party: Party | None, on: date) -> bool:
    if party is None or party.kind != "individual" or len(party.id_number) != 18:
        return False
    try:
        born = date(int(party.id_number[6:10]), int(party.id_number[10:12]), int(party.id_number[12:14]))
    except ValueError:
        return False
    return (on.year - born.year - ((on.month, on.day) < (born.month, born.day))) < 18


def draft_values(case: Case, decided_on: date, marked: str) -> Drafted:
    """The entry's columns from the case and its decision, with every redaction rule applied."""
    party = case.parties.order_by("id").first()
    doc = decision_document(case)
    values = doc.values if doc is not None else {}
    kind = KIND_OF[case.procedure_enum]
    if kind == EntryKind.COMPULSION:
        category = MEASURES.get(str(values.get("measure", "")), "行政强制措施")
        text = f"{category}：{values.get('items', '')}".rstrip("：")
    elif kind == EntryKind.LICENCE:
        category, text = "行政许可", f"准予行政许可：{case.cause}"
    elif kind == EntryKind.INSPECTION:
        ordered = Document.objects.filter(case=case, doc_type="rectification_order", status=DocumentStatus.FINAL)
        category = "检查结果"
        text = "发现问题，已责令限期整改并复查" if ordered.exists() else "未发现违法违规问题"
    else:
        category = PENALTY_CATEGORY.get(case.penalty_kind, "其他")
        text = str(values.get("penalty", ""))
    fine = values.get("fine") or (case.fine_amount if kind == EntryKind.PENALTY else None)
    people = _people(case, party)
    texts, removed = redaction.redact(
        {
            "facts": str(values.get("facts", "")),
            "legal_basis": str(values.get("legal_basis", "")),
            "content": text,
        },
        people,
    )
    withheld = ""
    if marked:
        withheld = f"案件或其决定书已标注为{marked}，依法不予公开（R11）"
    elif _minor(party, decided_on):
        withheld = "行政相对人为未成年人，依法不予公开"
    organisation = bool(party and party.kind == "organisation")
    return Drafted(
        values={
            "kind": kind,
            "decision_document": doc,
            "decision_no": doc.document_no if doc is not None else "",
            "party_kind": PARTY_KINDS.get(party.kind, party.kind) if party else "",
            "party_name": party.name if party else "",
            "party_code": party.id_number if party and organisation else "",
            "legal_representative": party.legal_representative if party and organisation else "",
            "violation_type": case.cause,
            "facts": texts["facts"],
            "legal_basis": texts["legal_basis"],
            "category": category,
            "content": texts["content"],
            "fine_amount": Decimal(str(fine)) if fine not in (None, "") else None,
            "decided_on": decided_on,
        },
        redactions=removed,
        withheld=withheld,
    )


# The columns a public record is made of (the feeds read just these)
RECORD_COLUMNS = (
    "id",
    "revision",
    "agency__name",
    "kind",
    "decision_no",
    "party_kind",
    "party_name",
    "party_code",
    "legal_representative",
    "violation_type",
    "facts",
    "legal_basis",
    "category",
    "content",
    "fine_amount",
    "decided_on",
    "public_until",
)


def record_from(v: Mapping[str, Any]) -> dict[str, str]:
    """The entry as the portal shows it, from its columns; its canonical JSON is what the public log commits to."""
    return {
        "id": str(v["id"]),
        "revision": str(v["revision"]),
        "agency": v["agency__name"],
        "kind": EntryKind(v["kind"]).label,
        **{k: v[k] for k in RECORD_COLUMNS[4:14]},
        "fine_amount": str(v["fine_amount"]) if v["fine_amount"] is not None else "",
        "decided_on": v["decided_on"].isoformat(),
        "public_until": v["public_until"].isoformat() if v["public_until"] else "",
    }


def public_record(entry: Entry) -> dict[str, str]:
    values = {k: getattr(entry, k) for k in RECORD_COLUMNS if k != "agency__name"}
    return record_from({**values, "id": entry.pk, "agency__name": entry.agency.name})


def content_hash(record: dict[str, str]) -> str:
    return hashlib.sha256(canonical.dumps(record)).hexdigest()


# The same data items named for a decision that is not a penalty (许可、强制、检查结果)
OTHER_LABELS = {
    "agency": "决定机关",
    "violation_type": "事项",
    "facts": "事实",
    "legal_basis": "依据",
    "category": "决定类别",
    "content": "决定内容",
}


def labels(kind: str) -> dict[str, str]:
    return LABELS if kind == EntryKind.PENALTY else {**LABELS, **OTHER_LABELS}


LABELS = {
    "agency": "处罚机关",
    "kind": "类别",
    "decision_no": "决定书文号",
    "party_kind": "行政相对人类别",
    "party_name": "行政相对人名称",
    "party_code": "统一社会信用代码",
    "legal_representative": "法定代表人",
    "violation_type": "违法行为类型",
    "facts": "违法事实",
    "legal_basis": "处罚依据",
    "category": "处罚类别",
    "content": "处罚内容",
    "fine_amount": "罚款金额（元）",
    "decided_on": "决定日期",
    "public_until": "公示截止期",
}
