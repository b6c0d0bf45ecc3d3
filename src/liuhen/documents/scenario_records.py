"""The documents a scenario makes for the facts documents establish (rules I4, D8), through the services.

``liuhen.cases.scenarios`` (the demo and the tests) calls ``satisfy`` for a fact it cannot record itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone

from liuhen.cases.models import Case
from liuhen.core.stages import Fact
from liuhen.documents import services
from liuhen.documents.models import Document, DocumentStatus
from liuhen.documents.services import SignatureRequest as Sig

if TYPE_CHECKING:
    from liuhen.cases.scenarios import Cast


def _now() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def _transcript() -> dict[str, Any]:
    return {"place": "当事人生产经营场所", "started_at": _now(), "ended_at": _now(), "certificates_shown": True}


def _officers(cast: Cast) -> list[Sig]:
    return [Sig("officer", username=cast.handler.username), Sig("officer", username=cast.second_officer.username)]


def _make(case: Case, cast: Cast, code: str, data: dict[str, Any], sigs: list[Sig]) -> Document:
    doc = services.create_document(actor=cast.handler, case=case, code=code, data=data)
    return services.finalise(actor=cast.handler, document=doc, signatures=sigs)


def _has(case: Case, code: str) -> Document | None:
    return case.documents.filter(doc_type=code, status=DocumentStatus.FINAL).order_by("-id").first()


def _measure_records(case: Case, cast: Cast, *, decision: bool) -> None:
    party = Sig("party", name="当事人代表")
    if decision and not _has(case, "compulsion_decision"):  # rides on the approved compulsion chain (D9)
        data = {
            "facts": "仓库内违规储存危险化学品，存在重大事故隐患",
            "evidence": "现场检查笔录、照片",
            "legal_basis": "《中华人民共和国安全生产法》第六十五条",
            "measure": "seal",
            "items": "危险化学品仓库一间",
            "term_days": 30,
        }
        _make(case, cast, "compulsion_decision", data, [])
    if not _has(case, "seizure_list"):
        data = {"items": "危险化学品仓库一间（已贴封条）", "place": "原地查封", "copies": True}
        _make(case, cast, "seizure_list", data, [*_officers(cast), party])
    if not _has(case, "onsite_transcript"):
        data = {**_transcript(), "content": "依法查封危险化学品仓库，清单一式二份，一份交当事人"}
        _make(case, cast, "onsite_transcript", data, [*_officers(cast), party])


def _onsite_filing(case: Case, cast: Cast) -> None:
    decision = _has(case, "onsite_penalty_decision")
    if decision is None:
        data = {
            **_transcript(),
            "facts": "未按规定在危险场所设置安全警示标志",
            "legal_basis": "《中华人民共和国安全生产法》第九十九条",
            "penalty": "警告",
            "statement": "当事人无异议",
            "review": "无需复核",
        }
        decision = _make(case, cast, "onsite_penalty_decision", data, [*_officers(cast), Sig("party", name="当事人")])
    data = {
        "decision_no": decision.document_no,
        "filed_on": timezone.localdate().isoformat(),
        "received_by": "法规科",
        "summary": "当场给予警告一次，当事人当场签收",
    }
    _make(case, cast, "onsite_decision_filing", data, [Sig("officer", username=cast.handler.username)])


def satisfy(case: Case, fact: Fact, cast: Cast) -> bool:
    """Make the documents that establish ``fact``; False for a fact no document of this module establishes."""
    if fact == Fact.MEASURE_DOCUMENTED:
        _measure_records(case, cast, decision=True)
    elif fact == Fact.EMERGENCY_MEASURE_DOCUMENTED:
        _measure_records(case, cast, decision=False)
    elif fact == Fact.ONSITE_DECISION_FILED:
        _onsite_filing(case, cast)
    else:
        return False
    return True
