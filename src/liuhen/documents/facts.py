"""The facts the state machine reads from finalised documents: the record the law names, and what it says.

A fact holds only when the document of the right type is finalised (complete, signed, within its rules) and its
content says yes: a 法制审核意见书 that concludes 不同意 is a review that did not pass (D2), the simplified
ceiling is read from the fine the 当场行政处罚决定书 states (S5), a 送达回证 serves the decision whose number it
names, and service by public notice counts only from the deemed date (SV6). That a notice was served is the
act its document records when the party signs for it, or its 送达回证 (the cases app reads those acts). The
cases app asks for these facts through ``provide_facts``; nothing a user types as free text opens a gate for
which a document exists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from liuhen.cases.models import Case
from liuhen.core import periods
from liuhen.core.documents.catalogue import BY_CODE, SERVED_BY_RECEIPT
from liuhen.core.errors import CalendarYearUnknown
from liuhen.core.penalties import PartyKind, PenaltyKind, simplified_allowed
from liuhen.core.stages import Fact
from liuhen.documents import stage_facts
from liuhen.documents.models import Document, DocumentStatus

# A finalised document of this type establishes the fact (content conditions are in ``document_facts``)
DOCUMENT_FACTS: dict[str, tuple[Fact, ...]] = {
    "duty_log": (Fact.DUTY_LOG,),  # rule S4
    "non_filing_notice": (Fact.COMPLAINANT_NOTIFIED,),  # rule S4
    "filing_approval": (Fact.FILING_APPROVED,),  # rule S2: the 立案审批表, carrying the D9 chain
    "inspection_transcript": (Fact.INSPECTION_TRANSCRIPT,),  # rule I2
    "investigation_report": (Fact.INVESTIGATION_REPORT,),  # rule D1
    "hearing_transcript": (Fact.HEARING_HELD,),  # rule D5
    "collective_discussion": (Fact.COLLECTIVE_DISCUSSION,),  # rule D3
    "penalty_decision": (Fact.DECISION_DOCUMENT,),  # rule D6
    "onsite_penalty_decision": (Fact.STATEMENT_HEARD, Fact.DECISION_DOCUMENT),  # rules D8, D6
    "extension_decision": (Fact.EXTENSION_NOTICE,),  # rule I4
    "lift_decision": (Fact.LIFT_DECISION,),  # rule I4
    "rectification_order": (Fact.RECTIFICATION_ORDER,),  # rule E1
    "rectification_check": (Fact.RECTIFICATION_CHECK,),  # rule E1
    # rule E5 (002 第三十一条): an enforced case, and the recorded result of its enforcement
    "enforcement_decision": (Fact.ENFORCED,),
    "substitute_performance_decision": (Fact.ENFORCED,),
    "court_application": (Fact.ENFORCED,),
    "enforcement_result": (Fact.ENFORCEMENT_RESULT,),
    "onsite_decision_filing": (Fact.ONSITE_DECISION_FILED,),  # rule D8 (002 第二十二条(五); 处罚法52)
    # rule S1 (000 第五条; 002 第七条): the licence application's records
    "application_form": (Fact.APPLICATION_REGISTERED,),
    "acceptance_receipt": (Fact.RECEIPT_ISSUED,),
    "supplement_notice": (Fact.SUPPLEMENT_NOTICE,),
    "refusal_decision": (Fact.REFUSAL_NOTICE,),
}
# Types whose facts depend on what they say, beside those above
CONTENT_FACTS = {"legal_review_opinion", "delivery_receipt", "onsite_penalty_decision", "statement_transcript"}
REVIEW_PASSED = {"agree", "agree_after_change"}  # rule D2: 不同意 is a review that did not pass (处罚法58)


@dataclass(frozen=True)
class Row:
    id: int
    doc_type: str
    status: str
    supersedes_id: int | None
    document_no: str
    values: dict[str, Any]


def _rows(case: Case) -> list[Row]:
    types = DOCUMENT_FACTS.keys() | CONTENT_FACTS | set(SERVED_BY_RECEIPT) | stage_facts.TYPES | RECUSAL_TYPES
    qs = Document.objects.filter(case=case, doc_type__in=types)
    return [
        Row(i, t, s, sup, no, json.loads(data))
        for i, t, s, sup, no, data in qs.values_list("id", "doc_type", "status", "supersedes_id", "document_no", "data")
    ]


RECUSAL_TYPES = {"recusal_application", "recusal_decision"}


def pending_recusals_in(rows: list[Row]) -> int:
    """``documents.queries.pending_recusals`` on rows already read: finalised recusal applications (first
    versions) not yet answered by a finalised 回避决定书 (rule S7)."""
    first_finals = [r.doc_type for r in rows if r.status == DocumentStatus.FINAL and r.supersedes_id is None]
    return max(0, first_finals.count("recusal_application") - first_finals.count("recusal_decision"))


def current_finals(rows: list[Row]) -> list[Row]:
    """The finalised version in force of each document: a finalised correction replaces what it corrects."""
    replaced = {r.supersedes_id for r in rows if r.status == DocumentStatus.FINAL and r.supersedes_id}
    return [r for r in rows if r.status == DocumentStatus.FINAL and r.id not in replaced]


def deemed_served(values: dict[str, Any]) -> date | None:
    """rule SV6: when a 送达回证's service takes effect: the day served, or for public notice 30 days after the
    notice (民诉95). None while the year's calendar is unknown (T5: never a guess that shortens a party's time)."""
    served = datetime.fromisoformat(str(values["served_at"])).date()
    if values.get("method") != "public_notice":
        return served
    try:
        return periods.deemed_served_on(served)
    except CalendarYearUnknown:
        return None


def _delivered(receipts: list[Row], decisions: list[Row], notices: list[Row], on: date) -> bool:
    """rules SV2, SV6: a finalised 送达回证 for the decision (naming its number) whose service has taken effect."""
    numbers = [d.document_no for d in decisions if d.document_no]
    notice_numbers = [n.document_no for n in notices if n.document_no]
    for r in receipts:
        served_doc = str(r.values.get("served_document") or "")
        if numbers and not any(n in served_doc for n in numbers):
            continue  # the receipt of another document, not of the decision
        if not numbers and any(n in served_doc for n in notice_numbers):
            continue  # the receipt of a notice
        effective = deemed_served(r.values)
        if effective is not None and effective <= on:
            return True
    return False


def _within_simplified(values: dict[str, Any], party_kinds: list[PartyKind]) -> bool:
    """rule S5 on the fine the 当场行政处罚决定书 states."""
    fine = Decimal(str(values["fine"])) if values.get("fine") not in (None, "") else None
    penalty = PenaltyKind.FINE if fine is not None and fine > 0 else PenaltyKind.WARNING
    return simplified_allowed(party_kinds, penalty, fine)


def document_facts(case: Case, on: date) -> set[str]:
    rows = _rows(case)
    finals = current_finals(rows)
    facts: set[str] = set()
    for r in finals:
        facts.update(DOCUMENT_FACTS.get(r.doc_type, ()))
        if r.doc_type == "legal_review_opinion" and r.values.get("conclusion") in REVIEW_PASSED:
            facts.add(Fact.LEGAL_REVIEW)
    onsite = [r for r in finals if r.doc_type == "onsite_penalty_decision"]
    if onsite:
        kinds = [PartyKind(k) for k in case.parties.values_list("kind", flat=True)]
        if all(_within_simplified(r.values, kinds) for r in onsite):
            facts.add(Fact.SIMPLIFIED_LIMITS)
    statements = [r for r in rows if r.doc_type == "statement_transcript"]
    if statements:  # rule D4: the party's statements and their review, in a finalised 陈述申辩笔录
        facts.add(Fact.STATEMENTS_MADE)
        if not any(r.status == DocumentStatus.DRAFT and r.supersedes_id is None for r in statements):
            facts.add(Fact.STATEMENTS_REVIEWED)
    decisions = [r for r in finals if BY_CODE[r.doc_type].is_decision]
    receipts = [r for r in finals if r.doc_type == "delivery_receipt"]
    notices = [r for r in finals if r.doc_type in SERVED_BY_RECEIPT]
    if _delivered(receipts, decisions, notices, on):
        facts.add(Fact.DELIVERED)
    facts |= stage_facts.measure_facts(finals)  # rule I4
    if not pending_recusals_in(rows):  # rule S7: no recusal application waits for its 回避决定书
        facts.add(Fact.NO_PENDING_RECUSAL)
    return facts
